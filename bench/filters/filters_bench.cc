// Hot-path figures for docs/filters.md ("Dependencies and why"): a realistic three-predicate
// filter per event against the cost of merely parsing the same JSON with RapidJSON's DOM, plus
// simdjson On-Demand reading one field and simdjson's DOM parse.
#include <benchmark/benchmark.h>
#include <rapidjson/document.h>
#include <simdjson.h>

#include <cstdio>
#include <map>
#include <string>

#include "deployment_events.h"
#include "filters/compile.h"
#include "filters/event_view.h"
#include "filters/filter_state.h"

namespace {

using watchfilter::filters::compile;
using watchfilter::filters::EventParser;
using watchfilter::filters::FilterState;
using watchfilter::filters::bench::DeploymentEvents;
using watchfilter::filters::bench::make_deployment_events;

constexpr const char* kFilter =
    "changed(spec) || delta(status.readyReplicas) >= 2 || outlier(status.observedLatencyMs, 3)";

const DeploymentEvents& events() {
  static const DeploymentEvents kEvents = make_deployment_events(8192, 200);
  return kEvents;
}

void finish(benchmark::State& state) {
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * events().average_bytes()));
  state.counters["events/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_Filter_ThreePredicates(benchmark::State& state) {
  const DeploymentEvents& ev = events();
  FilterState filter(compile(kFilter).filter);
  EventParser parser;
  std::size_t i = 0;
  std::size_t delivered = 0;
  for (auto _ : state) {
    const auto view = parser.parse_event_padded(std::string_view(ev.padded[i].data(), ev.sizes[i]),
                                                ev.padded[i].size());
    delivered += filter.decide(view).deliver;
    if (++i == ev.padded.size()) i = 0;
  }
  benchmark::DoNotOptimize(delivered);
  finish(state);
  state.counters["delivered%"] = 100.0 * static_cast<double>(filter.counters().delivered) /
                                 static_cast<double>(filter.counters().evaluated);
  state.counters["state_bytes/object"] =
      static_cast<double>(filter.memory_bytes()) / static_cast<double>(filter.tracked_objects());
}

// The proxy's shape: one parse, many streams. 20 filters, several sharing paths.
void BM_Filter_TwentyStreamsOneParse(benchmark::State& state) {
  const DeploymentEvents& ev = events();
  std::vector<FilterState> streams;
  const char* filters[] = {kFilter,
                           "changed(spec)",
                           "changed(spec.template)",
                           "delta(status.readyReplicas) >= 1",
                           "status.readyReplicas < spec.replicas",
                           "changed(metadata.labels, metadata.annotations)"};
  for (int s = 0; s < 20; ++s) streams.emplace_back(compile(filters[s % 6]).filter);
  EventParser parser;
  std::size_t i = 0;
  for (auto _ : state) {
    const auto view = parser.parse_event_padded(std::string_view(ev.padded[i].data(), ev.sizes[i]),
                                                ev.padded[i].size());
    for (FilterState& s : streams) benchmark::DoNotOptimize(s.decide(view).deliver);
    if (++i == ev.padded.size()) i = 0;
  }
  finish(state);
}

void BM_RapidJsonDom_Parse(benchmark::State& state) {
  const DeploymentEvents& ev = events();
  // Reused pool allocator: the fastest way to use RapidJSON's DOM, so the ratio is not flattered.
  char buffer[1 << 16];
  rapidjson::MemoryPoolAllocator<> allocator(buffer, sizeof buffer);
  std::size_t i = 0;
  for (auto _ : state) {
    rapidjson::Document doc(&allocator);
    doc.Parse(ev.padded[i].data(), ev.sizes[i]);
    benchmark::DoNotOptimize(doc.HasParseError());
    allocator.Clear();
    if (++i == ev.padded.size()) i = 0;
  }
  finish(state);
}

void BM_SimdjsonOnDemand_OneField(benchmark::State& state) {
  const DeploymentEvents& ev = events();
  simdjson::ondemand::parser parser;
  std::size_t i = 0;
  for (auto _ : state) {
    auto doc = parser.iterate(ev.padded[i].data(), ev.sizes[i], ev.padded[i].size());
    int64_t ready = 0;
    benchmark::DoNotOptimize(doc["object"]["status"]["readyReplicas"].get_int64().get(ready));
    benchmark::DoNotOptimize(ready);
    if (++i == ev.padded.size()) i = 0;
  }
  finish(state);
}

void BM_SimdjsonDom_Parse(benchmark::State& state) {
  const DeploymentEvents& ev = events();
  simdjson::dom::parser parser;
  std::size_t i = 0;
  for (auto _ : state) {
    simdjson::dom::element root;
    benchmark::DoNotOptimize(parser.parse(ev.padded[i].data(), ev.sizes[i], false).get(root));
    if (++i == ev.padded.size()) i = 0;
  }
  finish(state);
}

BENCHMARK(BM_Filter_ThreePredicates);
BENCHMARK(BM_Filter_TwentyStreamsOneParse);
BENCHMARK(BM_RapidJsonDom_Parse);
BENCHMARK(BM_SimdjsonOnDemand_OneField);
BENCHMARK(BM_SimdjsonDom_Parse);

// Prints the console table, then the ratio the issue asks for.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.run_type == Run::RT_Iteration && !run.error_occurred) {
        ns_per_event_[run.run_name.function_name] = run.GetAdjustedRealTime();
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    const auto find = [&](const char* name) {
      auto it = ns_per_event_.find(name);
      return it == ns_per_event_.end() ? 0.0 : it->second;
    };
    const double filter = find("BM_Filter_ThreePredicates");
    const double dom = find("BM_RapidJsonDom_Parse");
    std::printf("\naverage event: %zu bytes\n", events().average_bytes());
    for (const auto& [name, ns] : ns_per_event_) {
      std::printf("%-34s %10.0f events/s/core\n", name.c_str(), 1e9 / ns);
    }
    if (filter > 0 && dom > 0) {
      std::printf("three-predicate filter vs RapidJSON DOM parse alone: %.2fx faster\n",
                  dom / filter);
    }
  }

 private:
  std::map<std::string, double> ns_per_event_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}

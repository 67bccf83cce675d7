// The ceiling of the proxy's fan-out engine (docs/benchmarks.md, "The proxy"): each watch event
// parsed once and decided for N streams, each with its own FilterState and one of the four
// filters of bench/proxy's fan-out run, in one thread, no network. With --events FILE (a watch
// recording, one event a line: bench/proxy/run.sh passes the fan-out run's) those events are
// replayed; otherwise ConfigMap events shaped like that run's writes are generated.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "filters/compile.h"
#include "filters/event_view.h"
#include "filters/filter_state.h"

namespace {

using watchfilter::filters::compile;
using watchfilter::filters::EventParser;
using watchfilter::filters::FilterState;

constexpr const char* kFilters[] = {
    "changed(data)",
    "changed(metadata.labels)",
    R"(metadata.labels["tier"] == "hot")",
    R"(changed(data) && metadata.name.endsWith("7"))",
};

struct Events {
  std::vector<std::string> padded;  // each line followed by EventParser::kPadding zero bytes
  std::vector<std::size_t> sizes;
  void add(std::string line) {
    sizes.push_back(line.size());
    line.append(EventParser::kPadding, '\0');
    padded.push_back(std::move(line));
  }
};

std::string configmap_event(const char* type, int object, long rv, long seq, bool label_write) {
  char name[16];
  std::snprintf(name, sizeof name, "cm-%02d", object);
  const std::string tier = object < 5 ? "hot" : "cold";
  const std::string v = std::to_string(label_write ? 0 : seq);
  const std::string label = label_write ? R"(,"v":")" + std::to_string(seq) + "\"" : "";
  return std::string(R"({"type":")") + type +
         R"(","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":")" + name +
         R"(","namespace":"bp","uid":"0b1c2d3e-0000-4000-8000-0000000000)" + std::string(name + 3) +
         R"(","resourceVersion":")" + std::to_string(rv) +
         R"(","creationTimestamp":"2026-12-05T10:00:00Z","labels":{"tier":")" + tier + "\"" +
         label + R"(},"annotations":{"wf/seq":")" + std::to_string(seq) +
         R"("},"managedFields":[{"manager":"wfload","operation":"Update","apiVersion":"v1","time":"2026-12-05T10:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:pad":{},"f:v":{}},"f:metadata":{"f:annotations":{"f:wf/seq":{}},"f:labels":{"f:tier":{}}}}}]},"data":{"pad":")" +
         std::string(1000, 'x') + R"(","v":")" + v + R"("}}})";
}

Events generated() {
  Events ev;
  long rv = 1000;
  for (int i = 0; i < 20; ++i) ev.add(configmap_event("ADDED", i, ++rv, 0, false));
  for (long seq = 1; seq <= 4000; ++seq)
    ev.add(configmap_event("MODIFIED", seq % 20, ++rv, seq, seq % 5 == 0));
  return ev;
}

std::string g_events_file;

const Events& events() {
  static const Events kEvents = [] {
    if (g_events_file.empty()) return generated();
    Events ev;
    std::ifstream in(g_events_file);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line.find("\"BOOKMARK\"") == std::string::npos) ev.add(line);
    }
    if (ev.sizes.empty()) {
      std::fprintf(stderr, "fanout_engine_bench: no events in %s, generating them\n",
                   g_events_file.c_str());
      return generated();
    }
    return ev;
  }();
  return kEvents;
}

// One iteration: one event parsed, then decided for every stream. A replay wraps around, so
// after the first pass every event is a MODIFIED of a known object, as in a long run.
void BM_FanOut(benchmark::State& state) {
  const Events& ev = events();
  std::vector<FilterState> streams;
  const auto n = static_cast<std::size_t>(state.range(0));
  streams.reserve(n);
  for (std::size_t s = 0; s < n; ++s) streams.emplace_back(compile(kFilters[s % 4]).filter);
  EventParser parser;
  std::size_t i = 0;
  std::size_t delivered = 0;
  for (auto _ : state) {
    const auto view = parser.parse_event_padded(std::string_view(ev.padded[i].data(), ev.sizes[i]),
                                                ev.padded[i].size());
    for (FilterState& s : streams) delivered += s.decide(view).deliver;
    if (++i == ev.sizes.size()) i = 0;
  }
  benchmark::DoNotOptimize(delivered);
  state.counters["streams"] = static_cast<double>(n);
  state.counters["events/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["decisions/s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * n), benchmark::Counter::kIsRate);
  state.counters["delivered/event"] =
      static_cast<double>(delivered) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_FanOut)->Arg(1)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) {
  // --events FILE is ours; the rest are Google Benchmark's.
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--events") == 0 && i + 1 < argc) {
      g_events_file = argv[++i];
    } else {
      args.push_back(argv[i]);
    }
  }
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

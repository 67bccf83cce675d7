// outlier_replay: replays each NAB series as successive versions of one object through
// FilterState with `outlier(value, z, window)` and measures what it delivers against the
// labelled anomaly windows. Figures go to docs/filters.md.
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>

#include "filters/compile.h"
#include "filters/event_view.h"
#include "filters/filter_state.h"
#include "nab_data.h"

namespace {

using namespace watchfilter::filters;
using watchfilter::filters::bench::NabSeries;

constexpr std::string_view kUsage =
    R"(usage: outlier_replay NAB_DIR [--z Z] [--window N] [--statistic mad|mean] [--sweep]

NAB_DIR is the directory holding combined_windows.json and the CSV folders
(e.g. ../shared/data/nab). Prints, per series and in total: delivered points / all points,
the share of anomaly windows with at least one delivered point, and the share of delivered
points inside a window. --sweep prints only the totals for a grid of z, window and statistic.
)";

struct Totals {
  std::size_t points = 0;
  std::size_t delivered = 0;
  std::size_t windows = 0;
  std::size_t windows_hit = 0;
  std::size_t delivered_in_window = 0;
};

struct Setup {
  double z = 3;
  unsigned window = 0;  // 0: the library default
  OutlierStatistic statistic = CompileOptions{}.outlier_statistic;
};

Totals replay(const NabSeries& series, const Setup& setup) {
  CompileOptions options;
  options.outlier_statistic = setup.statistic;
  char expression[96];
  if (setup.window == 0) {
    std::snprintf(expression, sizeof expression, "outlier(value, %g)", setup.z);
  } else {
    std::snprintf(expression, sizeof expression, "outlier(value, %g, %u)", setup.z, setup.window);
  }
  const CompileResult compiled = compile(expression, options);
  if (!compiled) throw std::runtime_error(compiled.error->to_string());
  FilterState state(compiled.filter);
  EventParser parser;
  Totals t;
  t.points = series.values.size();
  t.windows = series.windows.size();
  std::vector<char> hit(series.windows.size(), 0);
  std::string event;
  for (std::size_t i = 0; i < series.values.size(); ++i) {
    char value[40];
    std::snprintf(value, sizeof value, "%.17g", series.values[i]);
    event = R"({"type":")";
    event += i == 0 ? "ADDED" : "MODIFIED";
    event += R"(","object":{"metadata":{"uid":"nab","resourceVersion":")" + std::to_string(i + 1) +
             R"("},"value":)" + value + "}}";
    if (!state.decide(parser.parse_event(event)).deliver) continue;
    ++t.delivered;
    const std::string& ts = series.timestamps[i];
    bool inside = false;
    for (std::size_t w = 0; w < series.windows.size(); ++w) {
      if (ts >= series.windows[w].first && ts <= series.windows[w].second) {
        inside = true;
        hit[w] = 1;
      }
    }
    t.delivered_in_window += inside;
  }
  for (char h : hit) t.windows_hit += h;
  return t;
}

void add(Totals& sum, const Totals& t) {
  sum.points += t.points;
  sum.delivered += t.delivered;
  sum.windows += t.windows;
  sum.windows_hit += t.windows_hit;
  sum.delivered_in_window += t.delivered_in_window;
}

double pct(std::size_t a, std::size_t b) { return b == 0 ? 0 : 100.0 * static_cast<double>(a) / static_cast<double>(b); }

void print_row(const std::string& name, const Totals& t) {
  std::printf("| %s | %zu / %zu (%.2f%%) | %zu / %zu | %.1f%% |\n", name.c_str(), t.delivered, t.points,
              pct(t.delivered, t.points), t.windows_hit, t.windows, pct(t.delivered_in_window, t.delivered));
}

const char* statistic_name(OutlierStatistic s) { return s == OutlierStatistic::kMedianMad ? "mad" : "mean"; }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0) {
    std::fputs(kUsage.data(), argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  Setup setup;
  bool sweep = false;
  for (int i = 2; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--z" && i + 1 < argc) {
      setup.z = std::stod(argv[++i]);
    } else if (arg == "--window" && i + 1 < argc) {
      setup.window = static_cast<unsigned>(std::stoul(argv[++i]));
    } else if (arg == "--statistic" && i + 1 < argc) {
      const std::string_view s = argv[++i];
      setup.statistic = s == "mean" ? OutlierStatistic::kMeanStddev : OutlierStatistic::kMedianMad;
    } else if (arg == "--sweep") {
      sweep = true;
    } else {
      std::fprintf(stderr, "unknown argument %s\n%s", argv[i], kUsage.data());
      return 2;
    }
  }
  try {
    const auto all = watchfilter::filters::bench::load_nab(argv[1]);
    if (sweep) {
      std::printf("| statistic | z | window | delivered | windows caught | delivered in windows |\n|---|---|---|---|---|---|\n");
      for (OutlierStatistic s : {OutlierStatistic::kMeanStddev, OutlierStatistic::kMedianMad}) {
        for (double z : {3.0, 4.0, 5.0, 6.0}) {
          for (unsigned w : {16u, 32u, 64u, 128u}) {
            Totals sum;
            for (const NabSeries& series : all) add(sum, replay(series, Setup{z, w, s}));
            std::printf("| %s | %g | %u | %.2f%% | %zu / %zu | %.1f%% |\n", statistic_name(s), z, w,
                        pct(sum.delivered, sum.points), sum.windows_hit, sum.windows,
                        pct(sum.delivered_in_window, sum.delivered));
          }
        }
      }
      return 0;
    }
    std::printf("outlier(value, %g%s%s), statistic %s\n\n", setup.z, setup.window ? ", " : "",
                setup.window ? std::to_string(setup.window).c_str() : "", statistic_name(setup.statistic));
    std::printf("| series | delivered / points | windows caught | delivered in windows |\n|---|---|---|---|\n");
    Totals sum;
    for (const NabSeries& series : all) {
      const Totals t = replay(series, setup);
      print_row(series.name, t);
      add(sum, t);
    }
    print_row("**total**", sum);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "outlier_replay: %s\n", e.what());
    return 1;
  }
  return 0;
}

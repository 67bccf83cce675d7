// outlier_replay: replays each NAB series as successive versions of one object through
// FilterState with an outlier() filter and measures what it delivers against the labelled
// anomaly windows: delivered fraction, window recall, precision, NAB standard-profile score.
// Figures go to docs/filters.md; --check is the quick test that keeps the default honest.
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "nab_data.h"
#include "nab_replay.h"
#include "nab_score.h"

namespace {

using watchfilter::filters::bench::NabSeries;
using watchfilter::filters::bench::NabTotals;

constexpr std::string_view kUsage =
    R"(usage: outlier_replay NAB_DIR [--z Z] [--window N] [--mode "MODE"] [--sweep] [--check]

NAB_DIR is the directory holding combined_windows.json and the CSV folders
(e.g. ../shared/data/nab). Replays every series listed there with
outlier(value, Z[, N][, "MODE"]) (default: outlier(value, 3), the default statistic)
and prints, per series and in total: delivered points / all points, labelled windows
with at least one delivered point, the share of delivered points inside a window, and
NAB's standard-profile score (docs/filters.md).
--sweep  prints only the totals, for today's statistic and the new ones over a few
         z, windows and modes (the table of docs/filters.md).
--check  replays the default outlier(value, 3) only and exits 1 unless it delivers at
         most 2% of the points, catches at least 90% of the windows and at least 25% of
         what it delivers lies inside a window (a ctest).
)";

struct Setup {
  double z = 3;
  unsigned window = 0;  // 0: the statistic's default
  std::string mode;     // empty: the default statistic and report
};

std::string expression_of(const Setup& s) {
  char text[160];
  std::string tail;
  if (s.window != 0) tail += ", " + std::to_string(s.window);
  if (!s.mode.empty()) tail += ", \"" + s.mode + "\"";
  std::snprintf(text, sizeof text, "outlier(value, %g%s)", s.z, tail.c_str());
  return text;
}

NabTotals run(const NabSeries& series, const Setup& setup) {
  return watchfilter::filters::bench::score_series(
      series, watchfilter::filters::bench::replay(series, expression_of(setup)));
}

NabTotals run_all(const std::vector<NabSeries>& all, const Setup& setup) {
  NabTotals sum;
  for (const NabSeries& series : all) sum += run(series, setup);
  return sum;
}

void print_row(const std::string& name, const NabTotals& t, bool with_nab) {
  std::printf("| %s | %zu / %zu (%.2f%%) | %zu / %zu | %.1f%% |", name.c_str(), t.delivered,
              t.points, t.delivered_pct(), t.windows_hit, t.windows, t.precision_pct());
  if (with_nab) {
    std::printf(" %.1f |", t.nab_score());
  } else {
    std::printf(" - |");  // NAB scores only series with labelled windows
  }
  std::printf("\n");
}

int sweep(const std::vector<NabSeries>& all) {
  std::printf(
      "| filter | delivered | windows caught | delivered in windows | NAB standard "
      "|\n|---|---|---|---|---|\n");
  const auto row = [&](const Setup& s) {
    const NabTotals t = run_all(all, s);
    std::printf("| `%s` | %.2f%% | %zu / %zu | %.1f%% | %.1f |\n", expression_of(s).c_str(),
                t.delivered_pct(), t.windows_hit, t.windows, t.precision_pct(), t.nab_score());
    std::fflush(stdout);
  };
  // Today's statistic (until 0.1: every outlying observation against the windowed mean/stddev),
  // then the new default and its variants.
  for (double z : {3.0, 4.0, 5.0}) row({z, 32, "mean every"});
  row({3, 32, "mad every"});
  for (double z : {3.0, 4.0, 5.0}) row({z, 0, ""});
  for (unsigned w : {16u, 32u, 64u, 256u}) row({3, w, ""});
  for (const char* mode : {"recovery", "every", "ewma", "ewma every", "mean once"})
    row({3, 0, mode});
  return 0;
}

int check(const std::vector<NabSeries>& all) {
  const Setup setup;
  const NabTotals t = run_all(all, setup);
  std::printf(
      "%s: delivered %.2f%% (max 2%%), windows caught %zu / %zu = %.1f%% (min 90%%), delivered in "
      "windows "
      "%.1f%% (min 25%%), NAB standard %.1f\n",
      expression_of(setup).c_str(), t.delivered_pct(), t.windows_hit, t.windows, t.recall_pct(),
      t.precision_pct(), t.nab_score());
  const bool ok = t.windows > 0 && t.delivered_pct() <= 2.0 && t.recall_pct() >= 90.0 &&
                  t.precision_pct() >= 25.0;
  if (!ok)
    std::printf(
        "FAIL: the default outlier() statistic no longer meets the thresholds of "
        "docs/filters.md\n");
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0) {
    std::fputs(kUsage.data(), argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  Setup setup;
  bool do_sweep = false;
  bool do_check = false;
  for (int i = 2; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--z" && i + 1 < argc) {
      setup.z = std::stod(argv[++i]);
    } else if (arg == "--window" && i + 1 < argc) {
      setup.window = static_cast<unsigned>(std::stoul(argv[++i]));
    } else if (arg == "--mode" && i + 1 < argc) {
      setup.mode = argv[++i];
    } else if (arg == "--sweep") {
      do_sweep = true;
    } else if (arg == "--check") {
      do_check = true;
    } else {
      std::fprintf(stderr, "unknown argument %s\n%s", argv[i], kUsage.data());
      return 2;
    }
  }
  try {
    const auto all = watchfilter::filters::bench::load_nab(argv[1]);
    if (do_check) return check(all);
    if (do_sweep) return sweep(all);
    std::printf("%s\n\n", expression_of(setup).c_str());
    std::printf(
        "| series | delivered / points | windows caught | delivered in windows | NAB standard "
        "|\n|---|---|---|---|---|\n");
    NabTotals sum;
    for (const NabSeries& series : all) {
      const NabTotals t = run(series, setup);
      print_row(series.name, t, t.windows > 0);
      sum += t;
    }
    print_row("**total**", sum, true);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "outlier_replay: %s\n", e.what());
    return 1;
  }
  return 0;
}

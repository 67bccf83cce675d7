#include "nab_score.h"

#include <algorithm>
#include <cmath>

namespace watchfilter::filters::bench {
namespace {

// NAB's standard profile (config/profiles.json).
constexpr double kTpWeight = 1.0;
constexpr double kFpWeight = 0.11;
constexpr double kFnWeight = 1.0;
constexpr double kProbationPercent = 0.15;

// NAB's scaledSigmoid: +0.987 at the left edge of a window (-1), 0 at its right edge,
// towards -1 after it; -1 from 3 window lengths on.
double scaled_sigmoid(double relative_position) {
  if (relative_position >= 3.0) return -1.0;
  return 2.0 / (1.0 + std::exp(5.0 * relative_position)) - 1.0;
}

double pct(std::size_t a, std::size_t b) {
  return b == 0 ? 0 : 100.0 * static_cast<double>(a) / static_cast<double>(b);
}

}  // namespace

NabTotals& NabTotals::operator+=(const NabTotals& t) {
  points += t.points;
  delivered += t.delivered;
  windows += t.windows;
  windows_hit += t.windows_hit;
  delivered_in_window += t.delivered_in_window;
  raw += t.raw;
  null += t.null;
  perfect += t.perfect;
  return *this;
}

double NabTotals::delivered_pct() const { return pct(delivered, points); }
double NabTotals::recall_pct() const { return pct(windows_hit, windows); }
double NabTotals::precision_pct() const { return pct(delivered_in_window, delivered); }
double NabTotals::nab_score() const {
  return perfect == null ? 0 : 100.0 * (raw - null) / (perfect - null);
}

NabTotals score_series(const NabSeries& series, const std::vector<char>& delivered) {
  const std::size_t n = series.values.size();
  const std::size_t windows = series.window_rows.size();
  NabTotals t;
  t.points = n;
  t.windows = windows;
  t.perfect = kTpWeight * static_cast<double>(windows);
  // Rows before the probationary length are not scored (the detector is learning).
  const double probation =
      std::min(std::floor(kProbationPercent * static_cast<double>(n)), kProbationPercent * 5000);
  const double max_tp = scaled_sigmoid(-1.0);
  std::vector<double> best(windows, -kFnWeight);  // a window nobody detects scores -A_FN
  std::vector<char> scorable(windows, 0), hit(windows, 0);
  double fp = 0;
  std::ptrdiff_t current = -1;         // window containing row i
  std::size_t next = 0;                // next window to enter
  std::ptrdiff_t previous_right = -1;  // right edge of the last window left behind
  double previous_width = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (next < windows && i == series.window_rows[next].first)
      current = static_cast<std::ptrdiff_t>(next++);
    double weighted;
    if (current >= 0) {
      const auto [left, right] = series.window_rows[static_cast<std::size_t>(current)];
      const double width = static_cast<double>(right - left + 1);
      const double position = -(static_cast<double>(right) - static_cast<double>(i) + 1) / width;
      weighted = scaled_sigmoid(position) * kTpWeight / max_tp;
    } else {
      const double position =
          previous_right < 0
              ? 3.0
              : std::fabs(static_cast<double>(previous_right) - static_cast<double>(i)) /
                    (previous_width - 1);
      weighted = scaled_sigmoid(position) * kFpWeight;
    }
    const bool scored = static_cast<double>(i) >= probation;
    if (current >= 0 && scored) scorable[static_cast<std::size_t>(current)] = 1;
    if (delivered[i]) {
      ++t.delivered;
      if (current >= 0) {
        ++t.delivered_in_window;
        hit[static_cast<std::size_t>(current)] = 1;
      }
      if (scored) {
        if (current >= 0) {
          best[static_cast<std::size_t>(current)] =
              std::max(best[static_cast<std::size_t>(current)], weighted);
        } else {
          fp += weighted;
        }
      }
    }
    if (current >= 0 && i == series.window_rows[static_cast<std::size_t>(current)].second) {
      const auto [left, right] = series.window_rows[static_cast<std::size_t>(current)];
      previous_right = static_cast<std::ptrdiff_t>(right);
      previous_width = static_cast<double>(right - left + 1);
      current = -1;
    }
  }
  t.raw = fp;
  for (std::size_t w = 0; w < windows; ++w) {
    t.windows_hit += hit[w];
    // NAB scores only windows that have rows after the probationary period.
    if (!scorable[w]) continue;
    t.raw += best[w];
    t.null -= kFnWeight;
  }
  return t;
}

}  // namespace watchfilter::filters::bench

#pragma once

#include <cstddef>
#include <vector>

#include "nab_data.h"

namespace watchfilter::filters::bench {

// What a detector delivered on NAB series, summed over series: the plain counts and the terms of
// NAB's standard-profile score (docs/filters.md gives the formula, as nab/sweeper.py and
// nab/runner.py of NAB compute it).
struct NabTotals {
  std::size_t points = 0;
  std::size_t delivered = 0;
  std::size_t windows = 0;
  std::size_t windows_hit = 0;  // windows with at least one delivered point
  std::size_t delivered_in_window = 0;
  double raw = 0;      // sum over series of NAB's raw score
  double null = 0;     // the raw score of a detector that delivers nothing
  double perfect = 0;  // A_TP per labelled window

  NabTotals& operator+=(const NabTotals& t);
  double delivered_pct() const;
  double recall_pct() const;
  double precision_pct() const;
  // 100 * (raw - null) / (perfect - null): 0 for the null detector, 100 for a perfect one.
  double nab_score() const;
};

// `delivered[i]` says whether row i of `series` was delivered (a binary detector: NAB's
// threshold sweep has nothing to choose).
NabTotals score_series(const NabSeries& series, const std::vector<char>& delivered);

}  // namespace watchfilter::filters::bench

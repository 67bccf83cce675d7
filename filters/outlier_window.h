#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "filters/outlier_spec.h"

namespace watchfilter::filters {

// The last `capacity` observed values of one field of one object, as a ring: the "mean" and
// "mad" statistics of outlier(), O(capacity) per observation. Storage grows with
// the observations up to the capacity, so objects that rarely change stay small.
class OutlierWindow {
 public:
  // Below this many observations nothing is an outlier: a handful of samples says nothing about
  // spread, and the first updates of a new object must not all be reported.
  static constexpr std::size_t kWarmup = 8;

  explicit OutlierWindow(std::uint32_t capacity = 32,
                         OutlierStatistic statistic = OutlierStatistic::kMeanStddev)
      : capacity_(capacity), statistic_(statistic) {}

  // How many spreads `x` lies from the centre of the window (excluding x itself); nullopt while
  // warming up. A window with zero spread scores any different value as +infinity.
  std::optional<double> score(double x) const;
  void observe(double x);

  std::size_t size() const noexcept { return samples_.size(); }
  std::size_t memory_bytes() const noexcept {
    return (samples_.capacity() + sorted_.capacity()) * sizeof(double);
  }

 private:
  std::vector<double> samples_;  // ring, in arrival order
  std::vector<double> sorted_;   // kMedianMad only: the same values sorted, so no sort per event
  std::uint32_t capacity_;
  OutlierStatistic statistic_;
  std::uint32_t next_ = 0;
};

}  // namespace watchfilter::filters

#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <variant>

#include "filters/ew_baseline.h"
#include "filters/outlier_spec.h"
#include "filters/outlier_window.h"

namespace watchfilter::filters {

// What one outlier() call says about one observation, decided before the expression runs.
struct OutlierVerdict {
  std::optional<double> score;  // spreads from the baseline; nullopt while warming up
  bool report = false;          // what outlier() returns
};

// The per-object state of one outlier(x, z, window, "mode") call: a statistic that scores each
// observation, and the run state that decides which outlying observations are reported.
// assess() is const so that the verdict can be computed before the expression is evaluated;
// observe() then records the observation with that verdict, once per event.
class OutlierDetector {
 public:
  OutlierDetector(const OutlierSpec& spec, double z);

  OutlierVerdict assess(double x, ObservedAt at) const noexcept;
  void observe(double x, ObservedAt at, const OutlierVerdict& verdict);

  std::size_t memory_bytes() const noexcept;  // heap bytes owned, beyond sizeof(*this)
  static std::size_t full_heap_bytes(OutlierStatistic statistic, std::uint32_t window) noexcept;

  // A run reports again only when its score reaches this multiple of the last report.
  static constexpr double kDeepening = 1.5;

 private:
  std::variant<EwBaseline, OutlierWindow> statistic_;
  float z_;
  float last_reported_ = 0;  // score of the run's last report
  std::uint32_t window_;
  std::uint32_t calm_ = 0;  // observations in a row that were not outliers, while in a run
  OutlierReport report_;
  bool in_run_ = false;
};

}  // namespace watchfilter::filters

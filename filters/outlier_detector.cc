#include "filters/outlier_detector.h"

namespace watchfilter::filters {
namespace {

std::variant<EwBaseline, OutlierWindow> make_statistic(const OutlierSpec& spec,
                                                       std::uint32_t window) {
  switch (spec.statistic) {
    case OutlierStatistic::kSeasonal:
      return EwBaseline(window, true);
    case OutlierStatistic::kEwma:
      return EwBaseline(window, false);
    case OutlierStatistic::kMeanStddev:
    case OutlierStatistic::kMedianMad:
      break;
  }
  return OutlierWindow(window, spec.statistic);
}

std::uint32_t window_of(const OutlierSpec& spec) {
  return spec.window != 0 ? spec.window : default_window(spec.statistic);
}

}  // namespace

OutlierDetector::OutlierDetector(const OutlierSpec& spec, double z)
    : statistic_(make_statistic(spec, window_of(spec))),
      z_(static_cast<float>(z)),
      window_(window_of(spec)),
      report_(spec.report) {}

OutlierVerdict OutlierDetector::assess(double x, ObservedAt at) const noexcept {
  OutlierVerdict v;
  v.score = std::visit(
      [&](const auto& s) -> std::optional<double> {
        if constexpr (std::is_same_v<std::decay_t<decltype(s)>, EwBaseline>) {
          return s.score(x, at);
        } else {
          return s.score(x);
        }
      },
      statistic_);
  const bool outlier = v.score.has_value() && *v.score > z_;
  switch (report_) {
    case OutlierReport::kEvery:
      v.report = outlier;
      break;
    case OutlierReport::kOnce:
    case OutlierReport::kOnceRecovery:
      if (outlier) {
        v.report = !in_run_ || *v.score > kDeepening * last_reported_;
      } else {
        v.report = report_ == OutlierReport::kOnceRecovery && in_run_ && calm_ + 1 >= window_;
      }
      break;
  }
  return v;
}

void OutlierDetector::observe(double x, ObservedAt at, const OutlierVerdict& verdict) {
  const bool outlier = verdict.score.has_value() && *verdict.score > z_;
  if (outlier) {
    if (verdict.report) last_reported_ = static_cast<float>(*verdict.score);
    in_run_ = true;
    calm_ = 0;
  } else if (in_run_ && ++calm_ >= window_) {
    in_run_ = false;
    calm_ = 0;
  }
  std::visit(
      [&](auto& s) {
        if constexpr (std::is_same_v<std::decay_t<decltype(s)>, EwBaseline>) {
          s.observe(x, at);
        } else {
          s.observe(x);
        }
      },
      statistic_);
}

std::size_t OutlierDetector::memory_bytes() const noexcept {
  return std::visit([](const auto& s) { return s.memory_bytes(); }, statistic_);
}

std::size_t OutlierDetector::full_heap_bytes(OutlierStatistic statistic,
                                             std::uint32_t window) noexcept {
  switch (statistic) {
    case OutlierStatistic::kSeasonal:
      return EwBaseline::full_heap_bytes(true);
    case OutlierStatistic::kEwma:
      return EwBaseline::full_heap_bytes(false);
    case OutlierStatistic::kMeanStddev:
      return window * sizeof(double);
    case OutlierStatistic::kMedianMad:
      return 2 * window * sizeof(double);
  }
  return 0;
}

}  // namespace watchfilter::filters

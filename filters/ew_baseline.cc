#include "filters/ew_baseline.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace watchfilter::filters {
namespace {

struct HourOfDay {
  std::uint8_t hour;
  std::uint8_t day;  // day number since the epoch, mod 256: only "same day or not" is asked
};

HourOfDay hour_of_day(ObservedAt at) noexcept {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(at.time_since_epoch()).count();
  constexpr std::int64_t kDay = 86400;
  const std::int64_t day = seconds >= 0 ? seconds / kDay : (seconds - kDay + 1) / kDay;
  const std::int64_t in_day = seconds - day * kDay;
  return {static_cast<std::uint8_t>(in_day / 3600), static_cast<std::uint8_t>(day & 0xff)};
}

// The first observations get equal weights (a plain running mean) until alpha takes over, so
// the baseline does not lean on its first value for `window` observations.
double step_weight(double alpha, std::uint32_t count) noexcept {
  const double plain = 1.0 / (static_cast<double>(count) + 1.0);
  return std::max(plain, alpha);
}

template <class Var>
void ew_step(double& mean, Var& var, std::uint32_t count, double alpha, double x) noexcept {
  if (count == 0) {
    mean = x;
    var = 0;
    return;
  }
  const double w = step_weight(alpha, count);
  const double d = x - mean;
  mean += w * d;
  var = static_cast<Var>((1 - w) * (static_cast<double>(var) + w * d * d));
}

}  // namespace

double outlier_z(double distance, double spread) noexcept {
  if (spread > 0) return distance / spread;
  return distance > 0 ? std::numeric_limits<double>::infinity() : 0.0;
}

EwBaseline::EwBaseline(std::uint32_t window, bool by_hour) noexcept
    : alpha_(static_cast<float>(2.0 / (static_cast<double>(window) + 1.0))), by_hour_(by_hour) {}

bool EwBaseline::answers(const Hour& h, std::uint8_t day) const noexcept {
  return h.count >= kWarmup && (h.days >= 2 || (h.days == 1 && h.last_day != day));
}

std::optional<double> EwBaseline::score(double x, ObservedAt at) const noexcept {
  if (count_ < kWarmup) return std::nullopt;
  double mean = mean_;
  double var = var_;
  if (by_hour_ && !hours_.empty()) {
    const HourOfDay hd = hour_of_day(at);
    const Hour& h = hours_[hd.hour];
    if (answers(h, hd.day)) {
      mean = h.mean;
      var = h.var;
    }
  }
  return outlier_z(std::fabs(x - mean), std::max(std::sqrt(var), resolution_));
}

void EwBaseline::observe(double x, ObservedAt at) {
  if (count_ > 0 && x != last_) {
    const double step = std::fabs(x - last_);
    if (resolution_ == 0 || step < resolution_) resolution_ = step;
  }
  last_ = x;
  ew_step(mean_, var_, count_, alpha_, x);
  if (count_ < std::numeric_limits<std::uint32_t>::max()) ++count_;
  if (!by_hour_) return;
  if (hours_.empty()) hours_.resize(24);
  const HourOfDay hd = hour_of_day(at);
  Hour& h = hours_[hd.hour];
  if (h.count == 0 || h.last_day != hd.day) {
    if (h.days < 255) ++h.days;
    h.last_day = hd.day;
  }
  ew_step(h.mean, h.var, h.count, alpha_, x);
  if (h.count < std::numeric_limits<std::uint16_t>::max()) ++h.count;
}

}  // namespace watchfilter::filters

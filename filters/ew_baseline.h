#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace watchfilter::filters {

using ObservedAt = std::chrono::system_clock::time_point;

// How many spreads `distance` is; a zero spread makes any distance infinitely far (a flat line
// that moves is news) and no distance 0.
double outlier_z(double distance, double spread) noexcept;

// Exponentially weighted mean and variance (span `window`: alpha = 2 / (window + 1)) of one
// field of one object, optionally kept per hour of the day (UTC) so that a daily pattern is
// its own baseline. O(1) time per observation, fixed memory.
//
// Score of x: |x - mean| / max(stddev, resolution), where resolution is the smallest non-zero
// step seen between consecutive observations: quantized data (integers, percent steps) never
// collapses the spread below one step, so one step is never "infinitely" far.
// By hour: an hour of the day answers once it holds kWarmup observations and has history from
// an earlier day than the one being scored; until then the all-hours baseline answers.
class EwBaseline {
 public:
  static constexpr std::uint32_t kWarmup = 8;  // fewer observations: no score

  EwBaseline(std::uint32_t window, bool by_hour) noexcept;

  // nullopt while warming up.
  std::optional<double> score(double x, ObservedAt at) const noexcept;
  void observe(double x, ObservedAt at);

  std::size_t memory_bytes() const noexcept { return hours_.capacity() * sizeof(Hour); }
  // Heap bytes once every hour has been seen.
  static std::size_t full_heap_bytes(bool by_hour) noexcept {
    return by_hour ? 24 * sizeof(Hour) : 0;
  }

 private:
  // Variance as float: it only scales the score, and 24 hours of doubles would cost a third more.
  struct Hour {
    double mean = 0;
    float var = 0;
    std::uint16_t count = 0;    // saturates
    std::uint8_t days = 0;      // distinct days seen, saturates
    std::uint8_t last_day = 0;  // day number mod 256 of the last observation
  };

  bool answers(const Hour& h, std::uint8_t day) const noexcept;

  double mean_ = 0;
  double var_ = 0;
  double resolution_ = 0;  // 0: no step seen yet
  double last_ = 0;
  float alpha_;
  std::uint32_t count_ = 0;
  bool by_hour_;
  std::vector<Hour> hours_;  // by_hour: 24 once observed; allocated lazily
};

}  // namespace watchfilter::filters

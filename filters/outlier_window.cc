#include "filters/outlier_window.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace watchfilter::filters {
namespace {

// Scaling that makes the MAD estimate the standard deviation for normal data, so z means the
// same thing under both statistics.
constexpr double kMadToSigma = 1.4826;

double z_of(double distance, double spread) {
  if (spread > 0) return distance / spread;
  return distance > 0 ? std::numeric_limits<double>::infinity() : 0.0;
}

}  // namespace

std::optional<double> OutlierWindow::score(double x) const {
  const std::size_t n = samples_.size();
  if (n < kWarmup) return std::nullopt;
  if (statistic_ == OutlierStatistic::kMeanStddev) {
    double mean = 0;
    for (double s : samples_) mean += s;
    mean /= static_cast<double>(n);
    double m2 = 0;
    for (double s : samples_) m2 += (s - mean) * (s - mean);
    return z_of(std::fabs(x - mean), std::sqrt(m2 / static_cast<double>(n - 1)));
  }
  // Median from the sorted copy; the MAD is the k-th smallest distance to it, found by merging
  // outwards from the median (distances grow in both directions of a sorted array).
  const double median = n % 2 == 1 ? sorted_[n / 2] : (sorted_[n / 2 - 1] + sorted_[n / 2]) / 2;
  const auto split = std::lower_bound(sorted_.begin(), sorted_.end(), median) - sorted_.begin();
  std::ptrdiff_t left = split - 1;
  std::size_t right = static_cast<std::size_t>(split);
  double previous = 0;
  double current = 0;
  for (std::size_t k = 0; k <= n / 2; ++k) {
    previous = current;
    const bool take_left =
        right >= n || (left >= 0 && median - sorted_[left] <= sorted_[right] - median);
    current = take_left ? median - sorted_[left--] : sorted_[right++] - median;
  }
  const double mad = n % 2 == 1 ? current : (previous + current) / 2;
  return z_of(std::fabs(x - median), kMadToSigma * mad);
}

void OutlierWindow::observe(double x) {
  if (statistic_ == OutlierStatistic::kMedianMad) {
    if (samples_.size() == capacity_) {
      sorted_.erase(std::lower_bound(sorted_.begin(), sorted_.end(), samples_[next_]));
    }
    sorted_.insert(std::upper_bound(sorted_.begin(), sorted_.end(), x), x);
  }
  if (samples_.size() < capacity_) {
    samples_.push_back(x);
    return;
  }
  samples_[next_] = x;
  next_ = (next_ + 1) % capacity_;
}

}  // namespace watchfilter::filters

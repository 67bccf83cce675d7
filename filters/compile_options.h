#pragma once

#include <cstddef>
#include <cstdint>

namespace watchfilter::filters {

// How outlier() scores a value against its window; see docs/filters.md for the replay figures
// that chose the default.
enum class OutlierStatistic : std::uint8_t {
  kMeanStddev,  // |x - mean| / stddev of the window
  kMedianMad,   // |x - median| / (1.4826 * median absolute deviation), robust to past spikes
};

struct CompileOptions {
  std::uint32_t default_outlier_window = 32;
  OutlierStatistic outlier_statistic = OutlierStatistic::kMeanStddev;
  // Filters arrive in URL parameters: bound the work one expression can ask for.
  std::size_t max_source_bytes = 8192;
  std::size_t max_nodes = 1024;
  std::uint32_t max_outlier_window = 4096;
};

}  // namespace watchfilter::filters

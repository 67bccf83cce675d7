#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace watchfilter::filters {

// How outlier() scores a value; see docs/filters.md for the NAB replay that chose the default.
enum class OutlierStatistic : std::uint8_t {
  kSeasonal,    // per hour of the day (UTC): exponentially weighted mean/variance of that hour on
                // past days; before an hour has history from an earlier day, kEwma
  kEwma,        // exponentially weighted mean/variance of every observation
  kMeanStddev,  // |x - mean| / stddev of the last `window` observations (outlier()'s only
                // statistic before the NAB replay)
  kMedianMad,   // |x - median| / (1.4826 * median absolute deviation) of the last `window`
};

// Which outlying observations outlier() reports (is true for).
enum class OutlierReport : std::uint8_t {
  kOnce,          // the first of a run, and again when the run deepens (score 1.5x the last
                  // report); a run ends after `window` observations in a row that are not outliers
  kOnceRecovery,  // kOnce, plus the observation that ends the run
  kEvery,         // every outlying observation
};

struct OutlierSpec {
  OutlierStatistic statistic = OutlierStatistic::kSeasonal;
  OutlierReport report = OutlierReport::kOnce;
  std::uint32_t window = 0;  // 0: default_window(statistic)

  bool operator==(const OutlierSpec&) const = default;
};

// The window when outlier() names none: what each statistic was measured best with.
std::uint32_t default_window(OutlierStatistic statistic) noexcept;

// Parses the mode argument of outlier(x, z, window, "mode"): space-separated words, at most one
// statistic (seasonal, ewma, mean, mad) and one report (once, recovery, every); a word not given
// keeps `spec`'s. On an unknown or repeated word, returns nullopt and sets `error`.
std::optional<OutlierSpec> parse_outlier_mode(std::string_view mode, OutlierSpec spec,
                                              std::string& error);

std::string_view statistic_name(OutlierStatistic statistic) noexcept;
std::string_view report_name(OutlierReport report) noexcept;

// Bytes of per-object state one outlier() call keeps once its object has been observed enough
// (windows full, every hour of the day seen): what a cost budget should charge per object.
std::size_t outlier_state_bytes(const OutlierSpec& spec) noexcept;

}  // namespace watchfilter::filters

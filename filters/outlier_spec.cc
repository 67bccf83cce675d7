#include "filters/outlier_spec.h"

#include "filters/outlier_detector.h"

namespace watchfilter::filters {

std::uint32_t default_window(OutlierStatistic statistic) noexcept {
  switch (statistic) {
    case OutlierStatistic::kSeasonal:
    case OutlierStatistic::kEwma:
      return 128;
    case OutlierStatistic::kMeanStddev:
    case OutlierStatistic::kMedianMad:
      return 32;
  }
  return 32;
}

std::string_view statistic_name(OutlierStatistic statistic) noexcept {
  switch (statistic) {
    case OutlierStatistic::kSeasonal:
      return "seasonal";
    case OutlierStatistic::kEwma:
      return "ewma";
    case OutlierStatistic::kMeanStddev:
      return "mean";
    case OutlierStatistic::kMedianMad:
      return "mad";
  }
  return "?";
}

std::string_view report_name(OutlierReport report) noexcept {
  switch (report) {
    case OutlierReport::kOnce:
      return "once";
    case OutlierReport::kOnceRecovery:
      return "recovery";
    case OutlierReport::kEvery:
      return "every";
  }
  return "?";
}

std::optional<OutlierSpec> parse_outlier_mode(std::string_view mode, OutlierSpec spec,
                                              std::string& error) {
  bool have_statistic = false;
  bool have_report = false;
  std::size_t pos = 0;
  while (pos < mode.size()) {
    if (mode[pos] == ' ') {
      ++pos;
      continue;
    }
    const std::size_t end = std::min(mode.find(' ', pos), mode.size());
    const std::string_view word = mode.substr(pos, end - pos);
    pos = end;
    bool known = false;
    for (OutlierStatistic s : {OutlierStatistic::kSeasonal, OutlierStatistic::kEwma,
                               OutlierStatistic::kMeanStddev, OutlierStatistic::kMedianMad}) {
      if (word != statistic_name(s)) continue;
      if (have_statistic) {
        error = "expected one statistic in the mode of outlier, found a second: '" +
                std::string(word) + "'";
        return std::nullopt;
      }
      have_statistic = known = true;
      spec.statistic = s;
    }
    for (OutlierReport r :
         {OutlierReport::kOnce, OutlierReport::kOnceRecovery, OutlierReport::kEvery}) {
      if (word != report_name(r)) continue;
      if (have_report) {
        error = "expected one report in the mode of outlier, found a second: '" +
                std::string(word) + "'";
        return std::nullopt;
      }
      have_report = known = true;
      spec.report = r;
    }
    if (!known) {
      error = "unknown word '" + std::string(word) +
              "' in the mode of outlier (known: seasonal, ewma, mean, mad; once, recovery, every)";
      return std::nullopt;
    }
  }
  if (!have_statistic && !have_report) {
    error = "expected a statistic or a report in the mode of outlier";
    return std::nullopt;
  }
  return spec;
}

std::size_t outlier_state_bytes(const OutlierSpec& spec) noexcept {
  const std::uint32_t window = spec.window != 0 ? spec.window : default_window(spec.statistic);
  return sizeof(OutlierDetector) + OutlierDetector::full_heap_bytes(spec.statistic, window);
}

}  // namespace watchfilter::filters

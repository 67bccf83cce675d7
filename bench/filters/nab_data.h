#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace watchfilter::filters::bench {

// One NAB series (timestamp,value CSV) with its labelled anomaly windows [start, end].
// Timestamps are kept as "YYYY-MM-DD hh:mm:ss" text, which orders correctly as strings, and
// as seconds since the epoch (NAB's timestamps carry no zone; they are read as UTC).
struct NabSeries {
  std::string name;  // e.g. "realKnownCause/nyc_taxi.csv"
  std::vector<std::string> timestamps;
  std::vector<std::int64_t> seconds;
  std::vector<double> values;
  std::vector<std::pair<std::string, std::string>> windows;
  // Each window as [first row, last row] (NAB matches window bounds to rows exactly).
  std::vector<std::pair<std::size_t, std::size_t>> window_rows;
};

// Reads every series listed in <root>/combined_windows.json. Throws std::runtime_error with the
// offending file on I/O or format errors (a command-line tool, not the hot path).
std::vector<NabSeries> load_nab(const std::filesystem::path& root);

}  // namespace watchfilter::filters::bench

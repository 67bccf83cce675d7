#pragma once

#include <cstddef>
#include <cstdint>

#include "filters/outlier_spec.h"

namespace watchfilter::filters {

struct CompileOptions {
  // What outlier(x, z) means when its call names no window or mode (docs/filters.md).
  std::uint32_t default_outlier_window = 0;  // 0: default_window(statistic)
  OutlierStatistic outlier_statistic = OutlierStatistic::kSeasonal;
  OutlierReport outlier_report = OutlierReport::kOnce;
  // Filters arrive in URL parameters: bound the work one expression can ask for, and the state
  // it keeps per object and stream (filters/filter_cost.h; the proxy's --max-filter-nodes and
  // --max-filter-state-bytes). The default state budget admits one outlier() call of the
  // largest kind (window 4096, "mad": 65640 bytes) and 4 KiB of other state, and refuses more.
  std::size_t max_source_bytes = 8192;
  std::size_t max_nodes = 1024;
  std::size_t max_state_bytes = 68u << 10;  // 0: no limit
  std::uint32_t max_outlier_window = 4096;
};

}  // namespace watchfilter::filters

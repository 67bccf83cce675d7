#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace watchfilter::filters {

// The verdict on one event for one stream. When `error` is set the expression could not be
// evaluated on this object and the event is delivered anyway (fail open): a filter must never
// silently drop an event the client may need.
struct Decision {
  bool deliver = true;
  std::optional<std::string> error;
};

// Per-stream counters the proxy exports as metrics.
struct FilterCounters {
  std::uint64_t evaluated = 0;  // events decided
  std::uint64_t delivered = 0;  // of which delivered
  std::uint64_t errors = 0;     // of which delivered because evaluation ended in an error
};

}  // namespace watchfilter::filters

#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "proxy/watchfilter/watchfilter_spec.h"

namespace watchfilter::proxy {

// What the proxy writes into a WatchFilter's status (docs/watchfilter.md, "Status").
struct WatchFilterStatus {
  ConditionSnapshot ready;  // the Ready condition
  std::int64_t observed_generation = 0;
  std::uint64_t observed_events = 0;
  std::uint64_t delivered_events = 0;
  std::int64_t streams = 0;

  bool operator==(const WatchFilterStatus&) const = default;
};

// The Ready condition for `spec`: True/Valid, or False with InvalidFilter/InvalidSpec and the
// error. metav1.Condition's rule for lastTransitionTime: it changes only when the status does,
// so it is taken from `previous` (what was last written, or what the object carried) when that
// had the same status, else it is `now`.
ConditionSnapshot ready_condition(const WatchFilterSpec& spec,
                                  const std::optional<ConditionSnapshot>& previous,
                                  std::string_view now);

// The body of the merge patch (application/merge-patch+json) of the status subresource:
// {"status":{"conditions":[{"type":"Ready",...}],"observedGeneration":..,"observedEvents":..,
// "deliveredEvents":..,"streams":..}}. A merge patch replaces lists whole: the proxy owns
// status.conditions.
std::string status_patch_body(const WatchFilterStatus& status);

// "2026-01-02T03:04:05Z": metav1.Time's format (seconds, UTC).
std::string rfc3339_utc(std::chrono::system_clock::time_point t);

}  // namespace watchfilter::proxy

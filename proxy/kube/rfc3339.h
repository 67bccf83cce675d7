#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace watchfilter::proxy {

// Times as Kubernetes writes them (metav1.Time, and the Wakeup's status.due): RFC 3339.

// RFC 3339 in UTC: "2026-11-23T19:07:05Z", or with milliseconds "2026-11-23T19:07:05.250Z".
std::string format_rfc3339(std::chrono::system_clock::time_point t, bool milliseconds);
// Go's time.RFC3339 (and RFC3339Nano) layout: "2006-01-02T15:04:05[.fraction](Z|+07:00)".
// nullopt also for a time the system clock cannot hold (before 1677 or after 2262).
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text);
// The same layout as seconds since the epoch and nanoseconds, for any year 0000-9999, so that a
// validation can tell a time out of its range from a malformed one.
struct Rfc3339Time {
  long long seconds = 0;
  long long nanos = 0;
};
std::optional<Rfc3339Time> parse_rfc3339_parts(std::string_view text);

}  // namespace watchfilter::proxy

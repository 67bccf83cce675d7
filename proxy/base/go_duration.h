#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace watchfilter::proxy {

// Go's time.ParseDuration grammar, the one Kubernetes users write everywhere ("500ms", "10s",
// "1h30m", "1.5h", ".5s", "300us", "2µs"): a sequence of decimal numbers with an optional
// fraction, each followed by a unit (ns, us, µs, μs, ms, s, m, h); "0" alone needs no unit; a
// leading '+' is allowed. Negative durations and values beyond Go's limit (about 292 years) are
// rejected: every duration we read (flags, spec.resync/debounce, the resync=/debounce= query
// parameters) is a period or a window. The result is truncated to whole milliseconds.
std::optional<std::chrono::milliseconds> parse_go_duration(std::string_view text);

}  // namespace watchfilter::proxy

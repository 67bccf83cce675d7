#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace watchfilter::host {

// count / sum / max of durations in microseconds.
struct DurationStat {
  std::uint64_t count = 0;
  std::uint64_t sum_us = 0;
  std::uint64_t max_us = 0;

  void add(std::chrono::steady_clock::duration d) {
    auto us = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(d).count());
    ++count;
    sum_us += us;
    if (us > max_us) max_us = us;
  }
  double mean_ms() const { return count ? static_cast<double>(sum_us) / count / 1000.0 : 0; }
  double max_ms() const { return static_cast<double>(max_us) / 1000.0; }
};

struct ChildMetrics {
  std::uint64_t wakeups = 0;  // reconcile calls (one per delivered event)
  std::uint64_t loads = 0;
  std::uint64_t unloads = 0;  // idle unloads; a stopped instance counts in `stops`
  std::uint64_t requeues = 0;
  std::uint64_t failures = 0;  // reconcile returned an error
  std::uint64_t stops = 0;     // trapped, timed out or over its memory limit
  std::uint64_t load_errors = 0;
  DurationStat cold_start;  // instantiate start -> reconcile start (the load of a lazy child)
  DurationStat reconcile;   // reconcile call, the child's Kubernetes requests included
  std::uint64_t memory_bytes_max = 0;  // the child's linear memory, largest seen at unload
  bool loaded = false;
  bool disabled = false;
};

// VmRSS of this process in bytes (0 when /proc is unreadable).
std::uint64_t process_rss_bytes();

}  // namespace watchfilter::host

#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace watchfilter::host {

// Upper bounds (microseconds) of the duration histograms on /metrics. One set for cold starts
// (tens of microseconds) and reconciles (milliseconds to the call timeout) keeps the exposition
// uniform; 18 buckets cover 25 us .. 10 s.
inline constexpr std::array<std::uint64_t, 18> kDurationBucketsUs = {
    25,    50,    100,    250,    500,    1000,    2500,    5000,    10000,
    25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000};

// count / sum / max of durations in microseconds, and a histogram over kDurationBucketsUs
// (per bucket, not cumulative; the last slot counts what is above the largest bound).
struct DurationStat {
  std::uint64_t count = 0;
  std::uint64_t sum_us = 0;
  std::uint64_t max_us = 0;
  std::array<std::uint64_t, kDurationBucketsUs.size() + 1> buckets{};

  void add(std::chrono::steady_clock::duration d) {
    auto us = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(d).count());
    ++count;
    sum_us += us;
    if (us > max_us) max_us = us;
    std::size_t b = 0;
    while (b < kDurationBucketsUs.size() && us > kDurationBucketsUs[b]) ++b;
    ++buckets[b];
  }
  void merge(const DurationStat& o) {
    count += o.count;
    sum_us += o.sum_us;
    if (o.max_us > max_us) max_us = o.max_us;
    for (std::size_t b = 0; b < buckets.size(); ++b) buckets[b] += o.buckets[b];
  }
  double mean_ms() const { return count ? static_cast<double>(sum_us) / count / 1000.0 : 0; }
  double max_ms() const { return static_cast<double>(max_us) / 1000.0; }
};

struct ChildMetrics {
  std::vector<std::uint64_t> events;  // per watch: events received from its stream
  std::uint64_t wakeups = 0;          // reconcile calls (one per delivered event or local requeue)
  std::uint64_t loads = 0;
  std::uint64_t unloads = 0;  // idle unloads; a stopped instance counts in `stops`
  std::uint64_t requeues = 0;
  std::uint64_t requeues_absorbed = 0;  // requeues of an object already due no later
  std::uint64_t timer_wakeups = 0;      // reconciles made by the local requeue timer
  std::uint64_t failures = 0;           // reconcile returned an error
  std::uint64_t stops = 0;              // trapped, timed out or over its memory limit
  std::uint64_t load_errors = 0;
  std::uint64_t requests_refused = 0;  // kube_requests its grants did not cover
  DurationStat cold_start;  // instantiate start -> reconcile start (the load of a lazy child)
  DurationStat reconcile;   // reconcile call, the child's Kubernetes requests included
  std::uint64_t memory_bytes = 0;      // the child's linear memory now (0 while unloaded)
  std::uint64_t memory_bytes_max = 0;  // the largest linear memory seen
  bool loaded = false;
  bool disabled = false;
};

// VmRSS of this process in bytes (0 when /proc is unreadable).
std::uint64_t process_rss_bytes();

}  // namespace watchfilter::host

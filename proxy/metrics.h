#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/status.h"

namespace watchfilter::proxy {

// Why a filtered stream ended (watchfilter_stream_disconnects_total{cause}).
// kFilterInvalid: the stream's WatchFilter became invalid or was deleted.
enum class EndCause : std::uint8_t {
  kClientGone,
  kSlowClient,
  kTimeout,
  kShutdown,
  kExpired,
  kFilterInvalid,
};
inline constexpr std::size_t kEndCauseCount = 6;
std::string_view end_cause_name(EndCause cause);

// Why the proxy sent an event of its own making, carrying the current object
// (watchfilter_synthetic_events_total{reason}).
enum class SyntheticReason : std::uint8_t { kResync, kWakeup, kOwner };
inline constexpr std::size_t kSyntheticReasonCount = 3;
std::string_view synthetic_reason_name(SyntheticReason reason);

// One stream's series (labels stream and filter). Shared by the stream, its subscription and
// its watcher record; the series disappears from /metrics when the last holder is gone, so
// a named watcher keeps its counters across reconnects for as long as its record lives.
struct StreamMetrics {
  StreamMetrics(std::string stream, std::string filter)
      : stream(std::move(stream)), filter(std::move(filter)) {}
  const std::string stream;
  const std::string filter;
  std::atomic<std::uint64_t> delivered{0};
  std::atomic<std::uint64_t> suppressed{0};
  std::atomic<std::int64_t> queue_bytes{0};
};

// The proxy's Prometheus metrics. Counters are atomics updated on any strand; the rare
// registrations take a mutex. render() writes the text exposition format 0.0.4.
class Metrics {
 public:
  std::atomic<std::int64_t> upstream_watches{0};
  std::atomic<std::uint64_t> upstream_watch_starts{0};
  std::atomic<std::uint64_t> informer_relists{0};
  std::atomic<std::int64_t> streams{0};
  std::atomic<std::uint64_t> filter_errors{0};
  std::atomic<std::int64_t> informers{0};

  void count_disconnect(EndCause cause) {
    disconnects_[static_cast<std::size_t>(cause)].fetch_add(1, std::memory_order_relaxed);
  }
  std::uint64_t disconnects(EndCause cause) const {
    return disconnects_[static_cast<std::size_t>(cause)].load(std::memory_order_relaxed);
  }
  void count_synthetic(SyntheticReason reason, std::uint64_t n = 1) {
    synthetic_[static_cast<std::size_t>(reason)].fetch_add(n, std::memory_order_relaxed);
  }
  std::uint64_t synthetic(SyntheticReason reason) const {
    return synthetic_[static_cast<std::size_t>(reason)].load(std::memory_order_relaxed);
  }

  // The events-observed counter of a resource (label resource, e.g. "configmaps" or
  // "deployments.apps"); the pointer stays valid for the life of the Metrics.
  std::atomic<std::uint64_t>* events_observed(const std::string& resource);

  // The series of a named watcher (reused across its reconnects while any holder lives), or of
  // an anonymous stream ("conn-<n>", fresh each time).
  std::shared_ptr<StreamMetrics> stream_series(const std::string& watcher_id,
                                               const std::string& filter);

  std::string render(const StatusCounters* status_counters) const;

 private:
  std::array<std::atomic<std::uint64_t>, kEndCauseCount> disconnects_{};
  std::array<std::atomic<std::uint64_t>, kSyntheticReasonCount> synthetic_{};
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<std::atomic<std::uint64_t>>> observed_;
  std::map<std::pair<std::string, std::string>, std::weak_ptr<StreamMetrics>> series_;
  std::uint64_t next_connection_ = 1;
};

// Prometheus label value escaping: backslash, double quote and newline.
std::string escape_label_value(std::string_view v);
// The "# HELP" and "# TYPE" lines of one metric family (Prometheus text format 0.0.4).
void append_metric_header(std::string& out, std::string_view name, std::string_view type,
                          std::string_view help);

}  // namespace watchfilter::proxy

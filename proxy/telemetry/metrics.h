#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "proxy/kube/status.h"

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

// Why a request that is not a filtered read was refused instead of forwarded upstream
// (watchfilter_passthrough_refusals_total{reason}): it came through the aggregator
// ("aggregated"), its caller has no bearer token to forward ("client_certificate"), or its path
// is one of the proxy's own group that the proxy does not serve ("own_group", e.g. the doubled
// prefix).
enum class PassThroughRefusal : std::uint8_t { kAggregated, kClientCertificate, kOwnGroup };
inline constexpr std::size_t kPassThroughRefusalCount = 3;
std::string_view pass_through_refusal_name(PassThroughRefusal reason);

// The `filter` label of an expression: the expression itself up to kMaxFilterLabelBytes; a
// longer one (a query may carry a megabyte) is cut at a UTF-8 boundary and ends in "...#" and
// the FNV-1a hash of the whole expression, so that a thousand long filters cannot make /metrics
// a gigabyte while distinct expressions keep distinct labels.
inline constexpr std::size_t kMaxFilterLabelBytes = 256;
std::string filter_label(std::string_view filter);

// Requests under a view (docs/views.md): how each was answered
// (watchfilter_view_requests_total{route}) and, for a refusal of the view itself, why
// (watchfilter_view_refusals_total{reason}): a path that names no valid view or doubles the
// prefix ("bad_path"), no `get` on the view ("forbidden"), no such view ("not_found"), filter
// parameters of its own ("filter_params"), a WatchView that is not valid ("invalid"), the view or
// its WatchFilters could not be read ("unavailable").
enum class ViewRoute : std::uint8_t { kFiltered, kForwarded, kRefused };
inline constexpr std::size_t kViewRouteCount = 3;
std::string_view view_route_name(ViewRoute route);
enum class ViewRefusal : std::uint8_t {
  kBadPath,
  kForbidden,
  kNotFound,
  kFilterParams,
  kInvalid,
  kUnavailable
};
inline constexpr std::size_t kViewRefusalCount = 6;
std::string_view view_refusal_name(ViewRefusal reason);

// One watcher's series (labels user, stream and filter). Shared by the stream, its subscription
// and its watcher record; the series disappears from /metrics when the last holder is gone, so
// a named watcher keeps its counters across reconnects for as long as its record lives. The
// anonymous streams of one user with one filter share one series (stream=""): a series per
// connection would be a new series for Prometheus on every reconnect. So the series are bounded
// by the open streams and named watcher records, which the per-user limits bound
// (--max-streams-per-user, --max-watchers-per-user).
struct StreamMetrics {
  StreamMetrics(std::string user, std::string stream, std::string_view filter)
      : user(std::move(user)), stream(std::move(stream)), filter(filter_label(filter)) {}
  const std::string user;
  const std::string stream;
  const std::string filter;  // filter_label() of the expression
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

  // One refusal because a limit was reached (watchfilter_limit_refusals_total{limit}). `limit`
  // is the limit's flag name without the leading dashes (e.g. "max-streams-per-user"), so a
  // refusal in /metrics names the flag that would raise it. Refusals are rare: a mutex is enough.
  void count_refusal(std::string_view limit);
  std::uint64_t refusals(std::string_view limit) const;

  // The events-observed counter of a resource (label resource, e.g. "configmaps" or
  // "deployments.apps"); the pointer stays valid for the life of the Metrics.
  std::atomic<std::uint64_t>* events_observed(const std::string& resource);

  // The series of watcher (`user`, `watcher_id`) with `filter`, reused while any holder lives
  // (across a named watcher's reconnects); watcher_id "" is the user's anonymous streams with
  // that filter.
  std::shared_ptr<StreamMetrics> stream_series(const std::string& user,
                                               const std::string& watcher_id,
                                               const std::string& filter);

  // Entries kept for stream series, live or not yet swept: what the map costs in memory.
  std::size_t series_entries() const {
    std::lock_guard lock(mutex_);
    return series_.size();
  }

  void count_pass_through_refusal(PassThroughRefusal reason) {
    pass_through_refusals_[static_cast<std::size_t>(reason)].fetch_add(1,
                                                                       std::memory_order_relaxed);
  }
  std::uint64_t pass_through_refusals(PassThroughRefusal reason) const {
    return pass_through_refusals_[static_cast<std::size_t>(reason)].load(std::memory_order_relaxed);
  }

  void count_view_request(ViewRoute route) {
    view_requests_[static_cast<std::size_t>(route)].fetch_add(1, std::memory_order_relaxed);
  }
  void count_view_refusal(ViewRefusal reason) {
    view_refusals_[static_cast<std::size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
    count_view_request(ViewRoute::kRefused);
  }
  std::uint64_t view_requests(ViewRoute route) const {
    return view_requests_[static_cast<std::size_t>(route)].load(std::memory_order_relaxed);
  }
  std::uint64_t view_refusals(ViewRefusal reason) const {
    return view_refusals_[static_cast<std::size_t>(reason)].load(std::memory_order_relaxed);
  }

  std::string render(const StatusCounters* status_counters) const;

 private:
  std::array<std::atomic<std::uint64_t>, kEndCauseCount> disconnects_{};
  std::array<std::atomic<std::uint64_t>, kSyntheticReasonCount> synthetic_{};
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<std::atomic<std::uint64_t>>> observed_;
  std::map<std::string, std::uint64_t, std::less<>> refusals_;
  // (user, watcher id, filter) -> series
  std::map<std::tuple<std::string, std::string, std::string>, std::weak_ptr<StreamMetrics>> series_;
  static constexpr std::size_t kFirstSweep = 64;
  std::size_t sweep_at_ = kFirstSweep;  // series_'s size at which expired entries are next dropped
  std::array<std::atomic<std::uint64_t>, kPassThroughRefusalCount> pass_through_refusals_{};
  std::array<std::atomic<std::uint64_t>, kViewRouteCount> view_requests_{};
  std::array<std::atomic<std::uint64_t>, kViewRefusalCount> view_refusals_{};
};

}  // namespace watchfilter::proxy

#include "proxy/telemetry/metrics.h"

#include <algorithm>
#include <cstdio>

#include "proxy/base/prometheus_text.h"

namespace watchfilter::proxy {

std::string_view end_cause_name(EndCause cause) {
  switch (cause) {
    case EndCause::kClientGone:
      return "client_gone";
    case EndCause::kSlowClient:
      return "slow_client";
    case EndCause::kTimeout:
      return "timeout";
    case EndCause::kShutdown:
      return "shutdown";
    case EndCause::kExpired:
      return "expired";
    case EndCause::kFilterInvalid:
      return "filter_invalid";
  }
  return "client_gone";
}

std::string_view synthetic_reason_name(SyntheticReason reason) {
  switch (reason) {
    case SyntheticReason::kResync:
      return "resync";
    case SyntheticReason::kWakeup:
      return "wakeup";
    case SyntheticReason::kOwner:
      return "owner";
  }
  return "resync";
}

std::string_view pass_through_refusal_name(PassThroughRefusal reason) {
  switch (reason) {
    case PassThroughRefusal::kAggregated:
      return "aggregated";
    case PassThroughRefusal::kClientCertificate:
      return "client_certificate";
    case PassThroughRefusal::kOwnGroup:
      return "own_group";
  }
  return "aggregated";
}

std::string_view view_route_name(ViewRoute route) {
  switch (route) {
    case ViewRoute::kFiltered:
      return "filtered";
    case ViewRoute::kForwarded:
      return "forwarded";
    case ViewRoute::kRefused:
      return "refused";
  }
  return "refused";
}

std::string_view view_refusal_name(ViewRefusal reason) {
  switch (reason) {
    case ViewRefusal::kBadPath:
      return "bad_path";
    case ViewRefusal::kForbidden:
      return "forbidden";
    case ViewRefusal::kNotFound:
      return "not_found";
    case ViewRefusal::kFilterParams:
      return "filter_params";
    case ViewRefusal::kInvalid:
      return "invalid";
    case ViewRefusal::kUnavailable:
      return "unavailable";
  }
  return "bad_path";
}

std::atomic<std::uint64_t>* Metrics::events_observed(const std::string& resource) {
  std::lock_guard lock(mutex_);
  auto& slot = observed_[resource];
  if (!slot) slot = std::make_unique<std::atomic<std::uint64_t>>(0);
  return slot.get();
}

void Metrics::count_refusal(std::string_view limit) {
  std::lock_guard lock(mutex_);
  auto it = refusals_.find(limit);
  if (it == refusals_.end()) it = refusals_.emplace(std::string(limit), 0).first;
  ++it->second;
}

std::uint64_t Metrics::refusals(std::string_view limit) const {
  std::lock_guard lock(mutex_);
  const auto it = refusals_.find(limit);
  return it == refusals_.end() ? 0 : it->second;
}

std::string filter_label(std::string_view filter) {
  if (filter.size() <= kMaxFilterLabelBytes) return std::string(filter);
  std::uint64_t hash = 14695981039346656037ULL;
  for (const unsigned char c : filter) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  constexpr std::string_view kMark = "...#";
  std::size_t cut = kMaxFilterLabelBytes - kMark.size() - 16;
  // Prometheus label values are UTF-8: never end inside a character.
  while (cut > 0 && (static_cast<unsigned char>(filter[cut]) & 0xC0) == 0x80) --cut;
  char digits[17];
  std::snprintf(digits, sizeof digits, "%016llx", static_cast<unsigned long long>(hash));
  std::string out(filter.substr(0, cut));
  out += kMark;
  out += digits;
  return out;
}

std::shared_ptr<StreamMetrics> Metrics::stream_series(const std::string& user,
                                                      const std::string& watcher_id,
                                                      const std::string& filter) {
  std::lock_guard lock(mutex_);
  // Forget series whose holders are all gone, but only once the map has doubled since the last
  // sweep: a sweep per new stream made opening n streams cost O(n^2) (bench/proxy, 10,000
  // streams), and dead entries are at most half the map between sweeps.
  if (series_.size() >= sweep_at_) {
    std::erase_if(series_, [](const auto& entry) { return entry.second.expired(); });
    sweep_at_ = std::max<std::size_t>(kFirstSweep, 2 * series_.size());
  }
  auto& slot = series_[{user, watcher_id, filter}];
  if (auto live = slot.lock()) return live;
  auto fresh = std::make_shared<StreamMetrics>(user, watcher_id, filter);
  slot = fresh;
  return fresh;
}

namespace {

template <typename T>
void sample(std::string& out, std::string_view name, std::string_view labels, T value) {
  out += name;
  if (!labels.empty()) {
    out += '{';
    out += labels;
    out += '}';
  }
  out += ' ';
  out += std::to_string(value);
  out += '\n';
}

}  // namespace

std::string Metrics::render(const StatusCounters* status_counters) const {
  std::string out;
  auto simple = [&](std::string_view name, std::string_view type, std::string_view help,
                    auto value) {
    append_metric_header(out, name, type, help);
    sample(out, name, "", value);
  };
  simple("watchfilter_upstream_watches", "gauge", "Upstream watch requests currently open.",
         upstream_watches.load());
  simple("watchfilter_upstream_watch_starts_total", "counter",
         "Upstream watch requests started (first watch and every resume).",
         upstream_watch_starts.load());
  simple("watchfilter_informer_relists_total", "counter",
         "Relists after upstream answered 410 Gone (the initial list is not counted).",
         informer_relists.load());
  simple("watchfilter_informers", "gauge", "Shared informers currently running.", informers.load());
  simple("watchfilter_streams", "gauge", "Filtered watch streams currently open.", streams.load());
  simple("watchfilter_filter_errors_total", "counter",
         "Events delivered because their filter ended in a runtime error (fail open).",
         filter_errors.load());

  append_metric_header(out, "watchfilter_stream_disconnects_total", "counter",
                       "Filtered watch streams ended, by cause.");
  for (std::size_t i = 0; i < kEndCauseCount; ++i) {
    sample(out, "watchfilter_stream_disconnects_total",
           "cause=\"" + std::string(end_cause_name(static_cast<EndCause>(i))) + "\"",
           disconnects_[i].load());
  }
  append_metric_header(
      out, "watchfilter_synthetic_events_total", "counter",
      "Events the proxy made itself with the current object (resync, wake-up, owner), by "
      "reason; they bypass the filter.");
  for (std::size_t i = 0; i < kSyntheticReasonCount; ++i) {
    sample(out, "watchfilter_synthetic_events_total",
           "reason=\"" + std::string(synthetic_reason_name(static_cast<SyntheticReason>(i))) + "\"",
           synthetic_[i].load());
  }
  append_metric_header(
      out, "watchfilter_passthrough_refusals_total", "counter",
      "Requests that are not a filtered read and were refused instead of forwarded, by "
      "reason: through the aggregator, a caller without a bearer token (client certificate), "
      "a path of the proxy's own group it does not serve.");
  for (std::size_t i = 0; i < kPassThroughRefusalCount; ++i) {
    sample(out, "watchfilter_passthrough_refusals_total",
           "reason=\"" +
               std::string(pass_through_refusal_name(static_cast<PassThroughRefusal>(i))) + "\"",
           pass_through_refusals_[i].load());
  }
  append_metric_header(
      out, "watchfilter_view_requests_total", "counter",
      "Requests under a view (/views/<namespace>/<name>/...), by route: served from an "
      "informer through the view's WatchFilter, forwarded with the caller's own token, or "
      "refused.");
  for (std::size_t i = 0; i < kViewRouteCount; ++i) {
    sample(out, "watchfilter_view_requests_total",
           "route=\"" + std::string(view_route_name(static_cast<ViewRoute>(i))) + "\"",
           view_requests_[i].load());
  }
  append_metric_header(
      out, "watchfilter_view_refusals_total", "counter",
      "Requests under a view refused by the view itself, by reason: a path that names no "
      "valid view, no get on the view, no such view, filter parameters in the request, an "
      "invalid WatchView, the view or its WatchFilters unreadable.");
  for (std::size_t i = 0; i < kViewRefusalCount; ++i) {
    sample(out, "watchfilter_view_refusals_total",
           "reason=\"" + std::string(view_refusal_name(static_cast<ViewRefusal>(i))) + "\"",
           view_refusals_[i].load());
  }

  std::vector<std::shared_ptr<StreamMetrics>> live;
  {
    std::lock_guard lock(mutex_);
    append_metric_header(out, "watchfilter_events_observed_total", "counter",
                         "Upstream watch events received by the informers, by resource.");
    for (const auto& [resource, count] : observed_) {
      sample(out, "watchfilter_events_observed_total",
             "resource=\"" + escape_label_value(resource) + "\"", count->load());
    }
    append_metric_header(
        out, "watchfilter_limit_refusals_total", "counter",
        "Requests refused because a limit was reached, by limit (the flag that sets it).");
    for (const auto& [limit, count] : refusals_) {
      sample(out, "watchfilter_limit_refusals_total", "limit=\"" + escape_label_value(limit) + "\"",
             count);
    }
    for (const auto& [key, weak] : series_) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
  }
  auto labels = [](const StreamMetrics& s) {
    return "user=\"" + escape_label_value(s.user) + "\",stream=\"" + escape_label_value(s.stream) +
           "\",filter=\"" + escape_label_value(s.filter) + "\"";
  };
  append_metric_header(out, "watchfilter_stream_events_delivered_total", "counter",
                       "Events a stream's filter admitted (initial events included).");
  for (const auto& s : live) {
    sample(out, "watchfilter_stream_events_delivered_total", labels(*s), s->delivered.load());
  }
  append_metric_header(out, "watchfilter_stream_events_suppressed_total", "counter",
                       "Events a stream's filter held back.");
  for (const auto& s : live) {
    sample(out, "watchfilter_stream_events_suppressed_total", labels(*s), s->suppressed.load());
  }
  append_metric_header(out, "watchfilter_stream_queue_bytes", "gauge",
                       "Bytes queued for a stream and not yet written to its client.");
  for (const auto& s : live) {
    sample(out, "watchfilter_stream_queue_bytes", labels(*s), s->queue_bytes.load());
  }

  if (status_counters != nullptr) {
    append_metric_header(out, "watchfilter_status_replies_total", "counter",
                         "Error replies (Kubernetes Status) generated by the proxy, by reason.");
    for (std::size_t i = 0; i < kStatusReasonCount; ++i) {
      const auto reason = static_cast<StatusReason>(i);
      sample(out, "watchfilter_status_replies_total",
             "reason=\"" + std::string(reason_name(reason)) + "\",code=\"" +
                 std::to_string(static_cast<int>(reason_code(reason))) + "\"",
             status_counters->count(reason));
    }
  }
  return out;
}

}  // namespace watchfilter::proxy

#include "proxy/metrics.h"

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

void append_metric_header(std::string& out, std::string_view name, std::string_view type,
                          std::string_view help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

std::string escape_label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::atomic<std::uint64_t>* Metrics::events_observed(const std::string& resource) {
  std::lock_guard lock(mutex_);
  auto& slot = observed_[resource];
  if (!slot) slot = std::make_unique<std::atomic<std::uint64_t>>(0);
  return slot.get();
}

std::shared_ptr<StreamMetrics> Metrics::stream_series(const std::string& watcher_id,
                                                      const std::string& filter) {
  std::lock_guard lock(mutex_);
  // Forget series whose holders are all gone.
  for (auto it = series_.begin(); it != series_.end();) {
    it = it->second.expired() ? series_.erase(it) : std::next(it);
  }
  std::string stream = watcher_id;
  if (stream.empty()) stream = "conn-" + std::to_string(next_connection_++);
  auto& slot = series_[{stream, filter}];
  if (auto live = slot.lock()) return live;
  auto fresh = std::make_shared<StreamMetrics>(stream, filter);
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
  simple("watchfilter_informers", "gauge", "Shared informers currently running.",
         informers.load());
  simple("watchfilter_streams", "gauge", "Filtered watch streams currently open.",
         streams.load());
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
  append_metric_header(out, "watchfilter_synthetic_events_total", "counter",
         "Events the proxy made itself with the current object (resync, wake-up, owner), by "
         "reason; they bypass the filter.");
  for (std::size_t i = 0; i < kSyntheticReasonCount; ++i) {
    sample(out, "watchfilter_synthetic_events_total",
           "reason=\"" + std::string(synthetic_reason_name(static_cast<SyntheticReason>(i))) +
               "\"",
           synthetic_[i].load());
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
    for (const auto& [key, weak] : series_) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
  }
  auto labels = [](const StreamMetrics& s) {
    return "stream=\"" + escape_label_value(s.stream) + "\",filter=\"" +
           escape_label_value(s.filter) + "\"";
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

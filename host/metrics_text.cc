#include "host/metrics_text.h"

#include <cstdio>
#include <functional>

#include "proxy/base/prometheus_text.h"

namespace watchfilter::host {
namespace {

void sample(std::string& out, const char* name, const std::string& labels, std::uint64_t value) {
  out += name;
  out += '{';
  out += labels;
  out += "} ";
  out += std::to_string(value);
  out += '\n';
}

std::string seconds(std::uint64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", static_cast<double>(us) / 1e6);
  return buf;
}

std::string bound(std::uint64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", static_cast<double>(us) / 1e6);
  return buf;
}

// One counter or gauge with a sample per child.
void per_child(std::string& out, const std::vector<std::string>& labels, const char* name,
               const char* type, const char* help, const std::vector<ChildMetrics>& children,
               const std::function<std::uint64_t(const ChildMetrics&)>& value) {
  proxy::append_metric_header(out, name, type, help);
  for (std::size_t i = 0; i < children.size(); ++i)
    sample(out, name, labels[i], value(children[i]));
}

void histogram(std::string& out, const std::vector<std::string>& labels, const char* name,
               const char* help, const std::vector<ChildMetrics>& children,
               DurationStat ChildMetrics::* stat) {
  proxy::append_metric_header(out, name, "histogram", help);
  const std::string bucket = std::string(name) + "_bucket";
  for (std::size_t i = 0; i < children.size(); ++i) {
    const DurationStat& d = children[i].*stat;
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < kDurationBucketsUs.size(); ++b) {
      cumulative += d.buckets[b];
      sample(out, bucket.c_str(), labels[i] + ",le=\"" + bound(kDurationBucketsUs[b]) + "\"",
             cumulative);
    }
    sample(out, bucket.c_str(), labels[i] + ",le=\"+Inf\"", d.count);
    out += name;
    out += "_sum{" + labels[i] + "} " + seconds(d.sum_us) + "\n";
    sample(out, (std::string(name) + "_count").c_str(), labels[i], d.count);
  }
}

}  // namespace

std::string render_host_metrics(const HostConfig& config, const std::vector<ChildMetrics>& children,
                                std::size_t queued, std::uint64_t rss_bytes) {
  std::vector<std::string> labels;
  for (const ChildSpec& c : config.children)
    labels.push_back("child=\"" + proxy::escape_label_value(c.name) + "\"");
  labels.resize(children.size());
  std::string out;
  out.reserve(1024 + children.size() * 4096);

  proxy::append_metric_header(
      out, "watchfilter_host_watch_events_total", "counter",
      "Events received on a child's filtered watch stream (its watcher id on the proxy).");
  for (std::size_t i = 0; i < children.size() && i < config.children.size(); ++i)
    for (std::size_t w = 0; w < children[i].events.size(); ++w)
      sample(out, "watchfilter_host_watch_events_total",
             labels[i] + ",watcher=\"" +
                 proxy::escape_label_value(config.watcher_id(config.children[i], w)) + "\"",
             children[i].events[w]);

  per_child(out, labels, "watchfilter_host_child_wakeups_total", "counter",
            "Reconcile calls (one per event, wake-ups and local requeues included).", children,
            [](const ChildMetrics& m) { return m.wakeups; });
  per_child(out, labels, "watchfilter_host_child_loads_total", "counter",
            "Instantiations of the child (lazy loads).", children,
            [](const ChildMetrics& m) { return m.loads; });
  per_child(out, labels, "watchfilter_host_child_unloads_total", "counter",
            "Unloads of the child (idle, or loaded when the host stops).", children,
            [](const ChildMetrics& m) { return m.unloads; });
  per_child(out, labels, "watchfilter_host_child_stops_total", "counter",
            "Instances stopped because they trapped, timed out or hit their memory limit.",
            children, [](const ChildMetrics& m) { return m.stops; });
  per_child(out, labels, "watchfilter_host_child_failures_total", "counter",
            "Reconciles that returned an error.", children,
            [](const ChildMetrics& m) { return m.failures; });
  per_child(out, labels, "watchfilter_host_child_requeues_total", "counter",
            "Reconciles that asked for a wake-up.", children,
            [](const ChildMetrics& m) { return m.requeues; });
  per_child(out, labels, "watchfilter_host_child_requeues_absorbed_total", "counter",
            "Requeues not kept because the object was already due no later (workqueue rule).",
            children, [](const ChildMetrics& m) { return m.requeues_absorbed; });
  per_child(out, labels, "watchfilter_host_child_timer_wakeups_total", "counter",
            "Reconcile calls made by the host's local requeue timer (--requeue local).", children,
            [](const ChildMetrics& m) { return m.timer_wakeups; });
  per_child(out, labels, "watchfilter_host_child_load_errors_total", "counter",
            "Instantiations that failed.", children,
            [](const ChildMetrics& m) { return m.load_errors; });
  per_child(out, labels, "watchfilter_host_child_requests_refused_total", "counter",
            "Kubernetes requests of the child refused by its grants in the children file.",
            children, [](const ChildMetrics& m) { return m.requests_refused; });
  histogram(out, labels, "watchfilter_host_child_cold_start_seconds",
            "Instantiation start to reconcile start, per load.", children,
            &ChildMetrics::cold_start);
  histogram(out, labels, "watchfilter_host_child_reconcile_seconds",
            "Reconcile calls, the child's Kubernetes requests included.", children,
            &ChildMetrics::reconcile);
  per_child(out, labels, "watchfilter_host_child_memory_bytes", "gauge",
            "The child's linear memory while loaded (0 when unloaded).", children,
            [](const ChildMetrics& m) { return m.memory_bytes; });
  per_child(out, labels, "watchfilter_host_child_memory_max_bytes", "gauge",
            "The largest linear memory the child has had.", children,
            [](const ChildMetrics& m) { return m.memory_bytes_max; });
  per_child(out, labels, "watchfilter_host_child_loaded", "gauge",
            "1 while the child has an instance.", children,
            [](const ChildMetrics& m) { return m.loaded ? 1 : 0; });
  per_child(out, labels, "watchfilter_host_child_disabled", "gauge",
            "1 once the child is disabled after repeated stops.", children,
            [](const ChildMetrics& m) { return m.disabled ? 1 : 0; });

  proxy::append_metric_header(out, "watchfilter_host_events_queued", "gauge",
                              "Events delivered and not yet taken by the worker.");
  out += "watchfilter_host_events_queued " + std::to_string(queued) + "\n";
  proxy::append_metric_header(out, "process_resident_memory_bytes", "gauge",
                              "Resident memory of the host (VmRSS).");
  out += "process_resident_memory_bytes " + std::to_string(rss_bytes) + "\n";
  return out;
}

}  // namespace watchfilter::host

// A Percona-style child: a database operator whose custom resource (a Cluster) carries the
// desired size in spec, and the observed size and the database's request latency in status. It
// declares its watch (Clusters of $CLUSTER_NAMESPACE, default db) with the filter
//   changed(spec) || delta(status.size) >= 1 || outlier(status.latencyMs, 3, 32, "mean every")
// (the windowed mean and standard deviation, every outlier: the statistic the child itself
// computes with PREDICATE=client below)
// so status heartbeats that neither move the size nor carry an abnormal latency never wake it,
// and it asks for a resync every $RESYNC_SECONDS (default 60; fractions allowed) with a requeue,
// which the host turns into a server-side wake-up rather than a timer that keeps the child
// loaded. The reconcile writes the desired topology into a ConfigMap <name>-topology (its
// secondary, owned by the Cluster), the stand-in for the StatefulSet a real operator manages.
// host/examples/percona-go/main.go is the same child in Go (client-go's typed clients).
//
// The same source runs the configurations of the wake-up study (bench/wakeups,
// docs/benchmarks.md):
//   OPERATOR_ID=x      the ConfigMap is <name>-topology-x, labelled
//                      example.watchfilter.io/operator=x, so several instances can manage the
//                      same Clusters side by side
//   PREDICATE=client   the filter above is evaluated here instead (controller-runtime's way): an
//                      event the predicate rejects still loaded the child, which then does
//                      nothing. Its change predicates compare with the ConfigMap (what it last
//                      acted on); the outlier window lives in memory, so an unload loses it
//   LOG_RECONCILES=1   one log line per call: "reconcile <ns>/<name> rv=<rv> t=<unix s> <outcome>"
//                      (outcome: created, patched, outlier, unchanged), which the study reads
//   BALLAST_MIB=n      n MiB of heap written at every load, the weight of a real operator (the
//                      seed's Rust children are about 90 MB), so that what unloading saves shows
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

#include "watchfilter/sdk/controller.h"

namespace wf = watchfilter::sdk;

namespace {

const wf::Resource kConfigMaps{"", "v1", "configmaps"};
const wf::Resource kClusters{"example.watchfilter.io", "v1", "clusters"};

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::chrono::milliseconds resync_period() {
  double s = std::strtod(env("RESYNC_SECONDS").c_str(), nullptr);
  return std::chrono::milliseconds(static_cast<long long>((s > 0 ? s : 60) * 1000));
}

// Runs with the constructors, at every load (an instance starts from the module's memory image).
struct Ballast {
  Ballast() {
    const long mib = std::strtol(env("BALLAST_MIB").c_str(), nullptr, 10);
    if (mib <= 0) return;
    bytes = static_cast<std::size_t>(mib) << 20;
    data = static_cast<char*>(std::malloc(bytes));
    if (data) std::memset(data, 1, bytes);
  }
  char* data = nullptr;
  std::size_t bytes = 0;
} ballast;

// outlier(x, 3, 32, "mean every") as the proxy computes it (docs/filters.md): the z-score
// against the mean and sample standard deviation of the previous 32 values, nothing before 8 of
// them, every outlier reported.
class LatencyWindow {
 public:
  bool outlier(double x) {
    bool out = false;
    if (values_.size() >= 8) {
      double mean = 0;
      for (double v : values_) mean += v;
      mean /= static_cast<double>(values_.size());
      double var = 0;
      for (double v : values_) var += (v - mean) * (v - mean);
      double sd = std::sqrt(var / static_cast<double>(values_.size() - 1));
      out = sd == 0 ? x != mean : std::fabs(x - mean) / sd > 3;
    }
    values_.push_back(x);
    if (values_.size() > 32) values_.pop_front();
    return out;
  }

 private:
  std::deque<double> values_;
};

void log_reconcile(const wf::Event& event, const char* outcome) {
  static const bool enabled = env("LOG_RECONCILES") == "1";
  if (!enabled) return;
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  char t[32];
  std::snprintf(t, sizeof t, "%.3f", now);
  wf::log::info("reconcile " + event.namespace_() + "/" + event.name() +
                " rv=" + event.object.at_path("metadata.resourceVersion").as_string() + " t=" + t +
                " " + outcome);
}

wf::Result reconcile(const wf::Event& event, wf::Client& client) {
  static const std::string operator_id = env("OPERATOR_ID");
  static const bool client_predicate = env("PREDICATE") == "client";
  static LatencyWindow latency;  // PREDICATE=client only; gone with the instance
  if (event.type == "DELETED") return wf::Result::done();  // the ConfigMap has an ownerReference
  const std::string& ns = event.namespace_();
  const std::string& name = event.name();
  double desired = event.object.at_path("spec.size").as_number(1);
  double observed = event.object.at_path("status.size").as_number(0);
  const wf::json::Value& latency_ms = event.object.at_path("status.latencyMs");
  const bool outlier =
      client_predicate && latency_ms.is_number() && latency.outlier(latency_ms.as_number());

  wf::json::Value data = wf::json::Value::object();
  data.set("desiredSize", std::to_string(static_cast<long>(desired)));
  data.set("observedSize", std::to_string(static_cast<long>(observed)));
  data.set("phase", desired == observed ? "ready" : "scaling");

  std::string cm_name = name + "-topology" + (operator_id.empty() ? "" : "-" + operator_id);
  wf::Response current = client.get(kConfigMaps, ns, cm_name);
  const char* outcome = "patched";
  if (current.not_found()) {
    wf::json::Value cm = wf::json::Value::object();
    cm.set("apiVersion", "v1");
    cm.set("kind", "ConfigMap");
    wf::json::Value& meta = cm.set("metadata", wf::json::Value::object());
    meta.set("name", cm_name);
    meta.set("namespace", ns);
    wf::json::Value& labels = meta.set("labels", wf::json::Value::object());
    labels.set("example.watchfilter.io/operator", operator_id.empty() ? "percona" : operator_id);
    wf::json::Value owner = wf::json::Value::object();
    owner.set("apiVersion", event.object["apiVersion"].as_string());
    owner.set("kind", event.object["kind"].as_string());
    owner.set("name", name);
    owner.set("uid", event.object.at_path("metadata.uid").as_string());
    meta.set("ownerReferences", wf::json::Value::array()).push_back(std::move(owner));
    cm.set("data", std::move(data));
    wf::Response r = client.create(kConfigMaps, ns, cm);
    if (!r.ok()) return wf::Result::requeue(std::chrono::milliseconds(1000));
    outcome = "created";
  } else if (current.ok()) {
    // The client-side predicate: changed(spec) and delta(status.size) compare with what the
    // ConfigMap records, which also catches a ConfigMap someone else changed.
    if (client_predicate && current.json()["data"].dump() == data.dump()) {
      log_reconcile(event, outlier ? "outlier" : "unchanged");
      return wf::Result::requeue(resync_period());
    }
    wf::json::Value patch = wf::json::Value::object();
    patch.set("data", std::move(data));
    wf::Response r = client.merge_patch(kConfigMaps.path(ns, cm_name), patch);
    if (!r.ok()) return wf::Result::requeue(std::chrono::milliseconds(1000));
  } else {
    return wf::Result::requeue(std::chrono::milliseconds(1000));
  }
  log_reconcile(event, outcome);
  wf::log::info(ns + "/" + name + ": size " + std::to_string(static_cast<long>(observed)) + "/" +
                std::to_string(static_cast<long>(desired)));
  return wf::Result::requeue(resync_period());
}

std::vector<wf::Watch> watches() {
  const std::string ns = env("CLUSTER_NAMESPACE");
  wf::Watch watch;
  watch.resource = kClusters.path(ns.empty() ? "db" : ns);
  watch.filter =
      "changed(spec) || delta(status.size) >= 1 || "
      "outlier(status.latencyMs, 3, 32, \"mean every\")";
  return {watch};
}

}  // namespace

WATCHFILTER_CONTROLLER(reconcile)
WATCHFILTER_WATCHES(watches)

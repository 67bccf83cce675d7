// A Percona-style child: a database operator whose custom resource (a Cluster) carries the
// desired size in spec and the observed size in status. It declares its watch (Clusters of
// $CLUSTER_NAMESPACE, default db) with the filter
//   changed(spec) || delta(status.size) >= 1
// so status heartbeats that do not move the size never wake it, and it asks for a resync every
// $RESYNC_SECONDS (default 60) with a requeue, which the host turns into a server-side wake-up
// rather than a timer that keeps the child loaded. The reconcile writes the desired topology into
// a ConfigMap <name>-topology, the stand-in for the StatefulSet a real operator would manage.
#include <cstdlib>
#include <string>
#include <vector>

#include "watchfilter/sdk/controller.h"

namespace wf = watchfilter::sdk;

namespace {

const wf::Resource kConfigMaps{"", "v1", "configmaps"};
const wf::Resource kClusters{"example.watchfilter.io", "v1", "clusters"};

std::chrono::milliseconds resync_period() {
  const char* v = std::getenv("RESYNC_SECONDS");
  long s = v ? std::strtol(v, nullptr, 10) : 60;
  return std::chrono::milliseconds((s > 0 ? s : 60) * 1000);
}

wf::Result reconcile(const wf::Event& event, wf::Client& client) {
  if (event.type == "DELETED") return wf::Result::done();  // the ConfigMap has an ownerReference
  const std::string& ns = event.namespace_();
  const std::string& name = event.name();
  double desired = event.object.at_path("spec.size").as_number(1);
  double observed = event.object.at_path("status.size").as_number(0);

  wf::json::Value data = wf::json::Value::object();
  data.set("desiredSize", std::to_string(static_cast<long>(desired)));
  data.set("observedSize", std::to_string(static_cast<long>(observed)));
  data.set("phase", desired == observed ? "ready" : "scaling");

  std::string cm_name = name + "-topology";
  wf::Response current = client.get(kConfigMaps, ns, cm_name);
  if (current.not_found()) {
    wf::json::Value cm = wf::json::Value::object();
    cm.set("apiVersion", "v1");
    cm.set("kind", "ConfigMap");
    wf::json::Value& meta = cm.set("metadata", wf::json::Value::object());
    meta.set("name", cm_name);
    meta.set("namespace", ns);
    wf::json::Value owner = wf::json::Value::object();
    owner.set("apiVersion", event.object["apiVersion"].as_string());
    owner.set("kind", event.object["kind"].as_string());
    owner.set("name", name);
    owner.set("uid", event.object.at_path("metadata.uid").as_string());
    meta.set("ownerReferences", wf::json::Value::array()).push_back(std::move(owner));
    cm.set("data", std::move(data));
    wf::Response r = client.create(kConfigMaps, ns, cm);
    if (!r.ok()) return wf::Result::requeue(std::chrono::milliseconds(1000));
  } else if (current.ok()) {
    wf::json::Value patch = wf::json::Value::object();
    patch.set("data", std::move(data));
    wf::Response r = client.merge_patch(kConfigMaps.path(ns, cm_name), patch);
    if (!r.ok()) return wf::Result::requeue(std::chrono::milliseconds(1000));
  } else {
    return wf::Result::requeue(std::chrono::milliseconds(1000));
  }
  wf::log::info(ns + "/" + name + ": size " + std::to_string(static_cast<long>(observed)) + "/" +
                std::to_string(static_cast<long>(desired)));
  return wf::Result::requeue(resync_period());
}

std::vector<wf::Watch> watches() {
  const char* ns = std::getenv("CLUSTER_NAMESPACE");
  wf::Watch watch;
  watch.resource = kClusters.path(ns && *ns ? ns : "db");
  watch.filter = "changed(spec) || delta(status.size) >= 1";
  return {watch};
}

}  // namespace

WATCHFILTER_CONTROLLER(reconcile)
WATCHFILTER_WATCHES(watches)

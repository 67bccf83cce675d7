// The ring operator (after the wasm-operator prototype's ring-rust-controller): child i watches
// Ring objects in namespace $RING_FROM and copies each one's spec to a Ring of the same name in
// $RING_TO, so that a change made in the first namespace travels the ring to the last. The
// children file gives the watch a filter, changed(spec), so status-only writes wake nobody.
#include <cstdlib>
#include <string>
#include <vector>

#include "watchfilter/sdk/controller.h"

namespace wf = watchfilter::sdk;

namespace {

const wf::Resource kRings{"example.watchfilter.io", "v1", "rings"};

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

wf::Result reconcile(const wf::Event& event, wf::Client& client) {
  static const std::string to = env("RING_TO");  // empty: the last child of the ring
  const std::string& name = event.name();
  const wf::json::Value& spec = event.object["spec"];
  if (to.empty()) {
    wf::log::info("ring end: " + event.namespace_() + "/" + name + " " + event.type + " spec " +
                  spec.dump());
    return wf::Result::done();
  }
  if (event.type == "DELETED") {
    wf::Response r = client.remove(kRings, to, name);
    if (!r.ok() && !r.not_found()) return wf::Result::requeue(std::chrono::milliseconds(500));
    return wf::Result::done();
  }
  wf::Response current = client.get(kRings, to, name);
  if (current.not_found()) {
    wf::json::Value obj = wf::json::Value::object();
    obj.set("apiVersion", "example.watchfilter.io/v1");
    obj.set("kind", "Ring");
    wf::json::Value& meta = obj.set("metadata", wf::json::Value::object());
    meta.set("name", name);
    meta.set("namespace", to);
    obj.set("spec", spec);
    wf::Response r = client.create(kRings, to, obj);
    if (!r.ok() && !r.conflict()) {
      wf::log::warning("create " + to + "/" + name + ": HTTP " + std::to_string(r.status) + " " +
                       r.body);
      return wf::Result::requeue(std::chrono::milliseconds(500));
    }
    wf::log::info("created " + to + "/" + name);
    return wf::Result::done();
  }
  if (!current.ok()) {
    wf::log::warning("get " + to + "/" + name + ": HTTP " + std::to_string(current.status));
    return wf::Result::requeue(std::chrono::milliseconds(500));
  }
  wf::json::Value obj = current.json();
  if (obj["spec"].dump() == spec.dump()) return wf::Result::done();
  obj.set("spec", spec);
  wf::Response r = client.update(kRings, to, name, obj);
  if (r.conflict()) return wf::Result::requeue(std::chrono::milliseconds(200));
  if (!r.ok()) {
    wf::log::warning("update " + to + "/" + name + ": HTTP " + std::to_string(r.status) + " " +
                     r.body);
    return wf::Result::requeue(std::chrono::milliseconds(500));
  }
  wf::log::info("updated " + to + "/" + name);
  return wf::Result::done();
}

// The watch, when the children file lists none: this child's namespace, spec changes only.
std::vector<wf::Watch> watches() {
  wf::Watch watch;
  watch.resource = kRings.path(env("RING_FROM"));
  watch.filter = "changed(spec)";
  return {watch};
}

}  // namespace

WATCHFILTER_CONTROLLER(reconcile)
WATCHFILTER_WATCHES(watches)

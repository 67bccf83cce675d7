// A child whose behaviour is chosen by the event: object.data.action (a ConfigMap-shaped
// object). Used by host_runtime_test to exercise every outcome of a call.
#include <cstdlib>
#include <string>
#include <vector>

#include "watchfilter/sdk/controller.h"

namespace wf = watchfilter::sdk;

namespace {

int calls = 0;  // state kept by one instance; a new instance starts at 0

wf::Result reconcile(const wf::Event& event, wf::Client& client) {
  ++calls;
  const std::string& action = event.object.at_path("data.action").as_string();
  if (action == "ok") {
    wf::log::info("reconciled " + event.namespace_() + "/" + event.name() + " " + event.type);
    return wf::Result::done();
  }
  if (action == "requeue") return wf::Result::requeue(std::chrono::milliseconds(1500));
  if (action == "count") return wf::Result::requeue(std::chrono::milliseconds(calls));
  if (action == "fail") return wf::Result::error();
  if (action == "trap") __builtin_trap();
  if (action == "loop") {
    volatile unsigned long n = 0;
    for (;;) n = n + 1;
  }
  if (action == "grow") {
    std::vector<void*> blocks;
    for (;;) {
      void* p = std::malloc(1 << 20);
      if (p == nullptr) std::abort();  // what an out-of-memory child does without exceptions
      static_cast<char*>(p)[0] = 1;
      blocks.push_back(p);
    }
  }
  if (action == "kube") {
    wf::Resource configmaps{"", "v1", "configmaps"};
    wf::Response r = client.get(configmaps, event.namespace_(), "target");
    wf::json::Value obj = r.json();
    wf::log::info("got " + obj.at_path("metadata.name").as_string());
    wf::json::Value patch = wf::json::Value::object();
    patch.set("data", wf::json::Value::object()).set("seen", obj.at_path("data.value").as_string());
    wf::Response p = client.merge_patch(configmaps.path(event.namespace_(), "target"), patch);
    return wf::Result::requeue(std::chrono::milliseconds(r.status * 1000 + p.status));
  }
  if (action == "secret") {  // asks for what its grants in the children file do not cover
    wf::Resource secrets{"", "v1", "secrets"};
    wf::Response r = client.get(secrets, event.object.at_path("data.namespace").as_string(),
                                event.object.at_path("data.name").as_string());
    wf::log::warning("secret: HTTP " + std::to_string(r.status) + " " + r.body);
    return wf::Result::done();
  }
  if (action == "badpath") {
    return wf::Result::requeue(
        std::chrono::milliseconds(-client.get("https://evil.example/x").status));
  }
  wf::log::warning("unknown action " + action);
  return wf::Result::error();
}

}  // namespace

WATCHFILTER_CONTROLLER(reconcile)

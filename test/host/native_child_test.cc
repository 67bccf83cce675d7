// The Percona-style example compiled natively (as percona-native is) and run by the in-process
// backend on the host's supervisor: the same declared watch, the same requests and the same
// requeue as the wasm child in ExamplesTest.
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "host/child_supervisor.h"
#include "host/declared_watches.h"
#include "host/in_process_backend.h"
#include "watchfilter/sdk/abi.h"

namespace watchfilter::host {
namespace {

// GET answers 404 (no ConfigMap yet), writes 201.
class RecordingServices : public HostServices {
 public:
  KubeResponse kube_request(const std::string& child, const KubeRequest& request) override {
    requests.push_back(request);
    children.push_back(child);
    if (request.method == 0) return {404, R"({"kind":"Status","code":404})"};
    return {201, "{}"};
  }
  void child_log(const std::string& child, int level, std::string_view message) override {
    logs.push_back(child + ":" + std::to_string(level) + ":" + std::string(message));
  }
  std::vector<KubeRequest> requests;  // worker thread; read after drain()
  std::vector<std::string> children;
  std::vector<std::string> logs;
};

ChildEntryPoints percona_entry_points() {
  ChildEntryPoints entry;
  entry.abi_version = &watchfilter_abi_version;
  entry.allocate = &watchfilter_allocate;
  entry.reconcile = &watchfilter_reconcile;
  entry.watches_json = &watchfilter_watches_json;
  return entry;
}

constexpr char kClusterEvent[] =
    R"({"type":"MODIFIED","object":{"apiVersion":"example.watchfilter.io/v1","kind":"Cluster","metadata":{"name":"db1","namespace":"shop","uid":"u-1"},"spec":{"size":3},"status":{"size":1}}})"
    "\n";

TEST(NativeChildTest, PerconaRunsInProcessOnTheSupervisor) {
  ::setenv("CLUSTER_NAMESPACE", "shop", 1);
  ::setenv("RESYNC_SECONDS", "30", 1);
  HostConfig parsed;
  parsed.host_name = "edge-1";
  ChildSpec child;
  child.name = "percona";
  child.wasm = "(native)";
  parsed.children.push_back(child);

  RecordingServices services;
  InProcessBackend backend(percona_entry_points(), services);
  resolve_declared_watches(parsed, backend);
  ASSERT_EQ(parsed.children[0].watches.size(), 1u);
  EXPECT_EQ(parsed.children[0].watches[0].resource,
            "/apis/example.watchfilter.io/v1/namespaces/shop/clusters");
  EXPECT_EQ(parsed.children[0].watches[0].filter,
            "changed(spec) || delta(status.size) >= 1 || "
            "outlier(status.latencyMs, 3, 32, \"mean every\")");

  auto config = std::make_shared<const HostConfig>(std::move(parsed));
  std::vector<WakeupRequest> wakeups;
  ChildSupervisor supervisor(config, backend, std::make_shared<const proxy::Logger>(0, stderr),
                             [&](const WakeupRequest& w) { wakeups.push_back(w); });
  supervisor.start();
  supervisor.deliver(0, 0, child_event(0, kClusterEvent));
  supervisor.drain();

  ASSERT_EQ(services.requests.size(), 2u);
  EXPECT_EQ(services.requests[0].method, 0);
  EXPECT_EQ(services.requests[0].path, "/api/v1/namespaces/shop/configmaps/db1-topology");
  EXPECT_EQ(services.requests[1].method, 1);
  EXPECT_EQ(services.requests[1].path, "/api/v1/namespaces/shop/configmaps");
  EXPECT_NE(services.requests[1].body.find(
                R"("data":{"desiredSize":"3","observedSize":"1","phase":"scaling"})"),
            std::string::npos)
      << services.requests[1].body;
  EXPECT_EQ(services.children, (std::vector<std::string>{"percona", "percona"}));
  ASSERT_EQ(services.logs.size(), 1u);
  EXPECT_EQ(services.logs[0], "percona:1:shop/db1: size 1/3");

  ASSERT_EQ(wakeups.size(), 1u);  // the resync requeue, as a wake-up on the proxy
  EXPECT_EQ(wakeups[0].watcher_id, "edge-1.percona.0");
  EXPECT_EQ(wakeups[0].namespace_, "shop");
  EXPECT_EQ(wakeups[0].after, std::chrono::seconds(30));

  auto m = supervisor.metrics();
  EXPECT_EQ(m[0].wakeups, 1u);
  EXPECT_EQ(m[0].loads, 1u);
  EXPECT_EQ(m[0].requeues, 1u);
  EXPECT_EQ(m[0].events, std::vector<std::uint64_t>{1});
}

TEST(NativeChildTest, TheShimRefusesWhatTheWasmHostRefuses) {
  // Outside a reconcile there is no call to attribute a request to.
  watchfilter::sdk::abi::Buffer out{nullptr, 0};
  const char path[] = "/api/v1/namespaces/a/configmaps";
  EXPECT_EQ(watchfilter_kube_request(0, path, sizeof path - 1, nullptr, 0, &out), -1);

  EXPECT_TRUE(allowed_request(0, "/api/v1/namespaces/a/configmaps?limit=1"));
  EXPECT_TRUE(allowed_request(5, "/apis/apps/v1/namespaces/a/deployments/x"));
  EXPECT_FALSE(allowed_request(6, "/api/v1/pods"));
  EXPECT_FALSE(allowed_request(0, "https://evil.example/api/v1/pods"));
  EXPECT_FALSE(allowed_request(0, "/api/v1/../../secrets"));
  EXPECT_FALSE(allowed_request(0, "/api/v1/pods HTTP/1.1\r\nHost: x"));
}

TEST(NativeChildTest, AChildThatSpeaksAnotherAbiIsRefused) {
  RecordingServices services;
  ChildEntryPoints entry = percona_entry_points();
  entry.abi_version = [] { return std::int32_t{2}; };
  InProcessBackend backend(entry, services);
  HostConfig config;
  config.children.push_back(ChildSpec{"percona", "(native)", {}, {}, 0, {}});
  proxy::Logger logger(0, stderr);
  EXPECT_THROW(backend.prepare(config, logger), LoadError);
}

}  // namespace
}  // namespace watchfilter::host

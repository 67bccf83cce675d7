#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "host/child_instance.h"
#include "host/declared_watches.h"
#include "host/permitted_host_services.h"
#include "host/wasm_backend.h"
#include "host/wasm_runtime.h"
#include "proxy/base/config_error.h"

namespace watchfilter::host {
namespace {

// Records requests; GETs answer 404 (nothing exists yet), writes 201.
class RecordingServices : public HostServices {
 public:
  KubeResponse kube_request(const std::string&, const KubeRequest& request) override {
    requests.push_back(request);
    if (request.method == 0) return {404, R"({"kind":"Status","code":404})"};
    return {201, "{}"};
  }
  void child_log(const std::string&, int, std::string_view message) override {
    logs.emplace_back(message);
  }
  std::vector<KubeRequest> requests;
  std::vector<std::string> logs;
};

class ExamplesTest : public ::testing::Test {
 protected:
  ExamplesTest() : runtime_(options()) {}
  static RuntimeOptions options() {
    RuntimeOptions o;
    o.max_instances = 2;
    return o;
  }
  std::unique_ptr<ChildInstance> load(const char* wasm,
                                      std::vector<std::pair<std::string, std::string>> env) {
    ChildSettings settings;
    settings.name = "example";
    settings.env = std::move(env);
    return std::make_unique<ChildInstance>(runtime_, runtime_.load_module(wasm), settings,
                                           services_);
  }
  WasmRuntime runtime_;
  RecordingServices services_;
};

TEST_F(ExamplesTest, RingCopiesTheSpecToTheNextNamespace) {
  auto child = load(RING_WASM, {{"RING_TO", "ring-4"}});
  CallOutcome out = child->reconcile(
      R"({"watch":0,"event":{"type":"ADDED","object":{"apiVersion":"example.watchfilter.io/v1","kind":"Ring","metadata":{"name":"r1","namespace":"ring-3"},"spec":{"value":7,"note":"x"}}}})");
  EXPECT_EQ(out.status, CallOutcome::Status::kDone) << out.message;
  ASSERT_EQ(services_.requests.size(), 2u);
  EXPECT_EQ(services_.requests[0].path,
            "/apis/example.watchfilter.io/v1/namespaces/ring-4/rings/r1");
  EXPECT_EQ(services_.requests[1].method, 1);
  EXPECT_EQ(services_.requests[1].path, "/apis/example.watchfilter.io/v1/namespaces/ring-4/rings");
  EXPECT_EQ(
      services_.requests[1].body,
      R"({"apiVersion":"example.watchfilter.io/v1","kind":"Ring","metadata":{"name":"r1","namespace":"ring-4"},"spec":{"value":7,"note":"x"}})");
}

TEST_F(ExamplesTest, PerconaWritesTheTopologyAndAsksForAResync) {
  auto child = load(PERCONA_WASM, {{"RESYNC_SECONDS", "30"}});
  CallOutcome out = child->reconcile(
      R"({"watch":0,"event":{"type":"MODIFIED","object":{"apiVersion":"example.watchfilter.io/v1","kind":"Cluster","metadata":{"name":"db1","namespace":"db","uid":"u-1"},"spec":{"size":3},"status":{"size":1}}}})");
  EXPECT_EQ(out.status, CallOutcome::Status::kRequeue) << out.message;
  EXPECT_EQ(out.requeue_after, std::chrono::seconds(30));
  ASSERT_EQ(services_.requests.size(), 2u);
  EXPECT_EQ(services_.requests[1].path, "/api/v1/namespaces/db/configmaps");
  EXPECT_NE(services_.requests[1].body.find(
                R"("data":{"desiredSize":"3","observedSize":"1","phase":"scaling"})"),
            std::string::npos)
      << services_.requests[1].body;
  EXPECT_NE(services_.requests[1].body.find(R"("uid":"u-1")"), std::string::npos);
}

TEST_F(ExamplesTest, PerconaDeclaresItsFilteredWatch) {
  HostConfig config =
      parse_host_config("children:\n- name: percona\n  wasm: " + std::string(PERCONA_WASM) +
                            "\n  env: {CLUSTER_NAMESPACE: shop}\n",
                        "/");
  WasmBackend backend(runtime_, services_);
  resolve_declared_watches(config, backend);
  ASSERT_EQ(config.children[0].watches.size(), 1u);
  EXPECT_EQ(config.children[0].watches[0].resource,
            "/apis/example.watchfilter.io/v1/namespaces/shop/clusters");
  EXPECT_EQ(config.children[0].watches[0].filter,
            "changed(spec) || delta(status.size) >= 1 || "
            "outlier(status.latencyMs, 3, 32, \"mean every\")");
}

TEST_F(ExamplesTest, WatchesDeclaredByTheModuleFillTheChildrenFile) {
  HostConfig config = parse_host_config(R"(
children:
- name: ring-3
  wasm: )" + std::string(RING_WASM) + R"(
  env: {RING_FROM: ring-3}
- name: listed
  wasm: )" + std::string(RING_WASM) + R"(
  watches: [{resource: /api/v1/namespaces/x/configmaps}]
)",
                                        "/");
  WasmBackend backend(runtime_, services_);
  resolve_declared_watches(config, backend);
  ASSERT_EQ(config.children[0].watches.size(), 1u);
  EXPECT_EQ(config.children[0].watches[0].resource,
            "/apis/example.watchfilter.io/v1/namespaces/ring-3/rings");
  EXPECT_EQ(config.children[0].watches[0].filter, "changed(spec)");
  ASSERT_EQ(config.children[1].watches.size(), 1u);  // the file's list wins
  EXPECT_EQ(config.children[1].watches[0].resource, "/api/v1/namespaces/x/configmaps");

  HostConfig undeclared = parse_host_config(
      "children:\n- name: t\n  wasm: " + std::string(TEST_CHILD_WASM) + "\n", "/");
  EXPECT_THROW(resolve_declared_watches(undeclared, backend), proxy::ConfigError);
}

TEST_F(ExamplesTest, AModuleCannotGrantItselfAWatch) {
  const std::string ring = "children:\n- name: ring-3\n  wasm: " + std::string(RING_WASM) +
                           "\n  env: {RING_FROM: ring-3}\n";
  HostConfig config = parse_host_config(ring, "/");
  PermittedHostServices guarded(services_, config, std::make_shared<const proxy::Logger>(0));
  WasmBackend backend(runtime_, guarded);
  resolve_declared_watches(config, backend);
  EXPECT_THROW(guarded.check_watches(config), proxy::ConfigError);

  HostConfig granted = parse_host_config(
      ring +
          "  rbac: [{apiGroups: [example.watchfilter.io], resources: [rings], verbs: [watch], "
          "namespaces: [ring-3]}]\n",
      "/");
  PermittedHostServices allowed(services_, granted, std::make_shared<const proxy::Logger>(0));
  resolve_declared_watches(granted, backend);
  EXPECT_NO_THROW(allowed.check_watches(granted));
}

TEST_F(ExamplesTest, RefusedRequestsNeverReachTheHostIdentityAndAreCounted) {
  HostConfig config = parse_host_config(R"(
children:
- name: a
  wasm: a.wasm
  rbac: [{apiGroups: [""], resources: [configmaps], verbs: [get], namespaces: [db]}]
- name: b
  wasm: b.wasm
)",
                                        "/");
  PermittedHostServices guarded(services_, config, std::make_shared<const proxy::Logger>(0));
  EXPECT_EQ(guarded.kube_request("a", {0, "/api/v1/namespaces/db/configmaps/x", ""}).status, 404);
  ASSERT_EQ(services_.requests.size(), 1u);
  // b has no grants; a may not read secrets; an unknown child may do nothing.
  KubeResponse r = guarded.kube_request("b", {0, "/api/v1/namespaces/db/configmaps/x", ""});
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find(R"("reason":"Forbidden")"), std::string::npos) << r.body;
  EXPECT_EQ(guarded.kube_request("a", {0, "/api/v1/namespaces/db/secrets/x", ""}).status, 403);
  EXPECT_EQ(guarded.kube_request("a", {0, "/api/v1/namespaces/db/secrets/x", ""}).status, 403);
  EXPECT_EQ(guarded.kube_request("nobody", {0, "/api/v1/namespaces/db/configmaps/x", ""}).status,
            403);
  EXPECT_EQ(services_.requests.size(), 1u);
  EXPECT_EQ(guarded.refused(0), 2u);
  EXPECT_EQ(guarded.refused(1), 1u);
}

}  // namespace
}  // namespace watchfilter::host

// The runtime with a Go child (test/host/children/go, the Go SDK built with GOOS=wasip1
// -buildmode=c-shared): what the host must do for Go modules (a larger table, _initialize running
// the Go runtime and package inits, the host calling watchfilter_allocate from inside
// kube_request while the Go collector runs) and the SDK's encoding of results, errors and panics.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "host/child_instance.h"
#include "host/wasm_runtime.h"
#include "test/host/runtime_fixture.h"

namespace watchfilter::host {
namespace {

std::string event(const std::string& data) {
  return R"({"watch":0,"event":{"type":"MODIFIED","object":{"kind":"ConfigMap","metadata":{"name":"c","namespace":"ns1"},"data":)" +
         data + "}}}";
}
std::string action(const std::string& a) { return event(R"({"action":")" + a + R"("})"); }

class GoChildTest : public RuntimeFixture<GoChildTest> {
 protected:
  // Compiling the Go module takes ~30 s and CTest runs each test in its own process, so the
  // compiled module is kept in the host's default cache, outside the clone (keyed by content).
  static void SetUpTestSuite() {
    const char* home = std::getenv("HOME");
    RuntimeOptions options;
    options.module_cache_dir =
        std::filesystem::path(home ? home : "/tmp") / ".cache/watchfilter/modules";
    options.max_memory_bytes = 64ull << 20;
    options.max_instances = 4;
    load_suite_module(options, GO_TEST_CHILD_WASM);
  }

  std::unique_ptr<ChildInstance> instantiate(
      std::string name = "go-child", std::uint64_t memory_limit = 32ull << 20,
      std::chrono::milliseconds timeout = std::chrono::milliseconds(1000)) {
    ChildSettings settings;
    settings.name = std::move(name);
    settings.memory_limit_bytes = memory_limit;
    settings.call_timeout = timeout;
    settings.env = {{"WATCH_NAMESPACE", "ns1"}, {"SOME_VAR", "12345"}};
    return RuntimeFixture::instantiate(settings);
  }
};

TEST_F(GoChildTest, ReconcileLogsThroughTheHost) {
  auto child = instantiate("go-0");
  CallOutcome out = child->reconcile(action("ok"));
  EXPECT_EQ(out.status, CallOutcome::Status::kDone) << out.message;
  ASSERT_EQ(services_.logs.size(), 1u);
  EXPECT_EQ(services_.logs[0], "go-0:1:reconciled ns1/c MODIFIED");
}

TEST_F(GoChildTest, RequeueAfterBecomesMilliseconds) {
  auto child = instantiate();
  CallOutcome out = child->reconcile(action("requeue"));
  EXPECT_EQ(out.status, CallOutcome::Status::kRequeue);
  EXPECT_EQ(out.requeue_after, std::chrono::milliseconds(1500));
}

TEST_F(GoChildTest, ErrorsAndPanicsFailTheReconcileOnly) {
  auto child = instantiate("go-1");
  CallOutcome out = child->reconcile(action("fail"));
  EXPECT_EQ(out.status, CallOutcome::Status::kFailed);
  EXPECT_EQ(services_.logs.back(), "go-1:3:reconcile ns1/c: failed on purpose");
  out = child->reconcile(action("panic"));
  EXPECT_EQ(out.status, CallOutcome::Status::kFailed) << out.message;
  EXPECT_NE(
      services_.logs.back().find("go-1:3:reconcile ns1/c: panic: assignment to entry in nil map"),
      std::string::npos)
      << services_.logs.back();
  // A recovered panic leaves the instance usable, its state included.
  EXPECT_EQ(child->reconcile(action("count")).requeue_after.count(), 3);
}

TEST_F(GoChildTest, StateLivesInTheInstanceOnly) {
  auto child = instantiate();
  EXPECT_EQ(child->reconcile(action("count")).requeue_after.count(), 1);
  EXPECT_EQ(child->reconcile(action("count")).requeue_after.count(), 2);
  child = instantiate();
  EXPECT_EQ(child->reconcile(action("count")).requeue_after.count(), 1);
}

TEST_F(GoChildTest, EnvironmentIsTheEntrysEnv) {
  auto child = instantiate();
  EXPECT_EQ(child->reconcile(event(R"({"action":"env","name":"SOME_VAR"})")).requeue_after.count(),
            5);
  EXPECT_EQ(child->declared_watches().value_or(""),
            R"j([{"resource":"/api/v1/namespaces/ns1/configmaps","filter":"changed(data)"}])j");
}

// The host sets GOMEMLIMIT to the memory limit less the module's initial memory, unless the
// entry sets it.
TEST_F(GoChildTest, GoMemoryLimitFollowsTheChildsLimit) {
  std::uint64_t initial = module_->initial_memory_bytes();
  ASSERT_GT(initial, 1u << 20);
  auto child = instantiate("limit", 32ull << 20);
  CallOutcome out = child->reconcile(event(R"({"action":"env","name":"GOMEMLIMIT"})"));
  EXPECT_EQ(out.requeue_after.count(),
            static_cast<long>(std::to_string((32ull << 20) - initial).size()));
  EXPECT_EQ(child->reconcile(action("gomemlimit")).requeue_after.count(),
            static_cast<long>(((32ull << 20) - initial) >> 10));
  ChildSettings settings;
  settings.name = "own-limit";
  settings.env = {{"GOMEMLIMIT", "5MiB"}};
  ChildInstance own(*runtime_, module_, settings, services_);
  EXPECT_EQ(own.reconcile(action("gomemlimit")).requeue_after.count(), 5 * 1024);
}

TEST_F(GoChildTest, KubeRequestsThroughNetHTTP) {
  auto child = instantiate("kube-child");
  CallOutcome out = child->reconcile(action("kube"));
  ASSERT_EQ(out.status, CallOutcome::Status::kRequeue) << out.message;
  EXPECT_EQ(out.requeue_after.count(), 200 * 1000 + 201);
  ASSERT_EQ(services_.requests.size(), 2u);
  EXPECT_EQ(services_.requests[0].method, 0);
  EXPECT_EQ(services_.requests[0].path, "/api/v1/namespaces/ns1/configmaps/target");
  EXPECT_EQ(services_.requests[1].method, 3);
  EXPECT_EQ(services_.requests[1].body, R"({"data":{"seen":"v1"}})");
  EXPECT_EQ(services_.logs.back(), "kube-child:1:got target");
}

TEST_F(GoChildTest, RefusedPathIsAnErrorInTheChild) {
  auto child = instantiate();
  EXPECT_EQ(child->reconcile(action("badpath")).requeue_after.count(), 2);
  EXPECT_TRUE(services_.requests.empty());
}

// The host calls watchfilter_allocate (Go's make) from inside kube_request: responses up to the
// 3 MiB limit, with the collector running between requests, arrive intact.
TEST_F(GoChildTest, LargeResponsesWhileTheCollectorRuns) {
  // 24 x 3 MiB copied and collected: seconds on a loaded machine, so a longer deadline.
  auto child = instantiate("big", 64ull << 20, std::chrono::seconds(20));
  for (int size : {2, 100, 64 << 10, 1 << 20, 3 << 20}) {
    CallOutcome out = child->reconcile(
        event(R"({"action":"big","size":")" + std::to_string(size) + R"(","count":"24"})"));
    ASSERT_EQ(out.status, CallOutcome::Status::kRequeue)
        << size << ": " << out.message << "\n"
        << (services_.logs.empty() ? "" : services_.logs.back());
    EXPECT_EQ(out.requeue_after.count(), 24);
  }
}

TEST_F(GoChildTest, ExitStopsTheChild) {
  auto child = instantiate();
  CallOutcome out = child->reconcile(action("exit"));
  EXPECT_EQ(out.status, CallOutcome::Status::kTrapped);
  EXPECT_EQ(out.message, "proc_exit(3)");
  EXPECT_EQ(instantiate()->reconcile(action("ok")).status, CallOutcome::Status::kDone);
}

TEST_F(GoChildTest, EndlessLoopIsInterruptedAtTheDeadline) {
  auto child = instantiate();
  CallOutcome out = child->reconcile(action("loop"));
  EXPECT_EQ(out.status, CallOutcome::Status::kTimedOut) << out.message;
  EXPECT_EQ(instantiate()->reconcile(action("ok")).status, CallOutcome::Status::kDone);
}

TEST_F(GoChildTest, MemoryLimitStopsTheChild) {
  auto child = instantiate("grow", 16ull << 20);
  CallOutcome out = child->reconcile(action("grow"));
  EXPECT_EQ(out.status, CallOutcome::Status::kMemoryLimit) << out.message;
  EXPECT_LE(child->memory_bytes(), 16ull << 20);
  EXPECT_EQ(instantiate()->reconcile(action("ok")).status, CallOutcome::Status::kDone);
}

// What a Go child costs per load: the Go runtime's and the packages' init in _initialize.
TEST_F(GoChildTest, ColdStart) {
  constexpr int kRounds = 50;
  std::chrono::steady_clock::duration total{};
  for (int i = 0; i < kRounds; ++i) {
    auto start = std::chrono::steady_clock::now();
    auto child = instantiate();
    total += std::chrono::steady_clock::now() - start;
    ASSERT_EQ(child->reconcile(action("requeue")).status, CallOutcome::Status::kRequeue);
  }
  double mean_us = std::chrono::duration<double, std::micro>(total).count() / kRounds;
  std::printf("Go child cold start (instantiate + _initialize), mean of %d: %.1f us\n", kRounds,
              mean_us);
  EXPECT_LT(mean_us, 50000.0);
}

}  // namespace
}  // namespace watchfilter::host

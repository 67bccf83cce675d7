#include "host/child_supervisor.h"

#include <gtest/gtest.h>

#include <thread>

#include "host/wasm_backend.h"

namespace watchfilter::host {
namespace {

class NullServices : public HostServices {
 public:
  KubeResponse kube_request(const std::string&, const KubeRequest&) override { return {404, "{}"}; }
  void child_log(const std::string&, int, std::string_view) override {}
};

ChildEvent line(const std::string& action) {
  return child_event(
      0,
      R"({"type":"MODIFIED","object":{"metadata":{"name":"c","namespace":"ns7"},"data":{"action":")" +
          action + "\"}}}\n");
}

class SupervisorTest : public ::testing::Test {
 protected:
  void SetUp() override { start(RequeueMode::kProxy); }

  void start(RequeueMode mode) {
    supervisor_.reset();
    RuntimeOptions options;
    options.max_instances = 8;
    options.max_memory_bytes = 16ull << 20;
    runtime_ = std::make_unique<WasmRuntime>(options);
    backend_ = std::make_unique<WasmBackend>(*runtime_, services_);
    auto config = std::make_shared<HostConfig>();
    config->host_name = "h";
    config->idle_unload = std::chrono::milliseconds(300);
    config->call_timeout = std::chrono::milliseconds(200);
    config->memory_limit_bytes = 8ull << 20;
    for (const char* name : {"a", "b"}) {
      ChildSpec child;
      child.name = name;
      child.wasm = TEST_CHILD_WASM;
      child.watches.push_back(
          {"/api/v1/namespaces/ns7/configmaps", "changed(data)", "", "", "", ""});
      config->children.push_back(child);
    }
    config_ = config;
    supervisor_ = std::make_unique<ChildSupervisor>(
        config_, *backend_, std::make_shared<const proxy::Logger>(0, stderr),
        [this](const WakeupRequest& w) { wakeups_.push_back(w); }, mode);
    supervisor_->start();
  }

  std::unique_ptr<WasmRuntime> runtime_;
  std::shared_ptr<const HostConfig> config_;
  NullServices services_;
  std::unique_ptr<WasmBackend> backend_;
  std::vector<WakeupRequest> wakeups_;  // worker thread; read after drain()
  std::unique_ptr<ChildSupervisor> supervisor_;
};

TEST_F(SupervisorTest, LoadsLazilyAndUnloadsWhenIdle) {
  EXPECT_FALSE(supervisor_->metrics()[0].loaded);
  supervisor_->deliver(0, 0, line("ok"));
  supervisor_->deliver(0, 0, line("ok"));
  supervisor_->drain();
  auto m = supervisor_->metrics();
  EXPECT_EQ(m[0].wakeups, 2u);
  EXPECT_EQ(m[0].loads, 1u);  // the second event found it loaded
  EXPECT_TRUE(m[0].loaded);
  EXPECT_EQ(m[1].loads, 0u);
  EXPECT_EQ(m[0].cold_start.count, 1u);
  EXPECT_EQ(m[0].events, std::vector<std::uint64_t>{2});
  EXPECT_GT(m[0].memory_bytes, 0u);  // resident while loaded
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  m = supervisor_->metrics();
  EXPECT_FALSE(m[0].loaded);
  EXPECT_EQ(m[0].unloads, 1u);
  EXPECT_EQ(m[0].memory_bytes, 0u);
  EXPECT_GT(m[0].memory_bytes_max, 0u);
}

TEST_F(SupervisorTest, RequeueBecomesAWakeupRequest) {
  supervisor_->deliver(1, 0, line("requeue"));
  supervisor_->drain();
  ASSERT_EQ(wakeups_.size(), 1u);
  EXPECT_EQ(wakeups_[0].watcher_id, "h.b.0");
  EXPECT_EQ(wakeups_[0].namespace_, "ns7");
  EXPECT_EQ(wakeups_[0].object, "c");
  EXPECT_FALSE(wakeups_[0].cluster_scoped);
  EXPECT_EQ(wakeups_[0].after, std::chrono::milliseconds(1500));
}

TEST_F(SupervisorTest, ARequeueOfAnObjectAlreadyDueEarlierIsAbsorbed) {
  supervisor_->deliver(1, 0, line("requeue"));
  supervisor_->deliver(1, 0, line("requeue"));  // due 1.5 s later than now: the first one stands
  supervisor_->drain();
  EXPECT_EQ(wakeups_.size(), 1u);
  auto m = supervisor_->metrics();
  EXPECT_EQ(m[1].requeues, 2u);
  EXPECT_EQ(m[1].requeues_absorbed, 1u);
  EXPECT_EQ(m[1].timer_wakeups, 0u);
}

TEST_F(SupervisorTest, ALocalRequeueDeliversTheObjectAgainUntilItIsDeleted) {
  start(RequeueMode::kLocal);
  // "count" requeues after as many milliseconds as the instance has had calls: a chain of
  // timer wake-ups 1, 2, 3, ... ms apart, each with the object's last state.
  supervisor_->deliver(0, 0, line("count"));
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  auto m = supervisor_->metrics();
  EXPECT_TRUE(wakeups_.empty());  // nothing is asked of the proxy
  EXPECT_GE(m[0].timer_wakeups, 5u);
  EXPECT_EQ(m[0].wakeups, m[0].timer_wakeups + 1);
  EXPECT_EQ(m[0].events, std::vector<std::uint64_t>{1});  // timer wake-ups are not watch events
  EXPECT_EQ(m[0].loads, 1u);                              // the timer kept it loaded
  EXPECT_EQ(m[1].wakeups, 0u);

  supervisor_->deliver(0, 0,
                       child_event(0, R"({"type":"DELETED","object":{"metadata":{"name":"c",)"
                                      R"("namespace":"ns7"},"data":{"action":"ok"}}})"));
  supervisor_->drain();
  const std::uint64_t after_delete = supervisor_->metrics()[0].timer_wakeups;
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(supervisor_->metrics()[0].timer_wakeups, after_delete);
}

TEST_F(SupervisorTest, LocalRequeuesOfSeveralChildrenAllKeepTicking) {
  // Found by bench/wakeups: a requeue made while another child's timer was due dropped that
  // timer, so only one chain of many went on.
  start(RequeueMode::kLocal);
  supervisor_->deliver(0, 0, line("count"));
  supervisor_->deliver(1, 0, line("count"));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto m = supervisor_->metrics();
  EXPECT_GE(m[0].timer_wakeups, 5u);
  EXPECT_GE(m[1].timer_wakeups, 5u);
}

TEST_F(SupervisorTest, ALocalRequeueDeliversTheNewestStateNotTheOneWhenItWasDue) {
  // Found by bench/wakeups: a requeue that came due while a newer event of its object waited in
  // the queue delivered the older state after the newer one (a workqueue queues the key, and the
  // reconcile reads the current state).
  start(RequeueMode::kLocal);
  supervisor_->deliver(0, 0, line("count"));  // requeue in 1 ms
  supervisor_->deliver(1, 0, line("loop"));   // 200 ms of another child: the requeue comes due
  supervisor_->deliver(0, 0, line("ok"));     // the newer state: no requeue
  supervisor_->drain();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  supervisor_->drain();
  auto m = supervisor_->metrics();
  EXPECT_EQ(m[0].timer_wakeups, 1u);  // the requeue ran once, with "ok", which asks for nothing
  EXPECT_EQ(m[0].wakeups, 3u);
}

TEST_F(SupervisorTest, StoppedChildrenAreReportedAndOthersGoOn) {
  supervisor_->deliver(0, 0, line("trap"));
  supervisor_->deliver(1, 0, line("ok"));
  supervisor_->deliver(0, 0, line("loop"));
  supervisor_->deliver(1, 0, line("ok"));
  supervisor_->deliver(0, 0, line("grow"));
  supervisor_->deliver(0, 0, line("ok"));  // a fresh instance
  supervisor_->drain();
  auto m = supervisor_->metrics();
  EXPECT_EQ(m[0].stops, 3u);
  EXPECT_EQ(m[0].loads, 4u);
  EXPECT_EQ(m[0].wakeups, 4u);
  EXPECT_FALSE(m[0].disabled);
  EXPECT_EQ(m[1].wakeups, 2u);
  EXPECT_EQ(m[1].stops, 0u);
  EXPECT_NE(supervisor_->summary().find("total wakeups=6"), std::string::npos)
      << supervisor_->summary();
}

TEST_F(SupervisorTest, DisabledAfterRepeatedStops) {
  for (int i = 0; i < ChildSupervisor::kMaxConsecutiveStops + 2; ++i)
    supervisor_->deliver(0, 0, line("trap"));
  supervisor_->drain();
  auto m = supervisor_->metrics();
  EXPECT_TRUE(m[0].disabled);
  EXPECT_EQ(m[0].stops, static_cast<std::uint64_t>(ChildSupervisor::kMaxConsecutiveStops));
}

}  // namespace
}  // namespace watchfilter::host

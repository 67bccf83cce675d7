// Per-user limit on named watcher records across informers (WatcherQuota, fed by each
// informer's WatcherRegistry).

#include "proxy/informer/watcher_quota.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "proxy/informer/watcher_registry.h"
#include "proxy/kube/object_selector.h"
#include "proxy/request/watch_request.h"

namespace watchfilter::proxy {
namespace {

TEST(WatcherQuotaTest, KeptRecordsOfEveryInformerCount) {
  auto quota = std::make_shared<WatcherQuota>(2);
  using clock = std::chrono::steady_clock;
  const ObjectSelector sel = WatchRequest{}.selector();
  auto record = [&](const std::string& owner, const std::string& id) {
    return std::make_shared<informer::WatcherRecord>(owner, id, "", sel, nullptr,
                                                     informer::AdmittedLog(10, 1000));
  };
  {
    informer::WatcherRegistry configmaps(std::chrono::minutes(10), 100, quota, "configmaps");
    informer::WatcherRegistry secrets(std::chrono::minutes(10), 100, quota, "secrets");
    EXPECT_TRUE(quota->admits("alice", "configmaps", "w1"));
    configmaps.put(record("alice", "w1"));
    configmaps.put(record("alice", "w1"));  // the same record again (a fresh start): still one
    secrets.put(record("alice", "w1"));     // the same id on another informer: another record
    EXPECT_EQ(quota->kept("alice"), 2u);
    EXPECT_FALSE(quota->admits("alice", "configmaps", "w2"));
    EXPECT_TRUE(quota->admits("alice", "secrets", "w1"));  // kept: reconnecting is allowed
    EXPECT_TRUE(quota->admits("bob", "configmaps", "w2"));
    // A record that expires is no longer counted.
    auto gone = secrets.find("alice", "w1");
    gone->detached_at = clock::now() - std::chrono::hours(1);
    secrets.expire(clock::now(), 0);
    EXPECT_EQ(quota->kept("alice"), 1u);
    EXPECT_TRUE(quota->admits("alice", "configmaps", "w2"));
    configmaps.put(record("alice", "w2"));
    configmaps.erase("alice", "w1");
    EXPECT_EQ(quota->kept("alice"), 1u);
  }
  // An informer that stops takes its records out of the count.
  EXPECT_EQ(quota->kept("alice"), 0u);
}

TEST(WatcherQuotaTest, RecordsPushedOutByMaxWatchersAreNotCounted) {
  auto quota = std::make_shared<WatcherQuota>(10);
  const ObjectSelector sel = WatchRequest{}.selector();
  informer::WatcherRegistry reg(std::chrono::minutes(10), 1, quota, "configmaps");
  reg.put(std::make_shared<informer::WatcherRecord>("alice", "a", "", sel, nullptr,
                                                    informer::AdmittedLog(10, 1000)));
  reg.put(std::make_shared<informer::WatcherRecord>("alice", "b", "", sel, nullptr,
                                                    informer::AdmittedLog(10, 1000)));
  EXPECT_EQ(reg.size(), 1u);
  EXPECT_EQ(quota->kept("alice"), 1u);
}

}  // namespace
}  // namespace watchfilter::proxy

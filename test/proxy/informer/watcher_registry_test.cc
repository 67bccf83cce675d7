// Per-watcher records: the admitted-event log and the registry's expiry and bound.

#include "proxy/informer/watcher_registry.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "proxy/request/watch_request.h"

namespace watchfilter::proxy {
namespace {

std::shared_ptr<const std::string> line(std::size_t size, char c = 'x') {
  return std::make_shared<const std::string>(size, c);
}

TEST(AdmittedLogTest, ResendsAfterAndTrims) {
  informer::AdmittedLog log(3, 1000);
  log.reset(10);
  for (std::uint64_t rv = 11; rv <= 14; ++rv) log.append(rv, line(1));
  EXPECT_EQ(log.size(), 3u);
  EXPECT_EQ(log.complete_after(), 11u);  // rv 11 was trimmed
  auto after = log.after(12);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].rv, 13u);
  log.drop_through(13);
  EXPECT_EQ(log.size(), 1u);
  EXPECT_EQ(log.complete_after(), 13u);
}

TEST(WatcherRegistryTest, ExpiresDetachedRecordsAndBoundsCount) {
  using clock = std::chrono::steady_clock;
  informer::WatcherRegistry reg(std::chrono::seconds(10), 2);
  auto make = [](std::string id) {
    return std::make_shared<informer::WatcherRecord>("alice", id, "", WatchRequest{}.selector(),
                                                     nullptr, informer::AdmittedLog(10, 1000));
  };
  const auto t0 = clock::now();
  auto a = make("a");
  a->detached_at = t0;
  a->evaluated_through = 100;
  auto b = make("b");
  b->attached_subscription = 7;
  reg.put(a);
  reg.put(b);
  auto c = make("c");
  c->detached_at = t0 + std::chrono::seconds(1);
  c->evaluated_through = 100;
  reg.put(c);  // over the bound: the oldest detached (a) goes
  EXPECT_EQ(reg.size(), 2u);
  EXPECT_EQ(reg.find("alice", "a"), nullptr);
  reg.expire(t0 + std::chrono::seconds(5), 50);
  EXPECT_NE(reg.find("alice", "c"), nullptr);
  reg.expire(t0 + std::chrono::seconds(5), 150);  // c fell behind the window
  EXPECT_EQ(reg.find("alice", "c"), nullptr);
  reg.expire(t0 + std::chrono::hours(1), 1000);
  EXPECT_NE(reg.find("alice", "b"), nullptr);  // attached records never expire
}

}  // namespace
}  // namespace watchfilter::proxy

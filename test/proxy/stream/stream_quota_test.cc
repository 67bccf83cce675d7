// Per-user limit on open streams (StreamQuota).

#include "proxy/stream/stream_quota.h"

#include <gtest/gtest.h>

#include <memory>

namespace watchfilter::proxy {
namespace {

TEST(StreamQuotaTest, PerUserAndReleasedWithTheLastTicket) {
  auto quota = std::make_shared<StreamQuota>(2);
  auto a1 = quota->try_acquire("alice");
  auto a2 = quota->try_acquire("alice");
  ASSERT_TRUE(a1 && a2);
  EXPECT_FALSE(quota->try_acquire("alice"));
  auto b1 = quota->try_acquire("bob");  // another user is not affected
  EXPECT_TRUE(b1);
  EXPECT_EQ(quota->open("alice"), 2u);
  a1.reset();
  EXPECT_EQ(quota->open("alice"), 1u);
  EXPECT_TRUE(quota->try_acquire("alice"));  // and released again at once (a temporary)
  EXPECT_EQ(quota->open("alice"), 1u);
  a2.reset();
  b1.reset();
  EXPECT_EQ(quota->open("alice"), 0u);
  EXPECT_EQ(quota->open("bob"), 0u);
}

}  // namespace
}  // namespace watchfilter::proxy

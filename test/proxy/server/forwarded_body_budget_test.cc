#include "proxy/server/forwarded_body_budget.h"

#include <gtest/gtest.h>

namespace watchfilter::proxy {
namespace {

TEST(ForwardedBodyBudgetTest, HoldsUntilReleased) {
  auto budget = std::make_shared<ForwardedBodyBudget>(100);
  auto a = budget->try_hold(60);
  ASSERT_TRUE(a);
  EXPECT_EQ(budget->used(), 60u);
  EXPECT_FALSE(budget->try_hold(41));  // over the total: nothing reserved
  EXPECT_EQ(budget->used(), 60u);
  {
    auto b = budget->try_hold(40);
    ASSERT_TRUE(b);
    EXPECT_EQ(budget->used(), 100u);
  }
  EXPECT_EQ(budget->used(), 60u);  // b's destructor gave its bytes back
  a.release();
  EXPECT_FALSE(a);
  EXPECT_EQ(budget->used(), 0u);
  a.release();  // twice is once
  EXPECT_EQ(budget->used(), 0u);
}

TEST(ForwardedBodyBudgetTest, MovedHoldReleasesOnce) {
  auto budget = std::make_shared<ForwardedBodyBudget>(100);
  ForwardedBodyBudget::Hold kept;
  {
    auto h = budget->try_hold(30);
    kept = std::move(h);
  }
  EXPECT_EQ(budget->used(), 30u);
  kept = budget->try_hold(20);  // the first hold is released by the assignment
  EXPECT_EQ(budget->used(), 20u);
  kept = ForwardedBodyBudget::Hold();
  EXPECT_EQ(budget->used(), 0u);
}

TEST(ForwardedBodyBudgetTest, NeverWrapsAround) {
  auto budget = std::make_shared<ForwardedBodyBudget>(100);
  auto a = budget->try_hold(50);
  EXPECT_FALSE(budget->try_hold(UINT64_MAX - 10));
  EXPECT_FALSE(budget->try_hold(101));
  EXPECT_EQ(budget->used(), 50u);
}

}  // namespace
}  // namespace watchfilter::proxy

#include "proxy/kube/result.h"

#include <gtest/gtest.h>

namespace watchfilter::proxy {
namespace {

TEST(ResultTest, HoldsAValueOrTheStatusThatExplainsItsAbsence) {
  Result<int> ok = 7;
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 7);
  EXPECT_EQ(ok.message(), "");
  Result<int> refused =
      StatusError{StatusReason::kTooManyRequests, "full", std::nullopt, "max-informers"};
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().reason, StatusReason::kTooManyRequests);
  EXPECT_EQ(refused.error().limit, "max-informers");
  EXPECT_EQ(refused.message(), "full");
  EXPECT_EQ(bad_request("no").reason, StatusReason::kBadRequest);
}

}  // namespace
}  // namespace watchfilter::proxy

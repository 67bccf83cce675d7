#include "proxy/auth/token_review.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "proxy/auth/delegating_auth.h"
#include "test/proxy/support/fake_auth.h"

namespace watchfilter::proxy {
namespace {

TEST(TokenReviewTest, RequestAndResponse) {
  EXPECT_EQ(
      token_review_request("abc"),
      R"({"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"abc"}})");
  std::string error;
  auto u = parse_token_review_response(
      R"({"status":{"authenticated":true,"user":{"username":"system:serviceaccount:a:r","uid":"u1","groups":["system:serviceaccounts","system:serviceaccounts:a","system:authenticated"],"extra":{"authentication.kubernetes.io/pod-name":["p"]}}}})",
      error);
  ASSERT_TRUE(u) << error;
  EXPECT_EQ(u->name, "system:serviceaccount:a:r");
  EXPECT_EQ(u->uid, "u1");
  EXPECT_EQ(u->groups.size(), 3u);
  EXPECT_EQ(u->extra["authentication.kubernetes.io/pod-name"], std::vector<std::string>{"p"});
  EXPECT_FALSE(parse_token_review_response(
      R"({"status":{"authenticated":false,"error":"service account deleted"}})", error));
  EXPECT_EQ(error, "service account deleted");
  EXPECT_EQ(bearer_token_of("Bearer xyz"), "xyz");
  EXPECT_EQ(bearer_token_of("bearer  xyz "), "xyz");
  EXPECT_EQ(bearer_token_of("Basic xyz"), "");
}

TEST(TokenReviewTest, AnswersAreCachedTenSecondsAllowedAndDenied) {
  auto now = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  auto logger = std::make_shared<const Logger>(0);
  DelegatingAuthenticator authn(nullptr, nullptr, logger, {}, [&] { return now; });
  std::string error;
  const std::string ok =
      R"({"status":{"authenticated":true,"user":{"username":"bob","groups":["g"]}}})";
  ASSERT_TRUE(authn.remember_token_review("good", 201, ok, error));
  ASSERT_FALSE(
      authn.remember_token_review("bad", 201, R"({"status":{"authenticated":false}})", error));
  // A failed review (not an answer about the token) is not cached.
  ASSERT_FALSE(authn.remember_token_review("unknown", 403, "{}", error));
  EXPECT_FALSE(authn.cached_token("unknown"));
  auto good = authn.cached_token("good");
  ASSERT_TRUE(good && *good);
  EXPECT_EQ((*good)->name, "bob");
  EXPECT_EQ((*good)->groups, (std::vector<std::string>{"g", "system:authenticated"}));
  auto bad = authn.cached_token("bad");
  ASSERT_TRUE(bad);
  EXPECT_FALSE(*bad);
  now += std::chrono::seconds(9);
  EXPECT_TRUE(authn.cached_token("good"));
  now += std::chrono::seconds(2);
  EXPECT_FALSE(authn.cached_token("good"));
  EXPECT_FALSE(authn.cached_token("bad"));
}

}  // namespace
}  // namespace watchfilter::proxy

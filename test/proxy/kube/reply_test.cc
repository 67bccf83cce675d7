#include "proxy/kube/reply.h"

#include <gtest/gtest.h>

#include <boost/beast/http/field.hpp>

namespace watchfilter::proxy {
namespace {

namespace http = boost::beast::http;

TEST(ReplyTest, ResponseIsCounted) {
  StatusCounters counters;
  auto res = Reply(11, true, counters).unavailable("down");
  EXPECT_EQ(res.result(), http::status::service_unavailable);
  EXPECT_EQ(res[http::field::content_type], "application/json");
  EXPECT_EQ(res[http::field::content_length], std::to_string(res.body().size()));
  EXPECT_TRUE(res.keep_alive());
  EXPECT_EQ(counters.count(StatusReason::kServiceUnavailable), 1u);
  EXPECT_EQ(counters.count(StatusReason::kBadRequest), 0u);
}

TEST(ReplyTest, TooManyRequestsCarriesRetryAfter) {
  StatusCounters counters;
  const Reply reply(11, true, counters);
  auto res = reply.too_many_requests("limit", 10);
  EXPECT_EQ(res.result(), http::status::too_many_requests);
  EXPECT_EQ(res[http::field::retry_after], "10");
  EXPECT_EQ(res.body(),
            R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
            R"("message":"limit","reason":"TooManyRequests","details":{"retryAfterSeconds":10},)"
            R"("code":429})");
  auto plain = reply.status(StatusReason::kTooManyRequests, "limit");
  EXPECT_EQ(plain[http::field::retry_after], "");
}

TEST(ReplyTest, RetryAfterIsAHeaderAndADetail) {
  StatusCounters counters;
  StatusDetails retry;
  retry.retry_after_seconds = 3;
  auto res = Reply(11, true, counters).status(StatusReason::kTooManyRequests, "slow down", &retry);
  EXPECT_EQ(res.result(), boost::beast::http::status::too_many_requests);
  EXPECT_EQ(res[boost::beast::http::field::retry_after], "3");
  EXPECT_EQ(
      res.body(),
      R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"slow down","reason":"TooManyRequests","details":{"retryAfterSeconds":3},"code":429})");
}

TEST(ReplyTest, ErrorCarriesItsDetailsAndClosingClosesTheConnection) {
  StatusCounters counters;
  const Reply reply(11, true, counters);
  const StatusError error{StatusReason::kNotFound, "wakeups.stream.watchfilter.io \"x\" not found",
                          StatusDetails{"x", "stream.watchfilter.io", "wakeups"}};
  auto res = reply.closing().error(error);
  EXPECT_EQ(res.result(), http::status::not_found);
  EXPECT_FALSE(res.keep_alive());
  EXPECT_NE(
      res.body().find(R"("details":{"name":"x","group":"stream.watchfilter.io","kind":"wakeups"})"),
      std::string::npos)
      << res.body();
  EXPECT_EQ(counters.count(StatusReason::kNotFound), 1u);
  // Relayed bodies are not the proxy's refusals: not counted.
  auto relayed = reply.json(http::status::forbidden, R"({"kind":"Status"})");
  EXPECT_EQ(relayed.result(), http::status::forbidden);
  EXPECT_TRUE(relayed.keep_alive());
  EXPECT_EQ(relayed[http::field::cache_control], "no-cache, private");
  EXPECT_EQ(counters.count(StatusReason::kForbidden), 0u);
}

}  // namespace
}  // namespace watchfilter::proxy

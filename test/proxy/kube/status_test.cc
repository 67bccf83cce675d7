#include "proxy/kube/status.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

namespace watchfilter::proxy {
namespace {

namespace http = boost::beast::http;

TEST(StatusTest, JsonShape) {
  rapidjson::Document d;
  d.Parse(status_json(StatusReason::kMethodNotAllowed, "no \"POST\"\n here").c_str());
  ASSERT_FALSE(d.HasParseError());
  EXPECT_STREQ(d["kind"].GetString(), "Status");
  EXPECT_STREQ(d["apiVersion"].GetString(), "v1");
  EXPECT_TRUE(d["metadata"].IsObject());
  EXPECT_EQ(d["metadata"].MemberCount(), 0u);
  EXPECT_STREQ(d["status"].GetString(), "Failure");
  EXPECT_STREQ(d["message"].GetString(), "no \"POST\"\n here");
  EXPECT_STREQ(d["reason"].GetString(), "MethodNotAllowed");
  EXPECT_EQ(d["code"].GetInt(), 405);
}

TEST(StatusTest, NotFoundWithDetailsInKubeApiserversWording) {
  const StatusDetails details{"cm-1", "", "configmaps"};
  EXPECT_EQ(status_json(StatusReason::kNotFound, "configmaps \"cm-1\" not found", &details),
            R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
            R"("message":"configmaps \"cm-1\" not found","reason":"NotFound",)"
            R"("details":{"name":"cm-1","kind":"configmaps"},"code":404})");
  const StatusDetails apps{"d", "apps", "deployments"};
  EXPECT_NE(status_json(StatusReason::kNotFound, "m", &apps)
                .find(R"("details":{"name":"d","group":"apps","kind":"deployments"})"),
            std::string::npos);
}

TEST(StatusTest, ExactBytesFor405) {
  EXPECT_EQ(status_json(StatusReason::kMethodNotAllowed, "m"),
            R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"m",)"
            R"("reason":"MethodNotAllowed","code":405})");
}

TEST(StatusTest, ReasonsMapToCodes) {
  EXPECT_EQ(reason_code(StatusReason::kServiceUnavailable), http::status::service_unavailable);
  EXPECT_EQ(reason_code(StatusReason::kRequestEntityTooLarge), http::status::payload_too_large);
  EXPECT_EQ(reason_name(StatusReason::kServiceUnavailable), "ServiceUnavailable");
}

TEST(StatusTest, ResponseIsCounted) {
  StatusCounters counters;
  auto res = make_status_response(StatusReason::kServiceUnavailable, "down", 11, true, counters);
  EXPECT_EQ(res.result(), http::status::service_unavailable);
  EXPECT_EQ(res[http::field::content_type], "application/json");
  EXPECT_EQ(res[http::field::content_length], std::to_string(res.body().size()));
  EXPECT_TRUE(res.keep_alive());
  EXPECT_EQ(counters.count(StatusReason::kServiceUnavailable), 1u);
  EXPECT_EQ(counters.count(StatusReason::kBadRequest), 0u);
}

TEST(StatusTest, TooManyRequestsCarriesRetryAfter) {
  StatusCounters counters;
  StatusDetails details;
  details.retry_after_seconds = 10;
  auto res =
      make_status_response(StatusReason::kTooManyRequests, "limit", 11, true, counters, &details);
  EXPECT_EQ(res.result(), http::status::too_many_requests);
  EXPECT_EQ(res[http::field::retry_after], "10");
  EXPECT_EQ(res.body(),
            R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
            R"("message":"limit","reason":"TooManyRequests","details":{"retryAfterSeconds":10},)"
            R"("code":429})");
  auto plain = make_status_response(StatusReason::kTooManyRequests, "limit", 11, true, counters);
  EXPECT_EQ(plain[http::field::retry_after], "");
}

TEST(StatusTest, RetryAfterIsAHeaderAndADetail) {
  StatusCounters counters;
  StatusDetails retry;
  retry.retry_after_seconds = 3;
  auto res =
      make_status_response(StatusReason::kTooManyRequests, "slow down", 11, true, counters, &retry);
  EXPECT_EQ(res.result(), boost::beast::http::status::too_many_requests);
  EXPECT_EQ(res[boost::beast::http::field::retry_after], "3");
  EXPECT_EQ(
      res.body(),
      R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"slow down","reason":"TooManyRequests","details":{"retryAfterSeconds":3},"code":429})");
}

}  // namespace
}  // namespace watchfilter::proxy

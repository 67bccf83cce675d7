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

}  // namespace
}  // namespace watchfilter::proxy

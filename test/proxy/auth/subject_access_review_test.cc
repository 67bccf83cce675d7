#include "proxy/auth/subject_access_review.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "proxy/kube/request_attributes.h"
#include "test/proxy/support/attributes_support.h"

namespace watchfilter::proxy {
namespace {

namespace http = boost::beast::http;

using testing::attrs;

TEST(SubjectAccessReviewTest, SpecShape) {
  UserInfo u{"alice", "uid-1", {"g1", "system:authenticated"}, {{"scopes", {"read"}}}};
  EXPECT_EQ(
      subject_access_review_request(
          u, attrs(http::verb::get, "/apis/apps/v1/namespaces/a/deployments?watch=true")),
      R"({"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"resourceAttributes":{"namespace":"a","verb":"watch","group":"apps","version":"v1","resource":"deployments"},"user":"alice","groups":["g1","system:authenticated"],"extra":{"scopes":["read"]},"uid":"uid-1"}})");
  EXPECT_EQ(
      subject_access_review_request(UserInfo{"bob", "", {}, {}},
                                    attrs(http::verb::get, "/metrics")),
      R"({"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"nonResourceAttributes":{"path":"/metrics","verb":"get"},"user":"bob"}})");
  auto d = parse_subject_access_review_response(R"({"status":{"allowed":true}})");
  EXPECT_TRUE(d.allowed);
  d = parse_subject_access_review_response(R"({"status":{"allowed":false,"reason":"nope"}})");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason, "nope");
  d = parse_subject_access_review_response(R"({"status":{"allowed":true,"denied":true}})");
  EXPECT_FALSE(d.allowed);
  d = parse_subject_access_review_response("<html>");
  EXPECT_FALSE(d.allowed);
  EXPECT_FALSE(d.error.empty());
}

}  // namespace
}  // namespace watchfilter::proxy

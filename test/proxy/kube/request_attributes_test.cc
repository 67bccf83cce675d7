#include "proxy/kube/request_attributes.h"

#include <gtest/gtest.h>

#include <boost/beast/http/verb.hpp>

#include "test/proxy/support/attributes_support.h"

namespace watchfilter::proxy {
namespace {

namespace http = boost::beast::http;

using testing::attrs;

TEST(RequestAttributesTest, VerbsFromPathsAndQuery) {
  auto w = attrs(http::verb::get, "/api/v1/namespaces/b/configmaps?watch=true&filter=x");
  EXPECT_TRUE(w.resource_request);
  EXPECT_EQ(w.verb, "watch");
  EXPECT_EQ(w.gvr.group, "");
  EXPECT_EQ(w.gvr.version, "v1");
  EXPECT_EQ(w.gvr.resource, "configmaps");
  EXPECT_EQ(w.namespace_name, "b");
  EXPECT_EQ(w.name, "");

  auto l = attrs(http::verb::get, "/apis/apps/v1/deployments");
  EXPECT_EQ(l.verb, "list");
  EXPECT_EQ(l.gvr.group, "apps");
  EXPECT_EQ(l.namespace_name, "");

  auto g = attrs(http::verb::head, "/apis/apps/v1/namespaces/a/deployments/web");
  EXPECT_EQ(g.verb, "get");
  EXPECT_EQ(g.name, "web");

  auto named_watch = attrs(http::verb::get, "/api/v1/namespaces/a/configmaps/cm?watch=1");
  EXPECT_EQ(named_watch.verb, "watch");
  EXPECT_EQ(named_watch.name, "cm");

  auto legacy = attrs(http::verb::get, "/api/v1/watch/namespaces/a/pods/p");
  EXPECT_EQ(legacy.verb, "watch");
  EXPECT_EQ(legacy.gvr.resource, "pods");
  EXPECT_EQ(legacy.name, "p");

  auto by_field = attrs(http::verb::get,
                        "/api/v1/namespaces/a/secrets?watch=true&fieldSelector=metadata.name%3Ds1");
  EXPECT_EQ(by_field.verb, "watch");
  EXPECT_EQ(by_field.name, "s1");
  auto two_fields =
      attrs(http::verb::get, "/api/v1/secrets?fieldSelector=metadata.name%3Ds1,type%3Dx");
  EXPECT_EQ(two_fields.name, "");

  auto sub = attrs(http::verb::get, "/api/v1/namespaces/a/pods/p/log");
  EXPECT_EQ(sub.verb, "get");
  EXPECT_EQ(sub.subresource, "log");

  auto ns = attrs(http::verb::get, "/api/v1/namespaces/a");
  EXPECT_EQ(ns.gvr.resource, "namespaces");
  EXPECT_EQ(ns.name, "a");
  EXPECT_EQ(ns.namespace_name, "a");

  auto cluster = attrs(http::verb::get, "/api/v1/configmaps?watch=true");
  EXPECT_EQ(cluster.verb, "watch");
  EXPECT_EQ(cluster.namespace_name, "");

  for (const char* p : {"/metrics", "/api", "/api/v1", "/apis", "/apis/apps/v1", "/version"}) {
    auto n = attrs(http::verb::get, p);
    EXPECT_FALSE(n.resource_request) << p;
    EXPECT_EQ(n.verb, "get") << p;
    EXPECT_EQ(n.path, p);
  }
  EXPECT_FALSE(request_attributes(http::verb::get, "/api/v1/namespaces/%zz/pods"));
}

TEST(ForbiddenMessageTest, KubernetesWording) {
  UserInfo u{"u", "", {}, {}};
  EXPECT_EQ(
      forbidden_message(u, attrs(http::verb::get, "/api/v1/namespaces/b/configmaps?watch=true"),
                        ""),
      R"(configmaps is forbidden: User "u" cannot watch resource "configmaps" in API group "" in the namespace "b")");
  EXPECT_EQ(
      forbidden_message(u, attrs(http::verb::get, "/apis/apps/v1/deployments"), ""),
      R"(deployments.apps is forbidden: User "u" cannot list resource "deployments" in API group "apps" at the cluster scope)");
  EXPECT_EQ(
      forbidden_message(u, attrs(http::verb::get, "/api/v1/namespaces/a/secrets/s"), "no RBAC"),
      R"(secrets "s" is forbidden: User "u" cannot get resource "secrets" in API group "" in the namespace "a": no RBAC)");
  EXPECT_EQ(forbidden_message(u, attrs(http::verb::get, "/metrics"), ""),
            R"(forbidden: User "u" cannot get path "/metrics")");
}

}  // namespace
}  // namespace watchfilter::proxy

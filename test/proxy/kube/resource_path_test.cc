// Resource paths: what kube-apiserver serves under /api and /apis.

#include "proxy/kube/resource_path.h"

#include <gtest/gtest.h>

namespace watchfilter::proxy {
namespace {

TEST(ResourcePathTest, CoreNamespacedCollection) {
  auto p = parse_resource_path("/api/v1/namespaces/default/configmaps");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->gvr.group, "");
  EXPECT_EQ(p->gvr.version, "v1");
  EXPECT_EQ(p->gvr.resource, "configmaps");
  EXPECT_EQ(p->namespace_name, "default");
  EXPECT_EQ(p->name, "");
  EXPECT_EQ(p->collection_path(), "/api/v1/namespaces/default/configmaps");
  EXPECT_EQ(p->gvr.api_path(), "/api/v1");
  EXPECT_EQ(p->gvr.group_version(), "v1");
}

TEST(ResourcePathTest, GroupNamedObjectAndClusterScope) {
  auto p = parse_resource_path("/apis/apps/v1/namespaces/ns1/deployments/web");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->gvr.group, "apps");
  EXPECT_EQ(p->name, "web");
  EXPECT_EQ(p->collection_path(), "/apis/apps/v1/namespaces/ns1/deployments");
  EXPECT_EQ(p->gvr.group_version(), "apps/v1");

  auto all = parse_resource_path("/apis/apps/v1/deployments");
  ASSERT_TRUE(all);
  EXPECT_EQ(all->namespace_name, "");
  EXPECT_EQ(all->collection_path(), "/apis/apps/v1/deployments");

  auto nodes = parse_resource_path("/api/v1/nodes/n1");
  ASSERT_TRUE(nodes);
  EXPECT_EQ(nodes->gvr.resource, "nodes");
  EXPECT_EQ(nodes->name, "n1");
}

TEST(ResourcePathTest, NamespacesAreAClusterScopedResource) {
  auto list = parse_resource_path("/api/v1/namespaces");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->gvr.resource, "namespaces");
  EXPECT_EQ(list->namespace_name, "");
  auto one = parse_resource_path("/api/v1/namespaces/kube-system");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->gvr.resource, "namespaces");
  EXPECT_EQ(one->name, "kube-system");
}

TEST(ResourcePathTest, LegacyWatchSegment) {
  auto p = parse_resource_path("/api/v1/watch/namespaces/default/pods");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->legacy_watch);
  EXPECT_EQ(p->gvr.resource, "pods");
  EXPECT_EQ(p->collection_path(), "/api/v1/namespaces/default/pods");
}

TEST(ResourcePathTest, RejectsDiscoveryAndSubresources) {
  EXPECT_FALSE(parse_resource_path("/api/v1"));
  EXPECT_FALSE(parse_resource_path("/apis/apps/v1"));
  EXPECT_FALSE(parse_resource_path("/apis"));
  EXPECT_FALSE(parse_resource_path("/api/v1/namespaces/a/pods/p/status"));
  EXPECT_FALSE(parse_resource_path("/api/v1/nodes/n1/proxy"));
  EXPECT_FALSE(parse_resource_path("/healthz"));
  EXPECT_FALSE(parse_resource_path("/api/v1//pods"));
  EXPECT_FALSE(parse_resource_path("/api/v1/../pods"));
}

}  // namespace
}  // namespace watchfilter::proxy

#include "proxy/kube/group_version_resource.h"

#include <gtest/gtest.h>

namespace watchfilter::proxy::kube {
namespace {

TEST(GroupVersionResourceTest, CoreGroupHasNoGroupSegment) {
  const GroupVersionResource gvr{"", "v1", "configmaps"};
  EXPECT_EQ(gvr.group_version(), "v1");
  EXPECT_EQ(gvr.api_path(), "/api/v1");
  EXPECT_EQ(gvr.to_string(), "v1/configmaps");
  EXPECT_EQ(gvr.group_resource().to_string(), "configmaps");
  EXPECT_EQ(gvr.path(), "/api/v1/configmaps");
  EXPECT_EQ(gvr.path("ops"), "/api/v1/namespaces/ops/configmaps");
  EXPECT_EQ(gvr.path("ops", "app"), "/api/v1/namespaces/ops/configmaps/app");
}

TEST(GroupVersionResourceTest, ClusterScopedObjectPath) {
  EXPECT_EQ((GroupVersionResource{"", "v1", "namespaces"}.path({}, "ops")),
            "/api/v1/namespaces/ops");
  EXPECT_EQ(
      (GroupVersionResource{"rbac.authorization.k8s.io", "v1", "clusterroles"}.path({}, "admin")),
      "/apis/rbac.authorization.k8s.io/v1/clusterroles/admin");
}

TEST(GroupVersionResourceTest, NamedGroup) {
  const GroupVersionResource gvr{"apps", "v1", "deployments"};
  EXPECT_EQ(gvr.group_version(), "apps/v1");
  EXPECT_EQ(gvr.api_path(), "/apis/apps/v1");
  EXPECT_EQ(gvr.to_string(), "apps/v1/deployments");
  EXPECT_EQ(gvr.group_resource(), (GroupResource{"apps", "deployments"}));
  EXPECT_EQ(gvr.group_resource().to_string(), "deployments.apps");
  EXPECT_EQ(gvr.path(), "/apis/apps/v1/deployments");
  EXPECT_EQ(gvr.path("ops", "web"), "/apis/apps/v1/namespaces/ops/deployments/web");
}

TEST(GroupVersionResourceTest, OrderedByGroupThenVersionThenResource) {
  EXPECT_LT((GroupVersionResource{"", "v1", "pods"}), (GroupVersionResource{"apps", "v1", "a"}));
  EXPECT_LT((GroupVersionResource{"apps", "v1", "z"}), (GroupVersionResource{"apps", "v2", "a"}));
  EXPECT_NE((GroupVersionResource{"apps", "v1", "deployments"}),
            (GroupVersionResource{"apps", "v1beta1", "deployments"}));
}

}  // namespace
}  // namespace watchfilter::proxy::kube

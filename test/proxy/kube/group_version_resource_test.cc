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
}

TEST(GroupVersionResourceTest, NamedGroup) {
  const GroupVersionResource gvr{"apps", "v1", "deployments"};
  EXPECT_EQ(gvr.group_version(), "apps/v1");
  EXPECT_EQ(gvr.api_path(), "/apis/apps/v1");
  EXPECT_EQ(gvr.to_string(), "apps/v1/deployments");
  EXPECT_EQ(gvr.group_resource(), (GroupResource{"apps", "deployments"}));
  EXPECT_EQ(gvr.group_resource().to_string(), "deployments.apps");
}

TEST(GroupVersionResourceTest, OrderedByGroupThenVersionThenResource) {
  EXPECT_LT((GroupVersionResource{"", "v1", "pods"}), (GroupVersionResource{"apps", "v1", "a"}));
  EXPECT_LT((GroupVersionResource{"apps", "v1", "z"}), (GroupVersionResource{"apps", "v2", "a"}));
  EXPECT_NE((GroupVersionResource{"apps", "v1", "deployments"}),
            (GroupVersionResource{"apps", "v1beta1", "deployments"}));
}

}  // namespace
}  // namespace watchfilter::proxy::kube

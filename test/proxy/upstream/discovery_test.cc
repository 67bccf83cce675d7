// Discovery documents: a group version's APIResourceList.

#include "proxy/upstream/discovery.h"

#include <gtest/gtest.h>

#include <string>

namespace watchfilter::proxy {
namespace {

TEST(DiscoveryTest, ParsesApiResourceList) {
  const std::string body = R"({"kind":"APIResourceList","groupVersion":"v1","resources":[
    {"name":"configmaps","singularName":"configmap","namespaced":true,"kind":"ConfigMap","verbs":["create","get","list","watch"]},
    {"name":"pods/status","namespaced":true,"kind":"Pod","verbs":["get"]},
    {"name":"nodes","namespaced":false,"kind":"Node","verbs":["get","list"]}]})";
  auto list = parse_api_resource_list(body);
  ASSERT_TRUE(list) << list.message();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].kind, "ConfigMap");
  EXPECT_TRUE((*list)[0].namespaced);
  EXPECT_TRUE((*list)[0].has_verb("watch"));
  EXPECT_FALSE((*list)[1].namespaced);
  EXPECT_FALSE((*list)[1].has_verb("watch"));
  const auto none = parse_api_resource_list("{}");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().reason, StatusReason::kServiceUnavailable);
  EXPECT_EQ(none.message(), "discovery document has no resources");
}

}  // namespace
}  // namespace watchfilter::proxy

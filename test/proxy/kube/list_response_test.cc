// LIST bodies: a page read as raw items, a list built from them.

#include "proxy/kube/list_response.h"

#include <gtest/gtest.h>

#include <string>

namespace watchfilter::proxy {
namespace {

TEST(ListPageTest, ItemsAsRawBytes) {
  const std::string body =
      R"({"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"77","continue":"tok"},"items":[{"metadata":{"name":"a"},"data":{"k":"v"}}, {"metadata":{"name":"b"}}]})";
  ListPage page;
  std::string error;
  ASSERT_TRUE(parse_list_page(body, page, error)) << error;
  EXPECT_EQ(page.resource_version, 77u);
  EXPECT_EQ(page.continue_token, "tok");
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0], R"({"metadata":{"name":"a"},"data":{"k":"v"}})");
  EXPECT_EQ(page.items[1], R"({"metadata":{"name":"b"}})");
  ListPage empty;
  ASSERT_TRUE(parse_list_page(
      R"({"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"3"},"items":[]})",
      empty, error));
  EXPECT_TRUE(empty.items.empty());
  ListPage status;
  EXPECT_FALSE(parse_list_page(R"({"kind":"Status","code":403})", status, error));
}

TEST(ListResponseTest, BuildsAList) {
  EXPECT_EQ(
      build_list("Pod", "v1", 9, {R"({"a":1})", R"({"b":2})"}),
      R"({"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"9"},"items":[{"a":1},{"b":2}]})");
  EXPECT_EQ(
      build_list("W", "g/v1", 1, {}),
      R"({"kind":"WList","apiVersion":"g/v1","metadata":{"resourceVersion":"1"},"items":[]})");
}

}  // namespace
}  // namespace watchfilter::proxy

// Query strings, decoded and encoded as Go's net/url does.

#include "proxy/kube/url_query.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <vector>

namespace watchfilter::proxy {
namespace {

TEST(UrlQueryTest, DecodesLikeGo) {
  auto q = parse_query("filter=changed(data)%20%7C%7C%20x&watch=1&a+b=c+d&empty&k=");
  ASSERT_EQ(q.size(), 5u);
  EXPECT_EQ(q[0].value, "changed(data) || x");
  EXPECT_EQ(q[2].key, "a b");
  EXPECT_EQ(q[2].value, "c d");
  EXPECT_EQ(q[3].key, "empty");
  EXPECT_EQ(*find_param(q, "watch"), "1");
  EXPECT_EQ(find_param(q, "nope"), nullptr);
  EXPECT_EQ(percent_encode("a=b c/é"), "a%3Db%20c%2F%C3%A9");
}

TEST(UrlQueryTest, PathUnescapeKeepsPlusAsGo) {
  // url.PathUnescape: `+` is itself in a path, a space only in a query component.
  EXPECT_EQ(path_unescape("/api/v1/namespaces/a+b/configmaps/x%2By%2Fz"),
            "/api/v1/namespaces/a+b/configmaps/x+y/z");
  EXPECT_EQ(percent_decode("a+b%2B"), "a b+");
  EXPECT_EQ(path_unescape("/x%2"), std::nullopt);
  EXPECT_EQ(path_unescape("/x%zz"), std::nullopt);
}

TEST(UrlQueryTest, DropsMalformedPiecesKeepsTheRestAsGo) {
  // url.ParseQuery("watch=true&x=%zz&a=%4&b;c=1&&y=2"): watch and y kept, the rest dropped.
  QueryIssues issues;
  auto q = parse_query("watch=true&x=%zz&a=%4&b;c=1&&y=2&%zz=v", &issues);
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[0].key, "watch");
  EXPECT_EQ(q[1].key, "y");
  EXPECT_EQ(issues.dropped, (std::vector<std::string>{"x=%zz", "a=%4", "b;c=1", "%zz=v"}));
  EXPECT_FALSE(issues.too_many);
  // More than Go's 10000 pieces: none at all, as kube-apiserver reads it.
  std::string many = "watch=true";
  for (std::size_t i = 0; i < kMaxQueryParams; ++i) many += "&a=1";
  issues = {};
  EXPECT_TRUE(parse_query(many, &issues).empty());
  EXPECT_TRUE(issues.too_many);
}

TEST(UrlQueryTest, EncodeQueryRoundTrips) {
  std::vector<QueryParam> params{{"filter", "changed(data) && x == \"a&b=c\""},
                                 {"watch", "1"},
                                 {"watch", "0"},
                                 {"", "v"},
                                 {"k", ""}};
  auto back = parse_query(encode_query(params));
  ASSERT_EQ(back.size(), params.size());
  for (std::size_t i = 0; i < params.size(); ++i) {
    EXPECT_EQ(back[i].key, params[i].key);
    EXPECT_EQ(back[i].value, params[i].value);
  }
}

}  // namespace
}  // namespace watchfilter::proxy

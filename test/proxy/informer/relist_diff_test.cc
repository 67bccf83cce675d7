// A relist: the events that bring the cache to the LIST, in resourceVersion order.

#include "proxy/informer/relist_diff.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "proxy/informer/object_cache.h"
#include "proxy/kube/watch_events.h"

namespace watchfilter::proxy {
namespace {

TEST(RelistDiffTest, OnlyDifferencesAndDeletionsLast) {
  informer::ObjectCache cache;
  cache.put("ns/a", R"({"a":1})", 5);
  cache.put("ns/b", R"({"b":1})", 6);
  cache.put("ns/gone", R"({"gone":1})", 7);
  std::vector<informer::ListedObject> listed = {
      {"ns/new", 9, R"({"new":1})"}, {"ns/b", 8, R"({"b":2})"}, {"ns/a", 5, R"({"a":1})"}};
  auto diff = informer::relist_diff(cache, listed, 20);
  ASSERT_EQ(diff.size(), 3u);
  EXPECT_EQ(*diff[0].line, event_line("MODIFIED", R"({"b":2})"));
  EXPECT_EQ(diff[0].rv, 8u);
  EXPECT_EQ(*diff[1].line, event_line("ADDED", R"({"new":1})"));
  EXPECT_EQ(*diff[2].line, event_line("DELETED", R"({"gone":1})"));
  EXPECT_EQ(diff[2].rv, 20u);
  EXPECT_TRUE(
      informer::relist_diff(cache, {{"ns/a", 5, ""}, {"ns/b", 6, ""}, {"ns/gone", 7, ""}}, 30)
          .empty());
}

TEST(RelistDiffTest, OrderedByResourceVersionWithDeletionsLastAtTheListVersion) {
  informer::ObjectCache cache;
  cache.put("ns/a", R"({"metadata":{"name":"a","resourceVersion":"260"}})", 260);
  cache.put("ns/b", R"({"metadata":{"name":"b","resourceVersion":"261"}})", 261);
  cache.put("ns/c", R"({"metadata":{"name":"c","resourceVersion":"267"},"data":{"x":"y"}})", 267);
  cache.put("ns/d", R"({"metadata":{"name":"d","resourceVersion":"268"}})", 268);
  std::vector<informer::ListedObject> listed = {
      {"ns/e", 279, R"({"metadata":{"name":"e","resourceVersion":"279"}})"},
      {"ns/b", 277, R"({"metadata":{"name":"b","resourceVersion":"277"}})"},
      {"ns/a", 276, R"({"metadata":{"name":"a","resourceVersion":"276"}})"},
      {"ns/d", 268, R"({"metadata":{"name":"d","resourceVersion":"268"}})"}};
  auto diff = informer::relist_diff(cache, listed, 280);
  ASSERT_EQ(diff.size(), 4u);
  std::vector<std::uint64_t> rvs;
  for (const auto& e : diff) rvs.push_back(e.rv);
  EXPECT_EQ(rvs, (std::vector<std::uint64_t>{276, 277, 279, 280}));
  EXPECT_EQ(*diff[0].line, event_line("MODIFIED", listed[2].object));
  EXPECT_EQ(*diff[1].line, event_line("MODIFIED", listed[1].object));
  EXPECT_EQ(*diff[2].line, event_line("ADDED", listed[0].object));
  // The last known c, at the LIST's resourceVersion: only that value changed.
  EXPECT_EQ(*diff[3].line,
            event_line("DELETED",
                       R"({"metadata":{"name":"c","resourceVersion":"280"},"data":{"x":"y"}})"));
}

}  // namespace
}  // namespace watchfilter::proxy

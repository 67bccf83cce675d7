// The informer's cache of the objects it lists and watches.

#include "proxy/informer/object_cache.h"

#include <gtest/gtest.h>

namespace watchfilter::proxy {
namespace {

TEST(ObjectCacheTest, AddedLineSharesTheObjectBytes) {
  informer::ObjectCache cache;
  const auto& e = cache.put("ns/a", R"({"kind":"X"})", 3);
  EXPECT_EQ(*e.added_line, "{\"type\":\"ADDED\",\"object\":{\"kind\":\"X\"}}\n");
  EXPECT_EQ(e.object, R"({"kind":"X"})");
  cache.put("ns/b", R"({"kind":"Y"})", 1);
  auto sorted = cache.by_rv();
  EXPECT_EQ(*sorted[0].first, "ns/b");
  cache.erase("ns/a");
  EXPECT_EQ(cache.find("ns/a"), nullptr);
  EXPECT_EQ(cache.size(), 1u);
}

}  // namespace
}  // namespace watchfilter::proxy

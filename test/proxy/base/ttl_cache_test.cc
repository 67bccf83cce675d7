// A cache whose entries expire, bounded in count.

#include "proxy/base/ttl_cache.h"

#include <gtest/gtest.h>

#include <chrono>

namespace watchfilter::proxy {
namespace {

TEST(TtlCacheTest, BoundedByEntries) {
  TtlCache<int> cache(2);
  cache.put("a", 1, std::chrono::seconds(10));
  cache.put("b", 2, std::chrono::seconds(10));
  cache.put("c", 3, std::chrono::seconds(10));
  EXPECT_LE(cache.size(), 2u);
  EXPECT_EQ(cache.get("c"), 3);
}

}  // namespace
}  // namespace watchfilter::proxy

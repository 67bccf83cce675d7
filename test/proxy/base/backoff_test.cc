// Retry backoff: exponential, capped, jittered.

#include "proxy/base/backoff.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

namespace watchfilter::proxy {
namespace {

TEST(BackoffTest, GrowsWithJitterAndResets) {
  using namespace std::chrono_literals;
  Backoff b(100ms, 1s, 42);
  for (int i = 0; i < 10; ++i) {
    const auto d = b.next();
    const auto cap =
        std::min<std::chrono::steady_clock::duration>(100ms * (1 << std::min(i, 10)), 1s);
    EXPECT_GE(d, cap / 2) << i;
    EXPECT_LE(d, cap) << i;
  }
  b.reset();
  EXPECT_LE(b.next(), 100ms);
}

}  // namespace
}  // namespace watchfilter::proxy

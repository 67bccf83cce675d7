#include "proxy/base/bind_address.h"

#include <gtest/gtest.h>

#include "proxy/base/config_error.h"

namespace watchfilter::proxy {
namespace {

TEST(BindAddressTest, AcceptsAnyAddress) {
  // Every request is authenticated and authorized, so network addresses are allowed.
  for (const char* a : {"127.0.0.1", "::1", "0.0.0.0", "::", "192.0.2.10", "fe80::1"}) {
    EXPECT_NO_THROW(parse_bind_address(a)) << a;
  }
}

TEST(BindAddressTest, LoopbackDetection) {
  for (const char* a : {"127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"}) {
    EXPECT_TRUE(is_loopback(parse_bind_address(a))) << a;
  }
  for (const char* a : {"0.0.0.0", "::", "10.0.0.1", "::ffff:10.0.0.1"}) {
    EXPECT_FALSE(is_loopback(parse_bind_address(a))) << a;
  }
}

TEST(BindAddressTest, RefusesNonAddress) {
  EXPECT_THROW(parse_bind_address("localhost"), ConfigError);
  EXPECT_THROW(parse_bind_address("127.0.0.1:80"), ConfigError);
}

}  // namespace
}  // namespace watchfilter::proxy

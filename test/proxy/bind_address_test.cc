#include "proxy/bind_address.h"

#include <gtest/gtest.h>

#include "proxy/config_error.h"

namespace watchfilter::proxy {
namespace {

TEST(BindAddressTest, AcceptsLoopback) {
  for (const char* a : {"127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"}) {
    EXPECT_NO_THROW(parse_loopback_bind_address(a)) << a;
  }
}

TEST(BindAddressTest, RefusesOthersWithReason) {
  for (const char* a : {"0.0.0.0", "::", "10.0.0.1", "192.168.1.1", "::ffff:10.0.0.1", "fe80::1"}) {
    try {
      parse_loopback_bind_address(a);
      ADD_FAILURE() << a << " accepted";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("not a loopback address"), std::string::npos);
      EXPECT_NE(std::string(e.what()).find("credentials"), std::string::npos);
    }
  }
}

TEST(BindAddressTest, RefusesNonAddress) {
  EXPECT_THROW(parse_loopback_bind_address("localhost"), ConfigError);
  EXPECT_THROW(parse_loopback_bind_address("127.0.0.1:80"), ConfigError);
}

}  // namespace
}  // namespace watchfilter::proxy

// Request body limits: a JSON body's nesting depth.

#include "proxy/server/request_body_limits.h"

#include <gtest/gtest.h>

#include <string>

namespace watchfilter::proxy {
namespace {

TEST(RequestBodyLimitsTest, JsonNestingDepth) {
  EXPECT_EQ(json_nesting_depth("", 10), 0u);
  EXPECT_EQ(json_nesting_depth(R"({"a":[1,{"b":2}],"c":{}})", 10), 3u);
  // Brackets inside strings, escaped quotes included, do not count.
  EXPECT_EQ(json_nesting_depth(R"({"a":"[[[{{{\"[[["})", 10), 1u);
  EXPECT_EQ(json_nesting_depth(std::string(100, '['), 100), 100u);
  EXPECT_EQ(json_nesting_depth(std::string(65000, '['), 100), 101u);  // stops early
  EXPECT_EQ(json_nesting_depth("]]]}}}[", 10), 1u);
}

}  // namespace
}  // namespace watchfilter::proxy

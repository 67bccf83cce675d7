#include "proxy/base/go_duration.h"

#include <gtest/gtest.h>

namespace watchfilter::proxy {
namespace {

using namespace std::chrono_literals;

TEST(GoDurationTest, AcceptsWhatKubernetesUsersWrite) {
  EXPECT_EQ(parse_go_duration("0"), 0ms);
  EXPECT_EQ(parse_go_duration("500ms"), 500ms);
  EXPECT_EQ(parse_go_duration("10s"), 10s);
  EXPECT_EQ(parse_go_duration("30m"), 30min);
  EXPECT_EQ(parse_go_duration("1h30m"), 90min);
  EXPECT_EQ(parse_go_duration("1h0m0s"), 1h);  // Go's own String() form
  EXPECT_EQ(parse_go_duration("1.5s"), 1500ms);
  EXPECT_EQ(parse_go_duration(".5s"), 500ms);
  EXPECT_EQ(parse_go_duration("5.s"), 5s);
  EXPECT_EQ(parse_go_duration("+2s"), 2s);
  EXPECT_EQ(parse_go_duration("0.25h"), 15min);
}

TEST(GoDurationTest, SubMillisecondUnitsTruncate) {
  EXPECT_EQ(parse_go_duration("1500us"), 1ms);
  EXPECT_EQ(parse_go_duration("2000\xC2\xB5s"), 2ms);  // µ U+00B5
  EXPECT_EQ(parse_go_duration("3000\xCE\xBCs"), 3ms);  // μ U+03BC
  EXPECT_EQ(parse_go_duration("999999ns"), 0ms);
  EXPECT_EQ(parse_go_duration("1s500ms"), 1500ms);
}

TEST(GoDurationTest, RejectsWhatGoRejectsAndNegatives) {
  for (const char* bad : {"", "5", "1.5", "s", ".s", "5d", "10 s", "1h 30m", "-5s", "--5s", "5sm",
                          "1e3s", "ms5", "+"}) {
    EXPECT_FALSE(parse_go_duration(bad)) << bad;
  }
}

TEST(GoDurationTest, RejectsOverflowLikeGo) {
  EXPECT_EQ(parse_go_duration("2562047h"), std::chrono::hours(2562047));
  EXPECT_FALSE(parse_go_duration("2562048h"));
  EXPECT_FALSE(parse_go_duration("99999999999999999999s"));
}

}  // namespace
}  // namespace watchfilter::proxy

#include "filters/quantity.h"

#include <gtest/gtest.h>

namespace watchfilter::filters {
namespace {

TEST(QuantityTest, ParsesKubernetesSuffixes) {
  EXPECT_DOUBLE_EQ(*parse_quantity("500m"), 0.5);
  EXPECT_DOUBLE_EQ(*parse_quantity("2"), 2);
  EXPECT_DOUBLE_EQ(*parse_quantity("1Gi"), 1073741824.0);
  EXPECT_DOUBLE_EQ(*parse_quantity("1.5Ki"), 1536);
  EXPECT_DOUBLE_EQ(*parse_quantity("128974848"), 128974848);
  EXPECT_DOUBLE_EQ(*parse_quantity("129e6"), 129e6);
  EXPECT_DOUBLE_EQ(*parse_quantity("123M"), 123e6);
  EXPECT_DOUBLE_EQ(*parse_quantity("-1k"), -1000);
  EXPECT_DOUBLE_EQ(*parse_quantity("100n"), 100e-9);
  EXPECT_DOUBLE_EQ(*parse_quantity(".5"), 0.5);
  EXPECT_DOUBLE_EQ(*parse_quantity("1E-3"), 1e-3);
}

TEST(QuantityTest, RejectsGarbage) {
  for (const char* bad : {"", "m", "1.2.3", "1Gb", "abc", "1 Gi", "--1", "1e", "1e999"}) {
    EXPECT_FALSE(parse_quantity(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace watchfilter::filters

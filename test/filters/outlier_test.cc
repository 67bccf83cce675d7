#include <gtest/gtest.h>

#include <cmath>

#include "filters/outlier_window.h"

namespace watchfilter::filters {
namespace {

class OutlierWindowTest : public ::testing::TestWithParam<OutlierStatistic> {};

TEST_P(OutlierWindowTest, WarmsUpBeforeScoring) {
  OutlierWindow w(16, GetParam());
  for (std::size_t i = 0; i < OutlierWindow::kWarmup; ++i) {
    EXPECT_FALSE(w.score(1e9).has_value());
    w.observe(static_cast<double>(i % 3));
  }
  EXPECT_TRUE(w.score(1e9).has_value());
}

TEST_P(OutlierWindowTest, ScoresSpikesHighAndTypicalValuesLow) {
  OutlierWindow w(32, GetParam());
  for (int i = 0; i < 100; ++i) w.observe(50 + (i * 7) % 11);
  EXPECT_GT(*w.score(200), 10);
  EXPECT_LT(*w.score(55), 1);
}

TEST_P(OutlierWindowTest, FlatWindowScoresAnyDifferenceAsInfinite) {
  OutlierWindow w(16, GetParam());
  for (int i = 0; i < 16; ++i) w.observe(7);
  EXPECT_EQ(*w.score(7), 0);
  EXPECT_TRUE(std::isinf(*w.score(7.5)));
}

TEST_P(OutlierWindowTest, RingKeepsOnlyTheLastWindow) {
  OutlierWindow w(8, GetParam());
  for (int i = 0; i < 8; ++i) w.observe(1000 + i % 2);
  for (int i = 0; i < 8; ++i) w.observe(i % 2);
  EXPECT_EQ(w.size(), 8u);
  EXPECT_LT(*w.score(1), 3);
  EXPECT_GT(*w.score(1000), 100);
}

INSTANTIATE_TEST_SUITE_P(Statistics, OutlierWindowTest,
                         ::testing::Values(OutlierStatistic::kMeanStddev,
                                           OutlierStatistic::kMedianMad),
                         [](const ::testing::TestParamInfo<OutlierStatistic>& info) {
                           return info.param == OutlierStatistic::kMeanStddev ? "MeanStddev"
                                                                              : "MedianMad";
                         });

}  // namespace
}  // namespace watchfilter::filters

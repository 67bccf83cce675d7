#include "filters/ew_baseline.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>

namespace watchfilter::filters {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

// 2024-03-04 00:00:00 UTC, a Monday.
const ObservedAt kMonday{std::chrono::seconds(1709510400)};

// A daily pattern sampled every 5 minutes: 80 from 09:00 to 18:00, 20 otherwise, +-1 noise.
double daily(ObservedAt at) {
  const auto minute = std::chrono::duration_cast<minutes>(at - kMonday).count();
  const auto hour = (minute / 60) % 24;
  return (hour >= 9 && hour < 18 ? 80.0 : 20.0) + static_cast<double>(minute % 3) - 1.0;
}

TEST(EwBaselineTest, WarmsUpBeforeScoring) {
  for (bool by_hour : {false, true}) {
    EwBaseline b(32, by_hour);
    for (std::uint32_t i = 0; i < EwBaseline::kWarmup; ++i) {
      EXPECT_FALSE(b.score(1e9, kMonday).has_value());
      b.observe(static_cast<double>(i % 3), kMonday);
    }
    EXPECT_TRUE(b.score(1e9, kMonday).has_value());
  }
}

TEST(EwBaselineTest, QuantizedDataKeepsAOneStepSpread) {
  // Mostly 10, now and then 11: the variance is tiny, but one step of the data's own
  // resolution is never far, while a few steps are.
  EwBaseline b(32, false);
  for (int i = 0; i < 200; ++i) b.observe(i % 20 == 0 ? 11 : 10, kMonday);
  EXPECT_LT(*b.score(11, kMonday), 3);
  EXPECT_LT(*b.score(9, kMonday), 3);
  EXPECT_GT(*b.score(14, kMonday), 3);
}

TEST(EwBaselineTest, FlatLineThatMovesIsInfinitelyFar) {
  EwBaseline b(32, false);
  for (int i = 0; i < 50; ++i) b.observe(7, kMonday);
  EXPECT_EQ(*b.score(7, kMonday), 0);
  EXPECT_TRUE(std::isinf(*b.score(7.5, kMonday)));
}

TEST(EwBaselineTest, DailyPatternIsItsOwnBaselineByHour) {
  EwBaseline seasonal(32, true);
  EwBaseline plain(32, false);
  ObservedAt at = kMonday;
  for (; at < kMonday + hours(3 * 24); at += minutes(5)) {
    seasonal.observe(daily(at), at);
    plain.observe(daily(at), at);
  }
  // Day 4, 09:00: the daily step up is expected at this hour, not in general.
  const ObservedAt nine = kMonday + hours(3 * 24 + 9);
  EXPECT_LT(*seasonal.score(80, nine), 3);
  EXPECT_GT(*plain.score(80, nine), 3);
  // The step that does not come (20 at 10:00) is an outlier only by hour.
  const ObservedAt ten = kMonday + hours(3 * 24 + 10);
  EXPECT_GT(*seasonal.score(20, ten), 3);
}

TEST(EwBaselineTest, AnHourAnswersOnlyWithHistoryFromAnEarlierDay) {
  // A burst of observations within one hour of one day (a short test, a new object) scores as
  // the all-hours baseline does: the hour has no earlier day to compare with.
  EwBaseline seasonal(32, true);
  EwBaseline plain(32, false);
  for (int i = 0; i < 20; ++i) {  // another hour, another level
    const ObservedAt at = kMonday + hours(3) + minutes(i);
    seasonal.observe(10, at);
    plain.observe(10, at);
  }
  for (int i = 0; i < 100; ++i) {
    const ObservedAt at = kMonday + hours(9) + std::chrono::seconds(i);
    const double x = 50 + (i * 7) % 11;
    seasonal.observe(x, at);
    plain.observe(x, at);
  }
  const ObservedAt later = kMonday + hours(9) + minutes(30);
  EXPECT_DOUBLE_EQ(*seasonal.score(90, later), *plain.score(90, later));
  // The next day the 09:00 hour has history and answers on its own.
  EXPECT_NE(*seasonal.score(90, later + hours(24)), *plain.score(90, later + hours(24)));
}

TEST(EwBaselineTest, KeepsTwentyFourHoursAtMost) {
  EwBaseline seasonal(128, true);
  EXPECT_EQ(seasonal.memory_bytes(), 0u);  // nothing until the first observation
  for (ObservedAt at = kMonday; at < kMonday + hours(24 * 10); at += minutes(7))
    seasonal.observe(daily(at), at);
  EXPECT_EQ(seasonal.memory_bytes(), EwBaseline::full_heap_bytes(true));
  EXPECT_EQ(EwBaseline::full_heap_bytes(false), 0u);
}

}  // namespace
}  // namespace watchfilter::filters

#include "host/requeue_schedule.h"

#include <gtest/gtest.h>

namespace watchfilter::host {
namespace {

using std::chrono::milliseconds;
using Key = RequeueSchedule::Key;

TEST(RequeueScheduleTest, OnePendingPerObjectTheEarliestWins) {
  RequeueSchedule s;
  const auto t0 = RequeueSchedule::clock::time_point{} + std::chrono::hours(1);
  const Key a{0, 0, "ns", "a"};
  EXPECT_TRUE(s.add(a, t0 + milliseconds(500)));
  EXPECT_FALSE(s.add(a, t0 + milliseconds(800)));  // absorbed: already due earlier
  EXPECT_FALSE(s.add(a, t0 + milliseconds(500)));
  EXPECT_TRUE(s.add(a, t0 + milliseconds(200)));  // earlier: replaces
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(s.next_due(), t0 + milliseconds(200));
  // Another object, another watch or another child is another requeue.
  EXPECT_TRUE(s.add({0, 1, "ns", "a"}, t0 + milliseconds(100)));
  EXPECT_TRUE(s.add({1, 0, "ns", "a"}, t0 + milliseconds(300)));
  EXPECT_TRUE(s.add({0, 0, "other", "a"}, t0 + milliseconds(300)));
  EXPECT_EQ(s.size(), 4u);

  EXPECT_TRUE(s.take_due(t0 + milliseconds(99)).empty());
  const std::vector<Key> due = s.take_due(t0 + milliseconds(250));
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0], (Key{0, 1, "ns", "a"}));
  EXPECT_EQ(due[1], a);
  EXPECT_EQ(s.size(), 2u);
  EXPECT_EQ(s.next_due(), t0 + milliseconds(300));
}

TEST(RequeueScheduleTest, ADueRequeueAbsorbsUntilTaken) {
  RequeueSchedule s;
  const auto t0 = RequeueSchedule::clock::time_point{} + std::chrono::hours(1);
  const Key a{0, 0, "ns", "a"};
  EXPECT_TRUE(s.add(a, t0 + milliseconds(100)));
  EXPECT_FALSE(s.add(a, t0 + milliseconds(700)));  // due, about to fire: absorbs
  // A wake-up the proxy delivered is not reported back: the caller drops what is past its time,
  // and the next requeue of that object is a new one.
  s.take_due(t0 + milliseconds(150));
  EXPECT_TRUE(s.add(a, t0 + milliseconds(700)));
  EXPECT_EQ(s.next_due(), t0 + milliseconds(700));
}

TEST(RequeueScheduleTest, ADueRequeueStaysUntilTaken) {
  // Found by bench/wakeups: another object's requeue must not drop one that is due and not yet
  // taken (the host's local timer fires it).
  RequeueSchedule s;
  const auto t0 = RequeueSchedule::clock::time_point{} + std::chrono::hours(1);
  EXPECT_TRUE(s.add({0, 0, "ns", "a"}, t0 + milliseconds(100)));
  EXPECT_TRUE(s.add({1, 0, "ns", "b"}, t0 + milliseconds(500)));
  const std::vector<Key> due = s.take_due(t0 + milliseconds(200));
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].name, "a");
}

TEST(RequeueScheduleTest, ErasedObjectsAreForgotten) {
  RequeueSchedule s;
  const auto t0 = RequeueSchedule::clock::time_point{} + std::chrono::hours(1);
  s.add({0, 0, "ns", "a"}, t0 + milliseconds(100));
  s.erase({0, 0, "ns", "a"});
  s.erase({0, 0, "ns", "missing"});
  EXPECT_EQ(s.size(), 0u);
  EXPECT_FALSE(s.next_due().has_value());
  EXPECT_TRUE(s.take_due(t0 + std::chrono::hours(1)).empty());
}

}  // namespace
}  // namespace watchfilter::host

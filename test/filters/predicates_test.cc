// changed, delta, reldelta, outlier and oldObject against the "last delivered" rules.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "test_events.h"

namespace watchfilter::filters {
namespace {

using testing::event;
using testing::Stream;

std::string with_number(std::string_view field, double v) {
  return R"("status":{")" + std::string(field) + "\":" + std::to_string(v) + "}";
}

std::string labeled(std::string_view type, std::string_view labels) {
  return R"({"type":")" + std::string(type) + R"(","object":{"metadata":{"uid":"u1","labels":)" +
         std::string(labels) + "}}}";
}

TEST(ChangedTest, FirstEventIsAChange) {
  Stream s("changed(spec)");
  EXPECT_TRUE(s.deliver(event("ADDED", "u1", R"("spec":{"a":1})")));
  EXPECT_FALSE(s.deliver(event("MODIFIED", "u1", R"("spec":{"a":1},"status":{"x":2})", 2)));
}

TEST(ChangedTest, Maps) {
  Stream s("changed(spec)");
  EXPECT_TRUE(s.deliver(event("ADDED", "u1", R"("spec":{"a":1,"b":{"c":"d"}})")));
  EXPECT_FALSE(s.deliver(event("MODIFIED", "u1", R"("spec":{"a":1,"b":{"c":"d"}})")));
  EXPECT_TRUE(s.deliver(event("MODIFIED", "u1", R"("spec":{"a":1,"b":{"c":"e"}})")));  // deep
  EXPECT_TRUE(
      s.deliver(event("MODIFIED", "u1", R"("spec":{"a":1,"b":{"c":"e"},"z":0})")));  // new key
  EXPECT_FALSE(s.deliver(event("MODIFIED", "u1", R"("spec":{"a":1,"b":{"c":"e"},"z":0})")));
}

TEST(ChangedTest, Lists) {
  Stream s("changed(spec.items)");
  EXPECT_TRUE(s.deliver(event("ADDED", "u1", R"("spec":{"items":[1,2]})")));
  EXPECT_FALSE(s.deliver(event("MODIFIED", "u1", R"("spec":{"items":[1,2]},"other":1)")));
  EXPECT_TRUE(s.deliver(event("MODIFIED", "u1", R"("spec":{"items":[2,1]})")));  // order matters
  EXPECT_TRUE(s.deliver(event("MODIFIED", "u1", R"("spec":{"items":[2,1,3]})")));
  EXPECT_TRUE(s.deliver(event("MODIFIED", "u1", R"("spec":{"items":[]})")));
}

TEST(ChangedTest, MissingDiffersFromPresent) {
  Stream s("changed(metadata.labels.app)");
  EXPECT_TRUE(s.deliver(labeled("ADDED", "{}")));
  EXPECT_FALSE(s.deliver(labeled("MODIFIED", "{}")));               // missing, still missing
  EXPECT_TRUE(s.deliver(labeled("MODIFIED", R"({"app":"web"})")));  // appears
  EXPECT_FALSE(s.deliver(labeled("MODIFIED", R"({"app":"web","x":"y"})")));
  EXPECT_TRUE(s.deliver(labeled("MODIFIED", R"({"x":"y"})")));   // disappears
  EXPECT_TRUE(s.deliver(labeled("MODIFIED", R"({"app":""})")));  // empty string is present
}

TEST(ChangedTest, AppearAndDisappear) {
  Stream s("changed(spec.x)");
  EXPECT_TRUE(s.deliver(event("ADDED", "u1", R"("spec":{})")));
  EXPECT_FALSE(s.deliver(event("MODIFIED", "u1", R"("spec":{})")));
  EXPECT_TRUE(s.deliver(event("MODIFIED", "u1", R"("spec":{"x":null})")));  // null is present
  EXPECT_TRUE(s.deliver(event("MODIFIED", "u1", R"("spec":{"x":0})")));
  EXPECT_TRUE(s.deliver(event("MODIFIED", "u1", R"("spec":{})")));  // gone again
  EXPECT_FALSE(s.deliver(event("MODIFIED", "u1", R"("spec":{"y":1})")));
}

TEST(ChangedTest, AnyOfSeveralPaths) {
  Stream s("changed(spec.a, spec.b)");
  EXPECT_TRUE(s.deliver(event("ADDED", "u1", R"("spec":{"a":1,"b":1})")));
  EXPECT_FALSE(s.deliver(event("MODIFIED", "u1", R"("spec":{"a":1,"b":1,"c":5})")));
  EXPECT_TRUE(s.deliver(event("MODIFIED", "u1", R"("spec":{"a":1,"b":2})")));
  EXPECT_TRUE(s.deliver(event("MODIFIED", "u1", R"("spec":{"a":2,"b":2})")));
}

TEST(ChangedTest, ComparesWithLastDeliveredNotLastSeen) {
  // spec goes 1 -> 2 -> 1 while only type==ADDED or a change of spec.a delivers; the middle event
  // is suppressed by the second clause, so the third compares against the first.
  Stream s("changed(spec.a) && spec.deliver == true");
  EXPECT_TRUE(s.deliver(event("ADDED", "u1", R"("spec":{"a":1,"deliver":true})")));
  EXPECT_FALSE(s.deliver(event("MODIFIED", "u1", R"("spec":{"a":2,"deliver":false})")));
  EXPECT_FALSE(s.deliver(event("MODIFIED", "u1", R"("spec":{"a":1,"deliver":true})")));
  EXPECT_TRUE(s.deliver(event("MODIFIED", "u1", R"("spec":{"a":3,"deliver":true})")));
}

TEST(ChangedTest, ObjectsAreIndependent) {
  Stream s("changed(spec)");
  EXPECT_TRUE(s.deliver(event("ADDED", "u1", R"("spec":{"a":1})")));
  EXPECT_TRUE(s.deliver(event("ADDED", "u2", R"("spec":{"a":1})")));
  EXPECT_FALSE(s.deliver(event("MODIFIED", "u1", R"("spec":{"a":1})")));
  EXPECT_EQ(s.state().tracked_objects(), 2u);
}

TEST(DeltaTest, DriftInSmallStepsIsDeliveredExactlyOnce) {
  Stream s("delta(status.readyReplicas) >= 2");
  EXPECT_TRUE(s.deliver(event("ADDED", "u1", with_number("readyReplicas", 10))));  // first event
  int delivered = 0;
  // 10.0 -> 11.9 in steps of 0.1: never 2 from the last delivered value.
  for (int i = 1; i < 20; ++i)
    delivered += s.deliver(event("MODIFIED", "u1", with_number("readyReplicas", 10 + 0.1 * i)));
  EXPECT_EQ(delivered, 0);
  // Continue to 13.0: crosses 12.0 (2 from 10) once, then 13 is only 1 from the delivered 12.
  for (int i = 20; i <= 30; ++i)
    delivered += s.deliver(event("MODIFIED", "u1", with_number("readyReplicas", 10 + 0.1 * i)));
  EXPECT_EQ(delivered, 1);
}

TEST(DeltaTest, DecreasesCountAsMuchAsIncreases) {
  Stream s("delta(status.n) > 5");
  EXPECT_TRUE(s.deliver(event("ADDED", "u1", with_number("n", 100))));
  EXPECT_FALSE(s.deliver(event("MODIFIED", "u1", with_number("n", 95))));
  EXPECT_TRUE(s.deliver(event("MODIFIED", "u1", with_number("n", 94))));
}

TEST(DeltaTest, MissingVersusNumber) {
  Stream s("delta(status.n) >= 1");
  EXPECT_TRUE(s.deliver(event("ADDED", "u1", R"("status":{})")));
  EXPECT_FALSE(s.deliver(event("MODIFIED", "u1", R"("status":{})")));    // absent both: 0
  EXPECT_TRUE(s.deliver(event("MODIFIED", "u1", with_number("n", 0))));  // appears: infinite
  EXPECT_FALSE(s.deliver(event("MODIFIED", "u1", with_number("n", 0.5))));
  EXPECT_TRUE(s.deliver(event("MODIFIED", "u1", R"("status":{})")));  // disappears: infinite
}

TEST(DeltaTest, StringIsARuntimeErrorThatFailsOpen) {
  Stream s("delta(status.n) >= 1");
  EXPECT_TRUE(s.deliver(event("ADDED", "u1", with_number("n", 1))));
  const Decision d = s.decide(event("MODIFIED", "u1", R"("status":{"n":"many"})"));
  EXPECT_TRUE(d.deliver);
  EXPECT_EQ(d.error.value_or(""), "expected a number in delta(): status.n is a string");
  // The stream goes on; the error delivery remembered "not a number" (absent), so a number is new.
  EXPECT_TRUE(s.deliver(event("MODIFIED", "u1", with_number("n", 1))));
  EXPECT_FALSE(s.deliver(event("MODIFIED", "u1", with_number("n", 1.5))));
}

TEST(RelDeltaTest, RelativeToLastDelivered) {
  Stream s("reldelta(status.n) >= 0.1");
  EXPECT_TRUE(s.deliver(event("ADDED", "u1", with_number("n", 100))));
  EXPECT_FALSE(s.deliver(event("MODIFIED", "u1", with_number("n", 105))));
  EXPECT_FALSE(s.deliver(event("MODIFIED", "u1", with_number("n", 109))));
  EXPECT_TRUE(s.deliver(event("MODIFIED", "u1", with_number("n", 110))));
  EXPECT_FALSE(s.deliver(event("MODIFIED", "u1", with_number("n", 120))));  // 120/110: 9%
  EXPECT_TRUE(s.deliver(event("MODIFIED", "u1", with_number("n", 99))));    // -10%
}

TEST(RelDeltaTest, FromZero) {
  Stream s("reldelta(status.n) > 0.5");
  EXPECT_TRUE(s.deliver(event("ADDED", "u1", with_number("n", 0))));
  EXPECT_FALSE(s.deliver(event("MODIFIED", "u1", with_number("n", 0))));
  EXPECT_TRUE(s.deliver(event("MODIFIED", "u1", with_number("n", 0.001))));
}

TEST(DeltaTest, OfAQuantity) {
  Stream s("delta(quantity(spec.mem)) >= quantity('100Mi')");
  EXPECT_TRUE(s.deliver(event("ADDED", "u1", R"("spec":{"mem":"1Gi"})")));
  EXPECT_FALSE(s.deliver(event("MODIFIED", "u1", R"("spec":{"mem":"1050Mi"})")));
  EXPECT_TRUE(s.deliver(event("MODIFIED", "u1", R"("spec":{"mem":"1124Mi"})")));
}

TEST(OutlierTest, SpikeIsAnOutlier) {
  Stream s("outlier(status.latencyMs, 3)");
  int delivered = 0;
  for (int i = 0; i < 40; ++i) {
    delivered += s.deliver(
        event(i == 0 ? "ADDED" : "MODIFIED", "u1", with_number("latencyMs", 100 + (i % 5))));
  }
  EXPECT_EQ(delivered, 0);
  EXPECT_TRUE(s.deliver(event("MODIFIED", "u1", with_number("latencyMs", 400))));
  EXPECT_FALSE(s.deliver(event("MODIFIED", "u1", with_number("latencyMs", 102))));
}

TEST(OutlierTest, SteadyRampIsNot) {
  Stream s("outlier(status.latencyMs, 3)");
  int delivered = 0;
  for (int i = 0; i < 500; ++i) {
    delivered += s.deliver(
        event(i == 0 ? "ADDED" : "MODIFIED", "u1", with_number("latencyMs", 100 + 7 * i)));
  }
  EXPECT_EQ(delivered, 0);
}

TEST(OutlierTest, WarmUpIsNeverAnOutlier) {
  Stream s("outlier(status.v, 3)");
  for (int i = 0; i < 7; ++i) {
    EXPECT_FALSE(s.deliver(event("MODIFIED", "u1", with_number("v", i % 2 == 0 ? 1 : 1e6))));
  }
}

TEST(OutlierTest, ObservesEveryEventEvenWhenShortCircuited) {
  // changed(spec) is true on every event below, so outlier() is never reached by ||, yet its
  // window must still fill: after the loop a spike on a spec-unchanged event is an outlier.
  Stream s("changed(spec) || outlier(status.v, 3)");
  for (int i = 0; i < 30; ++i) {
    EXPECT_TRUE(s.deliver(event("MODIFIED", "u1",
                                R"("spec":{"i":)" + std::to_string(i) + R"(},"status":{"v":)" +
                                    std::to_string(10 + i % 3) + "}")));
  }
  EXPECT_FALSE(s.deliver(event("MODIFIED", "u1", R"("spec":{"i":29},"status":{"v":11})")));
  EXPECT_TRUE(s.deliver(event("MODIFIED", "u1", R"("spec":{"i":29},"status":{"v":90})")));
}

TEST(OutlierTest, MissingValueIsNotAnOutlier) {
  Stream s("outlier(status.v, 3)");
  for (int i = 0; i < 20; ++i) s.deliver(event("MODIFIED", "u1", with_number("v", 5 + i % 2)));
  const Decision d = s.decide(event("MODIFIED", "u1", R"("status":{})"));
  EXPECT_FALSE(d.deliver);
  EXPECT_FALSE(d.error.has_value());
}

TEST(OutlierTest, StringIsAnError) {
  Stream s("outlier(status.v, 3)");
  const Decision d = s.decide(event("MODIFIED", "u1", R"("status":{"v":"x"})"));
  EXPECT_TRUE(d.deliver);
  EXPECT_EQ(d.error.value_or(""), "expected a number in outlier(): status.v is a string");
}

TEST(OldObjectTest, IsTheLastDeliveredVersion) {
  Stream s("oldObject == null || spec.replicas > oldObject.spec.replicas");
  EXPECT_TRUE(s.deliver(event("ADDED", "u1", R"("spec":{"replicas":2})")));
  EXPECT_FALSE(s.deliver(event("MODIFIED", "u1", R"("spec":{"replicas":1})")));
  EXPECT_TRUE(s.deliver(event("MODIFIED", "u1", R"("spec":{"replicas":3})")));
  EXPECT_FALSE(s.deliver(event("MODIFIED", "u1", R"("spec":{"replicas":3})")));
}

TEST(OldObjectTest, MapsCompareByHash) {
  Stream s("oldObject.spec != object.spec");
  EXPECT_TRUE(s.deliver(event("ADDED", "u1", R"("spec":{"a":[1]})")));
  EXPECT_FALSE(s.deliver(event("MODIFIED", "u1", R"("spec":{"a":[1]})")));
  EXPECT_TRUE(s.deliver(event("MODIFIED", "u1", R"("spec":{"a":[2]})")));
}

TEST(OldObjectTest, HasOnOldObject) {
  Stream s("!has(oldObject.metadata.labels.app) && has(metadata.labels.app)");
  EXPECT_FALSE(s.deliver(labeled("ADDED", "{}")));
  EXPECT_FALSE(s.deliver(labeled("MODIFIED", "{}")));
  EXPECT_TRUE(s.deliver(labeled("MODIFIED", R"({"app":"a"})")));   // label added
  EXPECT_FALSE(s.deliver(labeled("MODIFIED", R"({"app":"b"})")));  // it was there before
}

}  // namespace
}  // namespace watchfilter::filters

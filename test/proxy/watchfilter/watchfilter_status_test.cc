// The status the proxy writes into a WatchFilter: the Ready condition and the merge patch body.

#include "proxy/watchfilter/watchfilter_status.h"

#include <gtest/gtest.h>

namespace watchfilter::proxy {
namespace {

WatchFilterSpec valid_spec() {
  WatchFilterSpec s;
  s.ref = {"db", "mongo"};
  s.generation = 4;
  s.resource = {"", "v1", "configmaps"};
  s.filter_source = "changed(data)";
  return s;
}

TEST(WatchFilterStatusTest, ReadyTrueForAValidSpec) {
  auto c = ready_condition(valid_spec(), std::nullopt, "2026-01-02T03:04:05Z");
  EXPECT_EQ(c.status, "True");
  EXPECT_EQ(c.reason, "Valid");
  EXPECT_EQ(c.observed_generation, 4);
  EXPECT_EQ(c.last_transition_time, "2026-01-02T03:04:05Z");
}

TEST(WatchFilterStatusTest, ReadyFalseCarriesReasonAndMessage) {
  auto s = valid_spec();
  s.invalid_reason = "InvalidFilter";
  s.error = "col 12: unknown function foo";
  auto c = ready_condition(s, std::nullopt, "2026-01-02T03:04:05Z");
  EXPECT_EQ(c.status, "False");
  EXPECT_EQ(c.reason, "InvalidFilter");
  EXPECT_EQ(c.message, "col 12: unknown function foo");
}

TEST(WatchFilterStatusTest, TransitionTimeMovesOnlyWithTheStatus) {
  ConditionSnapshot before{"True", "Valid", "m", "2025-12-01T00:00:00Z", 3};
  EXPECT_EQ(ready_condition(valid_spec(), before, "2026-01-02T03:04:05Z").last_transition_time,
            "2025-12-01T00:00:00Z");
  auto invalid = valid_spec();
  invalid.invalid_reason = "InvalidSpec";
  invalid.error = "spec.resync: ...";
  EXPECT_EQ(ready_condition(invalid, before, "2026-01-02T03:04:05Z").last_transition_time,
            "2026-01-02T03:04:05Z");
}

TEST(WatchFilterStatusTest, PatchBody) {
  WatchFilterStatus st;
  st.ready = {"False", "InvalidFilter", "col 3: unexpected \"(\"", "2026-01-02T03:04:05Z", 7};
  st.observed_generation = 7;
  st.observed_events = 1200;
  st.delivered_events = 37;
  st.streams = 2;
  EXPECT_EQ(status_patch_body(st),
            R"({"status":{"conditions":[{"type":"Ready","status":"False","reason":"InvalidFilter",)"
            R"("message":"col 3: unexpected \"(\"","lastTransitionTime":"2026-01-02T03:04:05Z",)"
            R"("observedGeneration":7}],"observedGeneration":7,"observedEvents":1200,)"
            R"("deliveredEvents":37,"streams":2}})");
}

TEST(WatchFilterStatusTest, Rfc3339) {
  EXPECT_EQ(rfc3339_utc(std::chrono::system_clock::from_time_t(1767323045)),
            "2026-01-02T03:04:05Z");
}

}  // namespace
}  // namespace watchfilter::proxy

// Per-stream rules: DELETED, non-object events, state lifetime and footprint.
#include <gtest/gtest.h>

#include "test_events.h"

namespace watchfilter::filters {
namespace {

using testing::event;
using testing::Stream;

TEST(FilterStateTest, DeletedIsDeliveredAndFreesState) {
  Stream s("changed(spec) && spec.x == 1");
  EXPECT_TRUE(s.deliver(event("ADDED", "u1", R"("spec":{"x":1})")));
  EXPECT_EQ(s.state().tracked_objects(), 1u);
  EXPECT_TRUE(s.deliver(event("DELETED", "u1", R"("spec":{"x":2})")));  // filter says no; delivered
  EXPECT_EQ(s.state().tracked_objects(), 0u);
  EXPECT_EQ(s.state().memory_bytes(), s.state().memory_bytes());
  // Re-created with the same uid: a first event again.
  EXPECT_TRUE(s.deliver(event("ADDED", "u1", R"("spec":{"x":1})")));
}

TEST(FilterStateTest, BookmarksAndErrorsPassThrough) {
  Stream s("false");
  EXPECT_TRUE(s.deliver(
      R"({"type":"BOOKMARK","object":{"kind":"Pod","metadata":{"resourceVersion":"12"}}})"));
  EXPECT_TRUE(s.deliver(R"({"type":"ERROR","object":{"kind":"Status","code":410}})"));
  EXPECT_FALSE(s.deliver(event("MODIFIED", "u1", "")));
}

TEST(FilterStateTest, MalformedEventFailsOpenWithAnError) {
  Stream s("false");
  const Decision d = s.decide("{\"type\":\"MODIFIED\",");
  EXPECT_TRUE(d.deliver);
  ASSERT_TRUE(d.error.has_value());
  EXPECT_EQ(d.error->rfind("event is not a JSON object", 0), 0u);
  EXPECT_TRUE(s.decide("[1,2]").deliver);
  EXPECT_EQ(s.state().counters().errors, 2u);
}

// Found by fuzz_eval: simdjson abandons a document on some grammar errors; later lookups must
// report "malformed" instead of rewinding a dead document.
TEST(FilterStateTest, GrammarErrorsInsideTheObjectFailOpen) {
  Stream s("changed(spec) || spec.y.z == 1");
  const std::string line =
      R"({"type":"MODIFIED","object":{"metadata"type":"X","spec":{"y":{"z":[0]}:{}}}})";
  EXPECT_TRUE(s.deliver(line));
  EventParser parser;
  FilterState bare(Stream::must_compile("changed(spec) || spec.y.z == 1"));
  EXPECT_TRUE(bare.decide(parser.parse_object(line, EventType::kModified)).deliver);
}

TEST(FilterStateTest, StatelessFiltersKeepNothing) {
  Stream s("spec.x == 1");
  for (int i = 0; i < 10; ++i)
    s.deliver(event("MODIFIED", "u" + std::to_string(i), R"("spec":{"x":1})"));
  EXPECT_EQ(s.state().tracked_objects(), 0u);
}

TEST(FilterStateTest, NotDeliveredObjectsWithoutOutliersKeepNothing) {
  Stream s("changed(spec) && spec.x == 1");
  EXPECT_FALSE(s.deliver(event("ADDED", "u1", R"("spec":{"x":2})")));
  EXPECT_EQ(s.state().tracked_objects(), 0u);
  // Nothing delivered yet: still a first event, change predicates true.
  EXPECT_TRUE(s.deliver(event("MODIFIED", "u1", R"("spec":{"x":1})")));
}

TEST(FilterStateTest, FootprintGrowsWithObjectsOnly) {
  Stream s("changed(spec) || delta(status.n) > 1 || outlier(status.n, 3, 16)");
  const std::size_t empty = s.state().memory_bytes();
  for (int i = 0; i < 100; ++i) {
    for (int v = 0; v < 20; ++v) {
      s.deliver(event("MODIFIED", "uid-" + std::to_string(i),
                      R"("spec":{},"status":{"n":)" + std::to_string(v) + "}"));
    }
  }
  const std::size_t full = s.state().memory_bytes();
  EXPECT_GT(full, empty);
  // Per object: one hash, one number, the outlier baseline (24 hours of the day) and the map
  // entry; far below an object.
  EXPECT_LT((full - empty) / 100, 1024u);
}

TEST(FilterStateTest, CopiesAndMovesKeepTheStreamState) {
  Stream s("changed(spec)");
  EXPECT_TRUE(s.deliver(event("ADDED", "u1", R"("spec":{"a":1})")));
  FilterState copy = s.state();
  FilterState moved = std::move(s.state());
  EventParser parser;
  EXPECT_FALSE(
      copy.decide(parser.parse_event(event("MODIFIED", "u1", R"("spec":{"a":1})"))).deliver);
  EXPECT_FALSE(
      moved.decide(parser.parse_event(event("MODIFIED", "u1", R"("spec":{"a":1})"))).deliver);
  EXPECT_TRUE(
      moved.decide(parser.parse_event(event("MODIFIED", "u1", R"("spec":{"a":2})"))).deliver);
}

TEST(FilterStateTest, ObjectsWithoutUidAreKeyedByNamespaceAndName) {
  Stream s("changed(spec)");
  const std::string a =
      R"({"type":"ADDED","object":{"metadata":{"namespace":"ns","name":"a"},"spec":{}}})";
  const std::string b =
      R"({"type":"ADDED","object":{"metadata":{"namespace":"ns","name":"b"},"spec":{}}})";
  EXPECT_TRUE(s.deliver(a));
  EXPECT_TRUE(s.deliver(b));
  EXPECT_FALSE(s.deliver(a));
  EXPECT_EQ(s.state().tracked_objects(), 2u);
}

TEST(FilterStateTest, ManyStreamsShareOneParsedEvent) {
  FilterState spec(Stream::must_compile("changed(spec)"));
  FilterState replicas(Stream::must_compile("spec.replicas > 2 && changed(spec)"));
  EventParser parser;
  const EventView view = parser.parse_event(event("ADDED", "u1", R"("spec":{"replicas":3})"));
  EXPECT_TRUE(spec.decide(view).deliver);
  EXPECT_TRUE(replicas.decide(view).deliver);
  const EventView next = parser.parse_event(event("MODIFIED", "u1", R"("spec":{"replicas":1})"));
  EXPECT_TRUE(spec.decide(next).deliver);
  EXPECT_FALSE(replicas.decide(next).deliver);
}

TEST(FilterStateTest, InitialEventsFromBareObjects) {
  FilterState s(Stream::must_compile("changed(spec)"));
  EventParser parser;
  EXPECT_TRUE(
      s.decide(parser.parse_object(R"({"metadata":{"uid":"u"},"spec":{"a":1}})", EventType::kAdded))
          .deliver);
  EXPECT_FALSE(
      s.decide(parser.parse_event(
                   R"({"type":"MODIFIED","object":{"metadata":{"uid":"u"},"spec":{"a":1}}})"))
          .deliver);
}

// What the proxy sends on its own (resync, wake-up, a debounced event) is what the client has:
// the next event is compared with it, and no outlier observation is made.
TEST(FilterStateTest, RememberRecordsADeliveryWithoutDeciding) {
  Stream s("changed(spec) || delta(status.n) >= 5 || oldObject.spec.x != spec.x");
  EXPECT_TRUE(s.deliver(event("ADDED", "u1", R"("spec":{"x":1},"status":{"n":0})")));
  EventParser parser;
  const auto counters = s.state().counters();
  s.state().remember(
      parser.parse_event(event("MODIFIED", "u1", R"("spec":{"x":2},"status":{"n":4})")));
  EXPECT_EQ(s.state().counters().evaluated, counters.evaluated);
  // Compared with the remembered version: same spec, n moved by 4 since it.
  EXPECT_FALSE(s.deliver(event("MODIFIED", "u1", R"("spec":{"x":2},"status":{"n":8})")));
  EXPECT_TRUE(s.deliver(event("MODIFIED", "u1", R"("spec":{"x":2},"status":{"n":9})")));
  // An object never delivered becomes known: its next unchanged version is not a first event.
  s.state().remember(
      parser.parse_event(event("MODIFIED", "u2", R"("spec":{"x":1},"status":{"n":0})")));
  EXPECT_FALSE(s.deliver(event("MODIFIED", "u2", R"("spec":{"x":1},"status":{"n":0})")));
  // DELETED forgets.
  s.state().remember(
      parser.parse_event(event("DELETED", "u2", R"("spec":{"x":1},"status":{"n":0})")));
  EXPECT_TRUE(s.deliver(event("MODIFIED", "u2", R"("spec":{"x":1},"status":{"n":0})")));
}

}  // namespace
}  // namespace watchfilter::filters

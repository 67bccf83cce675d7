// The informer's decisions without I/O: initial events, live filtering, selectors, resume of a
// named watcher (resend of unwritten admitted events, no duplicates), 410 outside the window,
// relist differences, bookmarks progress, lists.

#include <gtest/gtest.h>

#include "test/proxy/core_test_support.h"

namespace watchfilter::proxy::informer {
namespace {

TEST_F(InformerCoreTest, InitialEventsCarryKindAndApiVersionLikeTheWatch) {
  load({item("b", 11, "1"), item("a", 10, "1")}, 12);
  auto s = attach(request("changed(data)"));
  ASSERT_EQ(s->events.size(), 2u);
  // Ordered by resourceVersion; bytes exactly as kube-apiserver's watch would send them.
  EXPECT_EQ(*s->events[0].line, event_line("ADDED", cm("a", 10, "1")));
  EXPECT_EQ(s->events[0].rv, 10u);
  EXPECT_EQ(*s->events[1].line, event_line("ADDED", cm("b", 11, "1")));
  EXPECT_EQ(s->progress, 12u);
}

TEST_F(InformerCoreTest, LiveEventsAreFilteredAndForwardedAsUpstreamBytes) {
  load({item("a", 10, "1")}, 10);
  auto s = attach(request("changed(data)"));
  apply("MODIFIED", cm("a", 11, "1", "relabelled"));  // data unchanged: suppressed
  apply("MODIFIED", cm("a", 12, "2"));
  apply("DELETED", cm("a", 13, "2"));
  EXPECT_EQ(s->summary(),
            (std::vector<std::string>{"ADDED a 1", "MODIFIED a 2", "DELETED a 2"}));
  EXPECT_EQ(*s->events[1].line, event_line("MODIFIED", cm("a", 12, "2")));
  EXPECT_EQ(s->progress, 13u);
  EXPECT_EQ(core.cache().size(), 0u);
}

TEST_F(InformerCoreTest, SendInitialEventsEndsWithAnnotatedBookmark) {
  load({item("a", 10, "1")}, 15);
  auto s = attach(request("true", "sendInitialEvents=true"));
  ASSERT_EQ(s->events.size(), 2u);
  EXPECT_EQ(*s->events[1].line, bookmark_line("ConfigMap", "v1", 15, true));
}

TEST_F(InformerCoreTest, ResumeInsideTheWindowReplaysThroughTheFilter) {
  load({item("a", 10, "1")}, 10);
  apply("MODIFIED", cm("a", 11, "1", "x"));
  apply("MODIFIED", cm("a", 12, "2"));
  auto s = attach(request("changed(data)", "resourceVersion=10"));
  // Fresh state: the first event of the object is delivered, the next unchanged one is not.
  EXPECT_EQ(s->summary(), (std::vector<std::string>{"MODIFIED a 1", "MODIFIED a 2"}));
  EXPECT_FALSE(s->ended);
}

TEST_F(InformerCoreTest, ResumeBeforeTheWindowIsExpired) {
  load({item("a", 10, "1")}, 10);
  for (int i = 0; i < 12; ++i) apply("MODIFIED", cm("a", 11 + i, std::to_string(i)));
  EXPECT_GT(core.window().floor(), 10u);
  auto s = attach(request("changed(data)", "resourceVersion=10"));
  ASSERT_TRUE(s->ended);
  EXPECT_EQ(*s->ended, EndCause::kExpired);
  EXPECT_EQ(s->final_line,
            expired_line(10, core.window().floor()));
  EXPECT_NE(s->final_line.find("too old resource version: 10 ("), std::string::npos);
  EXPECT_EQ(core.subscriptions(), 0u);
}

TEST_F(InformerCoreTest, NamedWatcherResendsUnwrittenAdmittedEventsWithoutReevaluating) {
  load({item("a", 10, "1")}, 10);
  auto first = attach(request("changed(data)", "watcher=w1"));
  apply("MODIFIED", cm("a", 11, "2"));
  apply("MODIFIED", cm("a", 12, "3"));
  ASSERT_EQ(first->summary(),
            (std::vector<std::string>{"ADDED a 1", "MODIFIED a 2", "MODIFIED a 3"}));
  // The client read only through rv 11 (rv 12 was queued, never written) and left.
  core.detach(first.get(), now);
  apply("MODIFIED", cm("a", 13, "3", "relabelled"));  // suppressed for the record's state
  apply("MODIFIED", cm("a", 14, "4"));
  auto second = attach(request("changed(data)", "watcher=w1&resourceVersion=11"));
  // rv 12 again (same decision), then the window after what the record evaluated: rv 13 is
  // still suppressed (data 3 was delivered), rv 14 admitted. Nothing twice, nothing lost.
  EXPECT_EQ(second->summary(), (std::vector<std::string>{"MODIFIED a 3", "MODIFIED a 4"}));
  EXPECT_EQ(second->events[0].rv, 12u);
  EXPECT_EQ(second->progress, 14u);
}

TEST_F(InformerCoreTest, AnonymousResumeStartsFresh) {
  load({item("a", 10, "1")}, 10);
  auto first = attach(request("changed(data)"));
  apply("MODIFIED", cm("a", 11, "2"));
  core.detach(first.get(), now);
  apply("MODIFIED", cm("a", 12, "2", "x"));
  auto second = attach(request("changed(data)", "resourceVersion=11"));
  // No watcher id: no memory of what was delivered, rv 12 is a first event.
  EXPECT_EQ(second->summary(), (std::vector<std::string>{"MODIFIED a 2"}));
}

TEST_F(InformerCoreTest, WatcherWithADifferentFilterStartsOver) {
  load({item("a", 10, "1")}, 10);
  auto first = attach(request("changed(data)", "watcher=w"));
  core.detach(first.get(), now);
  auto second = attach(request("changed(metadata.labels)", "watcher=w&resourceVersion=10"));
  EXPECT_TRUE(second->events.empty());
  EXPECT_FALSE(second->ended);
}

TEST_F(InformerCoreTest, ReconnectWhileOldConnectionLingersTakesOver) {
  load({item("a", 10, "1")}, 10);
  auto first = attach(request("changed(data)", "watcher=w"));
  auto second = attach(request("changed(data)", "watcher=w&resourceVersion=10"));
  ASSERT_TRUE(first->ended);
  EXPECT_EQ(core.subscriptions(), 1u);
  apply("MODIFIED", cm("a", 11, "2"));
  EXPECT_EQ(second->summary(), (std::vector<std::string>{"MODIFIED a 2"}));
  EXPECT_EQ(first->events.size(), 1u);  // only its initial event
}

// The old connection notices it is gone after the takeover: its detach names its own endpoint,
// which no longer has a subscription, and leaves the new one alone.
TEST_F(InformerCoreTest, DetachOfATakenOverConnectionLeavesTheNewOne) {
  load({item("a", 10, "1")}, 10);
  auto first = attach(request("changed(data)", "watcher=w"));
  auto second = attach(request("changed(data)", "watcher=w&resourceVersion=10"));
  core.detach(first.get(), now);
  EXPECT_EQ(core.subscriptions(), 1u);
  apply("MODIFIED", cm("a", 11, "2"));
  EXPECT_EQ(second->summary(), (std::vector<std::string>{"MODIFIED a 2"}));
  core.detach(second.get(), now);
  EXPECT_EQ(core.subscriptions(), 0u);
  core.detach(second.get(), now);  // twice (WatchStream detaches when ending and when done)
  EXPECT_EQ(core.subscriptions(), 0u);
}

TEST_F(InformerCoreTest, FieldSelectorKeepsUpstreamShape) {
  load({item("a", 10, "1"), item("b", 11, "1")}, 11);
  auto s = attach(request("true", "fieldSelector=data.k%3D2"));
  EXPECT_TRUE(s->events.empty());
  apply("MODIFIED", cm("a", 12, "2"));  // starts matching: ADDED
  apply("MODIFIED", cm("a", 13, "2", "x"));  // still matching: MODIFIED
  apply("MODIFIED", cm("a", 14, "3"));  // stops matching: DELETED
  apply("MODIFIED", cm("b", 15, "5"));  // never matched: nothing
  apply("DELETED", cm("b", 16, "5"));
  EXPECT_EQ(s->summary(),
            (std::vector<std::string>{"ADDED a 2", "MODIFIED a 2", "DELETED a 3"}));
  EXPECT_EQ(*s->events[0].line, event_line("ADDED", cm("a", 12, "2")));
}

TEST_F(InformerCoreTest, RelistSendsOnlyTheDifferences) {
  load({item("a", 10, "1"), item("b", 11, "1"), item("c", 12, "1")}, 12);
  auto s = attach(request("true"));
  s->events.clear();
  // After a 410: a unchanged, b modified, c gone, d new.
  const auto changes =
      core.relist(core.to_listed({item("a", 10, "1"), item("b", 20, "2"), item("d", 21, "1")}), 30);
  EXPECT_EQ(changes, 3u);
  EXPECT_EQ(s->summary(),
            (std::vector<std::string>{"MODIFIED b 2", "ADDED d 1", "DELETED c 1"}));
  // DELETED carries the last known object at the LIST's resourceVersion, so that the stream's
  // resourceVersions never go down (20, 21, 30).
  EXPECT_EQ(*s->events[2].line, event_line("DELETED", cm("c", 30, "1")));
  EXPECT_EQ(s->events[0].rv, 20u);
  EXPECT_EQ(s->events[1].rv, 21u);
  EXPECT_EQ(s->events[2].rv, 30u);
  // A client resuming from the DELETED does not get it again.
  auto resumed = attach(request("true", "resourceVersion=30"));
  EXPECT_TRUE(resumed->events.empty());
  auto from_b = attach(request("true", "resourceVersion=20"));
  EXPECT_EQ(from_b->summary(), (std::vector<std::string>{"ADDED d 1", "DELETED c 1"}));
  EXPECT_EQ(core.resource_version(), 30u);
  EXPECT_EQ(core.cache().size(), 3u);
  EXPECT_EQ(s->progress, 30u);
}

TEST_F(InformerCoreTest, BookmarksAdvanceProgressOfSuppressingStreams) {
  load({item("a", 10, "1")}, 10);
  auto s = attach(request("changed(data)"));
  apply("MODIFIED", cm("a", 11, "1", "x"));
  EXPECT_EQ(s->progress, 10u);  // suppressed: not posted per event
  core.tick(now);
  EXPECT_EQ(s->progress, 11u);
  auto r = core.apply_line(std::make_shared<const std::string>(
      R"({"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":"40"}}})"));
  EXPECT_EQ(r.kind, InformerCore::LineKind::kBookmark);
  core.tick(now);
  EXPECT_EQ(s->progress, 40u);
  EXPECT_EQ(core.resource_version(), 40u);
  // A client resuming from the bookmark's rv is inside the window.
  auto resumed = attach(request("changed(data)", "resourceVersion=40"));
  EXPECT_FALSE(resumed->ended);
}

TEST_F(InformerCoreTest, UpstreamExpiredErrorIsRecognised) {
  load({}, 5);
  auto r = core.apply_line(std::make_shared<const std::string>(expired_line(3, 4)));
  EXPECT_EQ(r.kind, InformerCore::LineKind::kExpired);
  auto e = core.apply_line(std::make_shared<const std::string>(error_line("InternalError", 500, "x")));
  EXPECT_EQ(e.kind, InformerCore::LineKind::kError);
  EXPECT_EQ(core.apply_line(std::make_shared<const std::string>("not json")).kind,
            InformerCore::LineKind::kInvalid);
}

TEST_F(InformerCoreTest, ListBodyHonoursFilterAndSelector) {
  load({item("b", 11, "2"), item("a", 10, "1"), item("c", 12, "2")}, 12);
  auto r = request(R"(data.k == "2")", "fieldSelector=metadata.name!%3Dc");
  r.watch = false;
  EXPECT_EQ(core.list_body(r),
            R"({"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"12"},"items":[)" +
                cm("b", 11, "2") + "]}");
}

TEST_F(InformerCoreTest, GetBodyIsTheObjectOrNothingThroughTheFilter) {
  load({item("a", 10, "1"), item("b", 11, "2")}, 12);
  auto get = [&](const std::string& name, const std::string& filter) {
    auto r = request(filter);
    r.watch = false;
    r.path.namespace_name = "default";
    r.path.name = name;
    return core.get_body(r);
  };
  // The object itself, kind and apiVersion included, as a GET answers.
  EXPECT_EQ(get("b", R"(data.k == "2")"), cm("b", 11, "2"));
  EXPECT_EQ(get("a", R"(data.k == "2")"), std::nullopt);  // rejected: does not exist
  EXPECT_EQ(get("zz", "true"), std::nullopt);
}

}  // namespace
}  // namespace watchfilter::proxy::informer

// The informer's decisions without I/O: initial events, live filtering, selectors, resume of a
// named watcher (resend of unwritten admitted events, no duplicates), 410 outside the window,
// relist differences, bookmarks progress, lists.

#include <gtest/gtest.h>

#include "test/proxy/support/core_test_support.h"

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
  EXPECT_EQ(s->summary(), (std::vector<std::string>{"ADDED a 1", "MODIFIED a 2", "DELETED a 2"}));
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
  EXPECT_EQ(s->final_line, expired_line(10, core.window().floor()));
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

// Issue 14: every stream kept a log of the events it admitted, bounded only like the window,
// so with many streams the proxy's memory grew with every event that passed. An anonymous
// stream can never resume its record, so it keeps no log; a named watcher's log is bounded by
// the window and drops what its client confirmed by resuming.
TEST_F(InformerCoreTest, AdmittedLogsDoNotGrowWithEvents) {
  load({item("a", 10, "0")}, 10);
  std::vector<std::shared_ptr<FakeEndpoint>> anonymous;
  for (int i = 0; i < 50; ++i) anonymous.push_back(attach(request("changed(data)")));
  auto named = attach(request("changed(data)", "watcher=w"));
  const std::size_t window = options().window_events;
  std::vector<std::size_t> after;
  std::uint64_t rv = 10;
  for (int round = 0; round < 3; ++round) {
    for (std::size_t i = 0; i < 4 * window; ++i) {
      ++rv;
      apply("MODIFIED", cm("a", rv, std::to_string(rv)));
    }
    after.push_back(core.admitted_log_entries());
  }
  for (const auto& s : anonymous) ASSERT_EQ(s->events.size(), 1 + 12 * window);  // every event
  // Only the named watcher's log: at most the window's bound, the same after each round.
  EXPECT_LE(after[0], window);
  EXPECT_EQ(after[1], after[0]);
  EXPECT_EQ(after[2], after[0]);
  // Its client resumes from the last event it read: the log drops everything through it.
  core.detach(named.get(), now);
  auto resumed =
      attach(request("changed(data)", "watcher=w&resourceVersion=" + std::to_string(rv)));
  EXPECT_TRUE(resumed->events.empty());
  EXPECT_EQ(core.admitted_log_entries(), 0u);
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

// Watcher ids belong to their user: the same id of another user is another watcher, which
// neither takes the stream over nor touches its filter state.
TEST_F(InformerCoreTest, AnotherUsersWatcherIdIsAnotherWatcher) {
  load({item("a", 10, "1")}, 10);
  auto alice = attach(request("changed(data)", "watcher=w"));
  auto mallory = attach(request("changed(data)", "watcher=w&as=mallory"));
  EXPECT_FALSE(alice->ended);
  EXPECT_EQ(core.subscriptions(), 2u);
  EXPECT_EQ(core.watcher_records(), 2u);
  apply("MODIFIED", cm("a", 11, "2"));
  EXPECT_EQ(alice->summary(), (std::vector<std::string>{"ADDED a 1", "MODIFIED a 2"}));
  EXPECT_EQ(mallory->summary(), (std::vector<std::string>{"ADDED a 1", "MODIFIED a 2"}));
  // alice leaves; mallory resumes "w" from an older point: her own record, not alice's log.
  core.detach(alice.get(), now);
  core.detach(mallory.get(), now);
  apply("MODIFIED", cm("a", 12, "2", "relabelled"));  // suppressed: data unchanged
  auto mallory_again = attach(request("changed(data)", "watcher=w&as=mallory&resourceVersion=11"));
  EXPECT_TRUE(mallory_again->events.empty());
  // alice's filter state is hers: the relabel stays suppressed on her resume.
  auto alice_again = attach(request("changed(data)", "watcher=w&resourceVersion=11"));
  EXPECT_TRUE(alice_again->events.empty());
  EXPECT_FALSE(mallory_again->ended);
  EXPECT_EQ(core.subscriptions(), 2u);
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
  apply("MODIFIED", cm("a", 12, "2"));       // starts matching: ADDED
  apply("MODIFIED", cm("a", 13, "2", "x"));  // still matching: MODIFIED
  apply("MODIFIED", cm("a", 14, "3"));       // stops matching: DELETED
  apply("MODIFIED", cm("b", 15, "5"));       // never matched: nothing
  apply("DELETED", cm("b", 16, "5"));
  // The DELETED carries the version that matched at the event's resourceVersion, as
  // kube-apiserver's watch cache sends it (not the new version, which the selector rejects).
  EXPECT_EQ(s->summary(), (std::vector<std::string>{"ADDED a 2", "MODIFIED a 2", "DELETED a 2"}));
  EXPECT_EQ(*s->events[0].line, event_line("ADDED", cm("a", 12, "2")));
  EXPECT_EQ(*s->events[2].line, event_line("DELETED", cm("a", 14, "2", "x")));
}

// Label selectors are evaluated per stream like field selectors (one informer for every
// selector), with the same transitions: a label added is an ADDED, a label removed a DELETED.
TEST_F(InformerCoreTest, LabelSelectorIsAPerStreamPredicate) {
  load({item("a", 10, "1"), item("b", 11, "1")}, 11);  // both labelled l=a
  auto sel = attach(request("true", "labelSelector=l%3Dx"));
  auto notin = attach(request("true", "labelSelector=l%20notin%20(x)"));
  auto set = attach(request("changed(data)", "labelSelector=l%20in%20(x,y),!gone"));
  EXPECT_TRUE(sel->events.empty());
  EXPECT_EQ(notin->summary(), (std::vector<std::string>{"ADDED a 1", "ADDED b 1"}));
  apply("MODIFIED", cm("a", 12, "1", "x"));  // a gets l=x: ADDED to sel, DELETED from notin
  apply("MODIFIED", cm("a", 13, "2", "x"));  // a changes, still l=x: MODIFIED
  apply("MODIFIED", cm("a", 14, "2", "y"));  // l=y: DELETED from sel, still in `set`
  apply("MODIFIED", cm("b", 15, "5"));       // b never has l=x
  apply("DELETED", cm("a", 16, "2", "y"));
  EXPECT_EQ(sel->summary(), (std::vector<std::string>{"ADDED a 1", "MODIFIED a 2", "DELETED a 2"}));
  EXPECT_EQ(*sel->events[0].line, event_line("ADDED", cm("a", 12, "1", "x")));
  // Stopped matching: the labels that matched, at the event's resourceVersion.
  EXPECT_EQ(*sel->events[2].line, event_line("DELETED", cm("a", 14, "2", "x")));
  EXPECT_EQ(*notin->events[2].line, event_line("DELETED", cm("a", 12, "1")));
  EXPECT_EQ(notin->summary(),
            (std::vector<std::string>{"ADDED a 1", "ADDED b 1", "DELETED a 1", "ADDED a 2",
                                      "MODIFIED b 5", "DELETED a 2"}));
  EXPECT_EQ(set->summary(), (std::vector<std::string>{"ADDED a 1", "MODIFIED a 2", "DELETED a 2"}));
  // A List applies the selector too.
  auto list = core.list_body(request("true", "labelSelector=l%3Da"));
  EXPECT_NE(list.find(R"("name":"b")"), std::string::npos);
  EXPECT_EQ(list.find(R"("name":"a")"), std::string::npos);
}

// A stream that starts from a resourceVersion (a reflector after its LIST) judges transitions on
// each object's version before the event, as kube-apiserver's watch cache does: an object it
// listed that stops matching is DELETED, though this stream was never sent it.
TEST_F(InformerCoreTest, SelectorTransitionsAreJudgedOnThePreviousVersion) {
  load({item("a", 10, "1"), item("b", 11, "1")}, 11);  // both labelled l=a
  auto live = attach(request("true", "labelSelector=l%3Da&resourceVersion=11"));
  EXPECT_TRUE(live->events.empty());
  apply("MODIFIED", cm("a", 12, "1", "x"));  // stops matching: DELETED
  apply("MODIFIED", cm("b", 13, "2"));       // still matching: MODIFIED
  apply("DELETED", cm("b", 14, "2"));        // matched before: DELETED
  const std::vector<std::string> want{"DELETED a 1", "MODIFIED b 2", "DELETED b 2"};
  EXPECT_EQ(live->summary(), want);
  EXPECT_EQ(*live->events[0].line, event_line("DELETED", cm("a", 12, "1")));
  // The same from the window, for a stream that starts from 11 now.
  auto replayed = attach(request("true", "labelSelector=l%3Da&resourceVersion=11"));
  EXPECT_EQ(replayed->summary(), want);
  EXPECT_EQ(*replayed->events[0].line, event_line("DELETED", cm("a", 12, "1")));
  // Field selectors the same way.
  EXPECT_EQ(attach(request("true", "fieldSelector=data.k%3D1&resourceVersion=11"))->summary(),
            (std::vector<std::string>{"MODIFIED a 1", "DELETED b 1"}));
}

// A named watcher's state is kept only for the same selectors: with another label selector it
// starts over (its filter state means nothing for another view of the objects).
TEST_F(InformerCoreTest, WatcherRecordIsKeptOnlyForTheSameLabelSelector) {
  load({item("a", 10, "1")}, 10);
  auto first = attach(request("changed(data)", "watcher=w&labelSelector=l%3Da"));
  EXPECT_EQ(first->summary(), (std::vector<std::string>{"ADDED a 1"}));
  core.detach(first.get(), now);
  apply("MODIFIED", cm("a", 11, "1"));  // data unchanged
  // The same selector resumes the record: data did not change since it was delivered.
  auto same = attach(request("changed(data)", "watcher=w&labelSelector=l%3Da&resourceVersion=10"));
  EXPECT_TRUE(same->events.empty());
  core.detach(same.get(), now);
  // Another selector: a fresh record, for which a's MODIFIED is its first event.
  auto other = attach(request("changed(data)", "watcher=w&labelSelector=l&resourceVersion=10"));
  EXPECT_EQ(other->summary(), (std::vector<std::string>{"MODIFIED a 1"}));
}

TEST_F(InformerCoreTest, RelistSendsOnlyTheDifferences) {
  load({item("a", 10, "1"), item("b", 11, "1"), item("c", 12, "1")}, 12);
  auto s = attach(request("true"));
  s->events.clear();
  // After a 410: a unchanged, b modified, c gone, d new.
  const auto changes =
      core.relist(core.to_listed({item("a", 10, "1"), item("b", 20, "2"), item("d", 21, "1")}), 30);
  EXPECT_EQ(changes, 3u);
  EXPECT_EQ(s->summary(), (std::vector<std::string>{"MODIFIED b 2", "ADDED d 1", "DELETED c 1"}));
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
  auto e =
      core.apply_line(std::make_shared<const std::string>(error_line("InternalError", 500, "x")));
  EXPECT_EQ(e.kind, InformerCore::LineKind::kError);
  EXPECT_EQ(core.apply_line(std::make_shared<const std::string>("not json")).kind,
            InformerCore::LineKind::kInvalid);
}

TEST_F(InformerCoreTest, ListBodyHonoursFilterAndSelector) {
  load({item("b", 11, "2"), item("a", 10, "1"), item("c", 12, "2")}, 12);
  auto r = request(R"(data.k == "2")", "fieldSelector=metadata.name!%3Dc");
  r.watch = false;
  EXPECT_EQ(
      core.list_body(r),
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

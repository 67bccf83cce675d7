// Events of the proxy's own making, on a test clock: resync (spread over the period, repeated
// every period, bypassing the filter), debounce (one event per window with the newest state),
// wake-ups of named watchers, and live WatchFilter changes of filterRef streams.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "test/proxy/support/core_test_support.h"

namespace watchfilter::proxy::informer {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// The header's fixture lives in an anonymous namespace, so each test file names its own suite.
class ScheduleTest : public InformerCoreTest {};

// "name" of the object of each event, with its time since `start`.
std::map<std::string, std::vector<milliseconds>> times_by_object(
    const FakeEndpoint& s, std::chrono::steady_clock::time_point start) {
  std::map<std::string, std::vector<milliseconds>> out;
  filters::EventParser p;
  for (std::size_t i = 0; i < s.events.size(); ++i) {
    auto v = p.parse_event(*s.events[i].line);
    if (v.type() == filters::EventType::kBookmark) continue;
    out[std::string(v.name())].push_back(
        std::chrono::duration_cast<milliseconds>(s.times[i] - start));
  }
  return out;
}

TEST_F(ScheduleTest, ResyncSpreadsObjectsOverThePeriodAndRepeatsEachEveryPeriod) {
  std::vector<std::string> items;
  for (int i = 0; i < 30; ++i) items.push_back(item("o" + std::to_string(i), 10 + i, "1"));
  load(items, 50);
  auto s = attach(request("changed(data)", "resync=10s"));
  ASSERT_EQ(s->events.size(), 30u);  // the initial ADDEDs
  s->events.clear();
  s->times.clear();
  const auto start = now.steady;

  run_for(seconds(35));
  auto by_object = times_by_object(*s, start);
  ASSERT_EQ(by_object.size(), 30u);
  std::set<milliseconds> first;
  for (const auto& [name, times] : by_object) {
    ASSERT_GE(times.size(), 3u) << name;
    EXPECT_GT(times[0], milliseconds(0)) << name;
    EXPECT_LE(times[0], seconds(10)) << name;
    for (std::size_t i = 1; i < times.size(); ++i) {
      EXPECT_EQ(times[i] - times[i - 1], seconds(10)) << name;
    }
    first.insert(times[0]);
  }
  // Spread over the period, not all at once.
  EXPECT_GT(first.size(), 25u);
  EXPECT_GT(*first.rbegin() - *first.begin(), seconds(6));

  // MODIFIED with the current object, at the stream's position.
  filters::EventParser parser;
  for (const auto& e : s->events) {
    EXPECT_EQ(e.rv, 50u);
    const std::string name(parser.parse_event(*e.line).name());
    EXPECT_EQ(*e.line, event_line("MODIFIED", cm(name, 10 + std::stoull(name.substr(1)), "1")));
  }
  EXPECT_EQ(metrics->synthetic(SyntheticReason::kResync), s->events.size());
  // Nothing is due until the next object's time.
  EXPECT_GT(*core.next_due(), now.steady);
}

TEST_F(ScheduleTest, ResyncBypassesTheFilterAndIsWhatTheNextEventIsComparedWith) {
  load({item("a", 10, "1")}, 10);
  auto s = attach(request(R"(changed(data.k) && metadata.labels.l == "a")", "resync=5s"));
  apply("MODIFIED", cm("a", 11, "2", "b"));  // label b: rejected
  run_for(seconds(5));
  // The client gets the current object although the filter rejected that version...
  EXPECT_EQ(s->summary(), (std::vector<std::string>{"ADDED a 1", "MODIFIED a 2"}));
  EXPECT_EQ(*s->events[1].line, event_line("MODIFIED", cm("a", 11, "2", "b")));
  EXPECT_EQ(s->events[1].rv, 11u);
  // ...and has data.k 2 now, so a version that only restores the label is not a change.
  apply("MODIFIED", cm("a", 12, "2", "a"));
  EXPECT_EQ(s->events.size(), 2u);
  apply("MODIFIED", cm("a", 13, "3", "a"));
  EXPECT_EQ(s->summary().back(), "MODIFIED a 3");
}

TEST_F(ScheduleTest, ResyncFollowsTheStreamsView) {
  load({item("a", 10, "1"), item("b", 11, "2")}, 11);
  auto s = attach(request("true", "fieldSelector=data.k%3D1&resync=2s"));
  run_for(seconds(2));
  EXPECT_EQ(s->summary(), (std::vector<std::string>{"ADDED a 1", "MODIFIED a 1"}));
  s->events.clear();
  apply("MODIFIED", cm("b", 12, "1"));  // starts matching
  apply("DELETED", cm("a", 13, "1"));
  s->events.clear();
  run_for(seconds(4));
  EXPECT_EQ(s->summary(), (std::vector<std::string>{"MODIFIED b 1", "MODIFIED b 1"}));
}

TEST_F(ScheduleTest, BatchesOfSyntheticEventsEndWithABookmarkWhenAskedFor) {
  load({item("a", 10, "1")}, 10);
  auto with = attach(request("true", "resync=1s&allowWatchBookmarks=true"));
  auto without = attach(request("true", "resync=1s"));
  apply("MODIFIED", cm("b", 20, "1"));  // moves the position to 20
  with->events.clear();
  without->events.clear();
  run_for(seconds(1));
  ASSERT_EQ(with->events.size(), 4u);  // a, b resynced, each batch with its bookmark
  EXPECT_EQ(*with->events.back().line, bookmark_line("ConfigMap", "v1", 20));
  EXPECT_EQ(with->events.back().rv, 20u);
  auto got = without->summary();
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"MODIFIED a 1", "MODIFIED b 1"}));
}

TEST_F(ScheduleTest, DebounceSendsTheFirstChangeAndTheLastOfABurst) {
  load({item("a", 10, "0")}, 10);
  auto s = attach(request("changed(data)", "debounce=2s"));
  advance(seconds(5));
  const auto burst = now.steady;
  for (int i = 1; i <= 5; ++i) {
    apply("MODIFIED", cm("a", 10 + i, std::to_string(i)));
    advance(milliseconds(100));
  }
  EXPECT_EQ(s->summary(), (std::vector<std::string>{"ADDED a 0", "MODIFIED a 1"}));
  // The held change (rv 12) was admitted and not sent: bookmarks stay below it.
  core.tick(now);
  EXPECT_EQ(s->progress, 11u);
  EXPECT_EQ(core.next_due(), burst + seconds(2));

  run_for(seconds(3));
  EXPECT_EQ(s->summary(), (std::vector<std::string>{"ADDED a 0", "MODIFIED a 1", "MODIFIED a 5"}));
  EXPECT_EQ(*s->events[2].line, event_line("MODIFIED", cm("a", 15, "5")));  // upstream's bytes
  EXPECT_EQ(s->times[2], burst + seconds(2));
  EXPECT_EQ(s->events[2].rv, 15u);
  EXPECT_EQ(s->progress, 15u);
  // The flushed version is what the client has.
  apply("MODIFIED", cm("a", 16, "5", "relabelled"));
  EXPECT_EQ(s->events.size(), 3u);
}

TEST_F(ScheduleTest, DebounceDeliversTheNewestStateEvenWhenTheFilterRejectsIt) {
  load({item("a", 10, "0")}, 10);
  auto s = attach(request(R"(data.k != "skip")", "debounce=2s"));
  advance(seconds(5));
  apply("MODIFIED", cm("a", 11, "1"));
  apply("MODIFIED", cm("a", 12, "2"));     // held
  apply("MODIFIED", cm("a", 13, "skip"));  // rejected, but the newest state
  run_for(seconds(2));
  EXPECT_EQ(s->summary(),
            (std::vector<std::string>{"ADDED a 0", "MODIFIED a 1", "MODIFIED a skip"}));
}

TEST_F(ScheduleTest, DebounceKeepsWhatTheClientNeedsToKnow) {
  load({item("a", 10, "0")}, 10);
  auto s = attach(request("true", "debounce=2s"));
  advance(seconds(5));
  apply("MODIFIED", cm("a", 11, "1"));
  apply("MODIFIED", cm("a", 12, "2"));  // held
  apply("DELETED", cm("a", 13, "2"));   // a held MODIFIED becomes the DELETED
  run_for(seconds(2));
  EXPECT_EQ(s->summary(), (std::vector<std::string>{"ADDED a 0", "MODIFIED a 1", "DELETED a 2"}));
  // Re-created within the window of that DELETED: held as ADDED (the client does not have
  // it), and it stays ADDED with the newest object.
  apply("ADDED", cm("a", 14, "3"));
  apply("MODIFIED", cm("a", 15, "4"));
  run_for(seconds(2));
  EXPECT_EQ(s->summary().back(), "ADDED a 4");
  EXPECT_EQ(*s->events.back().line, event_line("ADDED", cm("a", 15, "4")));
}

TEST_F(ScheduleTest, HeldEventsOfANamedWatcherSurviveAReconnect) {
  load({item("a", 10, "0")}, 10);
  auto first = attach(request("changed(data)", "watcher=w&debounce=2s"));
  advance(seconds(5));
  apply("MODIFIED", cm("a", 11, "1"));
  apply("MODIFIED", cm("a", 12, "2"));  // held
  core.detach(first.get(), now);
  advance(seconds(1));
  auto second = attach(request("changed(data)", "watcher=w&debounce=2s&resourceVersion=11"));
  run_for(seconds(2));
  EXPECT_EQ(second->summary(), (std::vector<std::string>{"MODIFIED a 2"}));
  // The flushed event is logged at the stream's position: a client that read the stream up
  // to rv 12 but not that event gets it again when it resumes.
  core.detach(second.get(), now);
  auto third = attach(request("changed(data)", "watcher=w&debounce=2s&resourceVersion=12"));
  EXPECT_EQ(third->summary(), (std::vector<std::string>{"MODIFIED a 2"}));
}

// A WakeupBook in memory: what the POST resource would have stored.
struct FakeBook : WakeupBook {
  std::map<std::string, Wakeup> pending;
  void subscribe(std::weak_ptr<WakeupTarget>) override {}
  std::vector<Wakeup> pending_for(const std::string& owner,
                                  const std::string& watcher) const override {
    std::vector<Wakeup> out;
    for (const auto& [name, w] : pending) {
      if (w.owner == owner && w.watcher == watcher) out.push_back(w);
    }
    return out;
  }
  bool claim(const std::string& name) override { return pending.erase(name) > 0; }
};

class WakeupTest : public InformerCoreTest {
 protected:
  WakeupTest() : WakeupTest(std::make_shared<FakeBook>()) {}
  explicit WakeupTest(std::shared_ptr<FakeBook> b) : InformerCoreTest(with(b)), book(b) {}
  static CoreOptions with(std::shared_ptr<FakeBook> b) {
    CoreOptions o = options();
    o.wakeups = std::move(b);
    return o;
  }
  Wakeup wakeup(const std::string& name, const std::string& object, milliseconds in,
                const std::string& watcher = "w", const std::string& owner = "alice") {
    Wakeup w{name, owner, watcher, "default", object, "", now.system + in, now.system};
    book->pending[name] = w;
    return w;
  }
  std::shared_ptr<FakeBook> book;
};

TEST_F(WakeupTest, AnAttachedWatcherIsWokenAtTheDueTimeOnce) {
  load({item("a", 10, "1"), item("b", 11, "1")}, 11);
  auto s = attach(request("false", "watcher=w&allowWatchBookmarks=true"));
  const auto start = now.steady;
  core.offer_wakeup(wakeup("wk-1", "a", seconds(5)), now);
  core.offer_wakeup(wakeup("wk-1", "a", seconds(5)), now);  // told twice: one wake-up
  run_for(milliseconds(4999));
  EXPECT_TRUE(s->events.empty());
  run_for(seconds(10));
  ASSERT_EQ(s->events.size(), 2u);
  EXPECT_EQ(*s->events[0].line, event_line("MODIFIED", cm("a", 10, "1")));  // filter: false
  EXPECT_EQ(s->times[0], start + seconds(5));
  EXPECT_EQ(*s->events[1].line, bookmark_line("ConfigMap", "v1", 11));
  EXPECT_TRUE(book->pending.empty());
  EXPECT_EQ(metrics->synthetic(SyntheticReason::kWakeup), 1u);

  // Claimed elsewhere (or deleted) before it was due: not delivered.
  Wakeup gone = wakeup("wk-2", "b", seconds(1));
  book->pending.erase("wk-2");
  core.offer_wakeup(gone, now);
  run_for(seconds(2));
  EXPECT_EQ(s->events.size(), 2u);
}

TEST_F(WakeupTest, ADetachedWatcherIsWokenWhenItReturns) {
  load({item("a", 10, "1")}, 10);
  auto first = attach(request("changed(data)", "watcher=w"));
  core.detach(first.get(), now);
  core.offer_wakeup(wakeup("wk-1", "a", seconds(2)), now);
  EXPECT_EQ(core.scheduled_wakeups(), 0u);  // the book keeps it
  run_for(seconds(10));
  auto second = attach(request("changed(data)", "watcher=w&resourceVersion=10"));
  EXPECT_TRUE(second->events.empty());
  ASSERT_TRUE(core.next_due());
  EXPECT_LE(*core.next_due(), now.steady);  // overdue: at once
  core.run_due(now);
  EXPECT_EQ(second->summary(), (std::vector<std::string>{"MODIFIED a 1"}));
  EXPECT_TRUE(book->pending.empty());
}

TEST_F(WakeupTest, AWakeupForAMissingObjectIsUsedUpWithoutAnEvent) {
  load({item("a", 10, "1")}, 10);
  auto s = attach(request("true", "watcher=w"));
  s->events.clear();
  core.offer_wakeup(wakeup("wk-1", "nope", seconds(1)), now);
  Wakeup other = wakeup("wk-2", "a", seconds(1));
  other.resource = "deployments.apps";  // another informer's
  core.offer_wakeup(other, now);
  Wakeup stranger = wakeup("wk-3", "a", seconds(1), "someone-else");
  core.offer_wakeup(stranger, now);
  run_for(seconds(2));
  EXPECT_TRUE(s->events.empty());
  EXPECT_FALSE(book->pending.contains("wk-1"));
  EXPECT_TRUE(book->pending.contains("wk-2"));
  EXPECT_TRUE(book->pending.contains("wk-3"));
}

TEST_F(WakeupTest, AWakeupReachesOnlyItsCreatorsWatcher) {
  load({item("a", 10, "1")}, 10);
  auto alice = attach(request("false", "watcher=w"));
  auto mallory = attach(request("false", "watcher=w&as=mallory"));
  // mallory's wake-up for "her" w: not alice's stream, whatever the id.
  core.offer_wakeup(wakeup("wk-m", "a", seconds(1), "w", "mallory"), now);
  run_for(seconds(2));
  EXPECT_TRUE(alice->events.empty());
  EXPECT_EQ(mallory->summary(), (std::vector<std::string>{"MODIFIED a 1"}));
  // Pending wake-ups of a returning watcher: only its owner's.
  book->pending["wk-x"] = wakeup("wk-x", "a", seconds(0), "w", "mallory");
  core.detach(alice.get(), now);
  auto alice_again = attach(request("false", "watcher=w&resourceVersion=10"));
  run_for(seconds(1));
  EXPECT_TRUE(alice_again->events.empty());
  EXPECT_TRUE(book->pending.contains("wk-x"));
}

std::shared_ptr<const FilterDefinition> definition(std::uint64_t generation,
                                                   const std::string& expression) {
  auto d = std::make_shared<FilterDefinition>();
  d->generation = generation;
  d->source = expression;
  d->filter = filters::compile(expression).filter;
  return d;
}

WatchRequest bound(const std::shared_ptr<FilterBinding>& binding, const std::string& query = "") {
  WatchRequest r = request(binding->current()->source, query);
  r.filter = binding->current()->filter;
  r.filter_source = "filterRef=" + binding->ref();
  r.filter_ref = binding->ref();
  r.binding = binding;
  return r;
}

TEST_F(ScheduleTest, AChangedWatchFilterAppliesFromTheNextEventWithoutRedelivering) {
  load({item("a", 10, "1"), item("b", 11, "1")}, 11);
  auto binding = std::make_shared<FilterBinding>("default/x", definition(1, "changed(data)"));
  auto s = attach(bound(binding));
  EXPECT_EQ(binding->streams, 1);
  EXPECT_EQ(binding->observed, 2u);
  EXPECT_EQ(binding->delivered, 2u);

  binding->publish(definition(2, "changed(metadata.labels)"));
  core.tick(now);  // nothing is sent for objects the client has
  EXPECT_EQ(s->events.size(), 2u);
  apply("MODIFIED", cm("a", 12, "2"));       // data only: the new filter does not care
  apply("MODIFIED", cm("b", 13, "1", "z"));  // a label: delivered
  EXPECT_EQ(s->summary(), (std::vector<std::string>{"ADDED a 1", "ADDED b 1", "MODIFIED b 1"}));
  EXPECT_EQ(binding->observed, 4u);
  EXPECT_EQ(binding->delivered, 3u);
  core.detach(s.get(), now);
  EXPECT_EQ(binding->streams, 0);
}

TEST_F(ScheduleTest, AWatchFilterThatBecameInvalidEndsTheStreamWithAnError) {
  load({item("a", 10, "1")}, 10);
  auto binding = std::make_shared<FilterBinding>("default/x", definition(1, "true"));
  auto s = attach(bound(binding, "watcher=w"));
  auto broken = std::make_shared<FilterDefinition>();
  broken->generation = 2;
  broken->source = "nope(";
  broken->error = "col 6: expected an expression";
  binding->publish(broken);
  apply("MODIFIED", cm("a", 11, "2"));
  ASSERT_TRUE(s->ended);
  EXPECT_EQ(*s->ended, EndCause::kFilterInvalid);
  EXPECT_EQ(s->final_line,
            error_line("BadRequest", 400, "WatchFilter default/x: col 6: expected an expression"));
  EXPECT_EQ(s->summary(), (std::vector<std::string>{"ADDED a 1"}));
  EXPECT_EQ(core.subscriptions(), 0u);
  EXPECT_EQ(core.watcher_records(), 0u);
  EXPECT_EQ(binding->streams, 0);
}

TEST_F(ScheduleTest, AWatchFilterSpecBringsResyncAndDebounceLive) {
  load({item("a", 10, "1")}, 10);
  auto binding = std::make_shared<FilterBinding>("default/x", definition(1, "true"));
  auto s = attach(bound(binding));
  auto next = std::make_shared<FilterDefinition>(*definition(2, "true"));
  next->filter = binding->current()->filter;  // same expression, new spec
  next->resync = seconds(1);
  next->debounce = seconds(2);
  binding->publish(next);
  core.tick(now);  // the informer ticks every second
  run_for(seconds(1));
  ASSERT_EQ(s->summary(), (std::vector<std::string>{"ADDED a 1", "MODIFIED a 1"}));
  apply("MODIFIED", cm("a", 11, "2"));  // within the window of nothing: sent
  apply("MODIFIED", cm("a", 12, "3"));  // held
  EXPECT_EQ(s->summary().back(), "MODIFIED a 2");
}

TEST(ResyncScheduleTest, EachObjectOncePerPeriodEvenWhenTheTimerIsLate) {
  const auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  ResyncSchedule schedule(seconds(10), t0);
  for (int i = 0; i < 100; ++i) schedule.add("ns/o" + std::to_string(i));
  schedule.add("ns/o1");  // idempotent
  EXPECT_EQ(schedule.size(), 100u);
  EXPECT_GT(*schedule.next_due(), t0);
  auto due = schedule.take_due(t0 + seconds(45));  // four periods late
  EXPECT_EQ(due.size(), 100u);
  EXPECT_EQ(std::set<std::string>(due.begin(), due.end()).size(), 100u);
  EXPECT_GT(*schedule.next_due(), t0 + seconds(45));
  schedule.remove("ns/o1");
  schedule.remove("ns/o1");  // gone already: nothing
  schedule.remove("ns/never-added");
  EXPECT_EQ(schedule.size(), 99u);
  auto next = schedule.take_due(t0 + seconds(55));
  EXPECT_EQ(next.size(), 99u);
  // An object's due times are its phase after the origin, every period.
  const auto phase = milliseconds(ResyncSchedule::phase_ms("ns/o2", seconds(10)));
  ResyncSchedule one(seconds(10), t0);
  one.add("ns/o2");
  EXPECT_EQ(*one.next_due(), t0 + (phase.count() == 0 ? seconds(10) : phase));
}

}  // namespace
}  // namespace watchfilter::proxy::informer

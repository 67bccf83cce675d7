// Owner events of owned resources (InformerCore::wake_owner), on a test clock: the primary
// stream gets a MODIFIED with the owner's current object, bypassing its filter, under the rules
// of the other synthetic events.

#include <gtest/gtest.h>

#include "test/proxy/support/core_test_support.h"

namespace watchfilter::proxy::informer {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class OwnerTest : public InformerCoreTest {};

TEST_F(OwnerTest, OwnerInCacheGetsOneModifiedWithItsCurrentObject) {
  load({item("a", 10, "1"), item("b", 11, "1")}, 11);
  auto s = attach(request("false", "allowWatchBookmarks=true"));  // the filter admits nothing
  apply("MODIFIED", cm("a", 12, "2"));
  apply("MODIFIED", cm("b", 14, "2"));
  s->events.clear();

  core.wake_owner(s.get(), "default/a", "uid-a", nullptr, now);
  ASSERT_EQ(s->summary(), (std::vector<std::string>{"MODIFIED a 2", "BOOKMARK "}));
  EXPECT_EQ(*s->events[0].line, event_line("MODIFIED", cm("a", 12, "2")));
  // At the stream's position, never older; the BOOKMARK moves clients there.
  EXPECT_EQ(s->events[0].rv, 14u);
  EXPECT_EQ(s->events[1].rv, 14u);
  EXPECT_EQ(metrics->synthetic(SyntheticReason::kOwner), 1u);
}

TEST_F(OwnerTest, NothingForAnotherEndpointAMissingOwnerOrAnotherUid) {
  load({item("a", 10, "1")}, 10);
  auto s = attach(request("true"));
  s->events.clear();
  FakeEndpoint stranger;
  core.wake_owner(&stranger, "default/a", "", nullptr, now);
  core.wake_owner(s.get(), "default/nosuch", "", nullptr, now);
  core.wake_owner(s.get(), "other/a", "", nullptr, now);
  // A reference to an earlier object of that name.
  core.wake_owner(s.get(), "default/a", "uid-of-a-deleted-a", nullptr, now);
  EXPECT_TRUE(s->events.empty());
  EXPECT_EQ(stranger.events.size(), 0u);
  EXPECT_EQ(metrics->synthetic(SyntheticReason::kOwner), 0u);
  // An empty uid: any object of that name.
  core.wake_owner(s.get(), "default/a", "", nullptr, now);
  EXPECT_EQ(s->summary(), (std::vector<std::string>{"MODIFIED a 1"}));
}

TEST_F(OwnerTest, OwnerOutsideTheFieldSelectorIsNotWoken) {
  load({item("a", 10, "1"), item("b", 11, "1")}, 11);
  auto s = attach(request("true", "fieldSelector=metadata.name%3Db"));
  s->events.clear();
  core.wake_owner(s.get(), "default/a", "", nullptr, now);
  EXPECT_TRUE(s->events.empty());
  core.wake_owner(s.get(), "default/b", "", nullptr, now);
  EXPECT_EQ(s->summary(), (std::vector<std::string>{"MODIFIED b 1"}));
}

TEST_F(OwnerTest, AnnotationIsSplicedIntoACopyAndNotRemembered) {
  load({item("a", 10, "1")}, 10);
  auto s = attach(request("changed(metadata.annotations) || changed(data)"));
  s->events.clear();
  auto owned = std::make_shared<const std::string>(R"([{"kind":"Deployment"}])");
  core.wake_owner(s.get(), "default/a", "uid-a", owned, now);
  ASSERT_EQ(s->events.size(), 1u);
  filters::EventParser p;
  auto v = p.parse_event(*s->events[0].line);
  ASSERT_TRUE(v.valid());
  auto annotation = v.lookup(filters::CompiledPath::make(filters::Path{
      {filters::PathSegment::field("metadata"), filters::PathSegment::field("annotations"),
       filters::PathSegment::field("watchfilter.io/owned")}}));
  ASSERT_EQ(annotation.kind, filters::Kind::kString);
  EXPECT_EQ(annotation.text, *owned);
  // The cache keeps upstream's bytes.
  EXPECT_EQ(core.cache().find("default/a")->object, cm("a", 10, "1"));
  // The filter state has the object as upstream has it: a label change does not look like an
  // annotation change.
  apply("MODIFIED", cm("a", 11, "1", "b"));
  EXPECT_EQ(s->events.size(), 1u);
  apply("MODIFIED", cm("a", 12, "2", "b"));
  EXPECT_EQ(s->summary(), (std::vector<std::string>{"MODIFIED a 1", "MODIFIED a 2"}));
}

TEST_F(OwnerTest, WokenOwnerIsWhatTheNextEventIsComparedWith) {
  load({item("a", 10, "1")}, 10);
  auto s = attach(request("changed(data)"));
  apply("MODIFIED", cm("a", 11, "2", "b"));  // delivered
  apply("MODIFIED", cm("a", 12, "3", "c"));  // delivered
  s->events.clear();
  core.wake_owner(s.get(), "default/a", "", nullptr, now);
  apply("MODIFIED", cm("a", 13, "3", "d"));  // data as the woken object's: rejected
  EXPECT_EQ(s->summary(), (std::vector<std::string>{"MODIFIED a 3"}));
}

TEST_F(OwnerTest, DebouncedStreamHoldsAWokenOwnerLikeAnAdmittedEvent) {
  load({item("a", 10, "1")}, 10);
  auto s = attach(request("changed(data)", "debounce=2s"));
  apply("MODIFIED", cm("a", 11, "2"));  // delivered: the window starts
  s->events.clear();
  advance(milliseconds(500));
  core.wake_owner(s.get(), "default/a", "", nullptr, now);
  EXPECT_TRUE(s->events.empty());  // held
  ASSERT_TRUE(core.next_due());
  run_for(seconds(2));
  EXPECT_EQ(s->summary(), (std::vector<std::string>{"MODIFIED a 2"}));
  // After the window: at once.
  s->events.clear();
  advance(seconds(3));
  run_for(milliseconds(1));
  core.wake_owner(s.get(), "default/a", "", nullptr, now);
  EXPECT_EQ(s->summary(), (std::vector<std::string>{"MODIFIED a 2"}));
}

TEST_F(OwnerTest, DetachedStreamIsNotWoken) {
  load({item("a", 10, "1")}, 10);
  auto s = attach(request("true"));
  s->events.clear();
  core.detach(s.get(), now);
  core.wake_owner(s.get(), "default/a", "", nullptr, now);
  EXPECT_TRUE(s->events.empty());
}

}  // namespace
}  // namespace watchfilter::proxy::informer

#include "host/child_event.h"

#include <gtest/gtest.h>

namespace watchfilter::host {
namespace {

TEST(ChildEventTest, WrapsTheLineOnceAndReadsWhatARequeueNeeds) {
  filters::EventParser parser;
  ChildEvent event;
  const std::string line =
      R"({"type":"MODIFIED","object":{"metadata":{"name":"db1","namespace":"shop","resourceVersion":"42"}}})";
  const filters::EventView view = read_child_event(3, line + "\r\n", parser, event);
  ASSERT_TRUE(view.valid()) << view.parse_error();
  EXPECT_EQ(view.type(), filters::EventType::kModified);
  EXPECT_EQ(view.resource_version(), "42");
  EXPECT_EQ(event.payload, R"({"watch":3,"event":)" + line + "}");
  EXPECT_EQ(event.namespace_, "shop");
  EXPECT_EQ(event.name, "db1");
}

TEST(ChildEventTest, ClusterScopedBookmarksAndGarbage) {
  filters::EventParser parser;
  ChildEvent event;
  EXPECT_EQ(
      read_child_event(0, R"({"type":"ADDED","object":{"metadata":{"name":"n1"}}})", parser, event)
          .type(),
      filters::EventType::kAdded);
  EXPECT_EQ(event.namespace_, "");
  EXPECT_EQ(event.name, "n1");

  const filters::EventView bookmark =
      read_child_event(0,
                       R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"7"}}})"
                       "\n",
                       parser, event);
  EXPECT_EQ(bookmark.type(), filters::EventType::kBookmark);
  EXPECT_EQ(bookmark.resource_version(), "7");
  EXPECT_EQ(event.name, "");  // the previous event's fields do not leak

  EXPECT_FALSE(read_child_event(0, "not json\n", parser, event).valid());
  EXPECT_EQ(
      child_event(1, R"({"type":"DELETED","object":{"metadata":{"name":"x","namespace":"y"}}})")
          .payload,
      R"({"watch":1,"event":{"type":"DELETED","object":{"metadata":{"name":"x","namespace":"y"}}}})");
}

}  // namespace
}  // namespace watchfilter::host

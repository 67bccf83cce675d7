// The Debouncer alone: what a held event's flush hands to the filter state.

#include "proxy/informer/debouncer.h"

#include <gtest/gtest.h>

#include <chrono>

namespace watchfilter::proxy::informer {
namespace {

using filters::EventType;
using std::chrono::seconds;

std::shared_ptr<const std::string> line(const std::string& text) {
  return std::make_shared<const std::string>(text);
}

TEST(DebouncerTest, AHeldOwnerEventFlushesWithTheLineTheFilterStateRecords) {
  Debouncer d(std::chrono::milliseconds(2000));
  const auto t0 = Debouncer::clock::time_point{} + seconds(100);
  ASSERT_EQ(d.offer("ns/a", EventType::kModified, line("plain-1"), "{}", true, 10, t0),
            Debouncer::Verdict::kSend);
  // Within the window: held, with the object as upstream has it for the filter state.
  ASSERT_EQ(d.offer("ns/a", EventType::kModified, line("annotated-2"), "{}", true, 11,
                    t0 + seconds(1), line("plain-2")),
            Debouncer::Verdict::kHold);
  auto due = d.take_due(t0 + seconds(2));
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(*due[0].line, "annotated-2");
  ASSERT_TRUE(due[0].state_line);
  EXPECT_EQ(*due[0].state_line, "plain-2");
}

TEST(DebouncerTest, AnUpstreamEventMergedIntoAHeldOwnerEventIsRecordedAsSent) {
  Debouncer d(std::chrono::milliseconds(2000));
  const auto t0 = Debouncer::clock::time_point{} + seconds(100);
  d.offer("ns/a", EventType::kModified, line("plain-1"), "{}", true, 10, t0);
  d.offer("ns/a", EventType::kModified, line("annotated-2"), "{}", true, 11, t0 + seconds(1),
          line("plain-2"));
  ASSERT_EQ(
      d.offer("ns/a", EventType::kModified, line("plain-3"), "{}", false, 12, t0 + seconds(1)),
      Debouncer::Verdict::kMerged);
  auto due = d.take_due(t0 + seconds(2));
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(*due[0].line, "plain-3");
  EXPECT_FALSE(due[0].state_line);  // the sent line is what the filter state records
}

}  // namespace
}  // namespace watchfilter::proxy::informer

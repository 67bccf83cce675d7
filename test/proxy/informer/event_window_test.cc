// The informer's event window: what a resume from a resourceVersion can be served from.

#include "proxy/informer/event_window.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace watchfilter::proxy {
namespace {

using informer::EventWindow;

std::shared_ptr<const std::string> line(std::size_t size, char c = 'x') {
  return std::make_shared<const std::string>(size, c);
}

TEST(EventWindowTest, CoversFromTheListUntilEviction) {
  EventWindow w(3, 1000);
  w.reset(100);
  EXPECT_TRUE(w.covers(100));
  EXPECT_FALSE(w.covers(99));
  for (std::uint64_t rv = 101; rv <= 104; ++rv) w.append(rv, line(10));
  // 4 events, room for 3: 101 went, so a resume from 100 is too old, from 101 fine.
  EXPECT_EQ(w.size(), 3u);
  EXPECT_EQ(w.floor(), 101u);
  EXPECT_FALSE(w.covers(100));
  EXPECT_TRUE(w.covers(101));
  EXPECT_EQ(w.first_after(101), 0u);
  EXPECT_EQ(w.first_after(103), 2u);
  EXPECT_EQ(w.first_after(104), 3u);
  EXPECT_EQ(w.newest(), 104u);
}

// An event keeps its object's previous version alive: both count toward the byte limit.
TEST(EventWindowTest, PreviousVersionsCountTowardTheBytes) {
  EventWindow w(100, 50);
  w.reset(1);
  w.append(2, line(10), line(10));
  EXPECT_EQ(w.bytes(), 20u);
  w.append(3, line(10), line(10));
  w.append(4, line(10), line(10));  // 60 > 50: the oldest goes
  EXPECT_EQ(w.size(), 2u);
  EXPECT_EQ(w.bytes(), 40u);
  EXPECT_EQ(w.floor(), 2u);
}

TEST(EventWindowTest, ByteLimitKeepsTheNewestEvent) {
  EventWindow w(100, 25);
  w.reset(1);
  w.append(2, line(10));
  w.append(3, line(10));
  EXPECT_EQ(w.size(), 2u);
  w.append(4, line(10));
  EXPECT_EQ(w.size(), 2u);
  EXPECT_EQ(w.bytes(), 20u);
  EXPECT_EQ(w.floor(), 2u);
  w.append(5, line(100));  // bigger than the limit alone: still kept
  EXPECT_EQ(w.size(), 1u);
  EXPECT_EQ(w.floor(), 4u);
}

TEST(EventWindowTest, BookmarkAdvancesNewestNotFloor) {
  EventWindow w(10, 1000);
  w.reset(5);
  w.advance(50);
  EXPECT_EQ(w.newest(), 50u);
  EXPECT_TRUE(w.covers(5));
  EXPECT_TRUE(w.covers(50));
  w.append(51, line(1));
  EXPECT_EQ(w.first_after(50), 0u);
}

}  // namespace
}  // namespace watchfilter::proxy

// A stream's bounded queue, the budget every stream's queue shares, bookmark timing.

#include "proxy/stream/stream_queue.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "proxy/informer/event_window.h"
#include "proxy/stream/queue_budget.h"

namespace watchfilter::proxy {
namespace {

informer::WindowEvent event(std::uint64_t rv, std::size_t size) {
  return {rv, std::make_shared<const std::string>(size, 'e')};
}
constexpr auto kQueued = StreamQueue::Push::kQueued;
constexpr auto kStreamFull = StreamQueue::Push::kStreamFull;
constexpr auto kBudgetFull = StreamQueue::Push::kBudgetFull;

TEST(StreamQueueTest, OverflowsByBytesIncludingInFlight) {
  StreamQueue q(100);
  EXPECT_EQ(q.push(event(1, 40)), kQueued);
  EXPECT_EQ(q.push(event(2, 40)), kQueued);
  EXPECT_EQ(q.push(event(3, 40)), kStreamFull);  // 120 > 100: the stream must be cut
  auto batch = q.take(1000);
  EXPECT_EQ(batch.size(), 2u);
  EXPECT_EQ(q.bytes(), 80u);  // still counted while the write is in flight
  EXPECT_EQ(q.push(event(3, 40)), kStreamFull);
  q.written(80);
  EXPECT_EQ(q.bytes(), 0u);
  EXPECT_EQ(q.push(event(3, 40)), kQueued);
}

TEST(StreamQueueTest, OneEventAlwaysFitsAnEmptyQueue) {
  StreamQueue q(10);
  EXPECT_EQ(q.push(event(1, 50)), kQueued);
  EXPECT_EQ(q.push(event(2, 1)), kStreamFull);
}

TEST(StreamQueueTest, TakeBatchesUpToALimitAndClearKeepsInFlight) {
  StreamQueue q(1000);
  for (int i = 0; i < 5; ++i) q.push(event(i, 30));
  EXPECT_EQ(q.take(70).size(), 2u);
  EXPECT_EQ(q.take(10).size(), 1u);  // at least one
  q.clear_queued();
  EXPECT_FALSE(q.has_queued());
  EXPECT_EQ(q.bytes(), 90u);
}

TEST(StreamQueueTest, CatchUpLargerThanTheLimitIsFedAsItDrainsAndIsNotABacklog) {
  StreamQueue q(100);
  for (std::uint64_t rv = 1; rv <= 10; ++rv) q.push_catch_up(event(rv, 40));  // 400 > 100
  EXPECT_TRUE(q.catching_up());
  EXPECT_EQ(q.live_bytes(), 0u);
  // Live events arriving during the catch-up wait behind it; the limit applies to them alone.
  EXPECT_EQ(q.push(event(11, 40)), kQueued);
  EXPECT_EQ(q.push(event(12, 40)), kQueued);
  EXPECT_EQ(q.push(event(13, 40)), kStreamFull);  // 120 live bytes > 100: a slow client
  std::vector<std::uint64_t> order;
  for (;;) {
    auto batch = q.take(100);
    if (batch.empty()) break;
    std::size_t bytes = 0;
    for (const auto& e : batch) {
      order.push_back(e.rv);
      bytes += e.line->size();
    }
    if (order.back() <= 10) {
      EXPECT_EQ(q.live_bytes(), 80u);  // only the live events count
    }
    q.written(bytes);
  }
  EXPECT_EQ(order, (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}));
  EXPECT_EQ(q.bytes(), 0u);
  EXPECT_FALSE(q.has_queued());
  EXPECT_EQ(q.push(event(13, 40)), kQueued);
}

TEST(StreamQueueTest, LiveEventsFollowTheLastCatchUpEventInOrder) {
  StreamQueue q(1000);
  q.push_catch_up(event(1, 30));
  q.push_catch_up(event(2, 30));
  q.push(event(3, 30));
  auto first = q.take(40);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].rv, 1u);
  q.written(30);
  auto second = q.take(1000);
  ASSERT_EQ(second.size(), 2u);
  EXPECT_EQ(second[0].rv, 2u);
  EXPECT_EQ(second[1].rv, 3u);
  EXPECT_EQ(q.live_bytes(), 30u);
  q.written(60);
  EXPECT_EQ(q.bytes(), 0u);
}

// One budget for every stream's live bytes: once it is full, the stream that holds more than its
// share is cut, not a stream whose client reads (its queue is empty).
TEST(QueueBudgetTest, TheStreamOverItsShareIsCutNotTheOneThatReads) {
  auto budget = std::make_shared<QueueBudget>(300);
  {
    StreamQueue slow(1000, budget), fast(1000, budget), idle(1000, budget);
    EXPECT_EQ(budget->streams(), 3u);
    EXPECT_EQ(budget->share(), 100u);
    // The slow client does not read: 250 bytes, under its own bound, within the budget.
    for (int i = 0; i < 5; ++i) EXPECT_EQ(slow.push(event(i, 50)), kQueued);
    EXPECT_EQ(budget->used(), 250u);
    // A reading client pushes and drains: admitted while it stays within its share, even past
    // the budget.
    EXPECT_EQ(fast.push(event(10, 60)), kQueued);
    EXPECT_EQ(budget->used(), 310u);
    EXPECT_EQ(fast.take(1000).size(), 1u);
    fast.written(60);
    EXPECT_EQ(budget->used(), 250u);
    EXPECT_EQ(fast.push(event(11, 60)), kQueued);
    // The slow one's next event: the budget is full and it holds more than its share.
    EXPECT_EQ(slow.push(event(5, 50)), kBudgetFull);
    // One event always fits a stream that holds nothing.
    EXPECT_EQ(idle.push(event(20, 200)), kQueued);
    // Cutting the slow stream gives its bytes back.
    slow.clear_queued();
    EXPECT_EQ(budget->used(), 260u);
  }
  EXPECT_EQ(budget->used(), 0u);  // queues that go give their bytes back
  EXPECT_EQ(budget->streams(), 0u);
}

TEST(BookmarkPolicyTest, OnlyWhenProgressPassedWhatWasSentAndAtMostPerInterval) {
  using namespace std::chrono_literals;
  const auto t0 = std::chrono::steady_clock::now();
  BookmarkPolicy p(10s, t0);
  p.sent_event(5);
  p.progress(5);
  EXPECT_FALSE(p.take_due(t0 + 20s));  // nothing new
  EXPECT_FALSE(p.next_due());
  p.progress(9);
  EXPECT_FALSE(p.take_due(t0 + 5s));  // too soon
  EXPECT_EQ(p.next_due(), t0 + 10s);
  EXPECT_EQ(p.take_due(t0 + 10s), 9u);
  p.progress(12);
  EXPECT_FALSE(p.take_due(t0 + 15s));
  EXPECT_EQ(p.take_due(t0 + 20s), 12u);
  p.sent_event(15);  // an event carried a newer rv: no bookmark needed for it
  p.progress(15);
  EXPECT_FALSE(p.take_due(t0 + 40s));
  p.progress(16);
  EXPECT_EQ(p.take_final(), 16u);  // shutdown ignores the interval
  EXPECT_FALSE(p.take_final());
}

}  // namespace
}  // namespace watchfilter::proxy

// Stream-side decisions: the bounded queue, bookmark timing, metrics text, flag values.

#include <gtest/gtest.h>

#include "proxy/flags.h"
#include "proxy/metrics.h"
#include "proxy/stream_queue.h"

namespace watchfilter::proxy {
namespace {

informer::WindowEvent event(std::uint64_t rv, std::size_t size) {
  return {rv, std::make_shared<const std::string>(size, 'e')};
}

TEST(StreamQueueTest, OverflowsByBytesIncludingInFlight) {
  StreamQueue q(100);
  EXPECT_TRUE(q.push(event(1, 40)));
  EXPECT_TRUE(q.push(event(2, 40)));
  EXPECT_FALSE(q.push(event(3, 40)));  // 120 > 100: the stream must be cut
  auto batch = q.take(1000);
  EXPECT_EQ(batch.size(), 2u);
  EXPECT_EQ(q.bytes(), 80u);  // still counted while the write is in flight
  EXPECT_FALSE(q.push(event(3, 40)));
  q.written(80);
  EXPECT_EQ(q.bytes(), 0u);
  EXPECT_TRUE(q.push(event(3, 40)));
}

TEST(StreamQueueTest, OneEventAlwaysFitsAnEmptyQueue) {
  StreamQueue q(10);
  EXPECT_TRUE(q.push(event(1, 50)));
  EXPECT_FALSE(q.push(event(2, 1)));
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
  EXPECT_TRUE(q.push(event(11, 40)));
  EXPECT_TRUE(q.push(event(12, 40)));
  EXPECT_FALSE(q.push(event(13, 40)));  // 120 live bytes > 100: a slow client
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
  EXPECT_TRUE(q.push(event(13, 40)));
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

TEST(MetricsTest, RendersPrometheusText) {
  Metrics m;
  m.upstream_watches = 1;
  m.upstream_watch_starts = 3;
  m.count_disconnect(EndCause::kSlowClient);
  m.events_observed("deployments.apps")->fetch_add(7);
  auto s = m.stream_series("w1", "changed(data) && x == \"a\\b\"");
  s->delivered = 4;
  s->suppressed = 9;
  auto anon = m.stream_series("", "true");
  StatusCounters sc;
  sc.increment(StatusReason::kBadRequest);
  const std::string text = m.render(&sc);
  EXPECT_NE(text.find("# TYPE watchfilter_upstream_watches gauge\nwatchfilter_upstream_watches 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("watchfilter_upstream_watch_starts_total 3\n"), std::string::npos);
  EXPECT_NE(text.find("watchfilter_stream_disconnects_total{cause=\"slow_client\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("watchfilter_events_observed_total{resource=\"deployments.apps\"} 7\n"),
            std::string::npos);
  EXPECT_NE(text.find("watchfilter_stream_events_delivered_total{stream=\"w1\",filter=\"changed("
                      "data) && x == \\\"a\\\\b\\\"\"} 4\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("watchfilter_stream_events_suppressed_total{stream=\"conn-1\",filter=\"true\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("watchfilter_status_replies_total{reason=\"BadRequest\",code=\"400\"} 1\n"),
            std::string::npos);
  // A named watcher's series is shared while it lives, and goes with its last holder.
  EXPECT_EQ(m.stream_series("w1", "changed(data) && x == \"a\\b\"").get(), s.get());
  s.reset();
  EXPECT_EQ(m.render(nullptr).find("stream=\"w1\""), std::string::npos);
}

TEST(FlagsTest, DurationsAndBytes) {
  using namespace std::chrono_literals;
  EXPECT_EQ(parse_duration("x", "5m"), 300s);
  EXPECT_EQ(parse_duration("x", "1h30m"), 5400s);
  EXPECT_EQ(parse_duration("x", "500ms"), 500ms);
  EXPECT_EQ(parse_duration("x", "1.5s"), 1500ms);
  EXPECT_THROW(parse_duration("x", "5"), FlagError);
  EXPECT_THROW(parse_duration("x", "5d"), FlagError);
  EXPECT_EQ(parse_bytes("x", "64Mi"), 64ull << 20);
  EXPECT_EQ(parse_bytes("x", "1000"), 1000u);
  EXPECT_EQ(parse_bytes("x", "2k"), 2000u);
  EXPECT_THROW(parse_bytes("x", "Mi"), FlagError);
  EXPECT_THROW(parse_bytes("x", "5Xi"), FlagError);
  const std::vector<std::string_view> args = {"--informer-linger=2s", "--stream-queue-bytes",
                                              "1Mi", "--bookmark-interval=1s",
                                              "--informer-window-events=60"};
  auto f = parse_flags(args);
  EXPECT_EQ(f.informer_linger, 2s);
  EXPECT_EQ(f.stream_queue_bytes, 1u << 20);
  EXPECT_EQ(f.bookmark_interval, 1s);
  EXPECT_EQ(f.informer_window_events, 60u);
}

}  // namespace
}  // namespace watchfilter::proxy

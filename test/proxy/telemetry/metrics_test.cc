// The /metrics text: counters, per-user stream series, filter labels.

#include "proxy/telemetry/metrics.h"

#include <gtest/gtest.h>

#include <string>

#include "proxy/kube/status.h"

namespace watchfilter::proxy {
namespace {

TEST(MetricsTest, RendersPrometheusText) {
  Metrics m;
  m.upstream_watches = 1;
  m.upstream_watch_starts = 3;
  m.count_disconnect(EndCause::kSlowClient);
  m.events_observed("deployments.apps")->fetch_add(7);
  auto s = m.stream_series("alice", "w1", "changed(data) && x == \"a\\b\"");
  s->delivered = 4;
  s->suppressed = 9;
  auto anon = m.stream_series("bob", "", "true");
  StatusCounters sc;
  sc.increment(StatusReason::kBadRequest);
  const std::string text = m.render(&sc);
  EXPECT_NE(
      text.find("# TYPE watchfilter_upstream_watches gauge\nwatchfilter_upstream_watches 1\n"),
      std::string::npos);
  EXPECT_NE(text.find("watchfilter_upstream_watch_starts_total 3\n"), std::string::npos);
  EXPECT_NE(text.find("watchfilter_stream_disconnects_total{cause=\"slow_client\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("watchfilter_events_observed_total{resource=\"deployments.apps\"} 7\n"),
            std::string::npos);
  EXPECT_NE(text.find("watchfilter_stream_events_delivered_total{user=\"alice\",stream=\"w1\","
                      "filter=\"changed(data) && x == \\\"a\\\\b\\\"\"} 4\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("watchfilter_stream_events_suppressed_total{user=\"bob\",stream=\"\","
                      "filter=\"true\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("watchfilter_status_replies_total{reason=\"BadRequest\",code=\"400\"} 1\n"),
            std::string::npos);
  // A named watcher's series is shared while it lives, and goes with its last holder.
  EXPECT_EQ(m.stream_series("alice", "w1", "changed(data) && x == \"a\\b\"").get(), s.get());
  s.reset();
  EXPECT_EQ(m.render(nullptr).find("stream=\"w1\""), std::string::npos);
}

TEST(MetricsTest, SeriesBelongToTheirUser) {
  Metrics m;
  // The same watcher id and filter of two users: two watchers, two series.
  auto a = m.stream_series("alice", "w", "true");
  auto b = m.stream_series("mallory", "w", "true");
  EXPECT_NE(a.get(), b.get());
  a->delivered = 3;
  b->delivered = 1;
  const std::string text = m.render(nullptr);
  EXPECT_NE(text.find("{user=\"alice\",stream=\"w\",filter=\"true\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("{user=\"mallory\",stream=\"w\",filter=\"true\"} 1\n"), std::string::npos);
  // Anonymous streams of one user and filter share one series, not one per connection.
  auto c1 = m.stream_series("alice", "", "true");
  auto c2 = m.stream_series("alice", "", "true");
  EXPECT_EQ(c1.get(), c2.get());
}

// Streams come and go by the thousand (a named watcher per reconnect, one user per pod): the
// entries of gone streams are dropped in sweeps that cost O(1) per new stream amortized, and a
// live series survives every sweep.
TEST(MetricsTest, GoneSeriesAreForgotten) {
  Metrics m;
  auto kept = m.stream_series("alice", "w", "true");
  kept->delivered = 7;
  for (int i = 0; i < 10'000; ++i) {
    m.stream_series("user-" + std::to_string(i), "", "true");  // dropped at once
    ASSERT_LE(m.series_entries(), 2u * 1 + 64u) << "after " << i + 1 << " streams";
  }
  auto again = m.stream_series("alice", "w", "true");
  EXPECT_EQ(again.get(), kept.get());
  EXPECT_EQ(again->delivered.load(), 7u);
  const std::string text = m.render(nullptr);
  EXPECT_EQ(text.find("user-9999"), std::string::npos);
}

// A filter may be as long as a query allows (a megabyte); its label is not: /metrics of a
// thousand such streams stays small, and two long filters that differ only at the end keep two
// labels.
TEST(MetricsTest, LongFilterLabelsAreCutAndHashed) {
  EXPECT_EQ(filter_label("changed(data)"), "changed(data)");
  const std::string exact(kMaxFilterLabelBytes, 'x');
  EXPECT_EQ(filter_label(exact), exact);
  const std::string head = "data.k == \"" + std::string(300'000, 'a');
  const std::string one = head + "1\"";
  const std::string two = head + "2\"";
  const std::string label_one = filter_label(one);
  EXPECT_LE(label_one.size(), kMaxFilterLabelBytes);
  EXPECT_EQ(label_one.rfind(head.substr(0, 100), 0), 0u);
  EXPECT_NE(label_one.find("...#"), std::string::npos);
  EXPECT_NE(label_one, filter_label(two));
  EXPECT_EQ(label_one, filter_label(one));  // stable
  // Cut at a character boundary: "é" is two bytes, and none is split.
  const std::string accents = [] {
    std::string a;
    for (int i = 0; i < 200; ++i) a += "\xc3\xa9";
    return a;
  }();
  const std::string cut = filter_label(accents);
  const std::string prefix = cut.substr(0, cut.find("...#"));
  EXPECT_EQ(prefix.size() % 2, 0u);
  EXPECT_EQ(accents.rfind(prefix, 0), 0u);
  Metrics m;
  auto s = m.stream_series("alice", "", one);
  auto t = m.stream_series("alice", "", two);
  EXPECT_NE(s.get(), t.get());
  EXPECT_LT(m.render(nullptr).size(), 8'000u);
}

TEST(MetricsTest, RendersLimitRefusalsByFlagName) {
  Metrics m;
  EXPECT_NE(m.render(nullptr).find("# HELP watchfilter_limit_refusals_total "), std::string::npos);
  EXPECT_NE(m.render(nullptr).find("# TYPE watchfilter_limit_refusals_total counter\n"),
            std::string::npos);
  m.count_refusal("max-streams-per-user");
  m.count_refusal("max-streams-per-user");
  m.count_refusal("max-wakeups-per-namespace");
  EXPECT_EQ(m.refusals("max-streams-per-user"), 2u);
  EXPECT_EQ(m.refusals("max-informers"), 0u);
  const std::string text = m.render(nullptr);
  EXPECT_NE(text.find("watchfilter_limit_refusals_total{limit=\"max-streams-per-user\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("watchfilter_limit_refusals_total{limit=\"max-wakeups-per-namespace\"} 1\n"),
            std::string::npos);
}

}  // namespace
}  // namespace watchfilter::proxy

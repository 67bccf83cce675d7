#include "host/metrics_text.h"

#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <string>

namespace watchfilter::host {
namespace {

using std::chrono::microseconds;

HostConfig two_children() {
  HostConfig config;
  config.host_name = "edge-1";
  ChildSpec a;
  a.name = "percona";
  a.watches.push_back({"/apis/example.watchfilter.io/v1/namespaces/db/clusters",
                       "changed(spec) || delta(status.size) >= 1", "", "", "", ""});
  ChildSpec b;
  b.name = "ring-0";
  b.watches.push_back(
      {"/apis/example.watchfilter.io/v1/namespaces/ring-0/rings", "", "", "", "", ""});
  config.children = {a, b};
  return config;
}

// The value of the sample line that starts with `series` ("name{labels}"), or "absent".
std::string value_of(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(series + " ", 0) == 0) return line.substr(series.size() + 1);
  return "absent";
}

TEST(MetricsTextTest, PerChildCountersAndGauges) {
  std::vector<ChildMetrics> m(2);
  m[0].events = {7};
  m[0].wakeups = 7;
  m[0].loads = 3;
  m[0].unloads = 2;
  m[0].requeues = 7;
  m[0].loaded = true;
  m[0].memory_bytes = 131072;
  m[0].memory_bytes_max = 196608;
  m[1].events = {0};
  m[1].stops = 1;
  m[1].disabled = true;
  std::string text = render_host_metrics(two_children(), m, 4, 48u << 20);

  EXPECT_EQ(
      value_of(
          text,
          R"(watchfilter_host_watch_events_total{child="percona",watcher="edge-1.percona.0"})"),
      "7");
  EXPECT_EQ(value_of(text, R"(watchfilter_host_child_wakeups_total{child="percona"})"), "7");
  EXPECT_EQ(value_of(text, R"(watchfilter_host_child_loads_total{child="percona"})"), "3");
  EXPECT_EQ(value_of(text, R"(watchfilter_host_child_unloads_total{child="percona"})"), "2");
  EXPECT_EQ(value_of(text, R"(watchfilter_host_child_requeues_total{child="percona"})"), "7");
  EXPECT_EQ(value_of(text, R"(watchfilter_host_child_memory_bytes{child="percona"})"), "131072");
  EXPECT_EQ(value_of(text, R"(watchfilter_host_child_memory_max_bytes{child="percona"})"),
            "196608");
  EXPECT_EQ(value_of(text, R"(watchfilter_host_child_loaded{child="percona"})"), "1");
  EXPECT_EQ(value_of(text, R"(watchfilter_host_child_stops_total{child="ring-0"})"), "1");
  EXPECT_EQ(value_of(text, R"(watchfilter_host_child_disabled{child="ring-0"})"), "1");
  EXPECT_EQ(value_of(text, "watchfilter_host_events_queued"), "4");
  EXPECT_EQ(value_of(text, "process_resident_memory_bytes"), std::to_string(48u << 20));
  EXPECT_NE(text.find("# TYPE watchfilter_host_child_wakeups_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE watchfilter_host_child_memory_bytes gauge\n"), std::string::npos);
  EXPECT_EQ(text.back(), '\n');
}

TEST(MetricsTextTest, DurationsAreCumulativeHistogramsInSeconds) {
  std::vector<ChildMetrics> m(2);
  m[0].cold_start.add(microseconds(20));         // <= 25 us
  m[0].cold_start.add(microseconds(180));        // <= 250 us
  m[0].cold_start.add(microseconds(2400));       // <= 2.5 ms
  m[0].reconcile.add(microseconds(20'000'000));  // above every bound
  std::string text = render_host_metrics(two_children(), m, 0, 0);

  const std::string cold = "watchfilter_host_child_cold_start_seconds";
  EXPECT_NE(text.find("# TYPE " + cold + " histogram\n"), std::string::npos);
  EXPECT_EQ(value_of(text, cold + R"(_bucket{child="percona",le="2.5e-05"})"), "1");
  EXPECT_EQ(value_of(text, cold + R"(_bucket{child="percona",le="0.0001"})"), "1");
  EXPECT_EQ(value_of(text, cold + R"(_bucket{child="percona",le="0.00025"})"), "2");
  EXPECT_EQ(value_of(text, cold + R"(_bucket{child="percona",le="0.0025"})"), "3");
  EXPECT_EQ(value_of(text, cold + R"(_bucket{child="percona",le="10"})"), "3");
  EXPECT_EQ(value_of(text, cold + R"(_bucket{child="percona",le="+Inf"})"), "3");
  EXPECT_EQ(value_of(text, cold + R"(_sum{child="percona"})"), "0.002600");
  EXPECT_EQ(value_of(text, cold + R"(_count{child="percona"})"), "3");
  EXPECT_EQ(value_of(text, cold + R"(_count{child="ring-0"})"), "0");

  const std::string rec = "watchfilter_host_child_reconcile_seconds";
  EXPECT_EQ(value_of(text, rec + R"(_bucket{child="percona",le="10"})"), "0");
  EXPECT_EQ(value_of(text, rec + R"(_bucket{child="percona",le="+Inf"})"), "1");
  EXPECT_EQ(value_of(text, rec + R"(_sum{child="percona"})"), "20.000000");
}

TEST(MetricsTextTest, EverySampleLineIsWellFormed) {
  std::vector<ChildMetrics> m(2);
  m[0].events = {1};
  m[1].events = {0};
  std::string text = render_host_metrics(two_children(), m, 0, 1);
  std::istringstream in(text);
  std::string line;
  int samples = 0;
  while (std::getline(in, line)) {
    ASSERT_FALSE(line.empty());
    if (line[0] == '#') {
      EXPECT_TRUE(line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) << line;
      continue;
    }
    ++samples;
    auto space = line.rfind(' ');
    ASSERT_NE(space, std::string::npos) << line;
    std::string value = line.substr(space + 1);
    EXPECT_NE(value.find_first_of("0123456789"), std::string::npos) << line;
    EXPECT_EQ(value.find_first_not_of("0123456789.e+-"), std::string::npos) << line;
  }
  EXPECT_GT(samples, 40);
}

}  // namespace
}  // namespace watchfilter::host

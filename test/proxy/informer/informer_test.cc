// Informer against a fake upstream (test/proxy/support/fake_upstream.h): what it asks
// kube-apiserver for, in which order, and what its streams get from recorded replies. The
// informer runs on an io_context driven by the test thread, so its endpoints need no locks.

#include "proxy/informer/informer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "proxy/kube/watch_events.h"
#include "test/proxy/support/core_test_support.h"
#include "test/proxy/support/fake_upstream.h"
#include "test/proxy/support/io_wait.h"

namespace watchfilter::proxy::informer {
namespace {

using namespace std::chrono_literals;
using testing::FakeUpstream;
using testing::RecordedReply;

const std::string kCollection = "/api/v1/namespaces/default/configmaps";

std::string list_body(const std::vector<std::string>& items, std::uint64_t rv) {
  std::string body =
      R"({"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":")" +
      std::to_string(rv) + R"("},"items":[)";
  for (std::size_t i = 0; i < items.size(); ++i) body += (i ? "," : "") + items[i];
  return body + "]}";
}

const std::string kExpired =
    R"({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},)"
    R"j("status":"Failure","message":"too old resource version: 10 (12)","reason":"Expired",)j"
    R"("code":410}})";

class InformerTest : public ::testing::Test {
 protected:
  InformerTest()
      : metrics(std::make_shared<Metrics>()),
        client(std::make_shared<UpstreamClient>(upstream.config(),
                                                std::make_shared<const Logger>(0))) {}
  ~InformerTest() override {
    if (informer) informer->stop();
    ioc.run_for(50ms);
  }

  void start() {
    InformerOptions options;
    options.core.window_events = 100;
    informer = std::make_shared<Informer>(
        boost::asio::make_strand(ioc), client, std::make_shared<const Logger>(0), metrics,
        InformerKey{{"", "v1", "configmaps"}, "default"},
        ResourceInfo{{"", "v1", "configmaps"}, "ConfigMap", true}, options);
    informer->start();
  }
  // Runs the informer until `condition` holds, at most 5 s.
  bool run_until(const std::function<bool()>& condition) {
    return testing::run_until(ioc, condition);
  }
  // Lets whatever is under way arrive (200 ms).
  void settle() {
    ioc.restart();
    ioc.run_for(200ms);
  }
  std::optional<SyncFailure> sync() {
    bool done = false;
    std::optional<SyncFailure> failure;
    informer->when_synced([&](std::optional<SyncFailure> f) {
      failure = std::move(f);
      done = true;
    });
    EXPECT_TRUE(run_until([&] { return done; }));
    return failure;
  }
  std::shared_ptr<FakeEndpoint> attach(const std::string& query) {
    auto endpoint = std::make_shared<FakeEndpoint>();
    informer->attach(std::make_shared<const WatchRequest>(request("", query)), endpoint);
    return endpoint;
  }
  bool watch_open() { return metrics->upstream_watches.load() == 1; }

  FakeUpstream upstream;
  boost::asio::io_context ioc;
  std::shared_ptr<Metrics> metrics;
  std::shared_ptr<UpstreamClient> client;
  std::shared_ptr<Informer> informer;
};

TEST_F(InformerTest, ListsThenWatchesFromTheListsResourceVersion) {
  upstream.add_list(RecordedReply::list(list_body({item("a", 5, "x"), item("b", 6, "y")}, 10)));
  upstream.add_watch(RecordedReply::watch_lines({event_line("ADDED", cm("c", 11, "z"))}, true));
  start();
  ASSERT_FALSE(sync());
  ASSERT_TRUE(run_until([&] { return watch_open(); }));

  const auto targets = upstream.targets();
  ASSERT_EQ(targets.size(), 2u);
  EXPECT_EQ(targets[0], kCollection + "?limit=500");
  EXPECT_EQ(targets[1].rfind(kCollection + "?watch=true&allowWatchBookmarks=true&"
                                           "resourceVersion=10&timeoutSeconds=",
                             0),
            0u)
      << targets[1];

  // A stream from the list's resourceVersion gets the watch's event, and only it.
  auto endpoint = attach("resourceVersion=10");
  ASSERT_TRUE(run_until([&] { return endpoint->events.size() >= 1; }));
  EXPECT_EQ(endpoint->summary(), (std::vector<std::string>{"ADDED c z"}));
  EXPECT_EQ(metrics->upstream_watch_starts.load(), 1u);
}

TEST_F(InformerTest, AFirstListThatFailsGivesWaitersUpstreamsStatus) {
  const std::string forbidden =
      R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
      R"("message":"configmaps is forbidden","reason":"Forbidden","code":403})";
  upstream.add_list(RecordedReply::error(403, forbidden));
  start();
  const auto failure = sync();
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->status, 403u);
  EXPECT_EQ(failure->body, forbidden);
  EXPECT_EQ(upstream.targets().size(), 1u);  // no WATCH without a list
}

TEST_F(InformerTest, RelistsOn410AndSendsOnlyTheDifferences) {
  upstream.add_list(RecordedReply::list(
      list_body({item("a", 1, "x"), item("b", 2, "y"), item("c", 3, "z")}, 10)));
  upstream.add_watch(RecordedReply::watch_lines({}, true));
  // After the 410: a unchanged, b modified, c deleted, d added.
  upstream.add_list(RecordedReply::list(
      list_body({item("a", 1, "x"), item("b", 12, "y2"), item("d", 13, "w")}, 14)));
  upstream.add_watch(RecordedReply::watch_lines({}, true));
  start();
  ASSERT_FALSE(sync());
  ASSERT_TRUE(run_until([&] { return watch_open(); }));
  auto endpoint = attach("resourceVersion=10");

  upstream.send(kExpired);
  ASSERT_TRUE(run_until([&] { return upstream.targets().size() == 4 && watch_open(); }));
  ASSERT_TRUE(run_until([&] { return endpoint->events.size() >= 3; }));
  settle();  // nothing more may come

  auto got = endpoint->summary();
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"ADDED d w", "DELETED c z", "MODIFIED b y2"}));
  EXPECT_FALSE(endpoint->ended);
  EXPECT_EQ(metrics->informer_relists.load(), 1u);
  const auto targets = upstream.targets();
  EXPECT_EQ(targets[2], kCollection + "?limit=500");
  EXPECT_NE(targets[3].find("&resourceVersion=14&"), std::string::npos) << targets[3];
}

TEST_F(InformerTest, StopEndsStreamsAndLowersTheUpstreamWatchGauge) {
  upstream.add_list(RecordedReply::list(list_body({item("a", 1, "x")}, 10)));
  upstream.add_watch(RecordedReply::watch_lines({}, true));
  start();
  ASSERT_FALSE(sync());
  ASSERT_TRUE(run_until([&] { return watch_open(); }));
  auto endpoint = attach("resourceVersion=10");
  settle();

  informer->stop();
  ASSERT_TRUE(run_until([&] { return endpoint->ended.has_value(); }));
  EXPECT_EQ(*endpoint->ended, EndCause::kShutdown);
  EXPECT_EQ(metrics->upstream_watches.load(), 0);
  // The upstream connection is closed, not left to linger.
  EXPECT_TRUE(run_until([&] { return upstream.closed_watches.load() == 1; }));
  // A client that waits for the list after the stop gets a 503, not a hang.
  const auto failure = sync();
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->status, 503u);
}

// A first LIST that fails leaves the informer not ready: streams are refused, no WATCH is
// opened and nothing retries on a timer; the next client that waits is the reason to list again.
TEST_F(InformerTest, AFailedFirstListIsRetriedByTheNextClientThatWaits) {
  upstream.add_list(RecordedReply::error(503, R"({"kind":"Status","code":503})"));
  start();
  const auto failure = sync();
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->status, 503u);
  auto refused = attach("resourceVersion=10");
  ASSERT_TRUE(run_until([&] { return refused->ended.has_value(); }));
  EXPECT_EQ(*refused->ended, EndCause::kShutdown);
  settle();
  EXPECT_EQ(upstream.targets().size(), 1u);  // no retry of its own, no WATCH

  upstream.add_list(RecordedReply::list(list_body({item("a", 5, "x")}, 10)));
  upstream.add_watch(RecordedReply::watch_lines({}, true));
  EXPECT_FALSE(sync());
  ASSERT_TRUE(run_until([&] { return watch_open(); }));
  const auto targets = upstream.targets();
  ASSERT_EQ(targets.size(), 3u);
  EXPECT_EQ(targets[1], kCollection + "?limit=500");
  EXPECT_NE(targets[2].find("&resourceVersion=10&"), std::string::npos) << targets[2];
  auto endpoint = attach("resourceVersion=10");
  upstream.send(event_line("ADDED", cm("b", 11, "y")));
  ASSERT_TRUE(run_until([&] { return endpoint->events.size() >= 1; }));
  EXPECT_EQ(endpoint->summary(), (std::vector<std::string>{"ADDED b y"}));
  EXPECT_FALSE(endpoint->ended);
}

// Every client that waits while the first LIST is in flight is answered by that one LIST.
TEST_F(InformerTest, ClientsWaitingForTheFirstListShareIt) {
  upstream.add_list(RecordedReply::list(list_body({}, 10)));
  upstream.add_watch(RecordedReply::watch_lines({}, true));
  start();
  int answered = 0;
  for (int i = 0; i < 3; ++i) {
    informer->when_synced([&](std::optional<SyncFailure> failure) {
      EXPECT_FALSE(failure);
      ++answered;
    });
  }
  ASSERT_TRUE(run_until([&] { return answered == 3 && watch_open(); }));
  EXPECT_EQ(upstream.targets().size(), 2u);  // one LIST, one WATCH
}

// A WATCH that ends cleanly (upstream's timeoutSeconds) is resumed at once from the newest
// resourceVersion, without a relist; the streams see no gap and no end.
TEST_F(InformerTest, AWatchThatEndsCleanlyResumesFromTheNewestResourceVersion) {
  upstream.add_list(RecordedReply::list(list_body({}, 10)));
  upstream.add_watch(RecordedReply::watch_lines({event_line("ADDED", cm("a", 11, "x"))}, false));
  upstream.add_watch(RecordedReply::watch_lines({event_line("ADDED", cm("b", 12, "y"))}, true));
  start();
  ASSERT_FALSE(sync());
  auto endpoint = attach("resourceVersion=10");
  ASSERT_TRUE(run_until([&] { return endpoint->events.size() >= 2 && watch_open(); }));
  EXPECT_EQ(endpoint->summary(), (std::vector<std::string>{"ADDED a x", "ADDED b y"}));
  EXPECT_FALSE(endpoint->ended);
  const auto targets = upstream.targets();
  ASSERT_EQ(targets.size(), 3u);  // LIST, WATCH, WATCH
  EXPECT_NE(targets[2].find("?watch=true&"), std::string::npos) << targets[2];
  EXPECT_NE(targets[2].find("&resourceVersion=11&"), std::string::npos) << targets[2];
  EXPECT_EQ(metrics->upstream_watch_starts.load(), 2u);
  EXPECT_EQ(metrics->informer_relists.load(), 0u);
}

// A WATCH that upstream refuses as too old (410 on the request itself, not as an event)
// relists, then watches from the new list's resourceVersion.
TEST_F(InformerTest, AWatchRefusedWith410Relists) {
  upstream.add_list(RecordedReply::list(list_body({item("a", 1, "x")}, 10)));
  upstream.add_watch(RecordedReply::error(410, R"({"kind":"Status","code":410})"));
  upstream.add_list(RecordedReply::list(list_body({item("a", 1, "x"), item("b", 12, "y")}, 14)));
  upstream.add_watch(RecordedReply::watch_lines({}, true));
  start();
  ASSERT_FALSE(sync());
  auto endpoint = attach("resourceVersion=10");
  ASSERT_TRUE(run_until([&] { return watch_open() && endpoint->events.size() >= 1; }));
  EXPECT_EQ(endpoint->summary(), (std::vector<std::string>{"ADDED b y"}));
  EXPECT_FALSE(endpoint->ended);
  EXPECT_EQ(metrics->informer_relists.load(), 1u);
  const auto targets = upstream.targets();
  ASSERT_EQ(targets.size(), 4u);
  EXPECT_EQ(targets[2], kCollection + "?limit=500");
  EXPECT_NE(targets[3].find("&resourceVersion=14&"), std::string::npos) << targets[3];
}

// A relist that fails keeps the informer ready (its cache keeps serving the streams) and is
// tried again after a backoff, not when a client asks.
TEST_F(InformerTest, AFailedRelistIsRetriedAfterABackoffWhileTheStreamsStay) {
  upstream.add_list(RecordedReply::list(list_body({item("a", 1, "x")}, 10)));
  upstream.add_watch(RecordedReply::watch_lines({}, true));
  upstream.add_list(RecordedReply::error(500, R"({"kind":"Status","code":500})"));
  upstream.add_list(RecordedReply::list(list_body({item("a", 1, "x"), item("b", 12, "y")}, 14)));
  upstream.add_watch(RecordedReply::watch_lines({}, true));
  start();
  ASSERT_FALSE(sync());
  ASSERT_TRUE(run_until([&] { return watch_open(); }));
  auto endpoint = attach("resourceVersion=10");
  upstream.send(kExpired);
  // The relist's LIST has been asked for (and fails); the informer is still ready meanwhile.
  ASSERT_TRUE(run_until([&] { return upstream.targets().size() == 3; }));
  EXPECT_FALSE(sync());
  ASSERT_TRUE(run_until([&] { return upstream.targets().size() == 5 && watch_open(); }));
  ASSERT_TRUE(run_until([&] { return endpoint->events.size() >= 1; }));
  EXPECT_EQ(endpoint->summary(), (std::vector<std::string>{"ADDED b y"}));
  EXPECT_FALSE(endpoint->ended);
  EXPECT_EQ(metrics->informer_relists.load(), 1u);
}

// stop() twice, or before the informer ever started, stops once: the gauges do not go below
// what they were.
TEST_F(InformerTest, StopIsIdempotentAndWorksBeforeStart) {
  upstream.add_list(RecordedReply::list(list_body({}, 10)));
  upstream.add_watch(RecordedReply::watch_lines({}, true));
  start();
  ASSERT_FALSE(sync());
  ASSERT_TRUE(run_until([&] { return watch_open(); }));
  informer->stop();
  informer->stop();
  settle();
  EXPECT_EQ(metrics->upstream_watches.load(), 0);

  InformerOptions options;
  auto never_started = std::make_shared<Informer>(
      boost::asio::make_strand(ioc), client, std::make_shared<const Logger>(0), metrics,
      InformerKey{{"", "v1", "secrets"}, "default"},
      ResourceInfo{{"", "v1", "secrets"}, "Secret", true}, options);
  never_started->stop();
  never_started->start();  // a stop that came first wins: nothing is listed
  std::optional<SyncFailure> failure;
  never_started->when_synced([&](std::optional<SyncFailure> f) { failure = std::move(f); });
  ASSERT_TRUE(run_until([&] { return failure.has_value(); }));
  EXPECT_EQ(failure->status, 503u);
  settle();
  EXPECT_EQ(upstream.targets().size(), 2u);  // the first informer's LIST and WATCH only
  EXPECT_EQ(metrics->upstream_watches.load(), 0);
}

}  // namespace
}  // namespace watchfilter::proxy::informer

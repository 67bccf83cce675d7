// OwnedWatches against a fake upstream (test/proxy/support/fake_upstream.h): a primary stream
// on configmaps in "default" whose WatchFilter owns secrets; what the primary stream receives
// when secrets change (docs/watchfilter.md, "Owned resources"), which entries are skipped, and
// what its destruction gives back. Everything runs on one io_context driven by the test thread;
// every wait is bounded.

#include "proxy/stream/owned_watches.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "filters/compile.h"
#include "filters/event_type.h"
#include "filters/event_view.h"
#include "proxy/kube/watch_events.h"
#include "test/proxy/support/fake_upstream.h"
#include "test/proxy/support/io_wait.h"
#include "test/proxy/support/watch_request_support.h"

namespace watchfilter::proxy {
namespace {

using namespace std::chrono_literals;
using testing::FakeUpstream;
using testing::RecordedReply;

const std::string kCoreV1 =
    R"({"kind":"APIResourceList","apiVersion":"v1","groupVersion":"v1","resources":[)"
    R"({"name":"configmaps","namespaced":true,"kind":"ConfigMap","verbs":["get","list","watch"]},)"
    R"({"name":"secrets","namespaced":true,"kind":"Secret","verbs":["get","list","watch"]},)"
    R"({"name":"services","namespaced":true,"kind":"Service","verbs":["get","list","watch"]},)"
    R"({"name":"nodes","namespaced":false,"kind":"Node","verbs":["get","list","watch"]},)"
    R"({"name":"componentstatuses","namespaced":false,"kind":"ComponentStatus",)"
    R"("verbs":["get","list"]}]})";

const std::string kConfigMaps = "/api/v1/namespaces/default/configmaps";
const std::string kSecrets = "/api/v1/namespaces/default/secrets";

std::string configmap(const std::string& name) {
  return R"({"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":")" + name +
         R"(","namespace":"default","uid":"uid-)" + name +
         R"(","resourceVersion":"2"},"data":{"k":"v"}})";
}
// A Secret owned by the ConfigMap `owner` ("" none); `label` lets a change touch only metadata.
std::string secret(const std::string& name, std::uint64_t rv, const std::string& value,
                   const std::string& owner, const std::string& label = "a") {
  std::string refs;
  if (!owner.empty()) {
    refs = R"(,"ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":")" + owner +
           R"(","uid":"uid-)" + owner + R"(","controller":true}])";
  }
  return R"({"kind":"Secret","apiVersion":"v1","metadata":{"name":")" + name +
         R"(","namespace":"default","uid":"uid-)" + name + R"(","resourceVersion":")" +
         std::to_string(rv) + R"(","labels":{"l":")" + label + "\"}" + refs + R"(},"data":{"v":")" +
         value + R"("}})";
}
// kube-apiserver lists built-in types without kind/apiVersion.
std::string as_item(const std::string& object) {
  return "{" + object.substr(object.find(R"("metadata")"));
}
std::string list_body(const std::string& kind, const std::vector<std::string>& objects,
                      std::uint64_t rv) {
  std::string body = R"({"kind":")" + kind +
                     R"(","apiVersion":"v1","metadata":{"resourceVersion":")" + std::to_string(rv) +
                     R"("},"items":[)";
  for (std::size_t i = 0; i < objects.size(); ++i) body += (i ? "," : "") + as_item(objects[i]);
  return body + "]}";
}

OwnedDefinition owned_entry(const std::string& group, const std::string& resource,
                            const std::string& filter = "changed(data)") {
  OwnedDefinition d;
  d.gvr = {group, "v1", resource};
  d.label_selector = std::make_shared<const LabelSelector>();
  d.filter_source = filter;
  d.filter = filters::compile(filter).filter;
  EXPECT_TRUE(d.filter) << filter;
  return d;
}
std::shared_ptr<const FilterDefinition> definition(std::vector<OwnedDefinition> owned,
                                                   bool include_owned = false) {
  auto d = std::make_shared<FilterDefinition>();
  d->generation = 1;
  d->source = "true";
  d->filter = filters::compile("true").filter;
  d->owned = std::move(owned);
  d->include_owned = include_owned;
  return d;
}

// The primary stream as the informer feeds it.
struct RecordingEndpoint : informer::StreamEndpoint {
  std::vector<std::string> lines;
  std::optional<EndCause> ended;
  void deliver(std::vector<informer::OutEvent> events, std::uint64_t) override {
    for (const auto& e : events) {
      if (e.line) lines.push_back(*e.line);
    }
  }
  void end(EndCause cause, std::shared_ptr<const std::string>) override { ended = cause; }
  // "TYPE name" per event.
  std::vector<std::string> summary() const {
    std::vector<std::string> out;
    for (const auto& line : lines) {
      filters::EventParser parser;
      auto v = parser.parse_event(line);
      out.push_back(std::string(filters::event_type_name(v.type())) + " " + std::string(v.name()));
    }
    return out;
  }
};

// The proxy's log, kept in memory.
class CapturedLog {
 public:
  CapturedLog() : file_(open_memstream(&data_, &size_)) {}
  ~CapturedLog() {
    std::fclose(file_);
    std::free(data_);
  }
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;
  std::FILE* file() const { return file_; }
  std::string text() {
    std::fflush(file_);
    return std::string(data_, size_);
  }

 private:
  char* data_ = nullptr;
  std::size_t size_ = 0;
  std::FILE* file_;
};

class OwnedWatchesTest : public ::testing::Test {
 protected:
  OwnedWatchesTest()
      : metrics(std::make_shared<Metrics>()),
        logger(std::make_shared<const Logger>(0, log.file())),
        client(std::make_shared<UpstreamClient>(upstream.config(), logger)),
        discovery(std::make_shared<Discovery>(boost::asio::make_strand(ioc), client)) {
    upstream.always("/api/v1", RecordedReply::list(kCoreV1));
    upstream.always("/apis/example.com/v1", RecordedReply::error(404, R"({"kind":"Status"})"));
  }
  ~OwnedWatchesTest() override {
    streams.clear();
    primary.reset();
    if (registry) registry->stop();
    run_for(50ms);
  }

  // The registry and the primary informer: configmaps db1 and db2, listed at `primary_rv`;
  // secrets s1 (of db1), s2 (of db2), s3 (of nobody), listed at 10.
  void start(std::size_t max_informers = 0, std::uint64_t primary_rv = 10) {
    upstream.add_list(kConfigMaps,
                      RecordedReply::list(list_body(
                          "ConfigMapList", {configmap("db1"), configmap("db2")}, primary_rv)));
    upstream.add_watch(kConfigMaps, RecordedReply::watch_lines({}, true));
    upstream.add_list(
        kSecrets,
        RecordedReply::list(list_body(
            "SecretList",
            {secret("s1", 4, "1", "db1"), secret("s2", 5, "1", "db2"), secret("s3", 6, "1", "")},
            10)));
    upstream.add_watch(kSecrets, RecordedReply::watch_lines({}, true));
    registry = std::make_shared<informer::InformerRegistry>(
        ioc, client, logger, metrics, informer::InformerOptions{}, 1s, max_informers);
    auto acquired = registry->acquire(kPrimaryKey, kPrimaryInfo);
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<informer::InformerLease>>(acquired));
    primary = std::move(std::get<std::unique_ptr<informer::InformerLease>>(acquired));
    auto synced = std::make_shared<bool>(false);
    primary->informer().when_synced([synced](std::optional<informer::SyncFailure> failure) {
      EXPECT_FALSE(failure);
      *synced = true;
    });
    ASSERT_TRUE(run_until([&] { return *synced; }));
  }

  struct Stream {
    std::shared_ptr<RecordingEndpoint> endpoint;
    std::shared_ptr<OwnedWatches> owned;
  };
  // A primary stream on `query` (its own events dropped once it has started) with the owned
  // resources of `def`, prepared; started when `start_owned`.
  Stream& open(std::shared_ptr<const FilterDefinition> def, const std::string& query = "",
               bool start_owned = true) {
    auto parsed = testing::parse_target(kConfigMaps + "?watch=true&filter=true" + query);
    EXPECT_TRUE(std::holds_alternative<WatchRequest>(parsed));
    WatchRequest r = std::get<WatchRequest>(parsed);
    r.owner = "alice";
    r.filter_ref = "db/x";
    r.binding = std::make_shared<FilterBinding>("db/x", def);
    auto request = std::make_shared<const WatchRequest>(std::move(r));

    Stream& s = streams.emplace_back();
    s.endpoint = std::make_shared<RecordingEndpoint>();
    primary->informer().attach(request, s.endpoint);
    s.owned = std::make_shared<OwnedWatches>(
        discovery, registry, logger,
        OwnedWatches::Primary{primary->shared(), kPrimaryInfo, request}, def, ioc.get_executor());
    auto prepared = std::make_shared<bool>(false);
    s.owned->prepare([prepared](std::shared_ptr<OwnedWatches>) { *prepared = true; });
    EXPECT_TRUE(run_until([&] { return *prepared; })) << "prepare() did not finish";
    drain();
    s.endpoint->lines.clear();
    if (start_owned) {
      s.owned->start(s.endpoint);
      drain();
    }
    return s;
  }

  // Runs every handler that is ready, and those they make ready, until none is: what start()
  // and a destructor post (attach, re-attach, detach) has then happened on every strand.
  void drain() {
    ioc.restart();
    for (int guard = 0; guard < 100000 && ioc.poll() > 0; ++guard) {
    }
  }
  bool run_until(const std::function<bool()>& condition) {
    return testing::run_until(ioc, condition);
  }
  void run_for(std::chrono::milliseconds d) { testing::run_for(ioc, d); }
  // The secrets watch delivers `lines`; true once `endpoint` has at least `n` events.
  bool secrets_change(const std::vector<std::string>& lines, RecordingEndpoint& endpoint,
                      std::size_t n) {
    for (const auto& line : lines) upstream.send(kSecrets, line);
    const bool arrived = run_until([&] { return endpoint.lines.size() >= n; });
    drain();
    return arrived;
  }
  bool acquires(const informer::InformerKey& key, const informer::ResourceInfo& info) {
    return std::holds_alternative<std::unique_ptr<informer::InformerLease>>(
        registry->acquire(key, info));
  }

  const informer::InformerKey kPrimaryKey{{"", "v1", "configmaps"}, "default"};
  const informer::ResourceInfo kPrimaryInfo{{"", "v1", "configmaps"}, "ConfigMap", true};

  CapturedLog log;
  FakeUpstream upstream;
  boost::asio::io_context ioc;
  std::shared_ptr<Metrics> metrics;
  std::shared_ptr<const Logger> logger;
  std::shared_ptr<UpstreamClient> client;
  std::shared_ptr<Discovery> discovery;
  std::shared_ptr<informer::InformerRegistry> registry;
  std::shared_ptr<informer::InformerLease> primary;
  std::deque<Stream> streams;
};

TEST_F(OwnedWatchesTest, AnAdmittedChangeOfAnOwnedSecondaryWakesItsOwner) {
  start();
  Stream& s = open(definition({owned_entry("", "secrets")}));
  ASSERT_FALSE(s.owned->capacity_refusal());
  // Starting woke nobody: the secondaries' initial events only primed the entry's filter.
  EXPECT_TRUE(s.endpoint->lines.empty());

  // In order: a label change of db2's secret (changed(data) rejects it), a data change of a
  // secret nobody owns, a data change of db1's secret. Only the last wakes anyone.
  ASSERT_TRUE(secrets_change({event_line("MODIFIED", secret("s2", 11, "1", "db2", "b")),
                              event_line("MODIFIED", secret("s3", 12, "2", "")),
                              event_line("MODIFIED", secret("s1", 13, "2", "db1"))},
                             *s.endpoint, 1));
  EXPECT_EQ(s.endpoint->summary(), std::vector<std::string>{"MODIFIED db1"});
  // The owner's current object from the primary's cache, as upstream has it.
  EXPECT_EQ(s.endpoint->lines[0], event_line("MODIFIED", configmap("db1")));
  EXPECT_EQ(metrics->synthetic(SyntheticReason::kOwner), 1u);

  // A deleted secondary wakes its owner too.
  ASSERT_TRUE(
      secrets_change({event_line("DELETED", secret("s2", 14, "1", "db2", "b"))}, *s.endpoint, 2));
  EXPECT_EQ(s.endpoint->summary(), (std::vector<std::string>{"MODIFIED db1", "MODIFIED db2"}));
}

TEST_F(OwnedWatchesTest, IncludeOwnedCarriesTheOwnersCurrentSecondaries) {
  start();
  Stream& s = open(definition({owned_entry("", "secrets")}, true));
  // A second secret of db1 appears (ADDED wakes db1 too): both are in the annotation.
  ASSERT_TRUE(secrets_change({event_line("ADDED", secret("s0", 11, "1", "db1"))}, *s.endpoint, 1));
  ASSERT_EQ(s.endpoint->summary(), std::vector<std::string>{"MODIFIED db1"});

  rapidjson::Document event;
  event.Parse(s.endpoint->lines[0].data(), s.endpoint->lines[0].size());
  ASSERT_TRUE(event.IsObject()) << s.endpoint->lines[0];
  const auto& annotations = event["object"]["metadata"]["annotations"];
  ASSERT_TRUE(annotations.IsObject() && annotations.HasMember("watchfilter.io/owned"))
      << s.endpoint->lines[0];
  rapidjson::Document owned;
  owned.Parse(annotations["watchfilter.io/owned"].GetString());
  ASSERT_TRUE(owned.IsArray()) << annotations["watchfilter.io/owned"].GetString();
  std::vector<std::string> names;
  for (const auto& o : owned.GetArray()) {
    EXPECT_STREQ(o["kind"].GetString(), "Secret");
    names.push_back(o["metadata"]["name"].GetString());
  }
  // db1's secrets sorted by name; not db2's, not the unowned one.
  EXPECT_EQ(names, (std::vector<std::string>{"s0", "s1"}));
}

TEST_F(OwnedWatchesTest, AResumedStreamIsWokenByChangesMadeSinceItsResourceVersion) {
  start();
  // db1's secret changes while no stream is open (the informer runs for another stream).
  Stream& other = open(definition({owned_entry("", "secrets")}));
  ASSERT_TRUE(
      secrets_change({event_line("MODIFIED", secret("s1", 12, "2", "db1"))}, *other.endpoint, 1));

  // A new stream starts from the current objects: the change is not news to it.
  Stream& fresh = open(definition({owned_entry("", "secrets")}));
  EXPECT_TRUE(fresh.endpoint->lines.empty());
  // A stream that resumes from resourceVersion 10 missed it: its owner is woken.
  Stream& resumed = open(definition({owned_entry("", "secrets")}), "&resourceVersion=10");
  ASSERT_TRUE(run_until([&] { return !resumed.endpoint->lines.empty(); }));
  EXPECT_EQ(resumed.endpoint->summary(), std::vector<std::string>{"MODIFIED db1"});
  EXPECT_TRUE(fresh.endpoint->lines.empty());
}

TEST_F(OwnedWatchesTest, AResumeOlderThanTheSecondarysWindowStartsOverWithoutWakes) {
  start(0, 3);  // the primary listed at 3, the secrets informer at 10
  Stream& other = open(definition({owned_entry("", "secrets")}));
  ASSERT_TRUE(
      secrets_change({event_line("MODIFIED", secret("s1", 12, "2", "db1"))}, *other.endpoint, 1));

  // From 3 the secrets' window has no history: the entry starts over with the current objects
  // (the change at 12 wakes nobody) and the stream itself goes on.
  Stream& resumed = open(definition({owned_entry("", "secrets")}), "&resourceVersion=3");
  EXPECT_TRUE(resumed.endpoint->lines.empty());
  EXPECT_FALSE(resumed.endpoint->ended);
  // Its later changes do wake the owner: the entry is subscribed again.
  ASSERT_TRUE(
      secrets_change({event_line("MODIFIED", secret("s2", 13, "2", "db2"))}, *resumed.endpoint, 1));
  EXPECT_EQ(resumed.endpoint->summary(), std::vector<std::string>{"MODIFIED db2"});
}

TEST_F(OwnedWatchesTest, EntriesThatCannotBeWatchedAreSkippedWithAWarning) {
  upstream.add_list("/api/v1/namespaces/default/services",
                    RecordedReply::error(403, R"({"kind":"Status","reason":"Forbidden"})"));
  start();
  Stream& s = open(definition({owned_entry("example.com", "widgets"),
                               owned_entry("", "componentstatuses"), owned_entry("", "nodes"),
                               owned_entry("", "services"), owned_entry("", "secrets")}));
  EXPECT_FALSE(s.owned->capacity_refusal());
  const std::string text = log.text();
  for (const std::string expected :
       {"owned resource example.com/v1/widgets is not watched for this stream",
        "owned resource v1/componentstatuses is not watched for this stream: the server does not "
        "allow this method on the requested resource (watch componentstatuses)",
        "owned resource v1/nodes is not watched for this stream: it is cluster-scoped and "
        "configmaps is namespaced",
        "owned resource v1/services is not watched for this stream: its LIST failed with HTTP "
        "403"}) {
    EXPECT_TRUE(text.find("WatchFilter db/x: " + expected) != std::string::npos)
        << expected << "\nin the log:\n"
        << text;
  }
  // No informer for what cannot be watched.
  for (const auto& t : upstream.targets()) {
    EXPECT_FALSE(t.starts_with("/api/v1/nodes") || t.starts_with("/api/v1/componentstatuses")) << t;
  }
  // The entry that could be watched still works.
  ASSERT_TRUE(
      secrets_change({event_line("MODIFIED", secret("s1", 12, "2", "db1"))}, *s.endpoint, 1));
  EXPECT_EQ(s.endpoint->summary(), std::vector<std::string>{"MODIFIED db1"});
}

TEST_F(OwnedWatchesTest, AnEntryPastMaxInformersLeavesItAtCapacity) {
  start(1);  // the primary's informer is the one allowed
  Stream& s = open(definition({owned_entry("", "secrets")}), "", false);
  const auto refusal = s.owned->capacity_refusal();
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->reason, StatusReason::kTooManyRequests);
  EXPECT_EQ(refusal->limit, "max-informers");
  EXPECT_NE(log.text().find("owned resource v1/secrets is not watched for this stream: too many "
                            "informers: watchfilter-proxy runs its limit of 1 shared informers "
                            "(--max-informers)"),
            std::string::npos)
      << log.text();
  for (const auto& t : upstream.targets()) EXPECT_FALSE(t.starts_with(kSecrets)) << t;
}

TEST_F(OwnedWatchesTest, DestroyingItUnsubscribesAndReleasesItsLeases) {
  start(2);  // configmaps and secrets
  Stream& a = open(definition({owned_entry("", "secrets")}));
  Stream& b = open(definition({owned_entry("", "secrets")}));
  const informer::InformerKey nodes{{"", "v1", "nodes"}, ""};
  const informer::ResourceInfo nodes_info{{"", "v1", "nodes"}, "Node", false};
  // Both informers are in use: no room for a third.
  EXPECT_FALSE(acquires(nodes, nodes_info));

  a.owned.reset();
  drain();
  ASSERT_TRUE(
      secrets_change({event_line("MODIFIED", secret("s1", 12, "2", "db1"))}, *b.endpoint, 1));
  EXPECT_EQ(b.endpoint->summary(), std::vector<std::string>{"MODIFIED db1"});
  EXPECT_TRUE(a.endpoint->lines.empty());     // b was woken, a no longer is
  EXPECT_FALSE(acquires(nodes, nodes_info));  // b still holds the secrets informer

  b.owned.reset();
  drain();
  // The secrets informer has no lease left: it gives way to a new one.
  upstream.add_list("/api/v1/nodes", RecordedReply::list(list_body("NodeList", {}, 20)));
  EXPECT_TRUE(acquires(nodes, nodes_info));
}

}  // namespace
}  // namespace watchfilter::proxy

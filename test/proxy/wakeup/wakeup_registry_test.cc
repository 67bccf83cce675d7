// The wake-up book (claim once, pending per watcher, persisted before it is visible, limits),
// the ConfigMap store's request bodies, and the wakeups resource through the handler chain.

#include "proxy/wakeup/wakeup_registry.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <fstream>

#include "proxy/server/handler_chain.h"
#include "proxy/wakeup/wakeup_create.h"
#include "proxy/wakeup/wakeup_service.h"
#include "proxy/wakeup/wakeup_store.h"
#include "test/proxy/support/fake_auth.h"

namespace watchfilter::proxy {
namespace {

namespace net = boost::asio;
using std::chrono::system_clock;

// A store that keeps its entries in memory; answers are held until release() (so a test can
// look between a request and its answer), and it can be told to fail.
class MemoryStore : public WakeupStore {
 public:
  std::map<std::string, std::string> entries;
  bool fail_load = false;
  int fail_next_changes = 0;
  bool hold = false;
  int puts = 0, removes = 0;
  std::vector<std::function<void()>> held;

  void load(std::function<void(Loaded)> done) override {
    Loaded l;
    l.ok = !fail_load;
    if (fail_load) l.error = "GET ConfigMap: HTTP 403: forbidden";
    l.entries = entries;
    done(std::move(l));
  }
  void put(const std::string& key, const std::string& json,
           std::function<void(Result)> done) override {
    ++puts;
    answer([this, key, json, done = std::move(done)] {
      if (fail_next_changes > 0) {
        --fail_next_changes;
        return done(Result{false, "PATCH ConfigMap: HTTP 500"});
      }
      entries[key] = json;
      done(Result{true, {}});
    });
  }
  void remove(const std::string& key, std::function<void(Result)> done) override {
    ++removes;
    answer([this, key, done = std::move(done)] {
      if (fail_next_changes > 0) {
        --fail_next_changes;
        return done(Result{false, "PATCH ConfigMap: HTTP 500"});
      }
      entries.erase(key);
      done(Result{true, {}});
    });
  }
  std::string describe() const override { return "ConfigMap test/wakeups"; }
  void release() {
    auto h = std::move(held);
    held.clear();
    for (auto& f : h) f();
  }

 private:
  void answer(std::function<void()> f) {
    if (hold) {
      held.push_back(std::move(f));
    } else {
      f();
    }
  }
};

class RecordingTarget : public WakeupTarget {
 public:
  std::vector<std::string> added;
  void wakeup_added(const Wakeup& w) override { added.push_back(w.name); }
};

WakeupObject object(const std::string& name, const std::string& watcher,
                    const std::string& ns = "team-a", const std::string& owner = "alice") {
  WakeupObject o;
  o.wakeup.name = name;
  o.wakeup.owner = owner;
  o.wakeup.watcher = watcher;
  o.wakeup.object = "cm-" + name;
  o.wakeup.namespace_name = ns;
  o.namespace_name = ns;
  o.after = "3s";
  o.wakeup.created = system_clock::time_point(std::chrono::seconds(1'800'000'000));
  o.wakeup.due = o.wakeup.created + std::chrono::seconds(3);
  return o;
}

class WakeupRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override { start(); }
  void start(WakeupLimits limits = {}) {
    registry_ = std::make_shared<WakeupRegistry>(net::make_strand(ioc_), store_,
                                                 std::make_shared<const Logger>(0, log_), limits);
    registry_->subscribe(target_);
    registry_->start();
    run();
  }
  void run() {
    ioc_.restart();
    ioc_.poll();
  }
  WakeupRegistry::Outcome add(WakeupObject o) {
    std::optional<WakeupRegistry::Outcome> out;
    registry_->add(std::move(o), [&](WakeupRegistry::Answer a) { out = a.outcome; });
    run();
    EXPECT_TRUE(out) << "add did not answer";
    return out.value_or(WakeupRegistry::Outcome::kStoreFailed);
  }

  std::FILE* log_ = std::tmpfile();
  net::io_context ioc_;
  std::shared_ptr<MemoryStore> store_ = std::make_shared<MemoryStore>();
  std::shared_ptr<RecordingTarget> target_ = std::make_shared<RecordingTarget>();
  std::shared_ptr<WakeupRegistry> registry_;
};

TEST_F(WakeupRegistryTest, PersistedBeforeVisibleThenAnnounced) {
  store_->hold = true;
  std::optional<WakeupRegistry::Outcome> out;
  registry_->add(object("a", "w1"), [&](WakeupRegistry::Answer a) { out = a.outcome; });
  run();
  // Not answered, not pending, not announced while the store has not confirmed it.
  EXPECT_FALSE(out);
  EXPECT_TRUE(registry_->pending_for("alice", "w1").empty());
  EXPECT_TRUE(target_->added.empty());
  store_->release();
  run();
  EXPECT_EQ(out, WakeupRegistry::Outcome::kDone);
  ASSERT_EQ(registry_->pending_for("alice", "w1").size(), 1u);
  EXPECT_EQ(target_->added, std::vector<std::string>{"a"});
  EXPECT_TRUE(store_->entries.contains("a"));
}

TEST_F(WakeupRegistryTest, PendingPerWatcherAndClaimOnce) {
  EXPECT_EQ(add(object("a", "w1")), WakeupRegistry::Outcome::kDone);
  EXPECT_EQ(add(object("b", "w1")), WakeupRegistry::Outcome::kDone);
  EXPECT_EQ(add(object("c", "w2")), WakeupRegistry::Outcome::kDone);
  EXPECT_EQ(registry_->pending_for("alice", "w1").size(), 2u);
  EXPECT_EQ(registry_->pending_for("alice", "w2").size(), 1u);
  EXPECT_TRUE(registry_->pending_for("alice", "w3").empty());

  EXPECT_TRUE(registry_->claim("a"));
  EXPECT_FALSE(registry_->claim("a"));  // a second informer with the same watcher: no repeat
  EXPECT_FALSE(registry_->claim("nope"));
  run();
  EXPECT_EQ(registry_->pending_for("alice", "w1").size(), 1u);
  EXPECT_FALSE(store_->entries.contains("a"));  // delivered ones leave the store
  EXPECT_TRUE(store_->entries.contains("b"));
}

TEST_F(WakeupRegistryTest, PendingPerOwnerOfTheWatcher) {
  EXPECT_EQ(add(object("a", "w", "team-a", "alice")), WakeupRegistry::Outcome::kDone);
  EXPECT_EQ(add(object("b", "w", "team-a", "mallory")), WakeupRegistry::Outcome::kDone);
  ASSERT_EQ(registry_->pending_for("alice", "w").size(), 1u);
  EXPECT_EQ(registry_->pending_for("alice", "w")[0].name, "a");
  ASSERT_EQ(registry_->pending_for("mallory", "w").size(), 1u);
  EXPECT_EQ(registry_->pending_for("mallory", "w")[0].name, "b");
  EXPECT_TRUE(registry_->claim("b"));
  run();
  EXPECT_TRUE(registry_->pending_for("mallory", "w").empty());
  EXPECT_EQ(registry_->pending_for("alice", "w").size(), 1u);
}

TEST_F(WakeupRegistryTest, ClaimRemovalIsRetriedUntilItSucceeds) {
  EXPECT_EQ(add(object("a", "w1")), WakeupRegistry::Outcome::kDone);
  store_->fail_next_changes = 1;
  EXPECT_TRUE(registry_->claim("a"));
  run();
  EXPECT_TRUE(store_->entries.contains("a"));  // the first removal failed
  // The name stays taken until the store is clean, so a new "a" cannot be removed by the retry.
  EXPECT_EQ(add(object("a", "w1")), WakeupRegistry::Outcome::kExists);
  ioc_.restart();
  ioc_.run_for(std::chrono::seconds(2));  // the backoff's first wait is at most 0.5 s
  EXPECT_FALSE(store_->entries.contains("a"));
  EXPECT_EQ(store_->removes, 2);
  EXPECT_EQ(add(object("a", "w1")), WakeupRegistry::Outcome::kDone);
}

TEST_F(WakeupRegistryTest, StoreFailureIsNotPending) {
  store_->fail_next_changes = 1;
  EXPECT_EQ(add(object("a", "w1")), WakeupRegistry::Outcome::kStoreFailed);
  EXPECT_TRUE(registry_->pending_for("alice", "w1").empty());
  EXPECT_TRUE(target_->added.empty());
  EXPECT_EQ(add(object("a", "w1")), WakeupRegistry::Outcome::kDone);  // the name is free again
}

TEST_F(WakeupRegistryTest, NamesAreUniqueAcrossNamespaces) {
  EXPECT_EQ(add(object("a", "w1", "team-a")), WakeupRegistry::Outcome::kDone);
  EXPECT_EQ(add(object("a", "w1", "team-b")), WakeupRegistry::Outcome::kExists);
  EXPECT_FALSE(registry_->get("team-b", "a"));
  EXPECT_TRUE(registry_->get("team-a", "a"));
  EXPECT_EQ(registry_->list("team-b")->size(), 0u);
  EXPECT_EQ(registry_->list("")->size(), 1u);
}

TEST_F(WakeupRegistryTest, LimitsCountAndBytes) {
  start(WakeupLimits{2, 1 << 20});
  EXPECT_EQ(add(object("a", "w")), WakeupRegistry::Outcome::kDone);
  EXPECT_EQ(add(object("b", "w")), WakeupRegistry::Outcome::kDone);
  EXPECT_EQ(add(object("c", "w")), WakeupRegistry::Outcome::kFull);
  EXPECT_TRUE(registry_->claim("a"));
  run();
  EXPECT_EQ(add(object("c", "w")), WakeupRegistry::Outcome::kDone);

  store_->entries.clear();
  const std::size_t one = wakeup_store_bytes("x", wakeup_json(object("x", "w")));
  start(WakeupLimits{100, 2 * one + 10});  // two fit, not three
  EXPECT_EQ(add(object("x", "w")), WakeupRegistry::Outcome::kDone);
  EXPECT_EQ(add(object("y", "w")), WakeupRegistry::Outcome::kDone);
  EXPECT_EQ(add(object("z", "w")), WakeupRegistry::Outcome::kFull);
}

TEST_F(WakeupRegistryTest, LoadAnnouncesStoredWakeupsAndDropsBrokenKeys) {
  // "old": stored without spec.username (no creator, so no stream to go to).
  store_->entries = {{"a", wakeup_json(object("a", "w1"))},
                     {"b", wakeup_json(object("b", "w2"))},
                     {"old", wakeup_json(object("old", "w1", "team-a", ""))},
                     {"junk", "{not a wakeup"}};
  target_->added.clear();
  start();
  EXPECT_EQ(registry_->pending_for("alice", "w1").size(), 1u);
  EXPECT_EQ(registry_->pending_for("alice", "w2")[0].due,
            system_clock::time_point(std::chrono::seconds(1'800'000'003)));
  EXPECT_EQ(target_->added, (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(store_->entries.contains("junk"));
  EXPECT_FALSE(store_->entries.contains("old"));
}

TEST_F(WakeupRegistryTest, NotLoadedRefusesUntilARetrySucceeds) {
  store_->fail_load = true;
  start();
  EXPECT_EQ(add(object("a", "w1")), WakeupRegistry::Outcome::kNotLoaded);
  EXPECT_FALSE(registry_->list("team-a"));
  EXPECT_NE(registry_->not_loaded_reason().find("403"), std::string::npos);
  store_->fail_load = false;
  ioc_.restart();
  ioc_.run_for(std::chrono::seconds(2));
  EXPECT_TRUE(registry_->not_loaded_reason().empty());
  EXPECT_EQ(add(object("a", "w1")), WakeupRegistry::Outcome::kDone);
  registry_->stop();
}

TEST_F(WakeupRegistryTest, DeleteRemovesFromStoreAndBook) {
  EXPECT_EQ(add(object("a", "w1")), WakeupRegistry::Outcome::kDone);
  std::optional<WakeupRegistry::Outcome> out;
  registry_->remove("team-b", "a", [&](WakeupRegistry::Answer a, auto) { out = a.outcome; });
  run();
  EXPECT_EQ(out, WakeupRegistry::Outcome::kNotFound);
  std::optional<WakeupObject> removed;
  registry_->remove("team-a", "a", [&](WakeupRegistry::Answer a, std::optional<WakeupObject> o) {
    out = a.outcome;
    removed = o;
  });
  run();
  EXPECT_EQ(out, WakeupRegistry::Outcome::kDone);
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->wakeup.watcher, "w1");
  EXPECT_FALSE(registry_->claim("a"));
  EXPECT_FALSE(store_->entries.contains("a"));
}

TEST(WakeupStoreTest, PatchBodiesTouchOneKey) {
  EXPECT_EQ(wakeup_store_put_patch("wakeup-x7k2p", R"({"spec":{"object":"cm-1"}})"),
            R"({"data":{"wakeup-x7k2p":"{\"spec\":{\"object\":\"cm-1\"}}"}})");
  EXPECT_EQ(wakeup_store_remove_patch("wakeup-x7k2p"), R"({"data":{"wakeup-x7k2p":null}})");
  rapidjson::Document cm;
  cm.Parse(wakeup_store_configmap("watchfilter-system", "watchfilter-wakeups", "a", "{}").c_str());
  EXPECT_STREQ(cm["kind"].GetString(), "ConfigMap");
  EXPECT_STREQ(cm["metadata"]["namespace"].GetString(), "watchfilter-system");
  EXPECT_STREQ(cm["data"]["a"].GetString(), "{}");
  auto data = configmap_data(R"({"kind":"ConfigMap","data":{"a":"1","b":"2"}})");
  ASSERT_TRUE(data);
  EXPECT_EQ(data->size(), 2u);
  EXPECT_EQ(configmap_data(R"({"kind":"ConfigMap","metadata":{}})")->size(), 0u);
  EXPECT_FALSE(configmap_data(R"({"kind":"Status"})"));
}

TEST(WakeupStoreTest, DefaultNamespaceFromTheServiceAccountMount) {
  const std::string path = ::testing::TempDir() + "/wakeup-ns";
  std::ofstream(path) << "watchfilter-system\n";
  EXPECT_EQ(default_wakeups_namespace(path), "watchfilter-system");
  EXPECT_EQ(default_wakeups_namespace(path + ".missing"), "default");
}

TEST(WakeupPathTest, OnlyTheWakeupsResource) {
  auto p = parse_wakeup_path("/apis/stream.watchfilter.io/v1alpha1/namespaces/a/wakeups");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->namespace_name, "a");
  EXPECT_EQ(p->name, "");
  p = parse_wakeup_path("/apis/stream.watchfilter.io/v1alpha1/namespaces/a/wakeups/w-1");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name, "w-1");
  EXPECT_TRUE(parse_wakeup_path("/apis/stream.watchfilter.io/v1alpha1/wakeups"));
  EXPECT_FALSE(parse_wakeup_path("/apis/stream.watchfilter.io/v1alpha1/namespaces/a/wakeups/w/x"));
  EXPECT_FALSE(parse_wakeup_path("/apis/stream.watchfilter.io/v1alpha1/proxy/api/v1/pods"));
  EXPECT_FALSE(parse_wakeup_path("/apis/stream.watchfilter.io/v1alpha1/namespaces/a/wakeups/"));
  EXPECT_FALSE(parse_wakeup_path("/api/v1/namespaces/a/wakeups"));
}

// The resource through the chain: method check, authorization attributes, the service.
class WakeupChainTest : public WakeupRegistryTest {
 protected:
  void SetUp() override {}  // the registry was started for chain_ (registry_for_chain)
  ClientRequest request(http::verb method, std::string target, std::string body = {}) {
    ClientRequest r{method, target, 11};
    r.keep_alive(true);
    if (!body.empty()) {
      r.set(http::field::content_type, "application/json");
      r.body() = std::move(body);
      r.prepare_payload();
    }
    return r;
  }
  http::response<http::string_body> handle(const ClientRequest& r) {
    std::optional<ChainDecision> out;
    chain_.handle(r, PeerCertificate{}, ioc_.get_executor(),
                  [&](ChainDecision d) { out.emplace(std::move(d)); });
    run();
    EXPECT_TRUE(out && std::holds_alternative<LocalReply>(*out));
    if (!out || !std::holds_alternative<LocalReply>(*out)) return {};
    return std::get<LocalReply>(*out).response;
  }
  static rapidjson::Document json(const http::response<http::string_body>& res) {
    rapidjson::Document d;
    d.Parse(res.body().c_str());
    return d;
  }

  std::shared_ptr<StatusCounters> counters_ = std::make_shared<StatusCounters>();
  std::shared_ptr<Metrics> metrics_ = std::make_shared<Metrics>();
  std::shared_ptr<testing::FakeAuthenticator> authn_ =
      std::make_shared<testing::FakeAuthenticator>();
  std::shared_ptr<testing::FakeAuthorizer> authz_ = std::make_shared<testing::FakeAuthorizer>();
  std::uint64_t seed_ = 7;
  HandlerChain chain_{
      std::make_shared<HealthState>(),
      counters_,
      nullptr,
      authn_,
      authz_,
      std::make_shared<WakeupService>(
          registry_for_chain(), counters_, metrics_,
          [] { return system_clock::time_point(std::chrono::seconds(1'800'000'000)); }, seed_)};

 private:
  // The chain is built before SetUp; it gets the registry through this indirection.
  std::shared_ptr<WakeupRegistry> registry_for_chain() {
    start(WakeupLimits{2, 1 << 20});
    return registry_;
  }
};

constexpr const char* kCollection =
    "/apis/stream.watchfilter.io/v1alpha1/namespaces/team-a/wakeups";

TEST_F(WakeupChainTest, CreateIsAuthorizedAsCreateAndAnswered201) {
  auto res = handle(request(
      http::verb::post, kCollection,
      R"({"apiVersion":"stream.watchfilter.io/v1alpha1","kind":"Wakeup","metadata":{"generateName":"wakeup-"},"spec":{"watcher":"w1","object":"cm-1","after":"3s"}})"));
  EXPECT_EQ(res.result(), http::status::created) << res.body();
  ASSERT_EQ(authz_->asked.size(), 1u);
  EXPECT_EQ(authz_->asked[0].verb, "create");
  EXPECT_EQ(authz_->asked[0].gvr.group, "stream.watchfilter.io");
  EXPECT_EQ(authz_->asked[0].gvr.resource, "wakeups");
  EXPECT_EQ(authz_->asked[0].namespace_name, "team-a");
  auto d = json(res);
  const std::string name = d["metadata"]["name"].GetString();
  EXPECT_TRUE(name.starts_with("wakeup-") && name.size() == 12) << name;
  EXPECT_STREQ(d["metadata"]["namespace"].GetString(), "team-a");
  EXPECT_STREQ(d["metadata"]["creationTimestamp"].GetString(), "2027-01-15T08:00:00Z");
  EXPECT_STREQ(d["status"]["due"].GetString(), "2027-01-15T08:00:03.000Z");
  EXPECT_EQ(std::string(d["metadata"]["uid"].GetString()).size(), 36u);
  EXPECT_TRUE(store_->entries.contains(name));
  EXPECT_EQ(registry_->pending_for("alice", "w1").size(), 1u);

  // list, get, delete
  auto list = handle(request(http::verb::get, kCollection));
  EXPECT_EQ(list.result(), http::status::ok);
  EXPECT_EQ(json(list)["items"].Size(), 1u);
  EXPECT_EQ(authz_->asked.back().verb, "list");
  auto one = handle(request(http::verb::get, std::string(kCollection) + "/" + name));
  EXPECT_EQ(one.result(), http::status::ok);
  EXPECT_EQ(authz_->asked.back().verb, "get");
  auto del = handle(request(http::verb::delete_, std::string(kCollection) + "/" + name));
  EXPECT_EQ(del.result(), http::status::ok);
  EXPECT_EQ(authz_->asked.back().verb, "delete");
  EXPECT_EQ(authz_->asked.back().name, name);
  auto gone = handle(request(http::verb::get, std::string(kCollection) + "/" + name));
  EXPECT_EQ(gone.result(), http::status::not_found);
  EXPECT_STREQ(json(gone)["message"].GetString(),
               ("wakeups.stream.watchfilter.io \"" + name + "\" not found").c_str());
}

TEST_F(WakeupChainTest, Refusals) {
  auto invalid = handle(request(http::verb::post, kCollection,
                                R"({"metadata":{"name":"a"},"spec":{"object":"o","after":"1s"}})"));
  EXPECT_EQ(invalid.result(), http::status::unprocessable_entity);
  auto d = json(invalid);
  EXPECT_STREQ(d["reason"].GetString(), "Invalid");
  EXPECT_STREQ(d["details"]["causes"][0]["field"].GetString(), "spec.watcher");
  EXPECT_EQ(counters_->count(StatusReason::kInvalid), 1u);

  auto yaml = request(http::verb::post, kCollection, "metadata: {}");
  yaml.set(http::field::content_type, "application/yaml");
  EXPECT_EQ(handle(yaml).result(), http::status::unsupported_media_type);

  EXPECT_EQ(handle(request(http::verb::post, kCollection, "{")).result(),
            http::status::bad_request);

  const std::string ok =
      R"({"metadata":{"name":"a"},"spec":{"watcher":"w","object":"o","after":"1s"}})";
  EXPECT_EQ(handle(request(http::verb::post, kCollection, ok)).result(), http::status::created);
  EXPECT_EQ(handle(request(http::verb::post, kCollection, ok)).result(), http::status::conflict);

  // Denied by the authorizer: 403, nothing stored.
  authz_->decision = AuthorizationDecision{false, "", ""};
  const std::string ok2 =
      R"({"metadata":{"name":"b"},"spec":{"watcher":"w","object":"o","after":"1s"}})";
  auto denied = handle(request(http::verb::post, kCollection, ok2));
  EXPECT_EQ(denied.result(), http::status::forbidden);
  EXPECT_NE(denied.body().find("cannot create resource \\\"wakeups\\\" in API group "
                               "\\\"stream.watchfilter.io\\\" in the namespace \\\"team-a\\\""),
            std::string::npos)
      << denied.body();
  EXPECT_FALSE(store_->entries.contains("b"));
  authz_->decision = AuthorizationDecision{true, "", ""};

  // Other methods and paths.
  EXPECT_EQ(handle(request(http::verb::put, kCollection, ok)).result(),
            http::status::method_not_allowed);
  EXPECT_EQ(handle(request(http::verb::post, "/api/v1/namespaces/a/configmaps", ok)).result(),
            http::status::method_not_allowed);
  EXPECT_EQ(handle(request(http::verb::get, std::string(kCollection) + "?watch=true")).result(),
            http::status::method_not_allowed);

  // dryRun=All: validated and answered, not stored.
  const std::string ok3 =
      R"({"metadata":{"name":"c"},"spec":{"watcher":"w","object":"o","after":"1s"}})";
  EXPECT_EQ(
      handle(request(http::verb::post, std::string(kCollection) + "?dryRun=All", ok3)).result(),
      http::status::created);
  EXPECT_FALSE(store_->entries.contains("c"));
}

TEST_F(WakeupChainTest, StoreFailureIs503AndAFullBook429) {
  auto body = [](const char* name) {
    return R"({"metadata":{"name":")" + std::string(name) +
           R"("},"spec":{"watcher":"w","object":"o","after":"1s"}})";
  };
  store_->fail_next_changes = 1;
  auto failed = handle(request(http::verb::post, kCollection, body("a")));
  EXPECT_EQ(failed.result(), http::status::service_unavailable);
  EXPECT_NE(failed.body().find("could not be stored in ConfigMap test/wakeups: PATCH"),
            std::string::npos)
      << failed.body();
  EXPECT_EQ(handle(request(http::verb::post, kCollection, body("a"))).result(),
            http::status::created);
  EXPECT_EQ(handle(request(http::verb::post, kCollection, body("b"))).result(),
            http::status::created);
  auto full = handle(request(http::verb::post, kCollection, body("c")));
  EXPECT_EQ(full.result(), http::status::too_many_requests);
  EXPECT_STREQ(json(full)["reason"].GetString(), "TooManyRequests");
  EXPECT_STREQ(json(full)["message"].GetString(),
               "too many pending wake-ups: 2 are pending, the most --max-wakeups allows; retry "
               "after some have been delivered");
  EXPECT_EQ(json(full)["details"]["retryAfterSeconds"].GetInt(), 10);
  EXPECT_EQ(full[http::field::retry_after], "10");
  EXPECT_FALSE(store_->entries.contains("c"));
  EXPECT_EQ(metrics_->refusals("max-wakeups"), 1u);
}

TEST_F(WakeupRegistryTest, OneNamespaceCannotTakeTheClustersWakeups) {
  start(WakeupLimits{5, 1 << 20, 2});
  EXPECT_EQ(add(object("a1", "w", "team-a")), WakeupRegistry::Outcome::kDone);
  EXPECT_EQ(add(object("a2", "w", "team-a")), WakeupRegistry::Outcome::kDone);
  std::optional<WakeupRegistry::Answer> refused;
  registry_->add(object("a3", "w", "team-a"), [&](WakeupRegistry::Answer a) { refused = a; });
  run();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->outcome, WakeupRegistry::Outcome::kQuota);
  EXPECT_EQ(refused->limit, "max-wakeups-per-namespace");
  EXPECT_EQ(refused->used, 2u);
  // Another namespace is not affected; a delivered one frees the namespace's room.
  EXPECT_EQ(add(object("b1", "w", "team-b")), WakeupRegistry::Outcome::kDone);
  EXPECT_TRUE(registry_->claim("a1"));
  run();
  EXPECT_EQ(add(object("a3", "w", "team-a")), WakeupRegistry::Outcome::kDone);
  // Adds waiting for the store count too.
  store_->hold = true;
  registry_->add(object("b2", "w", "team-b"), [](WakeupRegistry::Answer) {});
  run();
  EXPECT_EQ(add(object("b3", "w", "team-b")), WakeupRegistry::Outcome::kQuota);
  store_->release();
  run();
}

TEST_F(WakeupChainTest, AFullNamespaceIsAnExceededQuota403) {
  // A registry and service of its own: one pending wake-up per namespace.
  start(WakeupLimits{10, 1 << 20, 1});
  WakeupService service(registry_, counters_, metrics_);
  auto post = [&](const std::string& name) {
    std::optional<http::response<http::string_body>> out;
    const auto r = request(http::verb::post, kCollection,
                           R"({"metadata":{"name":")" + name +
                               R"("},"spec":{"watcher":"w","object":"o","after":"1s"}})");
    service.handle(r, *parse_wakeup_path(kCollection), UserInfo{"alice", "", {}, {}},
                   ioc_.get_executor(),
                   [&](http::response<http::string_body> res) { out.emplace(std::move(res)); });
    run();
    return out.value_or(http::response<http::string_body>{});
  };
  EXPECT_EQ(post("a").result(), http::status::created);
  auto refused = post("b");
  EXPECT_EQ(refused.result(), http::status::forbidden);
  EXPECT_STREQ(json(refused)["reason"].GetString(), "Forbidden");
  EXPECT_STREQ(json(refused)["message"].GetString(),
               "wakeups.stream.watchfilter.io \"b\" is forbidden: exceeded quota: "
               "max-wakeups-per-namespace, requested: wakeups=1, used: wakeups=1, limited: "
               "wakeups=1");
  EXPECT_STREQ(json(refused)["details"]["kind"].GetString(), "wakeups");
  EXPECT_EQ(metrics_->refusals("max-wakeups-per-namespace"), 1u);
}

}  // namespace
}  // namespace watchfilter::proxy

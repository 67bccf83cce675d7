// FilteredService::serve as the session sees it: the reply a client would get (a Status, a
// List, an object) or the plan of a stream, from discovery documents, LISTs and WATCHes that a
// fake upstream (test/proxy/support/fake_upstream.h) answers by request path. Everything runs on
// one io_context driven by the test thread; every wait is bounded.

#include "proxy/stream/filtered_service.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http/field.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "proxy/informer/watcher_quota.h"
#include "proxy/stream/owned_authorization.h"
#include "test/proxy/support/fake_upstream.h"
#include "test/proxy/support/io_wait.h"
#include "test/proxy/support/watch_request_support.h"

namespace watchfilter::proxy {
namespace {

namespace http = boost::beast::http;
using namespace std::chrono_literals;
using testing::FakeUpstream;
using testing::RecordedReply;
using Outcome = FilteredService::Outcome;
using Response = Reply::Response;
using StreamPlan = FilteredService::StreamPlan;

// /api/v1 as kube-apiserver serves it, cut to what the tests ask about.
const std::string kCoreV1 =
    R"({"kind":"APIResourceList","apiVersion":"v1","groupVersion":"v1","resources":[)"
    R"({"name":"configmaps","namespaced":true,"kind":"ConfigMap","verbs":["get","list","watch"]},)"
    R"({"name":"secrets","namespaced":true,"kind":"Secret","verbs":["get","list","watch"]},)"
    R"({"name":"nodes","namespaced":false,"kind":"Node","verbs":["get","list","watch"]},)"
    R"({"name":"bindings","namespaced":true,"kind":"Binding","verbs":["create"]},)"
    R"({"name":"componentstatuses","namespaced":false,"kind":"ComponentStatus",)"
    R"("verbs":["get","list"]}]})";
const std::string kNotFound =
    R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
    R"("message":"the server could not find the requested resource","reason":"NotFound",)"
    R"("code":404})";

const std::string kConfigMaps = "/api/v1/namespaces/default/configmaps";
const std::string kSecrets = "/api/v1/namespaces/default/secrets";

// A LIST item (kube-apiserver lists built-in types without kind/apiVersion).
std::string item(const std::string& name, const std::string& k) {
  return R"({"metadata":{"name":")" + name + R"(","namespace":"default","uid":"uid-)" + name +
         R"(","resourceVersion":"5"},"data":{"k":")" + k + R"("}})";
}
std::string list_body(const std::string& kind, const std::vector<std::string>& items) {
  std::string body = R"({"kind":")" + kind +
                     R"(","apiVersion":"v1","metadata":{"resourceVersion":"10"},"items":[)";
  for (std::size_t i = 0; i < items.size(); ++i) body += (i ? "," : "") + items[i];
  return body + "]}";
}

// A WatchFilter as the catalog's watch delivers it: db/x on configmaps, owning secrets.
std::string watchfilter_event(const std::string& name) {
  return R"j({"type":"ADDED","object":{"apiVersion":"watchfilter.io/v1alpha1",)j"
         R"j("kind":"WatchFilter","metadata":{"name":")j" +
         name +
         R"j(","namespace":"db","uid":"wf-1","generation":1},"spec":{"resource":{)j"
         R"j("version":"v1","resource":"configmaps"},"filter":"changed(data)","owned":[{)j"
         R"j("resource":{"version":"v1","resource":"secrets"},"filter":"changed(data)"}]}}})j"
         "\n";
}
const std::string kCatalogSynced =
    R"({"type":"BOOKMARK","object":{"kind":"WatchFilter","apiVersion":"watchfilter.io/v1alpha1",)"
    R"("metadata":{"resourceVersion":"5","annotations":{"k8s.io/initial-events-end":"true"}}}})";

// What a client reads in a Status reply.
struct Status {
  unsigned http = 0;
  long code = 0;
  std::string reason;
  std::string message;
  std::string retry_after;
};

Status status_of(const Outcome& outcome) {
  Status s;
  const auto* reply = std::get_if<Response>(&outcome);
  EXPECT_TRUE(reply) << "a stream plan, not a reply";
  if (!reply) return s;
  s.http = reply->result_int();
  s.retry_after = std::string((*reply)[http::field::retry_after]);
  rapidjson::Document doc;
  doc.Parse(reply->body().data(), reply->body().size());
  EXPECT_TRUE(doc.IsObject() && doc.HasMember("kind") && doc["kind"] == "Status") << reply->body();
  if (!doc.IsObject()) return s;
  if (doc.HasMember("code") && doc["code"].IsInt()) s.code = doc["code"].GetInt();
  if (doc.HasMember("reason") && doc["reason"].IsString()) s.reason = doc["reason"].GetString();
  if (doc.HasMember("message") && doc["message"].IsString()) {
    s.message = doc["message"].GetString();
  }
  return s;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A caller that may do nothing (the SubjectAccessReview's answer, inline).
class DenyingAuthorizer : public Authorizer {
 public:
  std::vector<RequestAttributes> asked;
  void authorize(const UserInfo&, const RequestAttributes& attributes, boost::asio::any_io_executor,
                 Handler handler) override {
    asked.push_back(attributes);
    handler(AuthorizationDecision{false, "no RBAC policy matched", ""});
  }
};

// A stream as the informer sees it: only what the named-watcher test needs.
struct NullEndpoint : informer::StreamEndpoint {
  void deliver(std::vector<informer::OutEvent>, std::uint64_t) override {}
  void end(EndCause, std::shared_ptr<const std::string>) override {}
};

class FilteredServiceTest : public ::testing::Test {
 protected:
  FilteredServiceTest()
      : metrics(std::make_shared<Metrics>()),
        counters(std::make_shared<StatusCounters>()),
        logger(std::make_shared<const Logger>(0)),
        client(std::make_shared<UpstreamClient>(upstream.config(), logger)) {
    upstream.always("/api/v1", RecordedReply::list(kCoreV1));
    upstream.always("/apis/example.com/v1", RecordedReply::error(404, kNotFound));
  }
  ~FilteredServiceTest() override {
    if (service) service->stop();
    if (catalog) catalog->stop();
    run_for(50ms);
  }

  void make(FilteredServiceOptions options = {}) {
    service = std::make_unique<FilteredService>(ioc, client, logger, metrics, std::move(options));
  }
  // configmaps in default: a LIST of `items` and a watch held open.
  void script_configmaps(const std::vector<std::string>& items = {item("a", "x")}) {
    upstream.add_list(kConfigMaps, RecordedReply::list(list_body("ConfigMapList", items)));
    upstream.add_watch(kConfigMaps, RecordedReply::watch_lines({}, true));
  }
  std::shared_ptr<WatchFilterCatalog> synced_catalog() {
    catalog =
        std::make_shared<WatchFilterCatalog>(ioc, nullptr, logger, WatchFilterCatalog::Options{});
    catalog->apply_line(watchfilter_event("x"));
    catalog->apply_line(kCatalogSynced);
    return catalog;
  }

  std::shared_ptr<const WatchRequest> request(const std::string& target,
                                              const std::string& owner = "alice") {
    auto parsed = testing::parse_target(target);
    auto* r = std::get_if<WatchRequest>(&parsed);
    EXPECT_TRUE(r) << target << ": " << std::get<std::string>(parsed);
    if (!r) return std::make_shared<const WatchRequest>();
    r->owner = owner;
    return std::make_shared<const WatchRequest>(std::move(*r));
  }
  Outcome serve(std::shared_ptr<const WatchRequest> r) {
    // Shared with the handler: a handler that comes after the wait has nothing to write to.
    auto out = std::make_shared<std::optional<Outcome>>();
    service->serve(std::move(r), Reply(11, true, *counters), ioc.get_executor(),
                   [out](Outcome o) { *out = std::move(o); });
    EXPECT_TRUE(run_until([&] { return out->has_value(); })) << "no outcome within 5 s";
    return out->has_value() ? std::move(**out) : Outcome{Response{}};
  }
  Outcome serve(const std::string& target, const std::string& owner = "alice") {
    return serve(request(target, owner));
  }
  // The plan, or a failure naming the reply the test got instead.
  StreamPlan plan_of(Outcome outcome) {
    if (auto* reply = std::get_if<Response>(&outcome)) {
      ADD_FAILURE() << "a reply, not a stream plan: " << reply->result_int() << " "
                    << reply->body();
      return {};
    }
    return std::move(std::get<StreamPlan>(outcome));
  }
  // Requests to `path` (LIST and WATCH), and the LISTs among them.
  std::size_t requests_to(const std::string& path) const {
    std::size_t n = 0;
    for (const auto& t : upstream.targets()) n += t.substr(0, t.find('?')) == path;
    return n;
  }
  std::size_t lists_of(const std::string& path) const {
    std::size_t n = 0;
    for (const auto& t : upstream.targets()) {
      n += t.substr(0, t.find('?')) == path && t.find("watch=true") == std::string::npos;
    }
    return n;
  }

  bool run_until(const std::function<bool()>& condition) {
    return testing::run_until(ioc, condition);
  }
  void run_for(std::chrono::milliseconds d) { testing::run_for(ioc, d); }

  FakeUpstream upstream;
  boost::asio::io_context ioc;
  std::shared_ptr<Metrics> metrics;
  std::shared_ptr<StatusCounters> counters;
  std::shared_ptr<const Logger> logger;
  std::shared_ptr<UpstreamClient> client;
  std::shared_ptr<WatchFilterCatalog> catalog;
  std::unique_ptr<FilteredService> service;
};

TEST_F(FilteredServiceTest, AResourceDiscoveryDoesNotListIsNotFoundLikeUpstream) {
  make();
  // In a group version upstream serves, and in one it does not.
  for (const std::string target : {"/api/v1/namespaces/default/widgets?filter=true",
                                   "/apis/example.com/v1/namespaces/default/widgets?filter=true"}) {
    const Status s = status_of(serve(target));
    EXPECT_EQ(s.http, 404u) << target;
    EXPECT_EQ(s.code, 404) << target;
    EXPECT_EQ(s.reason, "NotFound") << target;
  }
  EXPECT_EQ(counters->count(StatusReason::kNotFound), 2u);
  // Nothing but discovery was asked: no informer for an unknown resource.
  for (const auto& t : upstream.targets()) EXPECT_TRUE(t.starts_with("/api")) << t;
  EXPECT_EQ(upstream.targets().size(), 2u);
}

TEST_F(FilteredServiceTest, ADiscoveryFailureIsServiceUnavailable) {
  upstream.always("/apis/flaky.io/v1", RecordedReply::error(500, R"({"kind":"Status"})"));
  make();
  const Status s = status_of(serve("/apis/flaky.io/v1/namespaces/default/things?filter=true"));
  EXPECT_EQ(s.http, 503u);
  EXPECT_EQ(s.reason, "ServiceUnavailable");
  EXPECT_TRUE(contains(s.message, "discovery of /apis/flaky.io/v1 failed: HTTP 500")) << s.message;
}

TEST_F(FilteredServiceTest, AVerbTheResourceDoesNotHaveIsMethodNotAllowed) {
  make();
  const Status watch = status_of(serve("/api/v1/componentstatuses?watch=true&filter=true"));
  EXPECT_EQ(watch.http, 405u);
  EXPECT_EQ(watch.reason, "MethodNotAllowed");
  EXPECT_TRUE(contains(watch.message, "(watch componentstatuses)")) << watch.message;
  const Status list = status_of(serve("/api/v1/namespaces/default/bindings?filter=true"));
  EXPECT_EQ(list.http, 405u);
  EXPECT_TRUE(contains(list.message, "(list bindings)")) << list.message;
  EXPECT_EQ(counters->count(StatusReason::kMethodNotAllowed), 2u);
}

TEST_F(FilteredServiceTest, AClusterScopedResourceInANamespaceIsNotFound) {
  make();
  const Status s = status_of(serve("/api/v1/namespaces/default/nodes?filter=true"));
  EXPECT_EQ(s.http, 404u);
  EXPECT_EQ(s.reason, "NotFound");
  EXPECT_EQ(requests_to("/api/v1/namespaces/default/nodes"), 0u);
}

TEST_F(FilteredServiceTest, AListIsTheInformersCacheThroughTheFilter) {
  script_configmaps({item("a", "x"), item("b", "y")});
  make();
  const auto filtered = serve(kConfigMaps + "?filter=data.k%3D%3D%22x%22");
  ASSERT_TRUE(std::holds_alternative<Response>(filtered));
  const Response& reply = std::get<Response>(filtered);
  EXPECT_EQ(reply.result_int(), 200u);
  rapidjson::Document doc;
  doc.Parse(reply.body().data(), reply.body().size());
  ASSERT_TRUE(doc.IsObject() && doc.HasMember("items") && doc["items"].IsArray()) << reply.body();
  std::vector<std::string> names;
  for (const auto& i : doc["items"].GetArray()) names.push_back(i["metadata"]["name"].GetString());
  EXPECT_EQ(names, std::vector<std::string>{"a"});

  // Another list of the same resource and namespace is served from the same informer.
  const auto all = serve(kConfigMaps + "?filter=true");
  ASSERT_TRUE(std::holds_alternative<Response>(all));
  EXPECT_TRUE(contains(std::get<Response>(all).body(), R"("name":"b")"))
      << std::get<Response>(all).body();
  EXPECT_EQ(lists_of(kConfigMaps), 1u);
}

TEST_F(FilteredServiceTest, AGetOfAnObjectTheFilterRejectsIsNotFound) {
  script_configmaps({item("a", "x"), item("b", "y")});
  make();
  const std::string filter = "?filter=data.k%3D%3D%22x%22";
  const auto admitted = serve(kConfigMaps + "/a" + filter);
  ASSERT_TRUE(std::holds_alternative<Response>(admitted));
  EXPECT_EQ(std::get<Response>(admitted).result_int(), 200u);
  EXPECT_TRUE(contains(std::get<Response>(admitted).body(), R"("uid":"uid-a")"))
      << std::get<Response>(admitted).body();

  const Status rejected = status_of(serve(kConfigMaps + "/b" + filter));
  EXPECT_EQ(rejected.http, 404u);
  EXPECT_EQ(rejected.message, R"(configmaps "b" not found)");
}

TEST_F(FilteredServiceTest, AWatchIsAPlanWithTheRequestAndALeaseOnItsInformer) {
  script_configmaps();
  make();
  const auto r = request(kConfigMaps + "?watch=true&filter=true");
  StreamPlan plan = plan_of(serve(r));
  ASSERT_TRUE(plan.lease);
  EXPECT_EQ(plan.request, r);
  EXPECT_EQ(plan.lease->informer().key().to_string(),
            (informer::InformerKey{{"", "v1", "configmaps"}, "default"}.to_string()));
  EXPECT_EQ(plan.info.kind, "ConfigMap");
  EXPECT_TRUE(plan.info.namespaced);
  EXPECT_FALSE(plan.owned);   // a filter= request has no owned resources
  EXPECT_FALSE(plan.ticket);  // no --max-streams-per-user
  // The informer has its first LIST before the stream starts.
  EXPECT_EQ(upstream.targets().at(1), kConfigMaps + "?limit=500");
}

TEST_F(FilteredServiceTest, PastMaxInformersIsTooManyRequestsWithRetryAfter) {
  script_configmaps();
  FilteredServiceOptions options;
  options.max_informers = 1;
  make(options);
  StreamPlan first = plan_of(serve(kConfigMaps + "?watch=true&filter=true"));
  ASSERT_TRUE(first.lease);

  const Status refused =
      status_of(serve("/api/v1/namespaces/other/configmaps?watch=true&filter=true"));
  EXPECT_EQ(refused.http, 429u);
  EXPECT_EQ(refused.reason, "TooManyRequests");
  EXPECT_EQ(refused.retry_after, "10");
  EXPECT_TRUE(contains(refused.message, "(--max-informers)")) << refused.message;
  EXPECT_TRUE(contains(refused.message, "configmaps in namespace other")) << refused.message;
  EXPECT_EQ(metrics->refusals("max-informers"), 1u);
  EXPECT_EQ(counters->count(StatusReason::kTooManyRequests), 1u);
  EXPECT_EQ(requests_to("/api/v1/namespaces/other/configmaps"), 0u);

  // Once the first stream is gone its informer is idle and gives way to the new one.
  first = {};
  upstream.add_list("/api/v1/namespaces/other/configmaps",
                    RecordedReply::list(list_body("ConfigMapList", {})));
  upstream.add_watch("/api/v1/namespaces/other/configmaps", RecordedReply::watch_lines({}, true));
  StreamPlan second = plan_of(serve("/api/v1/namespaces/other/configmaps?watch=true&filter=true"));
  EXPECT_TRUE(second.lease);
  EXPECT_EQ(metrics->refusals("max-informers"), 1u);
}

TEST_F(FilteredServiceTest, PastMaxStreamsPerUserIsTooManyRequests) {
  script_configmaps();
  FilteredServiceOptions options;
  options.stream_quota = std::make_shared<StreamQuota>(1);
  make(options);
  const std::string watch = kConfigMaps + "?watch=true&filter=true";
  StreamPlan first = plan_of(serve(watch, "alice"));
  ASSERT_TRUE(first.ticket);

  const Status refused = status_of(serve(watch, "alice"));
  EXPECT_EQ(refused.http, 429u);
  EXPECT_EQ(refused.retry_after, "1");
  EXPECT_TRUE(contains(refused.message, R"(for user "alice": 1 are open)")) << refused.message;
  EXPECT_EQ(metrics->refusals("max-streams-per-user"), 1u);

  // Another user, and a list of the same user (lists end by themselves), are not counted.
  EXPECT_TRUE(plan_of(serve(watch, "bob")).ticket);
  EXPECT_TRUE(std::holds_alternative<Response>(serve(kConfigMaps + "?filter=true", "alice")));
  // The ticket goes with the plan (the stream holds it until it has ended).
  first = {};
  EXPECT_TRUE(plan_of(serve(watch, "alice")).ticket);
  EXPECT_EQ(metrics->refusals("max-streams-per-user"), 1u);
}

TEST_F(FilteredServiceTest, ANewNamedWatcherPastMaxWatchersPerUserIsTooManyRequests) {
  script_configmaps();
  FilteredServiceOptions options;
  options.informer.core.watcher_quota = std::make_shared<WatcherQuota>(1);
  make(options);
  StreamPlan w1 = plan_of(serve(kConfigMaps + "?watch=true&filter=true&watcher=w1"));
  ASSERT_TRUE(w1.lease);
  // The stream starts: its watcher record is kept from now on.
  auto endpoint = std::make_shared<NullEndpoint>();
  w1.lease->informer().attach(w1.request, endpoint);
  ASSERT_TRUE(run_until([&] { return options.informer.core.watcher_quota->kept("alice") == 1; }));

  const Status refused = status_of(serve(kConfigMaps + "?watch=true&filter=true&watcher=w2"));
  EXPECT_EQ(refused.http, 429u);
  EXPECT_EQ(refused.retry_after, "10");
  EXPECT_TRUE(contains(refused.message, "--max-watchers-per-user")) << refused.message;
  EXPECT_EQ(metrics->refusals("max-watchers-per-user"), 1u);
  // Reconnecting the kept watcher is always allowed.
  EXPECT_TRUE(plan_of(serve(kConfigMaps + "?watch=true&filter=true&watcher=w1")).lease);
  w1.lease->informer().detach(endpoint);
}

TEST_F(FilteredServiceTest, AFailedFirstListRelaysUpstreamsStatus) {
  const std::string forbidden =
      R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
      R"("message":"configmaps is forbidden: User \"system:serviceaccount:wf:proxy\" cannot list)"
      R"( resource \"configmaps\"","reason":"Forbidden","code":403})";
  upstream.add_list(kConfigMaps, RecordedReply::error(403, forbidden));
  make();
  const auto outcome = serve(kConfigMaps + "?watch=true&filter=true");
  ASSERT_TRUE(std::holds_alternative<Response>(outcome));
  EXPECT_EQ(std::get<Response>(outcome).result_int(), 403u);
  EXPECT_EQ(std::get<Response>(outcome).body(), forbidden);
  // Upstream's error, not one of the proxy's own.
  EXPECT_EQ(counters->count(StatusReason::kForbidden), 0u);
  EXPECT_EQ(requests_to(kConfigMaps), 1u);  // no WATCH without a list
}

TEST_F(FilteredServiceTest, AFilterRefWithoutACatalogIsServiceUnavailable) {
  make();
  const Status s = status_of(serve(kConfigMaps + "?watch=true&filterRef=db%2Fx"));
  EXPECT_EQ(s.http, 503u);
  EXPECT_TRUE(contains(s.message, "no WatchFilter catalog")) << s.message;
  EXPECT_TRUE(upstream.targets().empty());  // refused before discovery
}

TEST_F(FilteredServiceTest, AFilterRefIsBoundToItsWatchFilterAndPreparesItsOwnedResources) {
  script_configmaps();
  upstream.add_list(kSecrets, RecordedReply::list(list_body("SecretList", {})));
  upstream.add_watch(kSecrets, RecordedReply::watch_lines({}, true));
  FilteredServiceOptions options;
  options.catalog = synced_catalog();
  make(options);

  const auto r = request(kConfigMaps + "?watch=true&filterRef=db%2Fx");
  StreamPlan plan = plan_of(serve(r));
  ASSERT_TRUE(plan.request);
  EXPECT_NE(plan.request, r);  // a bound copy
  ASSERT_TRUE(plan.request->binding);
  EXPECT_EQ(plan.request->binding->ref(), "db/x");
  EXPECT_TRUE(plan.request->filter);
  EXPECT_TRUE(plan.owned);
  // The owned resource's informer has listed before the stream starts.
  const auto targets = upstream.targets();
  EXPECT_NE(std::find(targets.begin(), targets.end(), kSecrets + "?limit=500"), targets.end());

  const Status unknown = status_of(serve(kConfigMaps + "?watch=true&filterRef=db%2Fnosuch"));
  EXPECT_EQ(unknown.http, 404u);
  EXPECT_EQ(unknown.message, R"(watchfilters.watchfilter.io "nosuch" not found)");
}

TEST_F(FilteredServiceTest, AnOwnedResourcePastMaxInformersIsTooManyRequests) {
  script_configmaps();
  FilteredServiceOptions options;
  options.catalog = synced_catalog();
  options.max_informers = 1;  // the primary's informer takes it
  make(options);
  const Status s = status_of(serve(kConfigMaps + "?watch=true&filterRef=db%2Fx"));
  EXPECT_EQ(s.http, 429u);
  EXPECT_EQ(s.retry_after, "10");
  EXPECT_TRUE(contains(s.message,
                       "secrets in namespace default, an owned resource of WatchFilter db/x, "
                       "would need another"))
      << s.message;
  EXPECT_EQ(metrics->refusals("max-informers"), 1u);
  EXPECT_EQ(requests_to(kSecrets), 0u);
}

TEST_F(FilteredServiceTest, AnOwnedResourceTheCallerMayNotWatchIsForbidden) {
  script_configmaps();
  FilteredServiceOptions options;
  options.catalog = synced_catalog();
  make(options);
  auto authorizer = std::make_shared<DenyingAuthorizer>();
  auto parsed = testing::parse_target(kConfigMaps + "?watch=true&filterRef=db%2Fx");
  ASSERT_TRUE(std::holds_alternative<WatchRequest>(parsed));
  WatchRequest r = std::get<WatchRequest>(parsed);
  r.owner = "alice";
  r.caller = std::make_shared<const CallerAuthorization>(
      CallerAuthorization{UserInfo{"alice", "", {"system:authenticated"}, {}}, authorizer});

  const Status s = status_of(serve(std::make_shared<const WatchRequest>(std::move(r))));
  EXPECT_EQ(s.http, 403u);
  EXPECT_EQ(s.reason, "Forbidden");
  EXPECT_TRUE(contains(s.message, R"(User "alice" cannot watch resource "secrets")")) << s.message;
  EXPECT_TRUE(contains(s.message, "(an owned resource of WatchFilter db/x)")) << s.message;
  ASSERT_EQ(authorizer->asked.size(), 1u);
  EXPECT_EQ(authorizer->asked[0].verb, "watch");
  EXPECT_EQ(authorizer->asked[0].gvr.resource, "secrets");
  EXPECT_EQ(authorizer->asked[0].namespace_name, "default");
  // The proxy reads nothing of what the caller may not.
  EXPECT_EQ(requests_to(kSecrets), 0u);
}

TEST_F(FilteredServiceTest, AfterStopEveryRequestIsServiceUnavailable) {
  script_configmaps();
  make();
  service->stop();
  const Status s = status_of(serve(kConfigMaps + "?watch=true&filter=true"));
  EXPECT_EQ(s.http, 503u);
  EXPECT_EQ(s.message, "watchfilter-proxy is shutting down");
  EXPECT_EQ(requests_to(kConfigMaps), 0u);
}

}  // namespace
}  // namespace watchfilter::proxy

#include "proxy/server/handler_chain.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <tuple>

#include "test/proxy/support/fake_auth.h"

namespace watchfilter::proxy {
namespace {

class HandlerChainTest : public ::testing::Test {
 protected:
  ClientRequest request(http::verb method, std::string target) {
    ClientRequest r{method, target, 11};
    r.keep_alive(true);
    r.set(http::field::authorization, "Bearer callers-token");
    return r;
  }
  void caller_by(AuthenticationMethod method) { authn_->user->method = method; }
  const ForwardUpstream* forwarded(const ChainDecision& d) {
    return std::get_if<ForwardUpstream>(&d);
  }
  // The Status of a local reply: code, reason, message.
  std::tuple<unsigned, std::string, std::string> status_of(const ChainDecision& d) {
    const auto* reply = std::get_if<LocalReply>(&d);
    if (!reply) return {0, "", "not a local reply"};
    rapidjson::Document doc;
    doc.Parse(reply->response.body().c_str());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("reason")) {
      return {reply->response.result_int(), "", reply->response.body()};
    }
    return {reply->response.result_int(), doc["reason"].GetString(), doc["message"].GetString()};
  }
  std::shared_ptr<HealthState> health_ = std::make_shared<HealthState>();
  std::shared_ptr<StatusCounters> counters_ = std::make_shared<StatusCounters>();
  std::shared_ptr<testing::FakeAuthenticator> authn_ =
      std::make_shared<testing::FakeAuthenticator>();
  std::shared_ptr<testing::FakeAuthorizer> authz_ = std::make_shared<testing::FakeAuthorizer>();
  std::shared_ptr<Metrics> metrics_ = std::make_shared<Metrics>();
  HandlerChain chain_{health_, counters_, metrics_, authn_, authz_};
  ChainDecision handle(const ClientRequest& r) { return testing::decide(chain_, r); }
};

TEST_F(HandlerChainTest, HealthEndpoints) {
  for (const char* path : {"/healthz", "/livez"}) {
    auto d = handle(request(http::verb::get, path));
    ASSERT_TRUE(std::holds_alternative<LocalReply>(d));
    EXPECT_EQ(std::get<LocalReply>(d).response.result(), http::status::ok);
    EXPECT_EQ(std::get<LocalReply>(d).response.body(), "ok");
  }
  auto not_ready = handle(request(http::verb::get, "/readyz?verbose"));
  EXPECT_EQ(std::get<LocalReply>(not_ready).response.result(), http::status::service_unavailable);
  health_->mark_upstream_reachable();
  auto ready = handle(request(http::verb::get, "/readyz"));
  EXPECT_EQ(std::get<LocalReply>(ready).response.result(), http::status::ok);
  health_->begin_shutdown();
  auto stopping = handle(request(http::verb::get, "/readyz"));
  EXPECT_EQ(std::get<LocalReply>(stopping).response.result(), http::status::service_unavailable);
}

TEST_F(HandlerChainTest, HealthUnderPrefixIsUpstreams) {
  caller_by(AuthenticationMethod::kBearerToken);
  auto d = handle(request(http::verb::get, std::string(kProxyPrefix) + "/readyz"));
  ASSERT_TRUE(forwarded(d));
  EXPECT_EQ(forwarded(d)->target, "/readyz");
}

TEST_F(HandlerChainTest, PassThroughCarriesTheCallersTokenAndAsksNoReview) {
  caller_by(AuthenticationMethod::kBearerToken);
  auto d = handle(request(http::verb::get, std::string(kProxyPrefix) +
                                               "/api/v1/namespaces/default/configmaps?watch=true"));
  ASSERT_TRUE(forwarded(d));
  EXPECT_EQ(forwarded(d)->target, "/api/v1/namespaces/default/configmaps?watch=true");
  EXPECT_TRUE(forwarded(d)->is_watch);
  EXPECT_EQ(forwarded(d)->bearer_token, "callers-token");
  auto h = handle(request(http::verb::head, "/api/v1/namespaces/a/pods/p/log"));
  ASSERT_TRUE(forwarded(h));
  EXPECT_FALSE(forwarded(h)->is_watch);
  EXPECT_EQ(forwarded(h)->target, "/api/v1/namespaces/a/pods/p/log");
  // kube-apiserver authorizes the caller's own request; the proxy adds no review of its own.
  EXPECT_TRUE(authz_->asked.empty());
}

TEST_F(HandlerChainTest, PassThroughIsRefusedWithoutATokenToForward) {
  caller_by(AuthenticationMethod::kRequestHeader);
  auto d = handle(request(http::verb::get, std::string(kProxyPrefix) + "/api/v1/namespaces/"
                                                                       "kube-system/secrets"));
  EXPECT_EQ(status_of(d),
            std::make_tuple(403u, std::string("Forbidden"),
                            std::string("watchfilter-proxy serves only filtered reads (filter, "
                                        "filterRef or watcher) through the aggregated API; "
                                        "request /api/v1/namespaces/kube-system/secrets from "
                                        "kube-apiserver directly")));
  caller_by(AuthenticationMethod::kClientCertificate);
  d = handle(request(http::verb::get, "/api/v1/nodes/n1/proxy/configz"));
  EXPECT_EQ(status_of(d),
            std::make_tuple(403u, std::string("Forbidden"),
                            std::string("watchfilter-proxy forwards requests that are not "
                                        "filtered reads with the caller's own bearer token, and "
                                        "a client certificate cannot be forwarded: request "
                                        "/api/v1/nodes/n1/proxy/configz from kube-apiserver "
                                        "directly, or authenticate with a bearer token")));
  EXPECT_EQ(metrics_->pass_through_refusals(PassThroughRefusal::kAggregated), 1u);
  EXPECT_EQ(metrics_->pass_through_refusals(PassThroughRefusal::kClientCertificate), 1u);
  EXPECT_EQ(counters_->count(StatusReason::kForbidden), 2u);
  EXPECT_NE(metrics_->render(counters_.get())
                .find("watchfilter_passthrough_refusals_total{reason=\"client_certificate\"} 1"),
            std::string::npos);
  // Filtered reads are served to both (after a review).
  d = handle(request(http::verb::get, "/api/v1/namespaces/a/configmaps?filter=true"));
  EXPECT_TRUE(std::holds_alternative<ServeFromInformer>(d));
}

TEST_F(HandlerChainTest, OwnGroupPathsAreNeverForwarded) {
  caller_by(AuthenticationMethod::kBearerToken);
  const std::string secrets = "/api/v1/namespaces/kube-system/secrets";
  for (const std::string& target : {
           std::string(kProxyPrefix) + std::string(kProxyPrefix) + secrets,
           std::string(kProxyPrefix) + std::string(kProxyPrefix) + secrets + "?filter=true",
           std::string(kProxyPrefix) + "/%61pis/stream.watchfilter.io/v1alpha1/proxy" + secrets,
           std::string(kProxyPrefix) + "%2Fapis%2Fstream.watchfilter.io%2Fv1alpha1%2Fproxy" +
               secrets,
           std::string(kProxyPrefix) + "/apis/STREAM.watchfilter.io/v1alpha1/proxy" + secrets,
           std::string(kProxyPrefix) + "/apis/stream.watchfilter.io",
           std::string("/apis/stream.watchfilter.io/v1alpha1/proxyx"),
           std::string("/apis/stream.watchfilter.io/v1alpha1/namespaces/a/configmaps"),
           std::string("/apis/stream.watchfilter.io/v2/proxy") + secrets,
       }) {
    auto d = handle(request(http::verb::get, target));
    EXPECT_FALSE(forwarded(d)) << target;
    EXPECT_FALSE(std::holds_alternative<ServeFromInformer>(d)) << target;
    EXPECT_EQ(std::get<0>(status_of(d)), 404u) << target;
  }
  EXPECT_EQ(metrics_->pass_through_refusals(PassThroughRefusal::kOwnGroup), 9u);
  // Dot segments and empty segments are refused, not normalized.
  for (const std::string& target : {
           std::string(kProxyPrefix) + "/api/../apis/stream.watchfilter.io/v1alpha1/proxy" +
               secrets,
           std::string(kProxyPrefix) + "/api/%2E%2E/apis/stream.watchfilter.io" + secrets,
           std::string(kProxyPrefix) + "//apis/stream.watchfilter.io/v1alpha1/proxy" + secrets,
           std::string("/api/v1/./namespaces"),
       }) {
    auto d = handle(request(http::verb::get, target));
    EXPECT_EQ(std::get<0>(status_of(d)), 400u) << target;
  }
}

TEST_F(HandlerChainTest, ForwardedTargetIsTheDecodedOneReEncoded) {
  caller_by(AuthenticationMethod::kBearerToken);
  auto d = handle(request(
      http::verb::get, "/%61pi/v1/namespaces/a/configmaps?watch=true&x=%zz&labelSelector=a%3Db"));
  ASSERT_TRUE(forwarded(d));
  EXPECT_EQ(forwarded(d)->target, "/api/v1/namespaces/a/configmaps?watch=true&labelSelector=a%3Db");
  EXPECT_TRUE(forwarded(d)->is_watch);
}

TEST_F(HandlerChainTest, OneQueryParseForAuthorizationAndServing) {
  // Go's url.ParseQuery drops `x=%zz` and keeps `watch=true`: kube-apiserver serves a watch, so
  // it is authorized as one.
  auto d = handle(
      request(http::verb::get, "/api/v1/namespaces/a/configmaps?watch=true&x=%zz&filter=true"));
  ASSERT_TRUE(std::holds_alternative<ServeFromInformer>(d));
  EXPECT_TRUE(std::get<ServeFromInformer>(d).request->watch);
  ASSERT_EQ(authz_->asked.size(), 1u);
  EXPECT_EQ(authz_->asked[0].verb, "watch");
  // A filter parameter Go would drop is a 400, never an unfiltered request.
  for (const char* q : {"filter=%zz", "fil%74er=changed(data)%", "filter=a;b", "watcher=%4"}) {
    auto bad = handle(
        request(http::verb::get, std::string("/api/v1/namespaces/a/configmaps?watch=true&") + q));
    EXPECT_EQ(std::get<0>(status_of(bad)), 400u) << q;
    EXPECT_FALSE(forwarded(bad)) << q;
  }
}

TEST_F(HandlerChainTest, OtherMethodsAre405AndCounted) {
  for (auto m : {http::verb::post, http::verb::put, http::verb::delete_, http::verb::patch}) {
    auto d = handle(request(m, "/api/v1/pods"));
    ASSERT_TRUE(std::holds_alternative<LocalReply>(d));
    const auto& res = std::get<LocalReply>(d).response;
    EXPECT_EQ(res.result(), http::status::method_not_allowed);
    EXPECT_EQ(res[http::field::content_type], "application/json");
    EXPECT_NE(res.body().find("\"reason\":\"MethodNotAllowed\""), std::string::npos);
  }
  // POST to a health path is not a health check either.
  EXPECT_TRUE(std::holds_alternative<LocalReply>(handle(request(http::verb::post, "/healthz"))));
  EXPECT_EQ(counters_->count(StatusReason::kMethodNotAllowed), 5u);
}

TEST_F(HandlerChainTest, WakeupsTakePostAndDeleteAndNameThemInAllow) {
  const std::string wakeups = "/apis/stream.watchfilter.io/v1alpha1/namespaces/d/wakeups";
  for (auto m : {http::verb::put, http::verb::patch}) {
    auto d = handle(request(m, wakeups + "/w1"));
    ASSERT_TRUE(std::holds_alternative<LocalReply>(d));
    const auto& res = std::get<LocalReply>(d).response;
    EXPECT_EQ(res.result(), http::status::method_not_allowed);
    EXPECT_EQ(res[http::field::allow], "GET, HEAD, POST, DELETE");
  }
  EXPECT_EQ(authn_->calls, 0);  // refused before authentication, like any other method
  // POST and DELETE pass the method check (this chain has no WakeupService: 503).
  for (auto [m, target] :
       {std::pair{http::verb::post, wakeups}, std::pair{http::verb::delete_, wakeups + "/w1"}}) {
    auto d = handle(request(m, target));
    ASSERT_TRUE(std::holds_alternative<LocalReply>(d));
    EXPECT_EQ(std::get<LocalReply>(d).response.result(), http::status::service_unavailable);
  }
  // Elsewhere only reads are allowed.
  auto d = handle(request(http::verb::put, "/api/v1/namespaces/d/configmaps/x"));
  EXPECT_EQ(std::get<LocalReply>(d).response[http::field::allow], "GET, HEAD");
}

TEST_F(HandlerChainTest, ImpersonationIsRefusedNotIgnored) {
  caller_by(AuthenticationMethod::kBearerToken);
  for (const char* header :
       {"Impersonate-User", "impersonate-group", "Impersonate-Extra-Scopes", "Impersonate-Uid"}) {
    ClientRequest r = request(http::verb::get, "/api/v1/namespaces/a/configmaps?filter=true");
    r.set(header, "bob");
    auto d = handle(r);
    EXPECT_EQ(status_of(d),
              std::make_tuple(403u, std::string("Forbidden"),
                              std::string("watchfilter-proxy does not impersonate: send requests "
                                          "with Impersonate-* headers to kube-apiserver (or "
                                          "through its aggregator, which applies them)")))
        << header;
  }
  EXPECT_TRUE(authz_->asked.empty());
}

TEST_F(HandlerChainTest, DeepWakeupBodyIs400BeforeParsingAndCounted) {
  auto registry_less = std::make_shared<Metrics>();
  HandlerChain chain{health_,
                     counters_,
                     registry_less,
                     authn_,
                     authz_,
                     std::make_shared<WakeupService>(nullptr, counters_),
                     RequestBodyLimits{64 * 1024, 5}};
  ClientRequest r =
      request(http::verb::post, "/apis/stream.watchfilter.io/v1alpha1/namespaces/d/wakeups");
  r.body() = R"({"spec":{"a":{"b":{"c":{"d":{}}}}}})";  // 6 levels
  auto d = testing::decide(chain, r);
  EXPECT_EQ(status_of(d),
            std::make_tuple(400u, std::string("BadRequest"),
                            std::string("the request body nests JSON deeper than 5 levels "
                                        "(--max-request-body-depth)")));
  EXPECT_EQ(registry_less->refusals("max-request-body-depth"), 1u);
}

TEST_F(HandlerChainTest, AbsoluteFormTargetIs400) {
  auto d = handle(request(http::verb::get, "http://example/api"));
  ASSERT_TRUE(std::holds_alternative<LocalReply>(d));
  EXPECT_EQ(std::get<LocalReply>(d).response.result(), http::status::bad_request);
  EXPECT_EQ(counters_->count(StatusReason::kBadRequest), 1u);
}

// A filter over the state budget is refused before anything is spent on it: a 400 naming the
// limit and the cost, counted in watchfilter_limit_refusals_total{limit="max-filter-state-bytes"}.
TEST(HandlerChainBudgetTest, FilterOverTheStateBudgetIs400AndCounted) {
  auto counters = std::make_shared<StatusCounters>();
  auto metrics = std::make_shared<Metrics>();
  filters::CompileOptions budget;
  budget.max_state_bytes = 100;  // one outlier() (seasonal) keeps 488 bytes
  HandlerChain chain{std::make_shared<HealthState>(),
                     counters,
                     metrics,
                     std::make_shared<testing::FakeAuthenticator>(),
                     std::make_shared<testing::FakeAuthorizer>(),
                     nullptr,
                     RequestBodyLimits{},
                     budget};
  ClientRequest r{http::verb::get,
                  "/api/v1/namespaces/default/configmaps?watch=true&filter=outlier(data.x%2C%203)",
                  11};
  auto d = testing::decide(chain, r);
  ASSERT_TRUE(std::holds_alternative<LocalReply>(d));
  const auto& res = std::get<LocalReply>(d).response;
  EXPECT_EQ(res.result(), http::status::bad_request);
  EXPECT_EQ(res.body(),
            R"j({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)j"
            R"j("message":"col 1: filter state too large: 488 bytes per object (limit 100, )j"
            R"j(--max-filter-state-bytes; outlier() 1 calls 488, changed() 0, delta() 0, )j"
            R"j(oldObject 0)","reason":"BadRequest","code":400})j");
  EXPECT_EQ(metrics->refusals("max-filter-state-bytes"), 1u);
  // Other bad filters are not a limit.
  ClientRequest bad{http::verb::get, "/api/v1/namespaces/default/configmaps?filter=nope(", 11};
  testing::decide(chain, bad);
  EXPECT_EQ(metrics->refusals("max-filter-state-bytes"), 1u);
  EXPECT_EQ(counters->count(StatusReason::kBadRequest), 2u);
}

TEST(ForbiddenMessageTest, ChainAnswers403StatusWithDetails) {
  auto authn = std::make_shared<testing::FakeAuthenticator>();
  authn->user->user.name = "u";
  auto authz = std::make_shared<testing::FakeAuthorizer>();
  authz->decision = AuthorizationDecision{false, "", ""};
  HandlerChain chain(std::make_shared<HealthState>(), std::make_shared<StatusCounters>(), nullptr,
                     authn, authz);
  ClientRequest r{http::verb::get,
                  "/apis/stream.watchfilter.io/v1alpha1/proxy/api/v1/namespaces/b/"
                  "configmaps?watch=true&filter=true",
                  11};
  auto d = testing::decide(chain, r);
  auto* reply = std::get_if<LocalReply>(&d);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->response.result_int(), 403u);
  rapidjson::Document doc;
  doc.Parse(reply->response.body().c_str());
  EXPECT_STREQ(doc["reason"].GetString(), "Forbidden");
  EXPECT_EQ(doc["code"].GetInt(), 403);
  EXPECT_STREQ(
      doc["message"].GetString(),
      R"(configmaps is forbidden: User "u" cannot watch resource "configmaps" in API group "" in the namespace "b")");
  EXPECT_STREQ(doc["details"]["kind"].GetString(), "configmaps");
  EXPECT_FALSE(doc["details"].HasMember("group"));
  // The attributes asked about are the underlying resource's.
  ASSERT_EQ(authz->asked.size(), 1u);
  EXPECT_EQ(authz->asked[0].gvr.resource, "configmaps");
  EXPECT_EQ(authz->asked[0].verb, "watch");
  EXPECT_EQ(authz->asked[0].namespace_name, "b");

  // No user: 401, Status reason Unauthorized, and no authorization asked.
  authn->user.reset();
  d = testing::decide(chain, r);
  reply = std::get_if<LocalReply>(&d);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->response.result_int(), 401u);
  EXPECT_NE(reply->response.body().find(R"("reason":"Unauthorized")"), std::string::npos);
  EXPECT_EQ(authz->asked.size(), 1u);

  // A failed review is a 500, never an allow.
  authn->user = AuthenticatedUser{UserInfo{"u", "", {}, {}}, AuthenticationMethod::kBearerToken};
  authz->decision = AuthorizationDecision{false, "", "connection refused"};
  d = testing::decide(chain, r);
  EXPECT_EQ(std::get<LocalReply>(d).response.result_int(), 500u);
}

TEST(ForbiddenMessageTest, NoAuthenticatorOrAuthorizerRefusesEverything) {
  HandlerChain no_authn(std::make_shared<HealthState>(), std::make_shared<StatusCounters>());
  ClientRequest r{http::verb::get, "/api/v1/pods?filter=true", 11};
  EXPECT_EQ(std::get<LocalReply>(testing::decide(no_authn, r)).response.result_int(), 401u);
  HandlerChain no_authz(std::make_shared<HealthState>(), std::make_shared<StatusCounters>(),
                        nullptr, std::make_shared<testing::FakeAuthenticator>());
  EXPECT_EQ(std::get<LocalReply>(testing::decide(no_authz, r)).response.result_int(), 403u);
}

}  // namespace
}  // namespace watchfilter::proxy

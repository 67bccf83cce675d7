#include "proxy/handler_chain.h"

#include <gtest/gtest.h>

#include "test/proxy/fake_auth.h"

namespace watchfilter::proxy {
namespace {

TEST(PrefixMappingTest, StripsPrefixKeepsQuery) {
  EXPECT_EQ(
      map_to_upstream_target("/apis/stream.watchfilter.io/v1alpha1/proxy/api/v1/namespaces/default/"
                             "configmaps?watch=true&resourceVersion=5"),
      "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=5");
  EXPECT_EQ(map_to_upstream_target("/apis/stream.watchfilter.io/v1alpha1/proxy/apis/apps/v1/"
                                   "deployments"),
            "/apis/apps/v1/deployments");
  EXPECT_EQ(map_to_upstream_target("/apis/stream.watchfilter.io/v1alpha1/proxy"), "/");
  EXPECT_EQ(map_to_upstream_target("/apis/stream.watchfilter.io/v1alpha1/proxy/"), "/");
  EXPECT_EQ(map_to_upstream_target("/apis/stream.watchfilter.io/v1alpha1/proxy?x=1"), "/?x=1");
}

TEST(PrefixMappingTest, OtherPathsPassUnchanged) {
  EXPECT_EQ(map_to_upstream_target("/api/v1/pods?watch=1"), "/api/v1/pods?watch=1");
  EXPECT_EQ(map_to_upstream_target("/apis/stream.watchfilter.io/v1alpha1/proxyx"),
            "/apis/stream.watchfilter.io/v1alpha1/proxyx");
  EXPECT_EQ(map_to_upstream_target("/apis/stream.watchfilter.io/v1alpha1"),
            "/apis/stream.watchfilter.io/v1alpha1");
  EXPECT_FALSE(map_to_upstream_target("http://evil/api/v1/pods"));
  EXPECT_FALSE(map_to_upstream_target("*"));
}

TEST(WatchDetectionTest, QueryAndLegacyPaths) {
  EXPECT_TRUE(is_watch_request("/api/v1/pods?watch=true"));
  EXPECT_TRUE(is_watch_request("/api/v1/pods?labelSelector=a&watch=1"));
  EXPECT_TRUE(is_watch_request("/api/v1/watch/namespaces/default/pods"));
  EXPECT_TRUE(is_watch_request("/apis/apps/v1/watch/deployments"));
  EXPECT_FALSE(is_watch_request("/api/v1/pods"));
  EXPECT_FALSE(is_watch_request("/api/v1/pods?watch=false"));
  EXPECT_FALSE(is_watch_request("/api/v1/pods?xwatch=true"));
  EXPECT_FALSE(is_watch_request("/apis/apps/v1/deployments/watch"));
}

class HandlerChainTest : public ::testing::Test {
 protected:
  ClientRequest request(http::verb method, std::string target) {
    ClientRequest r{method, target, 11};
    r.keep_alive(true);
    return r;
  }
  std::shared_ptr<HealthState> health_ = std::make_shared<HealthState>();
  std::shared_ptr<StatusCounters> counters_ = std::make_shared<StatusCounters>();
  std::shared_ptr<testing::FakeAuthenticator> authn_ = std::make_shared<testing::FakeAuthenticator>();
  std::shared_ptr<testing::FakeAuthorizer> authz_ = std::make_shared<testing::FakeAuthorizer>();
  HandlerChain chain_{health_, counters_, nullptr, authn_, authz_};
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
  auto d = handle(request(http::verb::get, std::string(kProxyPrefix) + "/readyz"));
  ASSERT_TRUE(std::holds_alternative<ForwardUpstream>(d));
  EXPECT_EQ(std::get<ForwardUpstream>(d).target, "/readyz");
}

TEST_F(HandlerChainTest, ForwardsGetAndHead) {
  auto d = handle(
      request(http::verb::get,
              std::string(kProxyPrefix) + "/api/v1/namespaces/default/configmaps?watch=true"));
  ASSERT_TRUE(std::holds_alternative<ForwardUpstream>(d));
  EXPECT_EQ(std::get<ForwardUpstream>(d).target,
            "/api/v1/namespaces/default/configmaps?watch=true");
  EXPECT_TRUE(std::get<ForwardUpstream>(d).is_watch);
  auto h = handle(request(http::verb::head, "/api/v1/pods"));
  ASSERT_TRUE(std::holds_alternative<ForwardUpstream>(h));
  EXPECT_FALSE(std::get<ForwardUpstream>(h).is_watch);
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
  EXPECT_TRUE(
      std::holds_alternative<LocalReply>(handle(request(http::verb::post, "/healthz"))));
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
  for (auto [m, target] : {std::pair{http::verb::post, wakeups},
                           std::pair{http::verb::delete_, wakeups + "/w1"}}) {
    auto d = handle(request(m, target));
    ASSERT_TRUE(std::holds_alternative<LocalReply>(d));
    EXPECT_EQ(std::get<LocalReply>(d).response.result(), http::status::service_unavailable);
  }
  // Elsewhere only reads are allowed.
  auto d = handle(request(http::verb::put, "/api/v1/namespaces/d/configmaps/x"));
  EXPECT_EQ(std::get<LocalReply>(d).response[http::field::allow], "GET, HEAD");
}

TEST_F(HandlerChainTest, AbsoluteFormTargetIs400) {
  auto d = handle(request(http::verb::get, "http://example/api"));
  ASSERT_TRUE(std::holds_alternative<LocalReply>(d));
  EXPECT_EQ(std::get<LocalReply>(d).response.result(), http::status::bad_request);
  EXPECT_EQ(counters_->count(StatusReason::kBadRequest), 1u);
}

}  // namespace
}  // namespace watchfilter::proxy

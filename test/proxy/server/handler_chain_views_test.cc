// Views (docs/views.md): the /views/<ns>/<name>/ path, the WatchView object, and the chain's
// routing under a view (fed WatchFilters and WatchViews without a cluster).

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <boost/asio/io_context.hpp>
#include <tuple>

#include "proxy/kube/request_target.h"
#include "proxy/server/handler_chain.h"
#include "proxy/watchfilter/watchview.h"
#include "proxy/watchfilter/watchview_resolver.h"
#include "test/proxy/support/fake_auth.h"

namespace watchfilter::proxy {
namespace {

using namespace std::chrono_literals;

RequestTarget parsed(std::string_view target) {
  auto r = parse_request_target(target);
  EXPECT_TRUE(r.ok()) << target;
  return r.ok() ? r.value() : RequestTarget{};
}

TEST(ViewPathTest, SplitsTheViewFromTheUpstreamPathAfterDecoding) {
  auto t = parsed("/views/db/ops/api/v1/namespaces/db/configmaps?watch=1");
  EXPECT_TRUE(t.under_view);
  EXPECT_EQ(t.view_namespace, "db");
  EXPECT_EQ(t.view_name, "ops");
  EXPECT_EQ(t.view_error, "");
  EXPECT_EQ(t.upstream_path, "/api/v1/namespaces/db/configmaps");
  EXPECT_TRUE(t.is_watch());
  EXPECT_EQ(t.upstream_target(), "/api/v1/namespaces/db/configmaps?watch=1");
  EXPECT_EQ(parsed("/views/db/ops").upstream_path, "/");
  EXPECT_EQ(parsed("/views/db/ops/").upstream_path, "/");
  // %2F is a `/` before the path is split, as kube-apiserver reads every path.
  auto escaped = parsed("/views/db%2Fops/api/v1/pods");
  EXPECT_EQ(escaped.view_namespace, "db");
  EXPECT_EQ(escaped.view_name, "ops");
  EXPECT_EQ(escaped.upstream_path, "/api/v1/pods");
  EXPECT_EQ(parsed("/views/db%2fops.v2/apis").view_name, "ops.v2");
}

TEST(ViewPathTest, MarksWhatNamesNoViewAndTheDoubledPrefix) {
  auto short_path = parsed("/views/db");
  EXPECT_TRUE(short_path.under_view);
  EXPECT_EQ(short_path.view_name, "");
  EXPECT_EQ(parsed("/views").view_name, "");
  EXPECT_EQ(parsed("/views/Db/ops/api").view_error,
            "invalid view \"Db/ops\": a view is /views/<namespace>/<name> with a DNS-1123 label "
            "and subdomain");
  EXPECT_NE(parsed("/views/db/a_b/api").view_error, "");
  EXPECT_NE(parsed("/views/db/%2E%2Ex/api").view_error, "");
  EXPECT_TRUE(parsed("/views/db/ops/views/kube-system/x/api/v1/secrets").nested_view);
  EXPECT_TRUE(parsed("/views/db/ops/%76iews/kube-system/x/api").nested_view);
  EXPECT_TRUE(parsed(std::string(kProxyPrefix) + "/views/db/ops/api").nested_view);
  EXPECT_FALSE(parsed("/api/v1/namespaces/views/configmaps").under_view);
  EXPECT_TRUE(
      parsed("/views/db/ops/apis/stream.watchfilter.io/v1alpha1/proxy/api/v1/secrets").own_group);
  // `..` is refused before anything is split.
  EXPECT_FALSE(parse_request_target("/views/db/ops/../../api/v1/secrets").ok());
  EXPECT_FALSE(parse_request_target("/views/db/ops/%2E%2E/x/api/v1/secrets").ok());
}

TEST(WatchViewTest, ReadsTheFiltersItNames) {
  auto v =
      parse_watchview({"db", "ops"}, R"({"spec":{"filters":[{"name":"dbs"},{"name":"cms.v1"}]}})");
  ASSERT_TRUE(v.ok());
  const auto& view = v.value();
  ASSERT_EQ(view.filters.size(), 2u);
  EXPECT_EQ(view.filters[1].to_string(), "db/cms.v1");
  EXPECT_EQ(
      parse_watchview({"db", "ops"}, R"({"spec":{"filters":[{"name":"A"}]}})").error().message,
      "WatchView db/ops is invalid: spec.filters[0].name: Invalid value: \"A\": must be a "
      "DNS-1123 subdomain");
  EXPECT_EQ(parse_watchview({"db", "ops"}, R"({"spec":{}})").error().message,
            "WatchView db/ops is invalid: spec.filters: Required value");
  std::string many = R"({"spec":{"filters":[)";
  for (int i = 0; i < 33; ++i)
    many += (i ? "," : "") + std::string(R"({"name":"f)") + std::to_string(i) + "\"}";
  EXPECT_NE(parse_watchview({"db", "ops"}, many + "]}}").error().message.find("Too many: 33"),
            std::string::npos);
}

TEST(WatchViewTest, ResolverTellsAMissingViewFromAMissingCrd) {
  const WatchViewRef ref{"db", "ops"};
  using F = WatchViewResolver::Failure;
  EXPECT_EQ(WatchViewResolver::interpret(ref, 200, R"({"spec":{"filters":[]}})").failure, F::kNone);
  auto missing = WatchViewResolver::interpret(
      ref, 404,
      R"({"kind":"Status","reason":"NotFound","details":{"name":"ops","group":"watchfilter.io","kind":"watchviews"},"code":404})");
  EXPECT_EQ(missing.failure, F::kNotFound);
  EXPECT_EQ(missing.message, "watchviews.watchfilter.io \"ops\" not found");
  EXPECT_EQ(WatchViewResolver::interpret(ref, 404, R"({"kind":"Status","details":{},"code":404})")
                .failure,
            F::kCrdMissing);
  EXPECT_EQ(WatchViewResolver::interpret(ref, 403, "{}").failure, F::kUnavailable);
}

// Denies the requests whose resource is in `denied`.
class SelectiveAuthorizer : public Authorizer {
 public:
  std::set<std::string> denied;
  std::vector<RequestAttributes> asked;
  void authorize(const UserInfo&, const RequestAttributes& a, boost::asio::any_io_executor,
                 Handler handler) override {
    asked.push_back(a);
    handler(AuthorizationDecision{!denied.contains(a.gvr.resource), "", ""});
  }
};

std::string watchfilter_line(const std::string& name, const std::string& group,
                             const std::string& resource) {
  return R"x({"type":"ADDED","object":{"apiVersion":"watchfilter.io/v1alpha1","kind":"WatchFilter","metadata":{"name":")x" +
         name + R"x(","namespace":"db","uid":"u-)x" + name +
         R"x(","generation":1},"spec":{"resource":{"group":")x" + group +
         R"x(","version":"v1","resource":")x" + resource + R"x("},"filter":"changed(spec)"}}})x" +
         "\n";
}

class ViewChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WatchFilterCatalog::Options o;
    o.sync_wait = 1s;
    catalog_ =
        std::make_shared<WatchFilterCatalog>(ioc_, nullptr, std::make_shared<const Logger>(0), o);
    catalog_->apply_line(watchfilter_line("cms", "", "configmaps"));
    catalog_->apply_line(watchfilter_line("dbs", "dbop.example.io", "databases"));
    catalog_->apply_line(watchfilter_line("cms-too", "", "configmaps"));
    catalog_->apply_line(
        R"({"type":"BOOKMARK","object":{"kind":"WatchFilter","apiVersion":"watchfilter.io/v1alpha1","metadata":{"resourceVersion":"5","annotations":{"k8s.io/initial-events-end":"true"}}}})");
    views_ = std::make_shared<WatchViewResolver>(nullptr, std::make_shared<const Logger>(0),
                                                 WatchViewResolver::Options{});
    prime("ops", {"dbs", "cms", "absent"});
    prime("twice", {"cms", "cms-too"});
    views_->prime({"db", "gone"},
                  WatchViewResolver::interpret(
                      {"db", "gone"}, 404, R"({"details":{"name":"gone","kind":"watchviews"}})"));
    chain_ = std::make_unique<HandlerChain>(health_, counters_, metrics_, authn_, authz_, nullptr,
                                            RequestBodyLimits{}, filters::CompileOptions{},
                                            ViewSources{views_, catalog_});
    authn_->user->method = AuthenticationMethod::kBearerToken;
  }
  void TearDown() override {
    catalog_->stop();
    ioc_.restart();
    ioc_.run_for(100ms);
  }
  void prime(const std::string& name, const std::vector<std::string>& filters) {
    WatchView v{{"db", name}, {}};
    for (const auto& f : filters) v.filters.push_back({"db", f});
    views_->prime(v.ref,
                  {WatchViewResolver::Failure::kNone, "", std::make_shared<const WatchView>(v)});
  }
  ClientRequest request(http::verb method, std::string target) {
    ClientRequest r{method, target, 11};
    r.set(http::field::authorization, "Bearer callers-token");
    return r;
  }
  ChainDecision handle(const ClientRequest& r) {
    std::optional<ChainDecision> out;
    chain_->handle(r, {}, ioc_.get_executor(), [&](ChainDecision d) { out.emplace(std::move(d)); });
    ioc_.restart();
    ioc_.run_for(200ms);
    EXPECT_TRUE(out);
    return out ? std::move(*out) : ChainDecision{LocalReply{}};
  }
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
  const ServeFromInformer* filtered(const ChainDecision& d) {
    return std::get_if<ServeFromInformer>(&d);
  }
  const ForwardUpstream* forwarded(const ChainDecision& d) {
    return std::get_if<ForwardUpstream>(&d);
  }

  boost::asio::io_context ioc_;
  std::shared_ptr<HealthState> health_ = std::make_shared<HealthState>();
  std::shared_ptr<StatusCounters> counters_ = std::make_shared<StatusCounters>();
  std::shared_ptr<testing::FakeAuthenticator> authn_ =
      std::make_shared<testing::FakeAuthenticator>();
  std::shared_ptr<SelectiveAuthorizer> authz_ = std::make_shared<SelectiveAuthorizer>();
  std::shared_ptr<Metrics> metrics_ = std::make_shared<Metrics>();
  std::shared_ptr<WatchFilterCatalog> catalog_;
  std::shared_ptr<WatchViewResolver> views_;
  std::unique_ptr<HandlerChain> chain_;
};

TEST_F(ViewChainTest, ListAndWatchOfAFilteredResourceAreServedThroughItsWatchFilter) {
  auto d = handle(request(http::verb::get,
                          "/views/db/ops/api/v1/namespaces/db/configmaps?watch=true&"
                          "resourceVersion=7&allowWatchBookmarks=true"));
  ASSERT_TRUE(filtered(d)) << std::get<2>(status_of(d));
  EXPECT_EQ(filtered(d)->request->filter_ref, "db/cms");
  EXPECT_TRUE(filtered(d)->request->watch);
  EXPECT_EQ(filtered(d)->request->owner, "alice");
  // Two reviews: `get` on the view, then `watch` on the resource; none on the WatchFilter.
  ASSERT_EQ(authz_->asked.size(), 2u);
  EXPECT_EQ(authz_->asked[0].gvr.resource, "watchviews");
  EXPECT_EQ(authz_->asked[0].verb, "get");
  EXPECT_EQ(authz_->asked[0].name, "ops");
  EXPECT_EQ(authz_->asked[0].namespace_name, "db");
  EXPECT_EQ(authz_->asked[1].gvr.resource, "configmaps");
  EXPECT_EQ(authz_->asked[1].verb, "watch");
  auto list = handle(request(http::verb::get, "/views/db/ops/apis/dbop.example.io/v1/databases"));
  ASSERT_TRUE(filtered(list));
  EXPECT_EQ(filtered(list)->request->filter_ref, "db/dbs");
  EXPECT_FALSE(filtered(list)->request->watch);
  EXPECT_EQ(metrics_->view_requests(ViewRoute::kFiltered), 2u);
}

TEST_F(ViewChainTest, EverythingElseIsForwardedWithTheCallersToken) {
  for (auto [method, target] : std::vector<std::pair<http::verb, std::string>>{
           {http::verb::get, "/views/db/ops/api/v1/namespaces/db/configmaps/cm1"},
           {http::verb::get, "/views/db/ops/apis/apps/v1/namespaces/db/deployments?watch=1"},
           {http::verb::get, "/views/db/ops/apis"},
           {http::verb::get,
            "/views/db/ops/apis/dbop.example.io/v1/namespaces/db/databases/d/status"},
           {http::verb::put, "/views/db/ops/apis/coordination.k8s.io/v1/namespaces/db/leases/l"},
           {http::verb::patch,
            "/views/db/ops/apis/dbop.example.io/v1/namespaces/db/databases/d/status"},
           {http::verb::post, "/views/db/ops/api/v1/namespaces/db/events"},
           {http::verb::delete_, "/views/db/ops/api/v1/namespaces/db/configmaps/cm1"}}) {
    auto d = handle(request(method, target));
    ASSERT_TRUE(forwarded(d)) << target << ": " << std::get<2>(status_of(d));
    EXPECT_EQ(forwarded(d)->bearer_token, "callers-token");
    EXPECT_EQ(forwarded(d)->target, target.substr(std::string("/views/db/ops").size()));
  }
  // A Table (kubectl get) or metadata-only list is kube-apiserver's to make.
  auto table = request(http::verb::get, "/views/db/ops/api/v1/namespaces/db/configmaps");
  table.set(http::field::accept, "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");
  EXPECT_TRUE(forwarded(handle(table)));
  EXPECT_EQ(metrics_->view_requests(ViewRoute::kForwarded), 9u);
  // Only `get` on the view was reviewed by the proxy: kube-apiserver authorizes the rest.
  for (const auto& a : authz_->asked) EXPECT_EQ(a.gvr.resource, "watchviews");
}

TEST_F(ViewChainTest, CallersWithoutATokenGetFilteredReadsOnly) {
  authn_->user->method = AuthenticationMethod::kClientCertificate;
  EXPECT_TRUE(filtered(handle(request(http::verb::get, "/views/db/ops/api/v1/configmaps"))));
  auto d = handle(request(http::verb::get, "/views/db/ops/api/v1/secrets"));
  EXPECT_EQ(std::get<0>(status_of(d)), 403u);
  EXPECT_EQ(metrics_->pass_through_refusals(PassThroughRefusal::kClientCertificate), 1u);
  authn_->user->method = AuthenticationMethod::kRequestHeader;
  EXPECT_EQ(std::get<0>(status_of(handle(
                request(http::verb::put, "/views/db/ops/api/v1/namespaces/db/configmaps/x")))),
            403u);
  EXPECT_EQ(metrics_->pass_through_refusals(PassThroughRefusal::kAggregated), 1u);
  EXPECT_EQ(metrics_->view_requests(ViewRoute::kRefused), 2u);
}

TEST_F(ViewChainTest, UsingAViewNeedsGetOnIt) {
  authz_->denied = {"watchviews"};
  auto d = handle(request(http::verb::get, "/views/db/ops/api/v1/namespaces/db/configmaps"));
  EXPECT_EQ(status_of(d),
            std::make_tuple(403u, std::string("Forbidden"),
                            std::string("watchviews.watchfilter.io \"ops\" is forbidden: User "
                                        "\"alice\" cannot get resource \"watchviews\" in API "
                                        "group \"watchfilter.io\" in the namespace \"db\"")));
  // Forwarded requests too: a view name is no open door to pass-through.
  d = handle(
      request(http::verb::put, "/views/db/ops/apis/coordination.k8s.io/v1/namespaces/db/leases/l"));
  EXPECT_EQ(std::get<0>(status_of(d)), 403u);
  EXPECT_EQ(metrics_->view_refusals(ViewRefusal::kForbidden), 2u);
  EXPECT_NE(metrics_->render(counters_.get())
                .find("watchfilter_view_refusals_total{reason=\"forbidden\"} 2"),
            std::string::npos);
  // Allowed on the view, denied on the resource: kube-apiserver's 403 for the resource.
  authz_->denied = {"configmaps"};
  d = handle(request(http::verb::get, "/views/db/ops/api/v1/namespaces/db/configmaps"));
  EXPECT_EQ(std::get<2>(status_of(d)),
            "configmaps is forbidden: User \"alice\" cannot list resource \"configmaps\" in API "
            "group \"\" in the namespace \"db\"");
}

TEST_F(ViewChainTest, BadPathsMissingViewsAndFilterParameters) {
  EXPECT_EQ(status_of(handle(request(http::verb::get, "/views/db/gone/api/v1/configmaps"))),
            std::make_tuple(404u, std::string("NotFound"),
                            std::string("watchviews.watchfilter.io \"gone\" not found")));
  EXPECT_EQ(std::get<0>(status_of(handle(request(http::verb::get, "/views/db")))), 404u);
  EXPECT_EQ(std::get<0>(status_of(handle(request(http::verb::get, "/views/Db/ops/api")))), 400u);
  auto nested =
      handle(request(http::verb::get, "/views/db/ops/views/kube-system/x/api/v1/secrets"));
  EXPECT_EQ(std::get<0>(status_of(nested)), 404u);
  EXPECT_EQ(std::get<2>(status_of(nested)),
            "the server could not find the requested resource: /views/kube-system/x/api/v1/secrets "
            "is under /views/ again; the path after a view is a kube-apiserver path");
  auto own = handle(request(
      http::verb::get, "/views/db/ops/apis/stream.watchfilter.io/v1alpha1/proxy/api/v1/secrets"));
  EXPECT_EQ(std::get<0>(status_of(own)), 404u);
  EXPECT_EQ(
      status_of(handle(request(http::verb::get, "/views/db/ops/api/v1/configmaps?filter=true"))),
      std::make_tuple(400u, std::string("BadRequest"),
                      std::string("requests under a view take their filters from the "
                                  "WatchView db/ops: remove filter, filterRef and watcher")));
  EXPECT_EQ(
      std::get<2>(status_of(handle(request(http::verb::get, "/views/db/twice/api/v1/configmaps")))),
      "WatchView db/twice is invalid: WatchFilters cms and cms-too both filter this "
      "resource; a view has at most one WatchFilter per resource");
  EXPECT_EQ(metrics_->view_refusals(ViewRefusal::kBadPath), 3u);
  EXPECT_EQ(metrics_->view_refusals(ViewRefusal::kNotFound), 1u);
  EXPECT_EQ(metrics_->view_refusals(ViewRefusal::kFilterParams), 1u);
  EXPECT_EQ(metrics_->view_refusals(ViewRefusal::kInvalid), 1u);
  EXPECT_EQ(metrics_->pass_through_refusals(PassThroughRefusal::kOwnGroup), 1u);
  // No bad path got as far as a review.
  for (const auto& a : authz_->asked)
    EXPECT_EQ(a.name, a.gvr.resource == "watchviews" ? a.name : "");
  // Methods beyond kube-apiserver's are a 405.
  EXPECT_EQ(std::get<0>(status_of(handle(request(http::verb::trace, "/views/db/ops/api")))), 405u);
}

// Whose body may be larger than --max-request-body-bytes: a write under a view whose bearer
// token authenticates, nobody else (the body is read after this answer, before the chain runs).
TEST_F(ViewChainTest, OnlyAnAuthenticatedWriteUnderAViewMayCarryALargeBody) {
  auto answer = [&](const ClientRequest& r) {
    std::optional<bool> out;
    chain_->authenticate_forwarded_body(r, {}, ioc_.get_executor(), [&](bool ok) { out = ok; });
    ioc_.restart();
    ioc_.run_for(50ms);
    EXPECT_TRUE(out);
    return out.value_or(true);
  };
  const std::string cms = "/views/db/ops/api/v1/namespaces/db/configmaps";
  for (auto method : {http::verb::post, http::verb::put, http::verb::patch, http::verb::delete_}) {
    EXPECT_TRUE(answer(request(method, cms + "/x"))) << method;
  }
  const int reviews = authn_->calls;
  EXPECT_FALSE(answer(request(http::verb::get, cms)));
  EXPECT_FALSE(answer(request(http::verb::post, "/api/v1/namespaces/db/configmaps")));
  EXPECT_FALSE(answer(request(http::verb::post, std::string(kProxyPrefix) + cms)));
  EXPECT_FALSE(answer(request(http::verb::post, "/views/db/ops/views/db/ops/api/v1/x")));
  EXPECT_FALSE(answer(request(http::verb::post, "/views/Db/ops/api/v1/x")));
  EXPECT_FALSE(answer(request(http::verb::post, "/views/db")));
  ClientRequest no_token{http::verb::post, cms, 11};
  EXPECT_FALSE(answer(no_token));
  EXPECT_EQ(authn_->calls, reviews) << "none of these needs a token review";
  // The token does not authenticate, or the caller authenticated otherwise.
  authn_->user.reset();
  EXPECT_FALSE(answer(request(http::verb::post, cms)));
  authn_->user =
      AuthenticatedUser{UserInfo{"alice", "", {}, {}}, AuthenticationMethod::kClientCertificate};
  EXPECT_FALSE(answer(request(http::verb::post, cms)));
  authn_->user->method = AuthenticationMethod::kRequestHeader;
  EXPECT_FALSE(answer(request(http::verb::post, cms)));
  // Authenticated by its token, but not allowed to use the view.
  authn_->user->method = AuthenticationMethod::kBearerToken;
  EXPECT_TRUE(answer(request(http::verb::post, cms)));
  authz_->denied.insert("watchviews");
  EXPECT_FALSE(answer(request(http::verb::post, cms)));
  ASSERT_FALSE(authz_->asked.empty());
  EXPECT_EQ(authz_->asked.back().verb, "get");
  EXPECT_EQ(authz_->asked.back().name, "ops");
  EXPECT_EQ(authz_->asked.back().namespace_name, "db");
}

}  // namespace
}  // namespace watchfilter::proxy

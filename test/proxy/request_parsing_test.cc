// Resource paths, query strings, watch request validation and field selectors.

#include <gtest/gtest.h>

#include "filters/event_view.h"
#include "proxy/field_selector.h"
#include "proxy/resource_path.h"
#include "proxy/url_query.h"
#include "proxy/watch_request.h"
#include "test/proxy/watch_request_support.h"

namespace watchfilter::proxy {
namespace {

using testing::parse_target;

TEST(ResourcePathTest, CoreNamespacedCollection) {
  auto p = parse_resource_path("/api/v1/namespaces/default/configmaps");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->group, "");
  EXPECT_EQ(p->version, "v1");
  EXPECT_EQ(p->resource, "configmaps");
  EXPECT_EQ(p->namespace_name, "default");
  EXPECT_EQ(p->name, "");
  EXPECT_EQ(p->collection_path(), "/api/v1/namespaces/default/configmaps");
  EXPECT_EQ(p->discovery_path(), "/api/v1");
  EXPECT_EQ(p->group_version(), "v1");
}

TEST(ResourcePathTest, GroupNamedObjectAndClusterScope) {
  auto p = parse_resource_path("/apis/apps/v1/namespaces/ns1/deployments/web");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->group, "apps");
  EXPECT_EQ(p->name, "web");
  EXPECT_EQ(p->collection_path(), "/apis/apps/v1/namespaces/ns1/deployments");
  EXPECT_EQ(p->group_version(), "apps/v1");

  auto all = parse_resource_path("/apis/apps/v1/deployments");
  ASSERT_TRUE(all);
  EXPECT_EQ(all->namespace_name, "");
  EXPECT_EQ(all->collection_path(), "/apis/apps/v1/deployments");

  auto nodes = parse_resource_path("/api/v1/nodes/n1");
  ASSERT_TRUE(nodes);
  EXPECT_EQ(nodes->resource, "nodes");
  EXPECT_EQ(nodes->name, "n1");
}

TEST(ResourcePathTest, NamespacesAreAClusterScopedResource) {
  auto list = parse_resource_path("/api/v1/namespaces");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->resource, "namespaces");
  EXPECT_EQ(list->namespace_name, "");
  auto one = parse_resource_path("/api/v1/namespaces/kube-system");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->resource, "namespaces");
  EXPECT_EQ(one->name, "kube-system");
}

TEST(ResourcePathTest, LegacyWatchSegment) {
  auto p = parse_resource_path("/api/v1/watch/namespaces/default/pods");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->legacy_watch);
  EXPECT_EQ(p->resource, "pods");
  EXPECT_EQ(p->collection_path(), "/api/v1/namespaces/default/pods");
}

TEST(ResourcePathTest, RejectsDiscoveryAndSubresources) {
  EXPECT_FALSE(parse_resource_path("/api/v1"));
  EXPECT_FALSE(parse_resource_path("/apis/apps/v1"));
  EXPECT_FALSE(parse_resource_path("/apis"));
  EXPECT_FALSE(parse_resource_path("/api/v1/namespaces/a/pods/p/status"));
  EXPECT_FALSE(parse_resource_path("/api/v1/nodes/n1/proxy"));
  EXPECT_FALSE(parse_resource_path("/healthz"));
  EXPECT_FALSE(parse_resource_path("/api/v1//pods"));
  EXPECT_FALSE(parse_resource_path("/api/v1/../pods"));
}

TEST(UrlQueryTest, DecodesLikeGo) {
  auto q = parse_query("filter=changed(data)%20%7C%7C%20x&watch=1&a+b=c+d&empty&k=");
  ASSERT_TRUE(q);
  ASSERT_EQ(q->size(), 5u);
  EXPECT_EQ((*q)[0].value, "changed(data) || x");
  EXPECT_EQ((*q)[2].key, "a b");
  EXPECT_EQ((*q)[2].value, "c d");
  EXPECT_EQ((*q)[3].key, "empty");
  EXPECT_EQ(*find_param(*q, "watch"), "1");
  EXPECT_EQ(find_param(*q, "nope"), nullptr);
  EXPECT_FALSE(parse_query("a=%zz"));
  EXPECT_FALSE(parse_query("a=%4"));
  EXPECT_EQ(percent_encode("a=b c/é"), "a%3Db%20c%2F%C3%A9");
}

TEST(WatchRequestTest, FilterCompileErrorKeepsTheColumn) {
  auto r = parse_target("/api/v1/configmaps?watch=true&filter=changed(spec%2C%20status");
  ASSERT_TRUE(std::holds_alternative<std::string>(r));
  EXPECT_EQ(std::get<std::string>(r),
            "col 21: expected ')' after arguments of changed, found end of expression");
}

TEST(WatchRequestTest, ParsesStandardParameters) {
  auto r = parse_target(
      "/api/v1/namespaces/d/configmaps?watch=true&filter=changed(data)&resourceVersion=42&"
      "allowWatchBookmarks=true&timeoutSeconds=30&labelSelector=app%3Dweb&fieldSelector="
      "metadata.name%3Da&watcher=w-1");
  ASSERT_TRUE(std::holds_alternative<WatchRequest>(r)) << std::get<std::string>(r);
  const auto& w = std::get<WatchRequest>(r);
  EXPECT_TRUE(w.watch);
  EXPECT_EQ(w.filter_source, "changed(data)");
  EXPECT_EQ(w.rv_mode, RvMode::kExact);
  EXPECT_EQ(w.resource_version, 42u);
  EXPECT_TRUE(w.allow_watch_bookmarks);
  EXPECT_EQ(w.timeout, std::chrono::seconds(30));
  EXPECT_EQ(w.label_selector, "app=web");
  EXPECT_EQ(w.field_selector->text(), "metadata.name=a");
  EXPECT_EQ(w.watcher_id, "w-1");
  EXPECT_FALSE(w.wants_initial_events());
}

TEST(WatchRequestTest, InitialEventsRules) {
  auto unset = std::get<WatchRequest>(parse_target("/api/v1/pods?watch=1&filter=true"));
  EXPECT_EQ(unset.rv_mode, RvMode::kUnset);
  EXPECT_TRUE(unset.wants_initial_events());
  auto zero =
      std::get<WatchRequest>(parse_target("/api/v1/pods?watch=1&filter=true&resourceVersion=0"));
  EXPECT_EQ(zero.rv_mode, RvMode::kAny);
  EXPECT_TRUE(zero.wants_initial_events());
  auto watchlist = parse_target(
      "/api/v1/pods?watch=1&filter=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&"
      "allowWatchBookmarks=true");
  ASSERT_TRUE(std::holds_alternative<WatchRequest>(watchlist));
  EXPECT_TRUE(std::get<WatchRequest>(watchlist).wants_initial_events());
  auto no_initial = std::get<WatchRequest>(parse_target(
      "/api/v1/pods?watch=1&filter=true&sendInitialEvents=false&resourceVersionMatch=NotOlderThan"));
  EXPECT_FALSE(no_initial.wants_initial_events());
}

TEST(WatchRequestTest, RejectsInvalidCombinations) {
  auto err = [](std::string_view target) {
    auto r = parse_target(target);
    return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : std::string();
  };
  EXPECT_NE(err("/api/v1/pods?watch=1&filter=true&sendInitialEvents=true"), "");
  EXPECT_NE(err("/api/v1/pods?watch=1&filter=true&sendInitialEvents=true&"
                "resourceVersionMatch=NotOlderThan"),
            "");  // needs allowWatchBookmarks
  EXPECT_NE(err("/api/v1/pods?watch=1&filter=true&resourceVersionMatch=Exact"), "");
  EXPECT_NE(err("/api/v1/pods?filter=true&resourceVersionMatch=Exact"), "");
  EXPECT_NE(err("/api/v1/pods?filter=true&resourceVersionMatch=Exact&resourceVersion=0"), "");
  EXPECT_NE(err("/api/v1/pods?filter=true&resourceVersion=abc"), "");
  EXPECT_NE(err("/api/v1/pods?filter=true&timeoutSeconds=-1"), "");
  EXPECT_NE(err("/api/v1/pods?filter=true&filterRef=a/b"), "");
  EXPECT_NE(err("/api/v1/pods?filterRef=a"), "");  // filterRef: test/proxy/watchfilter_ref_test.cc
  EXPECT_NE(err("/api/v1/pods?watcher=bad%20id"), "");
  EXPECT_NE(err("/api/v1/pods?filter=true&fieldSelector=nooperator"), "");
  EXPECT_EQ(err("/api/v1/pods?filter=true&resourceVersionMatch=NotOlderThan&resourceVersion=5"),
            "");
}

TEST(WatchRequestTest, NamedObjectBecomesANameSelector) {
  auto r = std::get<WatchRequest>(
      parse_target(
          "/api/v1/namespaces/d/configmaps/cm1?watch=1&filter=true&fieldSelector=a.b%3Dc"));
  EXPECT_EQ(r.field_selector->text(), "metadata.name=cm1,a.b=c");
}

TEST(WatchRequestTest, ResyncAndDebounceAreGoDurations) {
  auto r = std::get<WatchRequest>(
      parse_target("/api/v1/pods?watch=1&filter=true&resync=1m30s&debounce=500ms"));
  EXPECT_EQ(r.resync, std::chrono::seconds(90));
  EXPECT_EQ(r.debounce, std::chrono::milliseconds(500));
  auto none = std::get<WatchRequest>(parse_target("/api/v1/pods?watch=1&filter=true"));
  EXPECT_FALSE(none.resync);
  EXPECT_FALSE(none.debounce);
  auto err = [](std::string_view target) {
    auto r = parse_target(target);
    return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : std::string();
  };
  EXPECT_EQ(err("/api/v1/pods?watch=1&filter=true&resync=999ms"),
            "invalid resync \"999ms\": want a duration of at least 1s, like 30s or 5m");
  EXPECT_NE(err("/api/v1/pods?watch=1&filter=true&resync=4"), "");  // no unit
  EXPECT_EQ(err("/api/v1/pods?watch=1&filter=true&resync=1s"), "");
  EXPECT_EQ(err("/api/v1/pods?watch=1&filter=true&debounce=0s"),
            "invalid debounce \"0s\": want a positive duration, like 500ms or 2s");
  EXPECT_NE(err("/api/v1/pods?watch=1&filter=true&debounce=-1s"), "");
  EXPECT_NE(err("/api/v1/pods?watch=1&filter=true&debounce=2x"), "");
}

TEST(WatchRequestTest, WatcherAloneAdmitsEverything) {
  auto r = std::get<WatchRequest>(parse_target("/api/v1/pods?watch=1&watcher=abc"));
  EXPECT_EQ(r.filter_source, "");
  ASSERT_TRUE(r.filter);
  std::vector<QueryParam> none = {{"watch", "1"}};
  EXPECT_FALSE(has_informer_params(none));
  std::vector<QueryParam> some = {{"watcher", "x"}};
  EXPECT_TRUE(has_informer_params(some));
}

const char* kPod =
    R"({"kind":"Pod","apiVersion":"v1","metadata":{"name":"p1","namespace":"ns"},)"
    R"("spec":{"nodeName":"n1","replicas":3,"paused":false},"status":{"phase":"Running"}})";

bool matches(std::string_view selector, const char* object = kPod) {
  auto parsed = FieldSelector::parse(selector);
  EXPECT_TRUE(std::holds_alternative<FieldSelector>(parsed)) << std::get<std::string>(parsed);
  filters::EventParser parser;
  auto view = parser.parse_object(object, filters::EventType::kAdded);
  return std::get<FieldSelector>(parsed).matches(view);
}

TEST(FieldSelectorTest, MetadataAndPaths) {
  EXPECT_TRUE(matches(""));
  EXPECT_TRUE(matches("metadata.name=p1"));
  EXPECT_TRUE(matches("metadata.name==p1,metadata.namespace=ns"));
  EXPECT_FALSE(matches("metadata.name!=p1"));
  EXPECT_TRUE(matches("spec.nodeName=n1,status.phase!=Pending"));
  EXPECT_FALSE(matches("status.phase=Pending"));
  EXPECT_TRUE(matches("spec.replicas=3"));
  EXPECT_TRUE(matches("spec.paused=false"));
  EXPECT_TRUE(matches("spec.missing="));  // missing is ""
  EXPECT_FALSE(matches("spec.missing=x"));
  EXPECT_TRUE(matches(" metadata.name = p1 "));
}

TEST(FieldSelectorTest, IdentityOnlyAndErrors) {
  auto a = std::get<FieldSelector>(FieldSelector::parse("metadata.name=a,metadata.namespace!=b"));
  EXPECT_TRUE(a.identity_only());
  auto b = std::get<FieldSelector>(FieldSelector::parse("metadata.name=a,spec.x=1"));
  EXPECT_FALSE(b.identity_only());
  EXPECT_TRUE(std::holds_alternative<std::string>(FieldSelector::parse("novalue")));
  EXPECT_TRUE(std::holds_alternative<std::string>(FieldSelector::parse("=x")));
  EXPECT_TRUE(std::holds_alternative<std::string>(FieldSelector::parse("spec..x=1")));
  auto escaped = std::get<FieldSelector>(FieldSelector::parse(R"(metadata.name=a\,b)"));
  filters::EventParser parser;
  auto view = parser.parse_object(R"({"metadata":{"name":"a,b"}})", filters::EventType::kAdded);
  EXPECT_TRUE(escaped.matches(view));
}

}  // namespace
}  // namespace watchfilter::proxy

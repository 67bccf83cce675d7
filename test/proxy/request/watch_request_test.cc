// Watch request validation: the query parameters of a filtered read, as kube-apiserver checks them.

#include "proxy/request/watch_request.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "proxy/kube/url_query.h"
#include "test/proxy/support/watch_request_support.h"

namespace watchfilter::proxy {
namespace {

using testing::parse_target;

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
  EXPECT_EQ(w.label_selector->text(), "app=web");
  EXPECT_EQ(w.field_selector->text(), "metadata.name=a");
  EXPECT_EQ(w.watcher_id, "w-1");
  EXPECT_FALSE(w.wants_initial_events());
}

// Selectors and the namespace are what make informers and streams: both are checked here, as
// kube-apiserver checks them, before anything is spent on the request.
TEST(WatchRequestTest, LabelSelectorAndNamespaceAreValidated) {
  auto err = [](std::string_view target) {
    auto r = parse_target(target);
    return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : std::string();
  };
  EXPECT_EQ(err("/api/v1/namespaces/d/configmaps?filter=true&labelSelector=a%20b"),
            "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
  EXPECT_EQ(err("/api/v1/namespaces/d/configmaps?filter=true&labelSelector=a%3D1,!b"), "");
  EXPECT_EQ(err("/api/v1/namespaces/Default/configmaps?filter=true"),
            "invalid namespace \"Default\": a lowercase RFC 1123 label must consist of lower case "
            "alphanumeric characters or '-', and must start and end with an alphanumeric "
            "character (at most 63 characters)");
  EXPECT_NE(err("/api/v1/namespaces/%64efault/configmaps?filter=true"), "");
  EXPECT_NE(err("/api/v1/namespaces/" + std::string(64, 'a') + "/configmaps?filter=true"), "");
  EXPECT_EQ(err("/api/v1/namespaces/" + std::string(63, 'a') + "/configmaps?filter=true"), "");
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
      "/api/v1/"
      "pods?watch=1&filter=true&sendInitialEvents=false&resourceVersionMatch=NotOlderThan"));
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
  EXPECT_NE(err("/api/v1/pods?filterRef=a"),
            "");  // filterRef: test/proxy/request/watchfilter_ref_test.cc
  EXPECT_NE(err("/api/v1/pods?watcher=bad%20id"), "");
  EXPECT_NE(err("/api/v1/pods?filter=true&fieldSelector=nooperator"), "");
  EXPECT_EQ(err("/api/v1/pods?filter=true&resourceVersionMatch=NotOlderThan&resourceVersion=5"),
            "");
}

TEST(WatchRequestTest, NamedObjectBecomesANameSelector) {
  auto r = std::get<WatchRequest>(parse_target(
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

}  // namespace
}  // namespace watchfilter::proxy

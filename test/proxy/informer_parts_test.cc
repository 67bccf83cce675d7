// The informer's building blocks: event window, admitted-event log and watcher registry, relist
// difference, LIST pages, discovery documents, line splitting, backoff.

#include <gtest/gtest.h>

#include "proxy/backoff.h"
#include "proxy/discovery.h"
#include "proxy/event_window.h"
#include "proxy/line_splitter.h"
#include "proxy/list_response.h"
#include "proxy/relist_diff.h"
#include "proxy/watch_events.h"
#include "proxy/watcher_registry.h"

namespace watchfilter::proxy {
namespace {

using informer::EventWindow;

std::shared_ptr<const std::string> line(std::size_t size, char c = 'x') {
  return std::make_shared<const std::string>(size, c);
}

TEST(EventWindowTest, CoversFromTheListUntilEviction) {
  EventWindow w(3, 1000);
  w.reset(100);
  EXPECT_TRUE(w.covers(100));
  EXPECT_FALSE(w.covers(99));
  for (std::uint64_t rv = 101; rv <= 104; ++rv) w.append(rv, line(10));
  // 4 events, room for 3: 101 went, so a resume from 100 is too old, from 101 fine.
  EXPECT_EQ(w.size(), 3u);
  EXPECT_EQ(w.floor(), 101u);
  EXPECT_FALSE(w.covers(100));
  EXPECT_TRUE(w.covers(101));
  EXPECT_EQ(w.first_after(101), 0u);
  EXPECT_EQ(w.first_after(103), 2u);
  EXPECT_EQ(w.first_after(104), 3u);
  EXPECT_EQ(w.newest(), 104u);
}

TEST(EventWindowTest, ByteLimitKeepsTheNewestEvent) {
  EventWindow w(100, 25);
  w.reset(1);
  w.append(2, line(10));
  w.append(3, line(10));
  EXPECT_EQ(w.size(), 2u);
  w.append(4, line(10));
  EXPECT_EQ(w.size(), 2u);
  EXPECT_EQ(w.bytes(), 20u);
  EXPECT_EQ(w.floor(), 2u);
  w.append(5, line(100));  // bigger than the limit alone: still kept
  EXPECT_EQ(w.size(), 1u);
  EXPECT_EQ(w.floor(), 4u);
}

TEST(EventWindowTest, BookmarkAdvancesNewestNotFloor) {
  EventWindow w(10, 1000);
  w.reset(5);
  w.advance(50);
  EXPECT_EQ(w.newest(), 50u);
  EXPECT_TRUE(w.covers(5));
  EXPECT_TRUE(w.covers(50));
  w.append(51, line(1));
  EXPECT_EQ(w.first_after(50), 0u);
}

TEST(AdmittedLogTest, ResendsAfterAndTrims) {
  informer::AdmittedLog log(3, 1000);
  log.reset(10);
  for (std::uint64_t rv = 11; rv <= 14; ++rv) log.append(rv, line(1));
  EXPECT_EQ(log.size(), 3u);
  EXPECT_EQ(log.complete_after(), 11u);  // rv 11 was trimmed
  auto after = log.after(12);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].rv, 13u);
  log.drop_through(13);
  EXPECT_EQ(log.size(), 1u);
  EXPECT_EQ(log.complete_after(), 13u);
}

TEST(WatcherRegistryTest, ExpiresDetachedRecordsAndBoundsCount) {
  using clock = std::chrono::steady_clock;
  informer::WatcherRegistry reg(std::chrono::seconds(10), 2);
  auto make = [](std::string id) {
    auto sel = std::make_shared<const FieldSelector>(std::get<FieldSelector>(FieldSelector::parse("")));
    return std::make_shared<informer::WatcherRecord>(id, "", sel, nullptr, 10, 1000);
  };
  const auto t0 = clock::now();
  auto a = make("a");
  a->detached_at = t0;
  a->evaluated_through = 100;
  auto b = make("b");
  b->attached_subscription = 7;
  reg.put(a);
  reg.put(b);
  auto c = make("c");
  c->detached_at = t0 + std::chrono::seconds(1);
  c->evaluated_through = 100;
  reg.put(c);  // over the bound: the oldest detached (a) goes
  EXPECT_EQ(reg.size(), 2u);
  EXPECT_EQ(reg.find("a"), nullptr);
  reg.expire(t0 + std::chrono::seconds(5), 50);
  EXPECT_NE(reg.find("c"), nullptr);
  reg.expire(t0 + std::chrono::seconds(5), 150);  // c fell behind the window
  EXPECT_EQ(reg.find("c"), nullptr);
  reg.expire(t0 + std::chrono::hours(1), 1000);
  EXPECT_NE(reg.find("b"), nullptr);  // attached records never expire
}

TEST(RelistDiffTest, OnlyDifferencesAndDeletionsLast) {
  informer::ObjectCache cache;
  cache.put("ns/a", R"({"a":1})", 5);
  cache.put("ns/b", R"({"b":1})", 6);
  cache.put("ns/gone", R"({"gone":1})", 7);
  std::vector<informer::ListedObject> listed = {
      {"ns/new", 9, R"({"new":1})"}, {"ns/b", 8, R"({"b":2})"}, {"ns/a", 5, R"({"a":1})"}};
  auto diff = informer::relist_diff(cache, listed, 20);
  ASSERT_EQ(diff.size(), 3u);
  EXPECT_EQ(*diff[0].line, event_line("MODIFIED", R"({"b":2})"));
  EXPECT_EQ(diff[0].rv, 8u);
  EXPECT_EQ(*diff[1].line, event_line("ADDED", R"({"new":1})"));
  EXPECT_EQ(*diff[2].line, event_line("DELETED", R"({"gone":1})"));
  EXPECT_EQ(diff[2].rv, 20u);
  EXPECT_TRUE(informer::relist_diff(cache, {{"ns/a", 5, ""}, {"ns/b", 6, ""}, {"ns/gone", 7, ""}}, 30)
                  .empty());
}

TEST(RelistDiffTest, OrderedByResourceVersionWithDeletionsLastAtTheListVersion) {
  informer::ObjectCache cache;
  cache.put("ns/a", R"({"metadata":{"name":"a","resourceVersion":"260"}})", 260);
  cache.put("ns/b", R"({"metadata":{"name":"b","resourceVersion":"261"}})", 261);
  cache.put("ns/c", R"({"metadata":{"name":"c","resourceVersion":"267"},"data":{"x":"y"}})", 267);
  cache.put("ns/d", R"({"metadata":{"name":"d","resourceVersion":"268"}})", 268);
  std::vector<informer::ListedObject> listed = {
      {"ns/e", 279, R"({"metadata":{"name":"e","resourceVersion":"279"}})"},
      {"ns/b", 277, R"({"metadata":{"name":"b","resourceVersion":"277"}})"},
      {"ns/a", 276, R"({"metadata":{"name":"a","resourceVersion":"276"}})"},
      {"ns/d", 268, R"({"metadata":{"name":"d","resourceVersion":"268"}})"}};
  auto diff = informer::relist_diff(cache, listed, 280);
  ASSERT_EQ(diff.size(), 4u);
  std::vector<std::uint64_t> rvs;
  for (const auto& e : diff) rvs.push_back(e.rv);
  EXPECT_EQ(rvs, (std::vector<std::uint64_t>{276, 277, 279, 280}));
  EXPECT_EQ(*diff[0].line, event_line("MODIFIED", listed[2].object));
  EXPECT_EQ(*diff[1].line, event_line("MODIFIED", listed[1].object));
  EXPECT_EQ(*diff[2].line, event_line("ADDED", listed[0].object));
  // The last known c, at the LIST's resourceVersion: only that value changed.
  EXPECT_EQ(*diff[3].line,
            event_line("DELETED",
                       R"({"metadata":{"name":"c","resourceVersion":"280"},"data":{"x":"y"}})"));
}

TEST(WatchEventsTest, WithResourceVersionRewritesOnlyMetadataResourceVersion) {
  EXPECT_EQ(with_resource_version(
                R"({"kind":"X","spec":{"resourceVersion":"1","a":[{"b":"}"}]},)"
                R"( "metadata" : {"name":"n\"","resourceVersion" : "12","uid":"u"},"z":1})",
                345),
            R"({"kind":"X","spec":{"resourceVersion":"1","a":[{"b":"}"}]},)"
            R"( "metadata" : {"name":"n\"","resourceVersion" : "345","uid":"u"},"z":1})");
  EXPECT_EQ(with_resource_version(R"({"metadata":{"name":"n"}})", 7),
            R"({"metadata":{"name":"n"}})");
  EXPECT_EQ(with_resource_version("not json", 7), "not json");
}

TEST(ObjectCacheTest, AddedLineSharesTheObjectBytes) {
  informer::ObjectCache cache;
  const auto& e = cache.put("ns/a", R"({"kind":"X"})", 3);
  EXPECT_EQ(*e.added_line, "{\"type\":\"ADDED\",\"object\":{\"kind\":\"X\"}}\n");
  EXPECT_EQ(e.object, R"({"kind":"X"})");
  cache.put("ns/b", R"({"kind":"Y"})", 1);
  auto sorted = cache.by_rv();
  EXPECT_EQ(*sorted[0].first, "ns/b");
  cache.erase("ns/a");
  EXPECT_EQ(cache.find("ns/a"), nullptr);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(WatchEventsTest, ShapesMatchKubeApiserver) {
  EXPECT_EQ(bookmark_line("ConfigMap", "v1", 42),
            R"({"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":"42"}}})"
            "\n");
  EXPECT_EQ(bookmark_line("Widget", "e2e.io/v1", 7, true),
            R"({"type":"BOOKMARK","object":{"kind":"Widget","apiVersion":"e2e.io/v1","metadata":{"resourceVersion":"7","annotations":{"k8s.io/initial-events-end":"true"}}}})"
            "\n");
  EXPECT_EQ(expired_line(5, 9),
            R"j({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 5 (9)","reason":"Expired","code":410}})j"
            "\n");
  EXPECT_EQ(with_type_meta(R"({"metadata":{}})", "Pod", "v1"),
            R"({"kind":"Pod","apiVersion":"v1","metadata":{}})");
  // Custom resources are listed with their kind and apiVersion already.
  EXPECT_EQ(with_type_meta(R"({"apiVersion":"x/v1","kind":"W"})", "W", "x/v1"),
            R"({"apiVersion":"x/v1","kind":"W"})");
}

TEST(ListPageTest, ItemsAsRawBytes) {
  const std::string body =
      R"({"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"77","continue":"tok"},"items":[{"metadata":{"name":"a"},"data":{"k":"v"}}, {"metadata":{"name":"b"}}]})";
  ListPage page;
  std::string error;
  ASSERT_TRUE(parse_list_page(body, page, error)) << error;
  EXPECT_EQ(page.resource_version, 77u);
  EXPECT_EQ(page.continue_token, "tok");
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0], R"({"metadata":{"name":"a"},"data":{"k":"v"}})");
  EXPECT_EQ(page.items[1], R"({"metadata":{"name":"b"}})");
  ListPage empty;
  ASSERT_TRUE(parse_list_page(
      R"({"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"3"},"items":[]})", empty,
      error));
  EXPECT_TRUE(empty.items.empty());
  ListPage status;
  EXPECT_FALSE(parse_list_page(R"({"kind":"Status","code":403})", status, error));
}

TEST(ListResponseTest, BuildsAList) {
  EXPECT_EQ(build_list("Pod", "v1", 9, {R"({"a":1})", R"({"b":2})"}),
            R"({"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"9"},"items":[{"a":1},{"b":2}]})");
  EXPECT_EQ(build_list("W", "g/v1", 1, {}),
            R"({"kind":"WList","apiVersion":"g/v1","metadata":{"resourceVersion":"1"},"items":[]})");
}

TEST(DiscoveryTest, ParsesApiResourceList) {
  const std::string body = R"({"kind":"APIResourceList","groupVersion":"v1","resources":[
    {"name":"configmaps","singularName":"configmap","namespaced":true,"kind":"ConfigMap","verbs":["create","get","list","watch"]},
    {"name":"pods/status","namespaced":true,"kind":"Pod","verbs":["get"]},
    {"name":"nodes","namespaced":false,"kind":"Node","verbs":["get","list"]}]})";
  std::string error;
  auto list = parse_api_resource_list(body, error);
  ASSERT_TRUE(list) << error;
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].kind, "ConfigMap");
  EXPECT_TRUE((*list)[0].namespaced);
  EXPECT_TRUE((*list)[0].has_verb("watch"));
  EXPECT_FALSE((*list)[1].namespaced);
  EXPECT_FALSE((*list)[1].has_verb("watch"));
  EXPECT_FALSE(parse_api_resource_list("{}", error));
}

TEST(LineSplitterTest, ReassemblesLinesAcrossPieces) {
  LineSplitter s;
  std::vector<std::string> lines;
  auto collect = [&](std::string_view l) { lines.emplace_back(l); };
  s.feed("{\"a\":1}\n{\"b\"", collect);
  s.feed(":2}", collect);
  s.feed("\n\n{\"c\":3}\n{", collect);
  EXPECT_EQ(lines, (std::vector<std::string>{"{\"a\":1}\n", "{\"b\":2}\n", "\n", "{\"c\":3}\n"}));
  EXPECT_EQ(s.pending(), 1u);
}

TEST(BackoffTest, GrowsWithJitterAndResets) {
  using namespace std::chrono_literals;
  Backoff b(100ms, 1s, 42);
  for (int i = 0; i < 10; ++i) {
    const auto d = b.next();
    const auto cap = std::min<std::chrono::steady_clock::duration>(100ms * (1 << std::min(i, 10)), 1s);
    EXPECT_GE(d, cap / 2) << i;
    EXPECT_LE(d, cap) << i;
  }
  b.reset();
  EXPECT_LE(b.next(), 100ms);
}

}  // namespace
}  // namespace watchfilter::proxy

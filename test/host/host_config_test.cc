#include "host/host_config.h"

#include <gtest/gtest.h>

#include "host/proxy_watch.h"
#include "proxy/base/config_error.h"

namespace watchfilter::host {
namespace {

TEST(HostConfigTest, ParsesChildrenWatchesAndDefaults) {
  HostConfig c = parse_host_config(R"(
hostName: edge-1
idleUnload: 500ms
memoryLimit: 16Mi
children:
- name: ring-0
  wasm: ring.wasm
  env: {RING_TO: ring-1}
  watches:
  - resource: /apis/example.watchfilter.io/v1/namespaces/ring-0/rings
    filter: changed(spec)
  - resource: /api/v1/namespaces/ring-0/configmaps
    labelSelector: app=x
)",
                                   "/base");
  EXPECT_EQ(c.host_name, "edge-1");
  EXPECT_EQ(c.idle_unload, std::chrono::milliseconds(500));
  EXPECT_EQ(c.call_timeout, std::chrono::milliseconds(5000));
  EXPECT_EQ(c.memory_limit_bytes, 16ull << 20);
  ASSERT_EQ(c.children.size(), 1u);
  const ChildSpec& child = c.children[0];
  EXPECT_EQ(child.wasm, std::filesystem::path("/base/ring.wasm"));
  ASSERT_EQ(child.env.size(), 1u);
  EXPECT_EQ(child.env[0].second, "ring-1");
  ASSERT_EQ(child.watches.size(), 2u);
  EXPECT_EQ(c.watcher_id(child, 1), "edge-1.ring-0.1");
  EXPECT_EQ(
      watch_target(child.watches[0], c.watcher_id(child, 0), ""),
      "/apis/stream.watchfilter.io/v1alpha1/proxy/apis/example.watchfilter.io/v1/namespaces/ring-0/"
      "rings"
      "?watch=true&allowWatchBookmarks=true&watcher=edge-1.ring-0.0&filter=changed%28spec%29");
  EXPECT_EQ(
      watch_target(child.watches[1], "w", "42"),
      "/apis/stream.watchfilter.io/v1alpha1/proxy/api/v1/namespaces/ring-0/configmaps"
      "?watch=true&allowWatchBookmarks=true&watcher=w&labelSelector=app%3Dx&resourceVersion=42");
}

TEST(HostConfigTest, RejectsBadEntries) {
  auto bad = [](const std::string& yaml) {
    EXPECT_THROW(parse_host_config(yaml, "/"), proxy::ConfigError) << yaml;
  };
  bad("children: []");
  bad("children:\n- name: Bad_Name\n  wasm: a.wasm\n  watches: [{resource: /api/v1/pods}]");
  bad("children:\n- name: a\n  watches: [{resource: /api/v1/pods}]");
  bad("children:\n- name: a\n  wasm: a.wasm\n  watches: [{resource: pods}]");
  bad("children:\n- name: a\n  wasm: a.wasm\n  watches: [{resource: /api/v1/pods, filter: x, "
      "filterRef: a/b}]");
  bad("children:\n- {name: a, wasm: a.wasm, watches: [{resource: /api/v1/pods}]}\n- {name: a, "
      "wasm: b.wasm, watches: [{resource: /api/v1/pods}]}");
  bad("idleUnload: 5 parsecs\nchildren:\n- {name: a, wasm: a.wasm, watches: [{resource: "
      "/api/v1/pods}]}");
}

TEST(HostConfigTest, WatchesMayBeLeftToTheModule) {
  HostConfig c = parse_host_config("children:\n- {name: a, wasm: a.wasm}", "/");
  EXPECT_TRUE(c.children[0].watches.empty());
  auto declared = parse_declared_watches(
      R"j([{"resource":"/api/v1/namespaces/a/pods","filter":"changed(spec)"}])j", "a");
  ASSERT_EQ(declared.size(), 1u);
  EXPECT_EQ(declared[0].filter, "changed(spec)");
  EXPECT_THROW(parse_declared_watches("[]", "a"), proxy::ConfigError);
  EXPECT_THROW(parse_declared_watches(R"([{"resource":"pods"}])", "a"), proxy::ConfigError);
  EXPECT_THROW(parse_declared_watches("not json [", "a"), proxy::ConfigError);
}

TEST(HostConfigTest, ResyncIsPassedToTheProxy) {
  HostConfig c = parse_host_config(
      "children:\n- {name: a, wasm: a.wasm, watches: [{resource: /api/v1/namespaces/a/pods, "
      "filter: changed(spec), resync: 1m30s}]}",
      "/");
  EXPECT_EQ(c.children[0].watches[0].resync, "1m30s");
  EXPECT_EQ(watch_target(c.children[0].watches[0], "w", ""),
            "/apis/stream.watchfilter.io/v1alpha1/proxy/api/v1/namespaces/a/pods"
            "?watch=true&allowWatchBookmarks=true&watcher=w&filter=changed%28spec%29&resync=1m30s");
  auto declared =
      parse_declared_watches(R"j([{"resource":"/api/v1/namespaces/a/pods","resync":"10s"}])j", "a");
  EXPECT_EQ(declared[0].resync, "10s");
  EXPECT_THROW(parse_host_config("children:\n- {name: a, wasm: a.wasm, watches: [{resource: "
                                 "/api/v1/pods, resync: soon}]}",
                                 "/"),
               proxy::ConfigError);
}

TEST(HostConfigTest, Units) {
  EXPECT_EQ(parse_bytes("64Mi"), 64ull << 20);
  EXPECT_EQ(parse_bytes("1G"), 1000000000ull);
  EXPECT_EQ(parse_bytes("4096"), 4096ull);
  EXPECT_THROW(parse_bytes("12 apples"), proxy::ConfigError);
  EXPECT_EQ(parse_duration("1.5s"), std::chrono::milliseconds(1500));
  EXPECT_EQ(parse_duration("2m"), std::chrono::milliseconds(120000));
  EXPECT_THROW(parse_duration("3"), proxy::ConfigError);
}

}  // namespace
}  // namespace watchfilter::host

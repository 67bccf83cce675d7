// The request target: one reading of the path and the query, as kube-apiserver reads them.

#include "proxy/kube/request_target.h"

#include <gtest/gtest.h>

#include <string>
#include <variant>

namespace watchfilter::proxy {
namespace {

TEST(RequestTargetTest, DecodesStripsThePrefixAndFindsTheOwnGroup) {
  auto t = parse_request_target(
               "/apis/stream.watchfilter.io/v1alpha1/proxy/api/v1/namespaces/default/"
               "configmaps?watch=true&resourceVersion=5")
               .value();
  EXPECT_TRUE(t.proxy_prefix);
  EXPECT_FALSE(t.own_group);
  EXPECT_EQ(t.upstream_path, "/api/v1/namespaces/default/configmaps");
  EXPECT_EQ(t.upstream_target(),
            "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=5");
  EXPECT_TRUE(t.is_watch());
  for (const char* bare :
       {"/apis/stream.watchfilter.io/v1alpha1/proxy", "/apis/stream.watchfilter.io/v1alpha1/proxy/",
        "/apis/stream.watchfilter.io/v1alpha1/prox%79"}) {
    t = parse_request_target(bare).value();
    EXPECT_TRUE(t.proxy_prefix) << bare;
    EXPECT_EQ(t.upstream_target(), "/") << bare;
  }
  t = parse_request_target("/apis/stream.watchfilter.io/v1alpha1/proxy?x=1").value();
  EXPECT_EQ(t.upstream_target(), "/?x=1");
  t = parse_request_target("/api/v1/pods?watch=1").value();
  EXPECT_FALSE(t.proxy_prefix);
  EXPECT_EQ(t.upstream_target(), "/api/v1/pods?watch=1");
  // Our own group, however spelled, is never an upstream path.
  for (const char* own :
       {"/apis/stream.watchfilter.io/v1alpha1/proxyx", "/apis/stream.watchfilter.io",
        "/apis/Stream.WatchFilter.io/v1alpha1",
        "/APIs/stream.watchfilter.io/v1alpha1/proxy/api/v1/secrets",
        "/apis/stream.watchfilter.io/v1alpha1/proxy/apis/stream.watchfilter.io/"
        "v1alpha1/proxy/api/v1/secrets",
        "/apis/stream.watchfilter.io/v1alpha1/proxy/%61pis/stream%2Ewatchfilter"
        "%2Eio/v1alpha1",
        "/apis/stream.watchfilter.io/v1alpha1/proxy%2Fapis%2Fstream.watchfilter.io"}) {
    auto parsed = parse_request_target(own);
    ASSERT_TRUE(parsed.ok()) << own;
    EXPECT_TRUE(parsed.value().own_group) << own;
  }
  // Refused: not an absolute path, a malformed escape, dot or empty segments (also escaped).
  for (const char* bad : {"http://evil/api/v1/pods", "*", "/api/v1/namespaces/%zz/pods",
                          "/api/v1/../pods", "/api/v1/%2e%2e/pods", "/api//v1", "/api/./v1",
                          "/api/v1/pods/.", "/api%2F%2Fv1", "//api"}) {
    EXPECT_FALSE(parse_request_target(bad).ok()) << bad;
  }
}

TEST(RequestTargetTest, WatchAsKubeApiserverReadsIt) {
  auto watch = [](const char* target) { return parse_request_target(target).value().is_watch(); };
  EXPECT_TRUE(watch("/api/v1/pods?watch=true"));
  EXPECT_TRUE(watch("/api/v1/pods?labelSelector=a&watch=1"));
  EXPECT_TRUE(watch("/api/v1/pods?watch=T&x=%zz"));
  EXPECT_TRUE(watch("/api/v1/watch/namespaces/default/pods"));
  EXPECT_TRUE(watch("/apis/apps/v1/watch/deployments"));
  EXPECT_FALSE(watch("/api/v1/pods"));
  EXPECT_FALSE(watch("/api/v1/pods?watch=false&watch=true"));  // the first value counts
  EXPECT_FALSE(watch("/api/v1/pods?xwatch=true"));
  EXPECT_FALSE(watch("/apis/apps/v1/deployments/watch"));
}

TEST(RequestTargetTest, UpstreamTargetDecodesToTheSamePath) {
  auto t =
      parse_request_target("/api/v1/namespaces/a/configmaps/x%20y%3F%23%25+z?labelSelector=a%3Db")
          .value();
  EXPECT_EQ(t.upstream_path, "/api/v1/namespaces/a/configmaps/x y?#%+z");
  EXPECT_EQ(t.upstream_target(),
            "/api/v1/namespaces/a/configmaps/x%20y%3F%23%25+z?labelSelector=a%3Db");
  auto again = parse_request_target(t.upstream_target()).value();
  EXPECT_EQ(again.upstream_path, t.upstream_path);
}

}  // namespace
}  // namespace watchfilter::proxy

#include "proxy/upstream/forwarding.h"

#include <gtest/gtest.h>

namespace watchfilter::proxy {
namespace {

TEST(ForwardingTest, RequestCarriesOnlyWhatUpstreamShouldSee) {
  ClientRequest client{http::verb::get, "/apis/stream.watchfilter.io/v1alpha1/proxy/api/v1/pods",
                       11};
  client.set(http::field::accept, "application/json;as=Table;v=v1;g=meta.k8s.io");
  client.set(http::field::user_agent, "kubectl/v1.31");
  client.set(http::field::accept_encoding, "gzip");
  client.set(http::field::authorization, "Bearer callers-token");
  client.set("Impersonate-User", "system:admin");
  client.set("X-Remote-User", "system:admin");
  client.set("X-Remote-Group", "system:masters");
  UpstreamConfig up;
  up.host = "10.0.0.1";
  up.port = 6443;
  UpstreamRequest r = build_upstream_request(client, "/api/v1/pods?watch=true", up, "proxy-token");
  EXPECT_EQ(r.target(), "/api/v1/pods?watch=true");
  EXPECT_EQ(r.method(), http::verb::get);
  EXPECT_EQ(r[http::field::host], "10.0.0.1:6443");
  EXPECT_EQ(r[http::field::accept], "application/json;as=Table;v=v1;g=meta.k8s.io");
  EXPECT_EQ(r[http::field::user_agent], "kubectl/v1.31");
  EXPECT_EQ(r[http::field::authorization], "Bearer proxy-token");
  EXPECT_EQ(r.count(http::field::accept_encoding), 0u);
  EXPECT_EQ(r.count("Impersonate-User"), 0u);
  EXPECT_EQ(r.count("X-Remote-User"), 0u);
  EXPECT_EQ(r.count("X-Remote-Group"), 0u);
}

TEST(ForwardingTest, NoTokenNoAuthorizationAndBasePath) {
  ClientRequest client{http::verb::head, "/version", 11};
  client.set(http::field::authorization, "Bearer x");
  UpstreamConfig up;
  up.host = "::1";
  up.port = 443;
  up.base_path = "/k8s";
  UpstreamRequest r = build_upstream_request(client, "/version", up, "");
  EXPECT_EQ(r.target(), "/k8s/version");
  EXPECT_EQ(r.method(), http::verb::head);
  EXPECT_EQ(r[http::field::host], "[::1]");
  EXPECT_EQ(r.count(http::field::authorization), 0u);
  EXPECT_EQ(r[http::field::user_agent], "watchfilter-proxy/0.1");
}

TEST(ForwardingTest, ResponseHeadersDropHopByHop) {
  http::fields up;
  up.set(http::field::content_type, "application/json");
  up.set("Audit-Id", "abc");
  up.set(http::field::transfer_encoding, "chunked");
  up.set(http::field::content_length, "12");
  up.set(http::field::connection, "keep-alive, X-Private");
  up.set("X-Private", "1");
  up.set(http::field::keep_alive, "timeout=5");
  up.insert(http::field::warning, "299 - \"one\"");
  up.insert(http::field::warning, "299 - \"two\"");
  http::fields down;
  copy_response_header(up, down);
  EXPECT_EQ(down[http::field::content_type], "application/json");
  EXPECT_EQ(down["Audit-Id"], "abc");
  EXPECT_EQ(down.count(http::field::warning), 2u);
  EXPECT_EQ(down.count(http::field::transfer_encoding), 0u);
  EXPECT_EQ(down.count(http::field::content_length), 0u);
  EXPECT_EQ(down.count(http::field::connection), 0u);
  EXPECT_EQ(down.count(http::field::keep_alive), 0u);
  EXPECT_EQ(down.count("X-Private"), 0u);
}

}  // namespace
}  // namespace watchfilter::proxy

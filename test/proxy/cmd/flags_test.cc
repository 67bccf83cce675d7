#include "proxy/cmd/flags.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/base/flag_value.h"

namespace watchfilter::proxy {
namespace {

ProxyFlags parse(std::vector<std::string_view> args) { return parse_flags(args); }

TEST(FlagsTest, Defaults) {
  ProxyFlags f = parse({});
  EXPECT_EQ(f.secure_port, 8443);
  EXPECT_EQ(f.bind_address, "0.0.0.0");
  EXPECT_EQ(f.verbosity, 0);
  EXPECT_EQ(f.threads, 2);
  EXPECT_FALSE(f.help);
  EXPECT_TRUE(f.kubeconfig.empty());
}

TEST(FlagsTest, EqualsAndSeparateForms) {
  ProxyFlags a =
      parse({"--secure-port=9443", "--bind-address=::1", "--kubeconfig=/k", "--context=ctx",
             "--v=4", "--threads=3", "--tls-cert-file=/c", "--tls-private-key-file=/p"});
  ProxyFlags b = parse({"--secure-port", "9443", "--bind-address", "::1", "--kubeconfig", "/k",
                        "--context", "ctx", "--v", "4", "--threads", "3", "--tls-cert-file", "/c",
                        "--tls-private-key-file", "/p"});
  for (const ProxyFlags& f : {a, b}) {
    EXPECT_EQ(f.secure_port, 9443);
    EXPECT_EQ(f.bind_address, "::1");
    EXPECT_EQ(f.kubeconfig, "/k");
    EXPECT_EQ(f.context, "ctx");
    EXPECT_EQ(f.verbosity, 4);
    EXPECT_EQ(f.threads, 3);
    EXPECT_EQ(f.tls_cert_file, "/c");
    EXPECT_EQ(f.tls_private_key_file, "/p");
  }
}

TEST(FlagsTest, ShorthandsAndBooleans) {
  EXPECT_EQ(parse({"-v", "3"}).verbosity, 3);
  EXPECT_EQ(parse({"-v=5"}).verbosity, 5);
  EXPECT_TRUE(parse({"--help"}).help);
  EXPECT_TRUE(parse({"-h"}).help);
  EXPECT_FALSE(parse({"--help=false"}).help);
}

TEST(FlagsTest, UnknownFlag) {
  try {
    parse({"--secure-prot=1"});
    FAIL() << "expected FlagError";
  } catch (const FlagError& e) {
    EXPECT_STREQ(e.what(), "unknown flag: --secure-prot");
  }
}

TEST(FlagsTest, BadValues) {
  EXPECT_THROW(parse({"--secure-port=http"}), FlagError);
  EXPECT_THROW(parse({"--secure-port=70000"}), FlagError);
  EXPECT_THROW(parse({"--secure-port=-1"}), FlagError);
  EXPECT_THROW(parse({"--v=x"}), FlagError);
  EXPECT_THROW(parse({"--threads=0"}), FlagError);
  EXPECT_THROW(parse({"--help=maybe"}), FlagError);
  EXPECT_THROW(parse({"--kubeconfig="}), FlagError);
  EXPECT_THROW(parse({"--kubeconfig"}), FlagError);  // missing value
  EXPECT_THROW(parse({"positional"}), FlagError);
  try {
    parse({"--secure-port=70000"});
  } catch (const FlagError& e) {
    EXPECT_NE(std::string(e.what()).find("--secure-port"), std::string::npos) << e.what();
  }
}

TEST(FlagsTest, WakeupsConfigMap) {
  const ProxyFlags defaults = parse({});
  EXPECT_EQ(defaults.wakeups_configmap, "watchfilter-wakeups");
  EXPECT_EQ(defaults.wakeups_namespace, "");  // the Pod's namespace, resolved at startup
  const ProxyFlags f = parse({"--wakeups-configmap=wf.wakeups", "--wakeups-namespace", "ops"});
  EXPECT_EQ(f.wakeups_configmap, "wf.wakeups");
  EXPECT_EQ(f.wakeups_namespace, "ops");
  EXPECT_THROW(parse({"--wakeups-namespace=Ops"}), FlagError);
  EXPECT_THROW(parse({"--wakeups-namespace=a.b"}), FlagError);
  EXPECT_THROW(parse({"--wakeups-configmap=-x"}), FlagError);
  EXPECT_THROW(parse({"--wakeups-configmap=a..b"}), FlagError);  // IsDNS1123Subdomain's labels
  EXPECT_THROW(parse({"--wakeups-configmap=a.-b"}), FlagError);
  EXPECT_NE(help_text("watchfilter-proxy").find("--wakeups-configmap name"), std::string::npos);
}

TEST(FlagsTest, RequestLimits) {
  ProxyFlags d = parse({});
  EXPECT_EQ(d.max_request_body_bytes, 64u * 1024);
  EXPECT_EQ(d.max_request_body_depth, 100u);
  EXPECT_EQ(d.max_request_header_bytes, 1024u * 1024);
  ProxyFlags f = parse({"--max-request-body-bytes=16Ki", "--max-request-body-depth", "10",
                        "--max-request-header-bytes=64Ki"});
  EXPECT_EQ(f.max_request_body_bytes, 16u * 1024);
  EXPECT_EQ(f.max_request_body_depth, 10u);
  EXPECT_EQ(f.max_request_header_bytes, 64u * 1024);
  EXPECT_THROW(parse({"--max-request-body-bytes=1Mi"}), FlagError);  // a Wakeup's own bound
  EXPECT_THROW(parse({"--max-request-body-bytes=0"}), FlagError);
  EXPECT_THROW(parse({"--max-request-body-depth=0"}), FlagError);
  EXPECT_THROW(parse({"--max-request-header-bytes=100"}), FlagError);
  const std::string help = help_text("watchfilter-proxy");
  for (const char* flag : {"--max-request-body-bytes bytes", "--max-request-body-depth int",
                           "--max-request-header-bytes bytes"}) {
    EXPECT_NE(help.find(flag), std::string::npos) << flag;
  }
  EXPECT_NE(help.find("caller's own bearer token"), std::string::npos);
}

// A view's writes are forwarded with their bodies: kube-apiserver's 3 MB by default, bounded
// together so that many connections cannot make the proxy hold gigabytes.
TEST(FlagsTest, ForwardedBodyLimits) {
  ProxyFlags d = parse({});
  EXPECT_EQ(d.max_forwarded_body_bytes, 3u << 20);
  EXPECT_EQ(d.max_forwarded_body_bytes_total, 64u << 20);
  ProxyFlags f =
      parse({"--max-forwarded-body-bytes=1Mi", "--max-forwarded-body-bytes-total", "2Mi"});
  EXPECT_EQ(f.max_forwarded_body_bytes, 1u << 20);
  EXPECT_EQ(f.max_forwarded_body_bytes_total, 2u << 20);
  EXPECT_THROW(parse({"--max-forwarded-body-bytes=1Ki"}), FlagError);  // below 64Ki
  try {
    parse({"--max-forwarded-body-bytes=4Mi", "--max-forwarded-body-bytes-total=2Mi"});
    ADD_FAILURE() << "a total below one body was accepted";
  } catch (const FlagError& e) {
    EXPECT_NE(std::string(e.what()).find("must be at least --max-forwarded-body-bytes (4194304)"),
              std::string::npos)
        << e.what();
  }
}

TEST(FlagsTest, HelpListsEveryFlag) {
  const std::string help = help_text("watchfilter-proxy");
  for (const char* flag :
       {"--secure-port", "--bind-address", "--tls-cert-file", "--tls-private-key-file",
        "--kubeconfig", "--context", "--v ", "--threads", "--help"}) {
    EXPECT_NE(help.find(flag), std::string::npos) << flag;
  }
  EXPECT_NE(help.find("KUBERNETES_SERVICE_HOST"), std::string::npos);
  EXPECT_NE(help.find("(default 8443)"), std::string::npos);
  for (std::size_t pos = help.find(" \n"); pos != std::string::npos; pos = std::string::npos) {
    ADD_FAILURE() << "trailing space in help at " << pos;
  }
}

TEST(FlagsTest, DurationsAndBytes) {
  using namespace std::chrono_literals;
  EXPECT_EQ(parse_duration("x", "5m"), 300s);
  EXPECT_EQ(parse_duration("x", "1h30m"), 5400s);
  EXPECT_EQ(parse_duration("x", "500ms"), 500ms);
  EXPECT_EQ(parse_duration("x", "1.5s"), 1500ms);
  EXPECT_THROW(parse_duration("x", "5"), FlagError);
  EXPECT_THROW(parse_duration("x", "5d"), FlagError);
  EXPECT_EQ(parse_bytes("x", "64Mi"), 64ull << 20);
  EXPECT_EQ(parse_bytes("x", "1000"), 1000u);
  EXPECT_EQ(parse_bytes("x", "2k"), 2000u);
  EXPECT_THROW(parse_bytes("x", "Mi"), FlagError);
  EXPECT_THROW(parse_bytes("x", "5Xi"), FlagError);
  const std::vector<std::string_view> args = {"--informer-linger=2s", "--stream-queue-bytes", "1Mi",
                                              "--bookmark-interval=1s",
                                              "--informer-window-events=60"};
  auto f = parse_flags(args);
  EXPECT_EQ(f.informer_linger, 2s);
  EXPECT_EQ(f.stream_queue_bytes, 1u << 20);
  EXPECT_EQ(f.bookmark_interval, 1s);
  EXPECT_EQ(f.informer_window_events, 60u);
  // The limits of issue 11, with their defaults.
  EXPECT_EQ(f.max_informers, 500u);
  EXPECT_EQ(f.max_filter_nodes, 1024u);
  EXPECT_EQ(f.max_filter_state_bytes, 68u << 10);
  const std::vector<std::string_view> limits = {"--max-informers=3", "--max-filter-nodes", "50",
                                                "--max-filter-state-bytes=1Mi"};
  auto l = parse_flags(limits);
  EXPECT_EQ(l.max_informers, 3u);
  EXPECT_EQ(l.max_filter_nodes, 50u);
  EXPECT_EQ(l.max_filter_state_bytes, 1u << 20);
  const std::vector<std::string_view> zero_nodes = {"--max-filter-nodes=0"};
  EXPECT_THROW(parse_flags(zero_nodes), FlagError);
  for (const char* flag : {"--max-informers", "--max-filter-nodes", "--max-filter-state-bytes"}) {
    EXPECT_NE(help_text("p").find(flag), std::string::npos) << flag;
  }
}

}  // namespace
}  // namespace watchfilter::proxy

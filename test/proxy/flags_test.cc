#include "proxy/flags.h"

#include <gtest/gtest.h>

#include <vector>

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

}  // namespace
}  // namespace watchfilter::proxy

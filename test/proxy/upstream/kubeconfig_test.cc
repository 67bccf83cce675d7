#include "proxy/upstream/kubeconfig.h"

#include <gtest/gtest.h>

#include "proxy/base/config_error.h"
#include "test/proxy/support/test_certs.h"

namespace watchfilter::proxy {
namespace {

using testing::base64;
using testing::loopback_certificate;
using testing::TempDir;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(KubeconfigTest, InlineDataAndToken) {
  TempDir dir;
  const auto& cert = loopback_certificate();
  auto path = dir.write("config", R"(apiVersion: v1
kind: Config
current-context: main
contexts:
- name: other
  context: {cluster: nowhere, user: nobody}
- name: main
  context: {cluster: local, user: admin}
clusters:
- name: local
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: )" + base64(cert.cert_pem) +
                                      R"(
users:
- name: admin
  user:
    token: secret-token
    client-certificate-data: )" + base64(cert.cert_pem) +
                                      R"(
    client-key-data: )" + base64(cert.key_pem) +
                                      "\n");
  UpstreamConfig c = load_kubeconfig(path);
  EXPECT_EQ(c.host, "127.0.0.1");
  EXPECT_EQ(c.port, 6443);
  EXPECT_EQ(c.base_path, "");
  EXPECT_EQ(c.server_name, "127.0.0.1");
  EXPECT_EQ(c.ca_pem, cert.cert_pem);
  EXPECT_EQ(c.client_cert_pem, cert.cert_pem);
  EXPECT_EQ(c.client_key_pem, cert.key_pem);
  EXPECT_EQ(c.bearer_token, "secret-token");
  EXPECT_FALSE(c.insecure_skip_tls_verify);
  EXPECT_EQ(c.authority(), "https://127.0.0.1:6443");
}

TEST(KubeconfigTest, FilePathsRelativeToKubeconfigDirectory) {
  TempDir dir;
  const auto& cert = loopback_certificate();
  dir.write("pki/ca.crt", cert.cert_pem);
  dir.write("pki/client.crt", cert.cert_pem);
  dir.write("pki/client.key", cert.key_pem);
  dir.write("token", "file-token\n");
  auto path = dir.write("sub/../kubeconfig", R"(current-context: c
contexts: [{name: c, context: {cluster: k, user: u}}]
clusters:
- name: k
  cluster:
    server: https://kube.example:8443/prefix/
    certificate-authority: pki/ca.crt
    tls-server-name: apiserver.internal
users:
- name: u
  user:
    client-certificate: pki/client.crt
    client-key: )" + (dir.path() / "pki/client.key").string() +
                                                 R"(
    tokenFile: token
)");
  UpstreamConfig c = load_kubeconfig(path);
  EXPECT_EQ(c.host, "kube.example");
  EXPECT_EQ(c.port, 8443);
  EXPECT_EQ(c.base_path, "/prefix");
  EXPECT_EQ(c.server_name, "apiserver.internal");
  EXPECT_EQ(c.ca_pem, cert.cert_pem);
  EXPECT_EQ(c.client_key_pem, cert.key_pem);
  EXPECT_EQ(c.bearer_token_file, dir.path() / "token");
}

TEST(KubeconfigTest, ContextOverrideAndIpv6AndInsecure) {
  TempDir dir;
  auto path = dir.write("config", R"(current-context: a
contexts:
- {name: a, context: {cluster: ka}}
- {name: b, context: {cluster: kb}}
clusters:
- {name: ka, cluster: {server: "https://a.example"}}
- {name: kb, cluster: {server: "https://[::1]:7443", insecure-skip-tls-verify: true}}
)");
  UpstreamConfig a = load_kubeconfig(path);
  EXPECT_EQ(a.host, "a.example");
  EXPECT_EQ(a.port, 443);
  UpstreamConfig b = load_kubeconfig(path, "b");
  EXPECT_EQ(b.host, "::1");
  EXPECT_EQ(b.port, 7443);
  EXPECT_TRUE(b.insecure_skip_tls_verify);
  EXPECT_EQ(b.authority(), "https://[::1]:7443");
}

TEST(KubeconfigTest, ErrorsNameThePathAndTheProblem) {
  TempDir dir;
  auto missing = (dir.path() / "nope").string();
  EXPECT_EQ(error_of([&] { load_kubeconfig(missing); }),
            "kubeconfig " + missing + ": cannot read file");

  auto no_current = dir.write("a", "contexts: []\nclusters: []\n");
  EXPECT_NE(error_of([&] { load_kubeconfig(no_current); }).find("no current-context"),
            std::string::npos);

  auto bad_context = dir.write("b", R"(current-context: x
contexts: [{name: y, context: {cluster: k}}]
clusters: [{name: k, cluster: {server: "https://h"}}]
)");
  std::string e = error_of([&] { load_kubeconfig(bad_context); });
  EXPECT_NE(e.find(bad_context.string()), std::string::npos) << e;
  EXPECT_NE(e.find("context \"x\" not found"), std::string::npos) << e;
  EXPECT_NE(error_of([&] { load_kubeconfig(bad_context, "z"); }).find("\"z\" not found"),
            std::string::npos);

  auto http = dir.write("c", R"(current-context: y
contexts: [{name: y, context: {cluster: k}}]
clusters: [{name: k, cluster: {server: "http://h:8080"}}]
)");
  EXPECT_NE(error_of([&] { load_kubeconfig(http); }).find("not an https:// URL"),
            std::string::npos);

  auto missing_ca = dir.write("d", R"(current-context: y
contexts: [{name: y, context: {cluster: k}}]
clusters: [{name: k, cluster: {server: "https://h", certificate-authority: missing.crt}}]
)");
  e = error_of([&] { load_kubeconfig(missing_ca); });
  EXPECT_NE(e.find((dir.path() / "missing.crt").string()), std::string::npos) << e;

  auto exec = dir.write("e", R"(current-context: y
contexts: [{name: y, context: {cluster: k, user: u}}]
clusters: [{name: k, cluster: {server: "https://h"}}]
users: [{name: u, user: {exec: {command: aws}}}]
)");
  EXPECT_NE(error_of([&] { load_kubeconfig(exec); }).find("not supported"), std::string::npos);

  auto not_yaml = dir.write("f", "{{{");
  EXPECT_NE(error_of([&] { load_kubeconfig(not_yaml); }).find("invalid YAML"), std::string::npos);

  auto bad_b64 = dir.write("g", R"(current-context: y
contexts: [{name: y, context: {cluster: k}}]
clusters: [{name: k, cluster: {server: "https://h", certificate-authority-data: "!!!"}}]
)");
  EXPECT_NE(error_of([&] { load_kubeconfig(bad_b64); }).find("not valid base64"),
            std::string::npos);
}

TEST(KubeconfigTest, InCluster) {
  TempDir dir;
  dir.write("token", "sa-token\n");
  dir.write("ca.crt", loopback_certificate().cert_pem);
  InClusterEnvironment env{"10.96.0.1", "443", dir.path()};
  UpstreamConfig c = load_in_cluster_config(env);
  EXPECT_EQ(c.host, "10.96.0.1");
  EXPECT_EQ(c.port, 443);
  EXPECT_EQ(c.server_name, "10.96.0.1");
  EXPECT_EQ(c.bearer_token_file, dir.path() / "token");
  EXPECT_EQ(c.ca_pem, loopback_certificate().cert_pem);

  InClusterEnvironment v6{"fd00::1", "6443", dir.path()};
  EXPECT_EQ(load_in_cluster_config(v6).authority(), "https://[fd00::1]:6443");

  InClusterEnvironment no_token{"10.96.0.1", "443", dir.path() / "missing"};
  EXPECT_NE(error_of([&] { load_in_cluster_config(no_token); }).find("token"), std::string::npos);
}

TEST(KubeconfigTest, InClusterDetectionNeedsBothVariables) {
  unsetenv("KUBERNETES_SERVICE_HOST");
  setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  EXPECT_FALSE(InClusterEnvironment::detect());
  setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1", 1);
  auto env = InClusterEnvironment::detect();
  ASSERT_TRUE(env);
  EXPECT_EQ(env->service_host, "10.0.0.1");
  EXPECT_EQ(env->secrets_dir, "/var/run/secrets/kubernetes.io/serviceaccount");
  unsetenv("KUBERNETES_SERVICE_HOST");
  unsetenv("KUBERNETES_SERVICE_PORT");
}

}  // namespace
}  // namespace watchfilter::proxy

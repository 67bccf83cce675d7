#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace watchfilter::proxy {

// Everything needed to reach and authenticate to kube-apiserver, resolved once at startup from a
// kubeconfig or the in-cluster environment. File references are already read into PEM strings,
// except the token file, which is re-read at run time because service-account tokens rotate.
struct UpstreamConfig {
  std::string host;  // DNS name or IP literal (no brackets)
  std::uint16_t port = 443;
  std::string base_path;  // path of the server URL without trailing '/', usually empty
  std::string ca_pem;     // empty: the system trust store
  bool insecure_skip_tls_verify = false;
  std::string server_name;  // name verified in the certificate and sent as SNI; never empty
  std::string client_cert_pem;
  std::string client_key_pem;
  std::string bearer_token;
  std::filesystem::path bearer_token_file;  // when set, wins over bearer_token (as in client-go)
  std::string description;                  // for logs: where this came from

  // `https://host:port` (IPv6 hosts bracketed), for logs and the Host header.
  std::string authority() const;
};

// Loads `path` and resolves `context_override` or the current-context.
// Throws ConfigError naming the path and what is wrong.
UpstreamConfig load_kubeconfig(const std::filesystem::path& path,
                               const std::string& context_override = {});

// The environment client-go's InClusterConfig reads.
struct InClusterEnvironment {
  std::string service_host;
  std::string service_port;
  std::filesystem::path secrets_dir = "/var/run/secrets/kubernetes.io/serviceaccount";

  // Present when both KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are set and non-empty,
  // which the kubelet does for every Pod.
  static std::optional<InClusterEnvironment> detect();
};

// Throws ConfigError when the token or CA is missing or unreadable.
UpstreamConfig load_in_cluster_config(const InClusterEnvironment& env);

// Parses an `https://host[:port][/path]` server URL into `out`. Throws ConfigError.
void parse_server_url(const std::string& url, UpstreamConfig& out);

}  // namespace watchfilter::proxy

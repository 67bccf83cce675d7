#pragma once

#include <cstdint>
#include <string>

#include "host/run_modes.h"
#include "proxy/upstream/kubeconfig.h"

namespace watchfilter::host {

// watchfilter-host, or a child built natively against the proxy (sdk/native, docs/host.md):
// the same flags for the connections and /metrics; the wasm ones only for the host; the choice
// of the child only natively.
enum class FlagsFlavor { kHost, kNative };

struct HostFlags {
  std::string program;  // basename of argv[0], for --help and the native child's default name

  std::string children;   // the children file (host: required)
  std::string child;      // native: the entry of `children` to run
  std::string name;       // native, without a children file: the child's name
  std::string host_name;  // native, without a children file: first part of watcher ids

  // kube-apiserver: a kubeconfig, or --server with a token or a client certificate.
  std::string kubeconfig;
  std::string context;
  std::string server;
  std::string token;
  std::string client_certificate;
  std::string client_key;
  std::string certificate_authority;
  bool insecure_skip_tls_verify = false;

  std::string proxy = "https://127.0.0.1:8443";
  std::string proxy_ca;
  bool proxy_insecure = false;
  std::string metrics_bind_address;  // default per flavor; "0" disables
  RequeueMode requeue = RequeueMode::kProxy;
  WatchSource watch_from = WatchSource::kProxy;

  std::string module_cache;  // host only
  std::uint32_t max_instances = 256;
  std::uint64_t max_memory = 64ull << 20;
  std::uint32_t max_table_elements = 100000;
  int verbosity = 0;
};

// Parses argv. --help prints the usage and exits 0. Throws proxy::ConfigError.
HostFlags parse_host_flags(int argc, char** argv, FlagsFlavor flavor);

// The identity and address of kube-apiserver (the kubeconfig, or --server and its credentials);
// the proxy is reached with the same credentials at --proxy. Throw proxy::ConfigError.
proxy::UpstreamConfig kube_config_from_flags(const HostFlags& flags);
proxy::UpstreamConfig proxy_config_from_flags(const HostFlags& flags,
                                              const proxy::UpstreamConfig& kube);

}  // namespace watchfilter::host

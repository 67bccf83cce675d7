#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "proxy/base/flag_value.h"

namespace watchfilter::proxy {

// Command-line flags, Kubernetes style: `--name=value` or `--name value`; booleans also as
// `--name`.
struct ProxyFlags {
  std::uint16_t secure_port = 8443;
  std::string bind_address = "0.0.0.0";
  std::string tls_cert_file;
  std::string tls_private_key_file;
  std::string kubeconfig;
  std::string context;
  // Request limits (docs/proxy.md, "Security model").
  std::uint64_t max_request_body_bytes = 64 * 1024;
  std::size_t max_request_body_depth = 100;
  std::uint64_t max_forwarded_body_bytes = 3ull << 20;
  std::uint64_t max_forwarded_body_bytes_total = 64ull << 20;
  std::uint32_t max_request_header_bytes = 1024 * 1024;
  int verbosity = 0;
  int threads = 2;
  // Shared informers and filtered streams (docs/proxy.md).
  std::chrono::milliseconds informer_linger = std::chrono::minutes(5);
  std::uint64_t informer_window_events = 10000;
  std::uint64_t informer_window_bytes = 64ull << 20;
  std::chrono::milliseconds bookmark_interval = std::chrono::seconds(10);
  std::uint64_t stream_queue_bytes = 8ull << 20;
  std::chrono::milliseconds watcher_ttl = std::chrono::minutes(10);
  std::uint64_t max_watchers = 10000;
  // Per-user and cluster-wide limits (docs/proxy.md, "Security model").
  std::uint64_t max_streams_per_user = 1000;
  std::uint64_t max_watchers_per_user = 2000;
  std::uint64_t max_wakeups = 2000;
  std::uint64_t max_wakeups_per_namespace = 100;
  std::uint64_t max_inflight_token_reviews = 100;
  std::uint64_t max_stream_queue_bytes_total = 256ull << 20;
  // Informers running at once (one per resource and namespace); past it a 429.
  std::uint64_t max_informers = 500;
  // Budgets of one filter expression (filters/filter_cost.h): its nodes, and the state it keeps
  // per object and stream. Past them a 400 (filter=) or an InvalidFilter WatchFilter.
  std::uint64_t max_filter_nodes = 1024;
  std::uint64_t max_filter_state_bytes = 68u << 10;
  // How often the status of WatchFilters is written (docs/watchfilter.md); 0: never.
  std::chrono::milliseconds watchfilter_status_interval = std::chrono::seconds(5);
  // Where pending wake-ups are kept (docs/proxy.md, "Wake-ups"). An empty namespace means the
  // Pod's own (default_wakeups_namespace), resolved at startup.
  std::string wakeups_configmap = "watchfilter-wakeups";
  std::string wakeups_namespace;
  bool help = false;
};

// Parses argv[1..]. Throws FlagError on an unknown flag, a missing value, a bad value or a
// positional argument. Semantic checks that need more than one flag (cert and key given together,
// loopback bind address) belong to the startup code, not here.
ProxyFlags parse_flags(std::span<const std::string_view> args);

// The --help text; generated from the same table as the parser, so every flag is documented.
std::string help_text(std::string_view program);

}  // namespace watchfilter::proxy

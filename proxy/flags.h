#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

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
  // How often the status of WatchFilters is written (docs/watchfilter.md); 0: never.
  std::chrono::milliseconds watchfilter_status_interval = std::chrono::seconds(5);
  // Where pending wake-ups are kept (docs/proxy.md, "Wake-ups"). An empty namespace means the
  // Pod's own (default_wakeups_namespace), resolved at startup.
  std::string wakeups_configmap = "watchfilter-wakeups";
  std::string wakeups_namespace;
  bool help = false;
};

// A flag error; what() is one line naming the flag and what is wrong.
class FlagError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses argv[1..]. Throws FlagError on an unknown flag, a missing value, a bad value or a
// positional argument. Semantic checks that need more than one flag (cert and key given together,
// loopback bind address) belong to the startup code, not here.
ProxyFlags parse_flags(std::span<const std::string_view> args);

// Go-style duration ("500ms", "10s", "5m", "1h30m"); throws FlagError naming `flag`.
std::chrono::milliseconds parse_duration(std::string_view flag, std::string_view value);
// Byte quantity: an integer with an optional Kubernetes suffix (Ki Mi Gi, k M G); throws.
std::uint64_t parse_bytes(std::string_view flag, std::string_view value);

// The --help text; generated from the same table as the parser, so every flag is documented.
std::string help_text(std::string_view program);

}  // namespace watchfilter::proxy

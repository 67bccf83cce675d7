#include "proxy/flags.h"

#include <charconv>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "proxy/dns_names.h"
#include "proxy/go_duration.h"

namespace watchfilter::proxy {
namespace {

struct FlagSpec {
  std::string_view name;
  std::string_view value_name;  // empty: boolean flag
  std::string_view default_value;
  std::string_view help;
  std::function<void(ProxyFlags&, std::string_view)> set;
};

long long parse_int(std::string_view flag, std::string_view value, long long min, long long max) {
  long long out = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (ec != std::errc() || ptr != value.data() + value.size() || value.empty()) {
    throw FlagError("invalid value \"" + std::string(value) + "\" for flag --" + std::string(flag) +
                    ": not an integer");
  }
  if (out < min || out > max) {
    throw FlagError("invalid value \"" + std::string(value) + "\" for flag --" + std::string(flag) +
                    ": must be in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return out;
}

bool parse_bool(std::string_view flag, std::string_view value) {
  if (value == "true" || value == "1") return true;
  if (value == "false" || value == "0") return false;
  throw FlagError("invalid value \"" + std::string(value) + "\" for flag --" + std::string(flag) +
                  ": want true or false");
}

std::string non_empty(std::string_view flag, std::string_view value) {
  if (value.empty()) throw FlagError("flag --" + std::string(flag) + " needs a non-empty value");
  return std::string(value);
}

// A namespace (an RFC 1123 label) or an object name (a subdomain), as kube-apiserver checks them.
std::string dns_name(std::string_view flag, std::string_view value, bool is_namespace) {
  if (!(is_namespace ? is_dns_label(value) : is_dns_subdomain(value))) {
    throw FlagError("invalid value \"" + std::string(value) + "\" for flag --" +
                    std::string(flag) + ": want a lowercase RFC 1123 name");
  }
  return std::string(value);
}

}  // namespace

std::chrono::milliseconds parse_duration(std::string_view flag, std::string_view value) {
  if (auto d = parse_go_duration(value)) return *d;
  throw FlagError("invalid value \"" + std::string(value) + "\" for flag --" + std::string(flag) +
                  ": want a duration like 500ms, 10s, 5m or 1h30m");
}

std::uint64_t parse_bytes(std::string_view flag, std::string_view value) {
  std::size_t digits = 0;
  while (digits < value.size() && value[digits] >= '0' && value[digits] <= '9') ++digits;
  const std::string_view suffix = value.substr(digits);
  std::uint64_t scale = 0;
  if (suffix.empty()) scale = 1;
  else if (suffix == "Ki") scale = 1ull << 10;
  else if (suffix == "Mi") scale = 1ull << 20;
  else if (suffix == "Gi") scale = 1ull << 30;
  else if (suffix == "k") scale = 1000;
  else if (suffix == "M") scale = 1000'000;
  else if (suffix == "G") scale = 1000'000'000;
  if (digits == 0 || scale == 0) {
    throw FlagError("invalid value \"" + std::string(value) + "\" for flag --" +
                    std::string(flag) + ": want bytes like 8Mi, 512Ki or 1048576");
  }
  return static_cast<std::uint64_t>(parse_int(flag, value.substr(0, digits), 0,
                                              (1ll << 40))) * scale;
}

namespace {

const std::vector<FlagSpec>& flag_table() {
  static const std::vector<FlagSpec> table = {
      {"secure-port", "int", "8443",
       "The port on which to serve HTTPS. 0 picks a free port (logged at startup).",
       [](ProxyFlags& f, std::string_view v) {
         f.secure_port = static_cast<std::uint16_t>(parse_int("secure-port", v, 0, 65535));
       }},
      {"bind-address", "ip", "0.0.0.0",
       "The IP address on which to listen (0.0.0.0 or :: for every interface). Every request "
       "except /healthz, /livez and /readyz is authenticated and authorized.",
       [](ProxyFlags& f, std::string_view v) { f.bind_address = non_empty("bind-address", v); }},
      {"tls-cert-file", "path", "",
       "File containing the PEM serving certificate (followed by any intermediates). When it and "
       "--tls-private-key-file are absent, a self-signed certificate for localhost, 127.0.0.1, "
       "::1 and a specific --bind-address is generated in memory at startup.",
       [](ProxyFlags& f, std::string_view v) { f.tls_cert_file = non_empty("tls-cert-file", v); }},
      {"tls-private-key-file", "path", "",
       "File containing the PEM private key matching --tls-cert-file.",
       [](ProxyFlags& f, std::string_view v) {
         f.tls_private_key_file = non_empty("tls-private-key-file", v);
       }},
      {"kubeconfig", "path", "",
       "Kubeconfig file pointing at the kube-apiserver to proxy (its current context, or "
       "--context). When absent, the in-cluster configuration is used if KUBERNETES_SERVICE_HOST "
       "and KUBERNETES_SERVICE_PORT are set (service account token and CA under "
       "/var/run/secrets/kubernetes.io/serviceaccount/).",
       [](ProxyFlags& f, std::string_view v) { f.kubeconfig = non_empty("kubeconfig", v); }},
      {"context", "name", "", "Kubeconfig context to use instead of its current-context.",
       [](ProxyFlags& f, std::string_view v) { f.context = non_empty("context", v); }},
      {"v", "int", "0",
       "Log verbosity (klog style): 0 startup and errors, 1 informer lifecycle, upstream "
       "readiness and WatchFilter changes, 2 one line per request, 4 connection-level detail.",
       [](ProxyFlags& f, std::string_view v) {
         f.verbosity = static_cast<int>(parse_int("v", v, 0, 10));
       }},
      {"threads", "int", "2",
       "Number of threads running the event loop. Each connection is served on its own strand, so "
       "this only scales TLS and copying work across cores.",
       [](ProxyFlags& f, std::string_view v) {
         f.threads = static_cast<int>(parse_int("threads", v, 1, 64));
       }},
      {"informer-linger", "duration", "5m",
       "How long a shared upstream informer (one list+watch per resource, namespace and label "
       "selector) keeps running after its last stream ended, so that reconnecting clients find "
       "its cache and event window.",
       [](ProxyFlags& f, std::string_view v) {
         f.informer_linger = parse_duration("informer-linger", v);
       }},
      {"informer-window-events", "int", "10000",
       "Recent events each informer keeps for clients resuming from a resourceVersion; a resume "
       "from before the window is answered 410 Expired, as kube-apiserver does.",
       [](ProxyFlags& f, std::string_view v) {
         f.informer_window_events =
             static_cast<std::uint64_t>(parse_int("informer-window-events", v, 1, 100'000'000));
       }},
      {"informer-window-bytes", "bytes", "64Mi",
       "Bytes of recent events each informer keeps (the window ends at whichever limit is hit "
       "first).",
       [](ProxyFlags& f, std::string_view v) {
         f.informer_window_bytes = parse_bytes("informer-window-bytes", v);
       }},
      {"bookmark-interval", "duration", "10s",
       "Shortest time between two BOOKMARK events on a filtered stream with "
       "allowWatchBookmarks=true; one is sent when the newest resourceVersion moved past what "
       "the stream last got.",
       [](ProxyFlags& f, std::string_view v) {
         f.bookmark_interval = parse_duration("bookmark-interval", v);
       }},
      {"stream-queue-bytes", "bytes", "8Mi",
       "Bytes a filtered stream may have queued for a client that does not read; beyond that "
       "the stream ends with an ERROR event (429 TooManyRequests) and is counted in "
       "watchfilter_stream_disconnects_total{cause=\"slow_client\"}.",
       [](ProxyFlags& f, std::string_view v) {
         f.stream_queue_bytes = parse_bytes("stream-queue-bytes", v);
       }},
      {"watcher-ttl", "duration", "10m",
       "How long the state of a named watcher (watcher=<id>: filter state, admitted-event log) "
       "is kept after its stream ended, for a reconnect to continue without repeating or "
       "losing events.",
       [](ProxyFlags& f, std::string_view v) { f.watcher_ttl = parse_duration("watcher-ttl", v); }},
      {"max-watchers", "int", "10000",
       "Named watcher records kept per informer; beyond it the longest-disconnected goes.",
       [](ProxyFlags& f, std::string_view v) {
         f.max_watchers = static_cast<std::uint64_t>(parse_int("max-watchers", v, 1, 10'000'000));
       }},
      {"watchfilter-status-interval", "duration", "5s",
       "How often the status of WatchFilter objects (Ready condition, observedEvents, "
       "deliveredEvents, streams) is written: one merge patch per WatchFilter whose status "
       "changed since the last write, never one per event. 0 disables status writes.",
       [](ProxyFlags& f, std::string_view v) {
         f.watchfilter_status_interval = parse_duration("watchfilter-status-interval", v);
       }},
      {"wakeups-configmap", "name", "watchfilter-wakeups",
       "ConfigMap that keeps the pending wake-ups (POST .../namespaces/<ns>/wakeups), one data "
       "key per wake-up, so that they survive a restart. The proxy's identity needs get, create "
       "and patch on it.",
       [](ProxyFlags& f, std::string_view v) {
         f.wakeups_configmap = dns_name("wakeups-configmap", v, false);
       }},
      {"wakeups-namespace", "name", "",
       "Namespace of --wakeups-configmap. Default: the Pod's namespace (read from "
       "/var/run/secrets/kubernetes.io/serviceaccount/namespace), else \"default\".",
       [](ProxyFlags& f, std::string_view v) {
         f.wakeups_namespace = dns_name("wakeups-namespace", v, true);
       }},
      {"help", "", "false", "Print this help and exit.",
       [](ProxyFlags& f, std::string_view v) { f.help = parse_bool("help", v); }},
  };
  return table;
}

const FlagSpec* find_flag(std::string_view name) {
  for (const auto& spec : flag_table()) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

}  // namespace

ProxyFlags parse_flags(std::span<const std::string_view> args) {
  ProxyFlags flags;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    // pflag accepts `-h` and `-v` as shorthands; everything else is `--name`.
    std::string_view name;
    if (arg == "-h") {
      name = "help";
    } else if (arg.starts_with("-v") && !arg.starts_with("--")) {
      name = "v";
      arg.remove_prefix(2);
      if (arg.starts_with('=')) arg.remove_prefix(1);
      if (!arg.empty()) {
        find_flag("v")->set(flags, arg);
        continue;
      }
    } else if (arg.starts_with("--") && arg.size() > 2) {
      name = arg.substr(2);
    } else {
      throw FlagError("unexpected argument \"" + std::string(arg) +
                      "\": watchfilter-proxy takes only flags");
    }
    std::optional<std::string_view> value;
    if (auto eq = name.find('='); eq != std::string_view::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const FlagSpec* spec = find_flag(name);
    if (spec == nullptr) throw FlagError("unknown flag: --" + std::string(name));
    if (!value) {
      if (spec->value_name.empty()) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        throw FlagError("flag needs an argument: --" + std::string(name));
      }
    }
    spec->set(flags, *value);
  }
  return flags;
}

std::string help_text(std::string_view program) {
  std::string out;
  out += "Usage: ";
  out += program;
  out +=
      " [flags]\n\n"
      "watchfilter-proxy serves Kubernetes API GET requests (lists, gets and ?watch=true "
      "streams)\nover HTTPS and forwards them to kube-apiserver with its own credentials, both "
      "under the\nupstream path and under /apis/stream.watchfilter.io/v1alpha1/proxy/<upstream "
      "path>.\nA request with filter=<expression> (or watcher=<id>) is served from a shared "
      "upstream\ninformer instead: only the events the filter admits, as kube-apiserver's own "
      "bytes.\nLocal endpoints: /healthz, /livez, /readyz (503 until kube-apiserver answered "
      "once,\nand during shutdown), /metrics, and the wakeups resource (POST\n"
      "/apis/stream.watchfilter.io/v1alpha1/namespaces/<ns>/wakeups: a server-side wake-up of a\n"
      "watcher's object, kept in --wakeups-configmap).\nSIGINT/SIGTERM stop it gracefully. See "
      "docs/proxy.md.\n\nFlags:\n";
  for (const auto& spec : flag_table()) {
    std::string head = "      --" + std::string(spec.name);
    if (!spec.value_name.empty()) head += " " + std::string(spec.value_name);
    out += head;
    out += "\n          ";
    // Wrap the description at ~96 columns for a terminal.
    std::size_t col = 10;
    std::string_view rest = spec.help;
    bool first = true;
    while (!rest.empty()) {
      auto sp = rest.find(' ');
      std::string_view word = rest.substr(0, sp);
      if (!first && col + 1 + word.size() > 96) {
        out += "\n          ";
        col = 10;
      } else if (!first) {
        out += ' ';
        ++col;
      }
      out += word;
      col += word.size();
      first = false;
      if (sp == std::string_view::npos) break;
      rest.remove_prefix(sp + 1);
    }
    if (!spec.default_value.empty() && !spec.value_name.empty()) {
      out += " (default " + std::string(spec.default_value) + ")";
    }
    out += "\n";
  }
  out += "\nBoth --flag=value and --flag value are accepted.\n";
  return out;
}

}  // namespace watchfilter::proxy

#include "proxy/cmd/flags.h"

#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "proxy/base/dns_names.h"
#include "proxy/base/flag_value.h"

namespace watchfilter::proxy {
namespace {

struct FlagSpec {
  std::string_view name;
  std::string_view value_name;  // empty: boolean flag
  std::string_view default_value;
  std::string_view help;
  std::function<void(ProxyFlags&, std::string_view)> set;
};

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
    throw FlagError("invalid value \"" + std::string(value) + "\" for flag --" + std::string(flag) +
                    ": want a lowercase RFC 1123 name");
  }
  return std::string(value);
}

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
      {"max-request-body-bytes", "bytes", "64Ki",
       "Largest request body read before authentication (the only bodies the proxy itself reads "
       "are Wakeup creations, at most 64Ki); beyond it a 413 Status. A write under a view from a "
       "caller whose bearer token authenticates may be larger: --max-forwarded-body-bytes. At "
       "most 64Ki.",
       [](ProxyFlags& f, std::string_view v) {
         f.max_request_body_bytes = parse_bytes("max-request-body-bytes", v);
         if (f.max_request_body_bytes == 0 || f.max_request_body_bytes > 64 * 1024) {
           throw FlagError("invalid value \"" + std::string(v) +
                           "\" for flag --max-request-body-bytes: must be in [1, 64Ki]");
         }
       }},
      {"max-forwarded-body-bytes", "bytes", "3Mi",
       "Largest body of a write under a view (/views/<namespace>/<name>/...) forwarded to "
       "kube-apiserver, read only once the caller's bearer token has authenticated and its "
       "`get` on the WatchView is allowed (kube-apiserver takes 3 MB); beyond it a 413 Status "
       "naming this flag.",
       [](ProxyFlags& f, std::string_view v) {
         f.max_forwarded_body_bytes = parse_bytes("max-forwarded-body-bytes", v);
         if (f.max_forwarded_body_bytes < 64 * 1024 || f.max_forwarded_body_bytes > (1u << 30)) {
           throw FlagError("invalid value \"" + std::string(v) +
                           "\" for flag --max-forwarded-body-bytes: must be in [64Ki, 1Gi]");
         }
       }},
      {"max-forwarded-body-bytes-total", "bytes", "64Mi",
       "Bytes of forwarded request bodies held at once, all callers together (each reserves its "
       "Content-Length, or --max-forwarded-body-bytes when chunked, before it is read); beyond "
       "it a 429 TooManyRequests Status (Retry-After) naming this flag.",
       [](ProxyFlags& f, std::string_view v) {
         f.max_forwarded_body_bytes_total = parse_bytes("max-forwarded-body-bytes-total", v);
       }},
      {"max-request-body-depth", "int", "100",
       "Deepest nesting of JSON arrays and objects in a request body (a Wakeup has 3); deeper "
       "is a 400 Status before the body is parsed.",
       [](ProxyFlags& f, std::string_view v) {
         f.max_request_body_depth =
             static_cast<std::size_t>(parse_int("max-request-body-depth", v, 1, 10000));
       }},
      {"max-request-header-bytes", "bytes", "1Mi",
       "Largest request line and header (kube-apiserver's limit, Go's DefaultMaxHeaderBytes); "
       "beyond it a 413 Status.",
       [](ProxyFlags& f, std::string_view v) {
         const std::uint64_t n = parse_bytes("max-request-header-bytes", v);
         if (n < 4096 || n > (64u << 20)) {
           throw FlagError("invalid value \"" + std::string(v) +
                           "\" for flag --max-request-header-bytes: must be in [4Ki, 64Mi]");
         }
         f.max_request_header_bytes = static_cast<std::uint32_t>(n);
       }},
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
       "How long a shared upstream informer (one list+watch per resource and namespace, shared "
       "by every label and field selector) keeps running after its last stream ended, so that "
       "reconnecting clients find its cache and event window.",
       [](ProxyFlags& f, std::string_view v) {
         f.informer_linger = parse_duration("informer-linger", v);
       }},
      {"max-informers", "int", "500",
       "Shared informers running at once (each one upstream list+watch and a cache of its "
       "objects). A request that needs another one stops the informer idle the longest; when "
       "every one has streams it is refused with 429 TooManyRequests (Retry-After) and counted "
       "in watchfilter_limit_refusals_total{limit=\"max-informers\"}. 0: no limit.",
       [](ProxyFlags& f, std::string_view v) {
         f.max_informers = static_cast<std::uint64_t>(parse_int("max-informers", v, 0, 1'000'000));
       }},
      {"max-filter-nodes", "int", "1024",
       "Nodes one filter expression may compile to (the work of one evaluation per event and "
       "stream). A filter= over it is a 400 naming the limit and the count, a WatchFilter over "
       "it is Ready=False, InvalidFilter; refusals count in watchfilter_limit_refusals_total.",
       [](ProxyFlags& f, std::string_view v) {
         f.max_filter_nodes =
             static_cast<std::uint64_t>(parse_int("max-filter-nodes", v, 1, 1'000'000));
       }},
      {"max-filter-state-bytes", "bytes", "68Ki",
       "State one filter expression may keep per object and stream: 8 bytes per changed() path "
       "and per delta()/reldelta() path, a remembered value per oldObject path, the full state "
       "of each outlier() call (488 bytes seasonal, 104 + 8 or 16 per window sample for mean or "
       "mad). The default admits one outlier() call of the largest kind (4096 samples, mad) and "
       "4 KiB more; over it a 400 or an InvalidFilter WatchFilter, as for --max-filter-nodes. "
       "0: no limit.",
       [](ProxyFlags& f, std::string_view v) {
         f.max_filter_state_bytes = parse_bytes("max-filter-state-bytes", v);
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
      {"max-stream-queue-bytes-total", "bytes", "256Mi",
       "Bytes of live events queued for all filtered streams together (each stream is also "
       "bounded by --stream-queue-bytes). When the total is reached, a stream that then holds "
       "more than its share (this / open streams) is cut like a slow client, with an ERROR "
       "event (429) naming this flag; clients that read keep their queues near empty and are "
       "not cut.",
       [](ProxyFlags& f, std::string_view v) {
         f.max_stream_queue_bytes_total = parse_bytes("max-stream-queue-bytes-total", v);
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
      {"max-streams-per-user", "int", "1000",
       "Filtered watch streams one user may have open at once; the next is refused with a 429 "
       "TooManyRequests Status (Retry-After) naming this flag. Lists and gets are not counted.",
       [](ProxyFlags& f, std::string_view v) {
         f.max_streams_per_user =
             static_cast<std::uint64_t>(parse_int("max-streams-per-user", v, 1, 10'000'000));
       }},
      {"max-watchers-per-user", "int", "2000",
       "Named watcher records (watcher=<id>) one user may have across all informers, counting "
       "records kept --watcher-ttl after their stream ended; a new one beyond it is refused with "
       "a 429 naming this flag, reconnecting a kept one is not.",
       [](ProxyFlags& f, std::string_view v) {
         f.max_watchers_per_user =
             static_cast<std::uint64_t>(parse_int("max-watchers-per-user", v, 1, 10'000'000));
       }},
      {"max-wakeups", "int", "2000",
       "Pending wake-ups in the whole cluster (they also share the 1 MiB of "
       "--wakeups-configmap); a creation beyond it is refused with a 429 (Retry-After).",
       [](ProxyFlags& f, std::string_view v) {
         f.max_wakeups = static_cast<std::uint64_t>(parse_int("max-wakeups", v, 1, 1'000'000));
       }},
      {"max-wakeups-per-namespace", "int", "100",
       "Pending wake-ups in one namespace, so that one namespace cannot take the cluster's "
       "--max-wakeups; a creation beyond it is refused with a 403 Forbidden \"exceeded quota\" "
       "Status, as a ResourceQuota would.",
       [](ProxyFlags& f, std::string_view v) {
         f.max_wakeups_per_namespace =
             static_cast<std::uint64_t>(parse_int("max-wakeups-per-namespace", v, 1, 1'000'000));
       }},
      {"max-inflight-token-reviews", "int", "100",
       "TokenReviews (bearer tokens not in the 10 s cache) the proxy may have waiting for "
       "kube-apiserver at once; requests with a token under review wait for that review. Beyond "
       "it a request is refused with a 429 (Retry-After) naming this flag, not a 401.",
       [](ProxyFlags& f, std::string_view v) {
         f.max_inflight_token_reviews =
             static_cast<std::uint64_t>(parse_int("max-inflight-token-reviews", v, 1, 100'000));
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
  // Otherwise a chunked body, which reserves the per-request limit, could never be forwarded.
  if (flags.max_forwarded_body_bytes_total < flags.max_forwarded_body_bytes) {
    throw FlagError("invalid value " + std::to_string(flags.max_forwarded_body_bytes_total) +
                    " for flag --max-forwarded-body-bytes-total: must be at least "
                    "--max-forwarded-body-bytes (" +
                    std::to_string(flags.max_forwarded_body_bytes) + ")");
  }
  return flags;
}

std::string help_text(std::string_view program) {
  std::string out;
  out += "Usage: ";
  out += program;
  out +=
      " [flags]\n\n"
      "watchfilter-proxy serves filtered reads of Kubernetes resources over HTTPS, under the\n"
      "upstream path and under /apis/stream.watchfilter.io/v1alpha1/proxy/<upstream path>: a\n"
      "GET with filter=<expression>, filterRef=<ns>/<name> or watcher=<id> (lists, gets and\n"
      "?watch=true streams) is authorized for its caller (SubjectAccessReview) and served from a\n"
      "shared upstream informer: only the events the filter admits, as kube-apiserver's own\n"
      "bytes. Other GET/HEAD requests are forwarded with the caller's own bearer token, never\n"
      "the proxy's identity; they are refused for callers through the aggregator or with a\n"
      "client certificate, which have no token to forward. Paths of stream.watchfilter.io are\n"
      "never forwarded.\nLocal endpoints: /healthz, /livez, /readyz (503 until kube-apiserver "
      "answered once,\nand during shutdown), /metrics, and the wakeups resource (POST\n"
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

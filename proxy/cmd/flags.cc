#include "proxy/cmd/flags.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>

#include "proxy/base/dns_names.h"
#include "proxy/base/flag_value.h"

namespace watchfilter::proxy {
namespace {

// The accepted values of an int or bytes flag, both ends included.
struct Range {
  long long min;
  long long max;
};

// What a string flag must hold beyond being non-empty: a namespace is an RFC 1123 label, an
// object name a subdomain, as kube-apiserver checks them.
enum class Text { kNonEmpty, kNamespace, kObjectName };

// The field a flag sets; its type decides how the value is read (bytes or int for the integers,
// by value_name).
using Target =
    std::variant<std::uint16_t ProxyFlags::*, int ProxyFlags::*, std::uint32_t ProxyFlags::*,
                 std::uint64_t ProxyFlags::*, std::chrono::milliseconds ProxyFlags::*,
                 std::string ProxyFlags::*, bool ProxyFlags::*>;

struct FlagSpec {
  std::string_view name;
  std::string_view value_name;  // empty: boolean flag; "bytes": a quantity such as 64Ki
  std::string_view default_value;
  Target target;
  std::string_view help;
  std::optional<Range> range = std::nullopt;  // every int flag has one; a bytes flag may
  Text text = Text::kNonEmpty;
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

std::string text(const FlagSpec& spec, std::string_view value) {
  if ((spec.text == Text::kNamespace && !is_dns_label(value)) ||
      (spec.text == Text::kObjectName && !is_dns_subdomain(value))) {
    throw FlagError("invalid value \"" + std::string(value) + "\" for flag --" +
                    std::string(spec.name) + ": want a lowercase RFC 1123 name");
  }
  return non_empty(spec.name, value);
}

// Every flag, in --help order.
constexpr FlagSpec kFlags[] = {
    {"secure-port", "int", "8443", &ProxyFlags::secure_port,
     "The port on which to serve HTTPS. 0 picks a free port (logged at startup).", Range{0, 65535}},
    {"bind-address", "ip", "0.0.0.0", &ProxyFlags::bind_address,
     "The IP address on which to listen (0.0.0.0 or :: for every interface). Every request except "
     "/healthz, /livez and /readyz is authenticated and authorized."},
    {"tls-cert-file", "path", "", &ProxyFlags::tls_cert_file,
     "File containing the PEM serving certificate (followed by any intermediates). When it and "
     "--tls-private-key-file are absent, a self-signed certificate for localhost, 127.0.0.1, ::1 "
     "and a specific --bind-address is generated in memory at startup."},
    {"tls-private-key-file", "path", "", &ProxyFlags::tls_private_key_file,
     "File containing the PEM private key matching --tls-cert-file."},
    {"kubeconfig", "path", "", &ProxyFlags::kubeconfig,
     "Kubeconfig file pointing at the kube-apiserver to proxy (its current context, or --context). "
     "When absent, the in-cluster configuration is used if KUBERNETES_SERVICE_HOST and "
     "KUBERNETES_SERVICE_PORT are set (service account token and CA under "
     "/var/run/secrets/kubernetes.io/serviceaccount/)."},
    {"context", "name", "", &ProxyFlags::context,
     "Kubeconfig context to use instead of its current-context."},
    {"max-request-body-bytes", "bytes", "64Ki", &ProxyFlags::max_request_body_bytes,
     "Largest request body read before authentication (the only bodies the proxy itself reads are "
     "Wakeup creations, at most 64Ki); beyond it a 413 Status. A write under a view from a caller "
     "whose bearer token authenticates may be larger: --max-forwarded-body-bytes. At most 64Ki.",
     Range{1, 64 << 10}},
    {"max-forwarded-body-bytes", "bytes", "3Mi", &ProxyFlags::max_forwarded_body_bytes,
     "Largest body of a write under a view (/views/<namespace>/<name>/...) forwarded to "
     "kube-apiserver, read only once the caller's bearer token has authenticated and its `get` on "
     "the WatchView is allowed (kube-apiserver takes 3 MB); beyond it a 413 Status naming this "
     "flag.",
     Range{64 << 10, 1 << 30}},
    {"max-forwarded-body-bytes-total", "bytes", "64Mi", &ProxyFlags::max_forwarded_body_bytes_total,
     "Bytes of forwarded request bodies held at once, all callers together (each reserves its "
     "Content-Length, or --max-forwarded-body-bytes when chunked, before it is read); beyond it a "
     "429 TooManyRequests Status (Retry-After) naming this flag."},
    {"max-request-body-depth", "int", "100", &ProxyFlags::max_request_body_depth,
     "Deepest nesting of JSON arrays and objects in a request body (a Wakeup has 3); deeper is a "
     "400 Status before the body is parsed.",
     Range{1, 10000}},
    {"max-request-header-bytes", "bytes", "1Mi", &ProxyFlags::max_request_header_bytes,
     "Largest request line and header (kube-apiserver's limit, Go's DefaultMaxHeaderBytes); beyond "
     "it a 413 Status.",
     Range{4 << 10, 64 << 20}},
    {"v", "int", "0", &ProxyFlags::verbosity,
     "Log verbosity (klog style): 0 startup and errors, 1 informer lifecycle, upstream readiness "
     "and WatchFilter changes, 2 one line per request, 4 connection-level detail.",
     Range{0, 10}},
    {"threads", "int", "2", &ProxyFlags::threads,
     "Number of threads running the event loop. Each connection is served on its own strand, so "
     "this only scales TLS and copying work across cores.",
     Range{1, 64}},
    {"informer-linger", "duration", "5m", &ProxyFlags::informer_linger,
     "How long a shared upstream informer (one list+watch per resource and namespace, shared by "
     "every label and field selector) keeps running after its last stream ended, so that "
     "reconnecting clients find its cache and event window."},
    {"max-informers", "int", "500", &ProxyFlags::max_informers,
     "Shared informers running at once (each one upstream list+watch and a cache of its objects). "
     "A request that needs another one stops the informer idle the longest; when every one has "
     "streams it is refused with 429 TooManyRequests (Retry-After) and counted in "
     "watchfilter_limit_refusals_total{limit=\"max-informers\"}. 0: no limit.",
     Range{0, 1'000'000}},
    {"max-filter-nodes", "int", "1024", &ProxyFlags::max_filter_nodes,
     "Nodes one filter expression may compile to (the work of one evaluation per event and "
     "stream). A filter= over it is a 400 naming the limit and the count, a WatchFilter over it is "
     "Ready=False, InvalidFilter; refusals count in watchfilter_limit_refusals_total.",
     Range{1, 1'000'000}},
    {"max-filter-state-bytes", "bytes", "68Ki", &ProxyFlags::max_filter_state_bytes,
     "State one filter expression may keep per object and stream: 8 bytes per changed() path and "
     "per delta()/reldelta() path, a remembered value per oldObject path, the full state of each "
     "outlier() call (488 bytes seasonal, 104 + 8 or 16 per window sample for mean or mad). The "
     "default admits one outlier() call of the largest kind (4096 samples, mad) and 4 KiB more; "
     "over it a 400 or an InvalidFilter WatchFilter, as for --max-filter-nodes. 0: no limit."},
    {"informer-window-events", "int", "10000", &ProxyFlags::informer_window_events,
     "Recent events each informer keeps for clients resuming from a resourceVersion; a resume from "
     "before the window is answered 410 Expired, as kube-apiserver does.",
     Range{1, 100'000'000}},
    {"informer-window-bytes", "bytes", "64Mi", &ProxyFlags::informer_window_bytes,
     "Bytes of recent events each informer keeps (the window ends at whichever limit is hit "
     "first)."},
    {"bookmark-interval", "duration", "10s", &ProxyFlags::bookmark_interval,
     "Shortest time between two BOOKMARK events on a filtered stream with "
     "allowWatchBookmarks=true; one is sent when the newest resourceVersion moved past what the "
     "stream last got."},
    {"stream-queue-bytes", "bytes", "8Mi", &ProxyFlags::stream_queue_bytes,
     "Bytes a filtered stream may have queued for a client that does not read; beyond that the "
     "stream ends with an ERROR event (429 TooManyRequests) and is counted in "
     "watchfilter_stream_disconnects_total{cause=\"slow_client\"}."},
    {"max-stream-queue-bytes-total", "bytes", "256Mi", &ProxyFlags::max_stream_queue_bytes_total,
     "Bytes of live events queued for all filtered streams together (each stream is also bounded "
     "by --stream-queue-bytes). When the total is reached, a stream that then holds more than its "
     "share (this / open streams) is cut like a slow client, with an ERROR event (429) naming this "
     "flag; clients that read keep their queues near empty and are not cut."},
    {"watcher-ttl", "duration", "10m", &ProxyFlags::watcher_ttl,
     "How long the state of a named watcher (watcher=<id>: filter state, admitted-event log) is "
     "kept after its stream ended, for a reconnect to continue without repeating or losing "
     "events."},
    {"max-watchers", "int", "10000", &ProxyFlags::max_watchers,
     "Named watcher records kept per informer; beyond it the longest-disconnected goes.",
     Range{1, 10'000'000}},
    {"max-streams-per-user", "int", "1000", &ProxyFlags::max_streams_per_user,
     "Filtered watch streams one user may have open at once; the next is refused with a 429 "
     "TooManyRequests Status (Retry-After) naming this flag. Lists and gets are not counted.",
     Range{1, 10'000'000}},
    {"max-watchers-per-user", "int", "2000", &ProxyFlags::max_watchers_per_user,
     "Named watcher records (watcher=<id>) one user may have across all informers, counting "
     "records kept --watcher-ttl after their stream ended; a new one beyond it is refused with a "
     "429 naming this flag, reconnecting a kept one is not.",
     Range{1, 10'000'000}},
    {"max-wakeups", "int", "2000", &ProxyFlags::max_wakeups,
     "Pending wake-ups in the whole cluster (they also share the 1 MiB of --wakeups-configmap); a "
     "creation beyond it is refused with a 429 (Retry-After).",
     Range{1, 1'000'000}},
    {"max-wakeups-per-namespace", "int", "100", &ProxyFlags::max_wakeups_per_namespace,
     "Pending wake-ups in one namespace, so that one namespace cannot take the cluster's "
     "--max-wakeups; a creation beyond it is refused with a 403 Forbidden \"exceeded quota\" "
     "Status, as a ResourceQuota would.",
     Range{1, 1'000'000}},
    {"max-inflight-token-reviews", "int", "100", &ProxyFlags::max_inflight_token_reviews,
     "TokenReviews (bearer tokens not in the 10 s cache) the proxy may have waiting for "
     "kube-apiserver at once; requests with a token under review wait for that review. Beyond it a "
     "request is refused with a 429 (Retry-After) naming this flag, not a 401.",
     Range{1, 100'000}},
    {"watchfilter-status-interval", "duration", "5s", &ProxyFlags::watchfilter_status_interval,
     "How often the status of WatchFilter objects (Ready condition, observedEvents, "
     "deliveredEvents, streams) is written: one merge patch per WatchFilter whose status changed "
     "since the last write, never one per event. 0 disables status writes."},
    {"wakeups-configmap", "name", "watchfilter-wakeups", &ProxyFlags::wakeups_configmap,
     "ConfigMap that keeps the pending wake-ups (POST .../namespaces/<ns>/wakeups), one data key "
     "per wake-up, so that they survive a restart. The proxy's identity needs get, create and "
     "patch on it.",
     std::nullopt, Text::kObjectName},
    {"wakeups-namespace", "name", "", &ProxyFlags::wakeups_namespace,
     "Namespace of --wakeups-configmap. Default: the Pod's namespace (read from "
     "/var/run/secrets/kubernetes.io/serviceaccount/namespace), else \"default\".",
     std::nullopt, Text::kNamespace},
    {"help", "", "false", &ProxyFlags::help, "Print this help and exit."},
};
static_assert(std::ranges::all_of(kFlags, [](const FlagSpec& spec) {
  return spec.value_name != "int" || spec.range.has_value();
}));

// "64Ki" for 65536: a bytes range in an error reads as the flag is written.
std::string bytes_text(long long n) {
  for (const auto& [shift, suffix] :
       {std::pair{30, "Gi"}, std::pair{20, "Mi"}, std::pair{10, "Ki"}}) {
    if (n >= (1ll << shift) && n % (1ll << shift) == 0) return std::to_string(n >> shift) + suffix;
  }
  return std::to_string(n);
}

std::uint64_t bytes(const FlagSpec& spec, std::string_view value) {
  const std::uint64_t n = parse_bytes(spec.name, value);
  if (spec.range && (n < static_cast<std::uint64_t>(spec.range->min) ||
                     n > static_cast<std::uint64_t>(spec.range->max))) {
    throw FlagError("invalid value \"" + std::string(value) + "\" for flag --" +
                    std::string(spec.name) + ": must be in [" + bytes_text(spec.range->min) + ", " +
                    bytes_text(spec.range->max) + "]");
  }
  return n;
}

void set(const FlagSpec& spec, ProxyFlags& flags, std::string_view value) {
  std::visit(
      [&](auto member) {
        using Field = std::remove_cvref_t<decltype(flags.*member)>;
        if constexpr (std::is_same_v<Field, bool>) {
          flags.*member = parse_bool(spec.name, value);
        } else if constexpr (std::is_same_v<Field, std::chrono::milliseconds>) {
          flags.*member = parse_duration(spec.name, value);
        } else if constexpr (std::is_same_v<Field, std::string>) {
          flags.*member = text(spec, value);
        } else if (spec.value_name == "bytes") {
          flags.*member = static_cast<Field>(bytes(spec, value));
        } else {
          flags.*member =
              static_cast<Field>(parse_int(spec.name, value, spec.range->min, spec.range->max));
        }
      },
      spec.target);
}

const FlagSpec* find_flag(std::string_view name) {
  for (const auto& spec : kFlags) {
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
        set(*find_flag("v"), flags, arg);
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
    set(*spec, flags, *value);
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
  for (const auto& spec : kFlags) {
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

#include "host/host_flags.h"

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <vector>

#include "host/host_config.h"
#include "proxy/base/config_error.h"

namespace watchfilter::host {

using proxy::ConfigError;

namespace {

constexpr char kHostUsage[] = R"(usage: watchfilter-host --children FILE [flags]

  --children FILE            the children file (docs/host.md)
)";

constexpr char kNativeUsage[] = R"(usage: PROGRAM [--children FILE --child NAME] [flags]

A child operator built natively (docs/host.md, "Debugging a child natively"): its filtered
watches on the proxy, its reconcile called in this process (run it under gdb).

  --children FILE --child NAME
                             run as this entry of a children file: its name, env, watches and the
                             file's hostName, idleUnload, callTimeout (the entry's wasm is unused)
  --name NAME                the child's name without a children file (default: the
                             executable's name without "-native"); its watches are the ones it
                             declares
  --host-name NAME           first part of the watcher ids without a children file
                             (default watchfilter-host)
)";

constexpr char kCommonUsage[] =
    R"(  --kubeconfig FILE          identity and kube-apiserver (default $KUBECONFIG, ~/.kube/config)
  --context NAME             kubeconfig context (default: current-context)
  --server URL               kube-apiserver without a kubeconfig, with --token or
                             --client-certificate/--client-key
  --token TOKEN              bearer token (with --server)
  --client-certificate FILE  client certificate (with --server)
  --client-key FILE          its key
  --certificate-authority FILE
                             CA of kube-apiserver (with --server; default: system trust)
  --insecure-skip-tls-verify (with --server)
  --proxy URL                watchfilter-proxy (default https://127.0.0.1:8443)
  --proxy-ca FILE            CA of the proxy's serving certificate
  --proxy-insecure-skip-tls-verify
  --requeue proxy|local      where a child's requeue is kept: a Wakeup on the proxy (default,
                             nothing in the host wakes the child) or a timer in the host that
                             delivers the object's last state again (the seed's way, to compare)
  --watch-from proxy|kube-apiserver
                             open the children's watches on the proxy (default) or directly on
                             kube-apiserver, unfiltered, one upstream watch each (the seed's
                             way; needs --requeue local, and watches without filter, filterRef
                             and resync)
)";

constexpr char kHostOnlyUsage[] = R"(  --metrics-bind-address ADDR
                             plain-HTTP /metrics listener (default 127.0.0.1:9464; 0 disables)
  --module-cache DIR         precompiled modules (default ~/.cache/watchfilter/modules; "" disables)
  --max-instances N          children loaded at once (pool slots, default 256)
  --max-memory SIZE          largest memory limit of a child (pool slot size, default 64Mi)
  --max-table-elements N     largest function table of a child (default 100000; a Go child has
                             one element per function)
  --v N                      log verbosity (1: loads/unloads, 2: every request)
)";

constexpr char kNativeOnlyUsage[] = R"(  --metrics-bind-address ADDR
                             plain-HTTP /metrics listener, as the host's (default 0: disabled)
  --v N                      log verbosity (1: loads/unloads, 2: every request)
)";

std::string usage(FlagsFlavor flavor, const std::string& program) {
  if (flavor == FlagsFlavor::kHost) return std::string(kHostUsage) + kCommonUsage + kHostOnlyUsage;
  std::string text = std::string(kNativeUsage) + kCommonUsage + kNativeOnlyUsage;
  for (auto at = text.find("PROGRAM"); at != std::string::npos; at = text.find("PROGRAM", at))
    text.replace(at, 7, program);
  return text;
}

std::string read_file(const std::string& path, const char* flag) {
  std::ifstream in(path);
  if (!in) throw ConfigError(std::string(flag) + ": cannot read " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::int64_t parse_int(const std::string& flag, const std::string& value, std::int64_t min,
                       std::int64_t max) {
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end != value.data() + value.size() || n < min || n > max)
    throw ConfigError(flag + ": \"" + value + "\" is not an integer in [" + std::to_string(min) +
                      ", " + std::to_string(max) + "]");
  return n;
}

bool is_switch(const std::string& a) {
  return a == "--proxy-insecure-skip-tls-verify" || a == "--insecure-skip-tls-verify" ||
         a == "--help" || a == "-h";
}

}  // namespace

HostFlags parse_host_flags(int argc, char** argv, FlagsFlavor flavor) {
  HostFlags f;
  f.program = argc > 0 ? std::filesystem::path(argv[0]).filename().string() : "watchfilter-host";
  const bool native = flavor == FlagsFlavor::kNative;
  f.metrics_bind_address = native ? "0" : "127.0.0.1:9464";
  bool module_cache_set = false;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    std::string value;
    if (auto eq = a.find('='); eq != std::string::npos) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
    } else if (!is_switch(a)) {
      if (i + 1 >= args.size()) throw ConfigError(a + ": missing value");
      value = args[++i];
    }
    if (a == "--help" || a == "-h") {
      std::cout << usage(flavor, f.program);
      std::exit(0);
    } else if (a == "--children") {
      f.children = value;
    } else if (native && a == "--child") {
      f.child = value;
    } else if (native && a == "--name") {
      f.name = value;
    } else if (native && a == "--host-name") {
      f.host_name = value;
    } else if (a == "--kubeconfig") {
      f.kubeconfig = value;
    } else if (a == "--context") {
      f.context = value;
    } else if (a == "--server") {
      f.server = value;
    } else if (a == "--token") {
      f.token = value;
    } else if (a == "--client-certificate") {
      f.client_certificate = value;
    } else if (a == "--client-key") {
      f.client_key = value;
    } else if (a == "--certificate-authority") {
      f.certificate_authority = value;
    } else if (a == "--insecure-skip-tls-verify") {
      f.insecure_skip_tls_verify = true;
    } else if (a == "--proxy") {
      f.proxy = value;
    } else if (a == "--proxy-ca") {
      f.proxy_ca = value;
    } else if (a == "--proxy-insecure-skip-tls-verify") {
      f.proxy_insecure = true;
    } else if (a == "--requeue") {
      if (value == "proxy")
        f.requeue = RequeueMode::kProxy;
      else if (value == "local")
        f.requeue = RequeueMode::kLocal;
      else
        throw ConfigError("--requeue: \"" + value + "\" is not proxy or local");
    } else if (a == "--watch-from") {
      if (value == "proxy")
        f.watch_from = WatchSource::kProxy;
      else if (value == "kube-apiserver")
        f.watch_from = WatchSource::kKubeApiserver;
      else
        throw ConfigError("--watch-from: \"" + value + "\" is not proxy or kube-apiserver");
    } else if (a == "--metrics-bind-address") {
      f.metrics_bind_address = value;
    } else if (!native && a == "--module-cache") {
      f.module_cache = value;
      module_cache_set = true;
    } else if (!native && a == "--max-instances") {
      f.max_instances = static_cast<std::uint32_t>(parse_int(a, value, 1, 100000));
    } else if (!native && a == "--max-memory") {
      f.max_memory = parse_bytes(value);
    } else if (!native && a == "--max-table-elements") {
      f.max_table_elements = static_cast<std::uint32_t>(parse_int(a, value, 1, 10000000));
    } else if (a == "--v") {
      f.verbosity = static_cast<int>(parse_int(a, value, 0, 10));
    } else {
      throw ConfigError("unknown flag " + a + " (--help lists them)");
    }
  }
  if (!native && f.children.empty()) throw ConfigError("--children is required");
  // Without the proxy nobody could deliver a Wakeup: the watcher ids exist only on the proxy.
  if (f.watch_from == WatchSource::kKubeApiserver && f.requeue != RequeueMode::kLocal)
    throw ConfigError("--watch-from kube-apiserver needs --requeue local");
  if (native && f.children.empty() != f.child.empty())
    throw ConfigError("--children and --child go together");
  if (native && !f.children.empty() && (!f.name.empty() || !f.host_name.empty()))
    throw ConfigError("--name and --host-name are taken from the children file with --child");
  if (f.server.empty() &&
      (!f.token.empty() || !f.client_certificate.empty() || !f.client_key.empty() ||
       !f.certificate_authority.empty() || f.insecure_skip_tls_verify))
    throw ConfigError(
        "--token, --client-certificate, --client-key, --certificate-authority and "
        "--insecure-skip-tls-verify go with --server");
  if (f.client_certificate.empty() != f.client_key.empty())
    throw ConfigError("--client-certificate and --client-key go together");
  const char* home = std::getenv("HOME");
  if (f.kubeconfig.empty() && f.server.empty()) {
    const char* env = std::getenv("KUBECONFIG");
    f.kubeconfig = env && *env ? env : std::string(home ? home : "") + "/.kube/config";
  }
  if (!module_cache_set)
    f.module_cache = std::string(home ? home : "/tmp") + "/.cache/watchfilter/modules";
  return f;
}

proxy::UpstreamConfig kube_config_from_flags(const HostFlags& flags) {
  if (flags.server.empty()) return proxy::load_kubeconfig(flags.kubeconfig, flags.context);
  if (!flags.kubeconfig.empty()) throw ConfigError("--server and --kubeconfig are exclusive");
  proxy::UpstreamConfig c;
  proxy::parse_server_url(flags.server, c);
  c.server_name = c.host;
  c.bearer_token = flags.token;
  if (!flags.client_certificate.empty()) {
    c.client_cert_pem = read_file(flags.client_certificate, "--client-certificate");
    c.client_key_pem = read_file(flags.client_key, "--client-key");
  }
  if (!flags.certificate_authority.empty())
    c.ca_pem = read_file(flags.certificate_authority, "--certificate-authority");
  c.insecure_skip_tls_verify = flags.insecure_skip_tls_verify;
  c.description = "--server " + flags.server;
  return c;
}

proxy::UpstreamConfig proxy_config_from_flags(const HostFlags& flags,
                                              const proxy::UpstreamConfig& kube) {
  // The proxy is reached with the same credentials as kube-apiserver: it authenticates and
  // authorizes the host like any client (docs/proxy.md).
  proxy::UpstreamConfig c = kube;
  c.base_path.clear();
  proxy::parse_server_url(flags.proxy, c);
  c.server_name = c.host;
  c.ca_pem = flags.proxy_ca.empty() ? "" : read_file(flags.proxy_ca, "--proxy-ca");
  c.insecure_skip_tls_verify = flags.proxy_insecure;
  c.description = "--proxy " + flags.proxy;
  return c;
}

}  // namespace watchfilter::host

// watchfilter-host: runs wasm child operators on filtered watch streams of watchfilter-proxy
// (docs/host.md).
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "host/child_supervisor.h"
#include "host/declared_watches.h"
#include "host/host_config.h"
#include "host/kube_client.h"
#include "host/proxy_watch.h"
#include "host/wasm_runtime.h"
#include "proxy/config_error.h"
#include "proxy/kubeconfig.h"
#include "proxy/log.h"
#include "proxy/upstream_client.h"

namespace net = boost::asio;
using namespace watchfilter;

namespace {

constexpr char kUsage[] = R"(usage: watchfilter-host --children FILE [flags]

  --children FILE            the children file (docs/host.md)
  --kubeconfig FILE          the host's identity and kube-apiserver (default $KUBECONFIG, ~/.kube/config)
  --context NAME             kubeconfig context (default: current-context)
  --proxy URL                watchfilter-proxy (default https://127.0.0.1:8443)
  --proxy-ca FILE            CA of the proxy's serving certificate
  --proxy-insecure-skip-tls-verify
  --module-cache DIR         precompiled modules (default ~/.cache/watchfilter/modules; "" disables)
  --max-instances N          children loaded at once (pool slots, default 256)
  --max-memory SIZE          largest memory limit of a child (pool slot size, default 64Mi)
  --v N                      log verbosity (1: loads/unloads, 2: every request)
)";

struct Flags {
  std::string children;
  std::string kubeconfig;
  std::string context;
  std::string proxy = "https://127.0.0.1:8443";
  std::string proxy_ca;
  bool proxy_insecure = false;
  std::string module_cache;
  bool module_cache_set = false;
  std::uint32_t max_instances = 256;
  std::uint64_t max_memory = 64ull << 20;
  int verbosity = 0;
};

Flags parse_flags(int argc, char** argv) {
  Flags f;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    std::string value;
    if (auto eq = a.find('='); eq != std::string::npos) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
    } else if (a != "--proxy-insecure-skip-tls-verify" && a != "--help" && a != "-h") {
      if (i + 1 >= args.size()) throw proxy::ConfigError(a + ": missing value");
      value = args[++i];
    }
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      std::exit(0);
    } else if (a == "--children")
      f.children = value;
    else if (a == "--kubeconfig")
      f.kubeconfig = value;
    else if (a == "--context")
      f.context = value;
    else if (a == "--proxy")
      f.proxy = value;
    else if (a == "--proxy-ca")
      f.proxy_ca = value;
    else if (a == "--proxy-insecure-skip-tls-verify")
      f.proxy_insecure = true;
    else if (a == "--module-cache") {
      f.module_cache = value;
      f.module_cache_set = true;
    } else if (a == "--max-instances")
      f.max_instances = static_cast<std::uint32_t>(std::stoul(value));
    else if (a == "--max-memory")
      f.max_memory = host::parse_bytes(value);
    else if (a == "--v")
      f.verbosity = std::stoi(value);
    else
      throw proxy::ConfigError("unknown flag " + a + " (--help lists them)");
  }
  if (f.children.empty()) throw proxy::ConfigError("--children is required");
  const char* home = std::getenv("HOME");
  if (f.kubeconfig.empty()) {
    const char* env = std::getenv("KUBECONFIG");
    f.kubeconfig = env && *env ? env : std::string(home ? home : "") + "/.kube/config";
  }
  if (!f.module_cache_set)
    f.module_cache = std::string(home ? home : "/tmp") + "/.cache/watchfilter/modules";
  return f;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw proxy::ConfigError("cannot read " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  host::HostConfig parsed;
  proxy::UpstreamConfig kube_config;
  proxy::UpstreamConfig proxy_config;
  try {
    flags = parse_flags(argc, argv);
    parsed = host::load_host_config(flags.children);
    kube_config = proxy::load_kubeconfig(flags.kubeconfig, flags.context);
    // The proxy is reached with the host's own credentials from the kubeconfig.
    proxy_config = kube_config;
    proxy::parse_server_url(flags.proxy, proxy_config);
    proxy_config.server_name = proxy_config.host;
    proxy_config.ca_pem = flags.proxy_ca.empty() ? "" : read_file(flags.proxy_ca);
    proxy_config.insecure_skip_tls_verify = flags.proxy_insecure;
    proxy_config.description = "--proxy " + flags.proxy;
  } catch (const std::exception& e) {
    std::cerr << "watchfilter-host: " << e.what() << "\n";
    return 2;
  }
  auto logger = std::make_shared<const proxy::Logger>(flags.verbosity);
  try {
    net::io_context ioc(1);
    proxy::UpstreamClient kube(kube_config, logger);
    proxy::UpstreamClient proxy_client(proxy_config, logger);
    host::UpstreamHostServices services(kube, ioc.get_executor(), logger, parsed.call_timeout);

    host::RuntimeOptions options;
    options.module_cache_dir = flags.module_cache;
    options.max_instances = flags.max_instances;
    options.max_memory_bytes = flags.max_memory;
    host::WasmRuntime runtime(options);
    host::resolve_declared_watches(parsed, runtime, services);
    const auto config = std::make_shared<const host::HostConfig>(std::move(parsed));

    auto wakeup_strand = net::make_strand(ioc);
    host::ChildSupervisor supervisor(config, runtime, services, logger,
                                     [&](const host::WakeupRequest& w) {
                                       // Called on the worker thread; the request runs on the io
                                       // thread.
                                       net::post(wakeup_strand, [&, w] {
                                         host::post_wakeup(proxy_client, wakeup_strand, w,
                                                           config->children[w.child].name, logger);
                                       });
                                     });
    supervisor.start();

    std::vector<std::shared_ptr<host::ProxyWatch>> watches;
    for (std::size_t c = 0; c < config->children.size(); ++c) {
      const host::ChildSpec& child = config->children[c];
      for (std::size_t w = 0; w < child.watches.size(); ++w) {
        auto watch = std::make_shared<host::ProxyWatch>(
            net::make_strand(ioc), proxy_client, child.watches[w], config->watcher_id(child, w),
            [&supervisor, c, w](std::string line) { supervisor.deliver(c, w, std::move(line)); },
            logger);
        watch->start();
        watches.push_back(std::move(watch));
      }
    }
    logger->info("watchfilter-host: " + std::to_string(config->children.size()) + " children, " +
                 std::to_string(watches.size()) + " watches on " + flags.proxy + ", idle unload " +
                 std::to_string(config->idle_unload.count()) + " ms, RSS " +
                 std::to_string(host::process_rss_bytes() >> 10) + " KiB");

    net::signal_set signals(ioc, SIGINT, SIGTERM);
    std::thread stopper;
    signals.async_wait([&](boost::system::error_code, int sig) {
      logger->info("watchfilter-host: signal " + std::to_string(sig) + ", stopping");
      for (auto& w : watches) w->stop();
      // The worker may be waiting for a child's request, which this thread serves: stop it
      // from another thread and keep the io loop running until it is done.
      stopper = std::thread([&] {
        supervisor.stop();
        ioc.stop();
      });
    });
    ioc.run();
    if (stopper.joinable()) stopper.join();
    supervisor.stop();
    logger->info(supervisor.summary());
  } catch (const std::exception& e) {
    logger->error(std::string("watchfilter-host: ") + e.what());
    return 1;
  }
  return 0;
}

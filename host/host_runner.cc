#include "host/host_runner.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "host/child_supervisor.h"
#include "host/declared_watches.h"
#include "host/kube_client.h"
#include "host/metrics_server.h"
#include "host/metrics_text.h"
#include "host/permitted_host_services.h"
#include "host/proxy_watch.h"
#include "proxy/base/bind_address.h"
#include "proxy/base/config_error.h"
#include "proxy/base/log.h"
#include "proxy/upstream/upstream_client.h"

namespace watchfilter::host {

namespace net = boost::asio;

namespace {

// kube-apiserver evaluates no filter, no WatchFilter and no resync: a watch that asks for one
// would silently mean something else there.
void check_unfiltered_watches(const HostConfig& config) {
  for (const ChildSpec& child : config.children)
    for (std::size_t w = 0; w < child.watches.size(); ++w) {
      const WatchSpec& watch = child.watches[w];
      if (!watch.filter.empty() || !watch.filter_ref.empty() || !watch.resync.empty())
        throw proxy::ConfigError(child.name + ": watch " + std::to_string(w) +
                                 " has a filter, filterRef or resync, which kube-apiserver "
                                 "cannot serve (--watch-from kube-apiserver); list the watch "
                                 "in the children file without them");
    }
}

}  // namespace

int run_host(const HostFlags& flags, HostConfig parsed, const BackendFactory& make_backend) {
  proxy::UpstreamConfig kube_config;
  proxy::UpstreamConfig proxy_config;
  std::optional<net::ip::tcp::endpoint> metrics_endpoint;
  try {
    kube_config = kube_config_from_flags(flags);
    proxy_config = proxy_config_from_flags(flags, kube_config);
    metrics_endpoint = parse_metrics_address(flags.metrics_bind_address);
  } catch (const std::exception& e) {
    std::cerr << flags.program << ": " << e.what() << "\n";
    return 2;
  }
  auto logger = std::make_shared<const proxy::Logger>(flags.verbosity);
  try {
    net::io_context ioc(1);
    proxy::UpstreamClient kube(kube_config, logger);
    proxy::UpstreamClient proxy_client(proxy_config, logger);
    UpstreamHostServices upstream_services(kube, ioc.get_executor(), logger, parsed.call_timeout);
    PermittedHostServices services(upstream_services, parsed, logger);
    std::unique_ptr<ChildBackend> backend = make_backend(services);
    resolve_declared_watches(parsed, *backend);
    services.check_watches(parsed);
    if (flags.watch_from == WatchSource::kKubeApiserver) check_unfiltered_watches(parsed);
    const auto config = std::make_shared<const HostConfig>(std::move(parsed));

    auto wakeup_strand = net::make_strand(ioc);
    ChildSupervisor supervisor(
        config, *backend, logger,
        [&](const WakeupRequest& w) {
          // Called on the worker thread; the request runs on the io thread.
          net::post(wakeup_strand, [&, w] {
            post_wakeup(proxy_client, wakeup_strand, w, config->children[w.child].name, logger);
          });
        },
        flags.requeue);
    supervisor.start();

    std::optional<MetricsServer> metrics;
    if (metrics_endpoint) {
      metrics.emplace(
          ioc, *metrics_endpoint,
          [&] {
            auto children = supervisor.metrics();
            for (std::size_t c = 0; c < children.size(); ++c)
              children[c].requests_refused = services.refused(c);
            return render_host_metrics(*config, children, supervisor.queued(), process_rss_bytes());
          },
          logger);
      metrics->start();
      const auto bound = metrics->local_endpoint();
      logger->info("metrics: http://" + bound.address().to_string() + ":" +
                   std::to_string(bound.port()) + "/metrics");
      if (!proxy::is_loopback(bound.address()))
        logger->warning("metrics: listening beyond loopback; /metrics is not authenticated");
    }

    const bool direct = flags.watch_from == WatchSource::kKubeApiserver;
    std::vector<std::shared_ptr<ProxyWatch>> watches;
    for (std::size_t c = 0; c < config->children.size(); ++c) {
      const ChildSpec& child = config->children[c];
      for (std::size_t w = 0; w < child.watches.size(); ++w) {
        auto watch = std::make_shared<ProxyWatch>(
            net::make_strand(ioc), direct ? kube : proxy_client, child.watches[w], w,
            config->watcher_id(child, w),
            [&supervisor, c, w](ChildEvent event) { supervisor.deliver(c, w, std::move(event)); },
            logger, flags.watch_from);
        watch->start();
        watches.push_back(std::move(watch));
      }
    }
    logger->info(flags.program + ": " + std::to_string(config->children.size()) + " children, " +
                 std::to_string(watches.size()) + " watches on " +
                 (direct ? std::string("kube-apiserver (unfiltered)") : flags.proxy) +
                 ", requeues " +
                 (flags.requeue == RequeueMode::kLocal ? "on a local timer" : "as proxy wake-ups") +
                 ", idle unload " + std::to_string(config->idle_unload.count()) + " ms, RSS " +
                 std::to_string(process_rss_bytes() >> 10) + " KiB");

    net::signal_set signals(ioc, SIGINT, SIGTERM);
    std::thread stopper;
    signals.async_wait([&](boost::system::error_code, int sig) {
      logger->info(flags.program + ": signal " + std::to_string(sig) + ", stopping");
      for (auto& w : watches) w->stop();
      if (metrics) metrics->stop();
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
  } catch (const proxy::ConfigError& e) {
    logger->error(flags.program + ": " + e.what());
    return 2;
  } catch (const std::exception& e) {
    logger->error(flags.program + ": " + e.what());
    return 1;
  }
  return 0;
}

}  // namespace watchfilter::host

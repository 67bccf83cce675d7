// watchfilter-proxy: flags -> configuration -> server. Every startup error is one line on stderr
// and a non-zero exit (2 for flag errors, 1 for the rest).

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <cstdio>
#include <functional>
#include <iostream>
#include <string_view>
#include <thread>
#include <vector>

#include "proxy/auth/delegating_auth.h"
#include "proxy/base/bind_address.h"
#include "proxy/base/config_error.h"
#include "proxy/base/log.h"
#include "proxy/cmd/flags.h"
#include "proxy/informer/watcher_quota.h"
#include "proxy/server/readiness_probe.h"
#include "proxy/server/server.h"
#include "proxy/stream/stream_quota.h"
#include "proxy/upstream/kubeconfig.h"
#include "proxy/upstream/tls_context.h"
#include "proxy/wakeup/wakeup_service.h"
#include "proxy/watchfilter/watchfilter_catalog.h"
#include "proxy/watchfilter/watchfilter_status_writer.h"
#include "proxy/watchfilter/watchview_resolver.h"

namespace {

namespace net = boost::asio;
using namespace watchfilter::proxy;

// How long in-flight requests get to finish after SIGINT/SIGTERM before the loop is stopped.
constexpr auto kShutdownGrace = std::chrono::seconds(10);

// A part of the proxy that runs until shutdown. run() starts its parts in the order of one list
// and stops them in the reverse order, so that what a part relies on is up before it starts and
// still up while it stops.
struct Part {
  const char* name;
  std::function<void()> start;  // empty: the part runs once built
  std::function<void()> stop;
};

UpstreamConfig load_upstream(const ProxyFlags& flags) {
  if (!flags.kubeconfig.empty()) return load_kubeconfig(flags.kubeconfig, flags.context);
  if (!flags.context.empty()) throw ConfigError("--context needs --kubeconfig");
  if (auto env = InClusterEnvironment::detect()) return load_in_cluster_config(*env);
  throw ConfigError(
      "no --kubeconfig given and not running in a Pod (KUBERNETES_SERVICE_HOST and "
      "KUBERNETES_SERVICE_PORT are not set)");
}

int run(const ProxyFlags& flags) {
  auto logger = std::make_shared<const Logger>(flags.verbosity);
  const auto bind_address = parse_bind_address(flags.bind_address);
  UpstreamConfig upstream_config = load_upstream(flags);
  if (upstream_config.insecure_skip_tls_verify) {
    logger->warning(
        upstream_config.description +
        ": insecure-skip-tls-verify is set; kube-apiserver's certificate is not checked");
  }

  CertificateAndKey serving;
  if (flags.tls_cert_file.empty() && flags.tls_private_key_file.empty()) {
    std::vector<net::ip::address> ips = {net::ip::make_address("127.0.0.1"),
                                         net::ip::make_address("::1")};
    if (bind_address != ips[0] && bind_address != ips[1] && !bind_address.is_unspecified()) {
      ips.push_back(bind_address);
    }
    serving = generate_self_signed_certificate({"localhost"}, ips);
    logger->info(
        "no --tls-cert-file/--tls-private-key-file given: generated a self-signed serving "
        "certificate in memory for localhost, 127.0.0.1, ::1");
  } else {
    serving = load_certificate_files(flags.tls_cert_file, flags.tls_private_key_file);
  }

  auto health = std::make_shared<HealthState>();
  auto counters = std::make_shared<StatusCounters>();
  auto metrics = std::make_shared<Metrics>();
  net::io_context ioc(flags.threads);
  auto context = std::make_shared<SessionContext>();
  context->server_tls = std::make_shared<net::ssl::context>(make_server_tls_context(serving));
  context->upstream = std::make_shared<UpstreamClient>(upstream_config, logger);
  // Authentication and authorization are delegated to kube-apiserver, as extension API servers
  // do: the CAs and header names of kube-system/extension-apiserver-authentication, TokenReview,
  // SubjectAccessReview.
  health->require_authentication_config();
  auto authn_config = std::make_shared<AuthenticationConfigSource>(
      ioc.get_executor(), context->upstream, logger, health);
  auto authenticator =
      std::make_shared<DelegatingAuthenticator>(authn_config, context->upstream, logger, [&] {
        DelegatingAuthOptions o;
        o.max_inflight_token_reviews = flags.max_inflight_token_reviews;
        return o;
      }());
  auto authorizer = std::make_shared<DelegatingAuthorizer>(context->upstream, logger);
  // Wake-ups (POST .../namespaces/<ns>/wakeups): kept in a ConfigMap, delivered by the informers.
  const std::string wakeups_namespace =
      flags.wakeups_namespace.empty() ? default_wakeups_namespace() : flags.wakeups_namespace;
  const auto wakeup_strand = net::make_strand(ioc);
  WakeupLimits wakeup_limits;
  wakeup_limits.max_pending = flags.max_wakeups;
  wakeup_limits.max_per_namespace = flags.max_wakeups_per_namespace;
  auto wakeups = std::make_shared<WakeupRegistry>(
      wakeup_strand,
      std::make_shared<ConfigMapWakeupStore>(wakeup_strand, context->upstream, wakeups_namespace,
                                             flags.wakeups_configmap),
      logger, wakeup_limits);
  const RequestBodyLimits body_limits{flags.max_request_body_bytes, flags.max_request_body_depth};
  context->options.body_limit = body_limits.max_bytes;
  context->options.header_limit = flags.max_request_header_bytes;
  context->options.forwarded_body_limit = flags.max_forwarded_body_bytes;
  context->forwarded_bodies =
      std::make_shared<ForwardedBodyBudget>(flags.max_forwarded_body_bytes_total);
  // The budgets of every filter expression, whether from filter= or a WatchFilter.
  watchfilter::filters::CompileOptions filter_budget;
  filter_budget.max_nodes = flags.max_filter_nodes;
  filter_budget.max_state_bytes = flags.max_filter_state_bytes;
  // WatchFilters (docs/watchfilter.md): the catalog resolves filterRef and the WatchFilters of
  // views, the writer keeps their status. WatchViews (docs/views.md) are read per view.
  WatchFilterCatalog::Options catalog_options;
  catalog_options.compile = filter_budget;
  auto catalog =
      std::make_shared<WatchFilterCatalog>(ioc, context->upstream, logger, catalog_options);
  ViewSources views{
      std::make_shared<WatchViewResolver>(context->upstream, logger, WatchViewResolver::Options{}),
      catalog};
  context->chain = std::make_shared<const HandlerChain>(
      health, counters, metrics, authenticator, authorizer,
      std::make_shared<WakeupService>(wakeups, counters, metrics), body_limits, filter_budget,
      views);
  context->logger = logger;

  FilteredServiceOptions filtered;
  filtered.informer.core.window_events = flags.informer_window_events;
  filtered.informer.core.window_bytes = flags.informer_window_bytes;
  filtered.informer.core.watcher_ttl = flags.watcher_ttl;
  filtered.informer.core.max_watchers = flags.max_watchers;
  filtered.informer.core.watcher_quota =
      std::make_shared<WatcherQuota>(flags.max_watchers_per_user);
  filtered.stream_quota = std::make_shared<StreamQuota>(flags.max_streams_per_user);
  filtered.informer.core.wakeups = wakeups;
  filtered.informer.tick = std::min<std::chrono::steady_clock::duration>(std::chrono::seconds(1),
                                                                         flags.bookmark_interval);
  if (filtered.informer.tick <= std::chrono::steady_clock::duration::zero()) {
    filtered.informer.tick = std::chrono::milliseconds(100);
  }
  filtered.informer_linger = flags.informer_linger;
  filtered.max_informers = flags.max_informers;
  filtered.stream.queue_bytes = flags.stream_queue_bytes;
  filtered.stream.queue_budget = std::make_shared<QueueBudget>(flags.max_stream_queue_bytes_total);
  filtered.stream.bookmark_interval = flags.bookmark_interval;
  filtered.stream.write_timeout = context->options.write_timeout;
  filtered.catalog = catalog;
  auto status_writer = std::make_shared<WatchFilterStatusWriter>(
      net::make_strand(ioc), context->upstream, catalog, logger, flags.watchfilter_status_interval);
  context->filtered =
      std::make_shared<FilteredService>(ioc, context->upstream, logger, metrics, filtered);
  Server server(ioc, context, net::ip::tcp::endpoint(bind_address, flags.secure_port));
  const auto endpoint = server.local_endpoint();
  logger->info("serving on https://" +
               (endpoint.address().is_v6() ? "[" + endpoint.address().to_string() + "]"
                                           : endpoint.address().to_string()) +
               ":" + std::to_string(endpoint.port()) + ", forwarding to " +
               upstream_config.authority() + " (" + upstream_config.description + ")");
  logger->info(
      std::string(endpoint.address().is_unspecified()
                      ? "listening on every interface"
                      : (is_loopback(endpoint.address()) ? "listening on loopback only"
                                                         : "listening on a network address")) +
      ": /healthz, /livez and /readyz answer anyone; everything else needs a front-proxy "
      "certificate with X-Remote-* headers, a client certificate of the cluster's client CA or a "
      "bearer token (TokenReview); filtered reads are authorized by a SubjectAccessReview for "
      "their caller before the proxy's informers serve them, and anything else goes upstream "
      "only with the caller's own bearer token");

  auto probe = std::make_shared<ReadinessProbe>(net::make_strand(ioc), context->upstream, health);
  // Each start() and stop() hands its work to the part's own strand, so on more than one
  // thread they overlap; the order is the order in which they are asked, which is what a part
  // that uses another needs (the server last up and first down).
  const std::vector<Part> parts = {
      {"authentication config", [&] { authn_config->start(); }, [&] { authn_config->stop(); }},
      {"readiness probe", [&] { probe->start(); }, [&] { probe->stop(); }},
      {"wake-ups", [&] { wakeups->start(); }, [&] { wakeups->stop(); }},
      {"WatchFilter catalog", [&] { catalog->start(); }, [&] { catalog->stop(); }},
      // Its stop makes a last status write of the catalog's WatchFilters.
      {"WatchFilter status writer", [&] { status_writer->start(); },
       [&] { status_writer->stop(); }},
      // Its stop ends the streams (each after a last BOOKMARK) and closes the informers'
      // upstream watches.
      {"filtered service", nullptr, [&] { context->filtered->stop(); }},
      // Accepts only once the rest is up; stops accepting (and shuts the sessions down) first.
      {"server", [&] { server.start(); }, [&] { server.stop(); }},
  };
  for (const auto& part : parts) {
    if (!part.start) continue;
    if (logger->v(1)) logger->info(std::string("starting ") + part.name);
    part.start();
  }

  net::signal_set signals(ioc, SIGINT, SIGTERM);
  net::steady_timer drain_timer(ioc);
  const auto control = net::make_strand(ioc);
  std::chrono::steady_clock::time_point deadline;
  std::function<void()> wait_drained = [&] {
    if (server.active_sessions() == 0 || std::chrono::steady_clock::now() >= deadline) {
      if (server.active_sessions() != 0) {
        logger->warning("shutdown grace period over; stopping with " +
                        std::to_string(server.active_sessions()) + " connections open");
        ioc.stop();
      }
      signals.cancel();
      return;
    }
    drain_timer.expires_after(std::chrono::milliseconds(50));
    drain_timer.async_wait([&](boost::system::error_code ec) {
      if (!ec) wait_drained();
    });
  };
  signals.async_wait([&](boost::system::error_code ec, int signo) {
    if (ec) return;
    logger->info("received signal " + std::to_string(signo) +
                 ": not ready, stop accepting, closing streams");
    health->begin_shutdown();  // before anything stops: /readyz fails from now on
    for (auto part = parts.rbegin(); part != parts.rend(); ++part) {
      if (logger->v(1)) logger->info(std::string("stopping ") + part->name);
      part->stop();
    }
    deadline = std::chrono::steady_clock::now() + kShutdownGrace;
    net::post(control, wait_drained);
  });

  std::vector<std::thread> workers;
  for (int i = 1; i < flags.threads; ++i) workers.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : workers) t.join();
  logger->info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  ProxyFlags flags;
  try {
    flags = parse_flags(args);
  } catch (const FlagError& e) {
    std::fprintf(stderr, "watchfilter-proxy: %s (see --help)\n", e.what());
    return 2;
  }
  if (flags.help) {
    std::cout << help_text("watchfilter-proxy");
    return 0;
  }
  try {
    return run(flags);
  } catch (const std::exception& e) {
    // ConfigError and failures while setting up (e.g. OpenSSL) alike: one line, exit 1.
    std::fprintf(stderr, "watchfilter-proxy: error: %s\n", e.what());
    return 1;
  }
}

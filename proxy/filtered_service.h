#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <variant>

#include "proxy/discovery.h"
#include "proxy/informer_registry.h"
#include "proxy/metrics.h"
#include "proxy/owned_watches.h"
#include "proxy/status.h"
#include "proxy/watch_request.h"
#include "proxy/watch_stream.h"
#include "proxy/watchfilter_catalog.h"

namespace watchfilter::proxy {

struct FilteredServiceOptions {
  informer::InformerOptions informer;
  std::chrono::steady_clock::duration informer_linger = std::chrono::minutes(5);
  WatchStreamOptions stream;
  // Resolves filterRef (null: filterRef requests are a 503).
  std::shared_ptr<WatchFilterCatalog> catalog;
};

// Serves requests that carry filter parameters from the shared informers: resolves the
// resource through discovery (404 like upstream when unknown, 405 when it cannot be
// watched/listed), takes a lease on the informer for (resource, namespace, labelSelector),
// waits for its first LIST (relaying upstream's error when that fails), then hands the session
// either a reply (errors, lists) or what it needs to open a WatchStream. A filterRef request is
// first resolved through the WatchFilter catalog (bind_filter_ref: 404/400/503 refusals).
// Thread-safe.
class FilteredService {
 public:
  FilteredService(boost::asio::io_context& ioc, std::shared_ptr<UpstreamClient> client,
                  std::shared_ptr<const Logger> logger, std::shared_ptr<Metrics> metrics,
                  std::shared_ptr<StatusCounters> status_counters, FilteredServiceOptions options);

  struct StreamPlan {
    std::shared_ptr<informer::InformerLease> lease;
    informer::ResourceInfo info;
    // The request the stream runs: the one given to serve(), or for filterRef its copy bound
    // to the WatchFilter (binding, filter, resync, debounce).
    std::shared_ptr<const WatchRequest> request;
    // The WatchFilter's owned resources (null: none), ready to start() once the stream is;
    // the stream holds it while it runs.
    std::shared_ptr<OwnedWatches> owned;
  };
  using Reply = boost::beast::http::response<boost::beast::http::string_body>;
  using Outcome = std::variant<Reply, StreamPlan>;

  // `handler` runs on `executor` (the session's strand).
  void serve(std::shared_ptr<const WatchRequest> request, unsigned http_version, bool keep_alive,
             boost::asio::any_io_executor executor, std::function<void(Outcome)> handler);
  // Stops every informer (process shutdown).
  void stop();

  const std::shared_ptr<Metrics>& metrics() const { return metrics_; }
  const FilteredServiceOptions& options() const { return options_; }

 private:
  std::shared_ptr<const Logger> logger_;
  std::shared_ptr<Metrics> metrics_;
  std::shared_ptr<StatusCounters> status_counters_;
  FilteredServiceOptions options_;
  std::shared_ptr<Discovery> discovery_;
  std::shared_ptr<informer::InformerRegistry> registry_;
};

}  // namespace watchfilter::proxy

#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <variant>

#include "proxy/informer/informer_registry.h"
#include "proxy/kube/reply.h"
#include "proxy/kube/result.h"
#include "proxy/request/watch_request.h"
#include "proxy/stream/owned_watches.h"
#include "proxy/stream/stream_quota.h"
#include "proxy/stream/watch_stream.h"
#include "proxy/telemetry/metrics.h"
#include "proxy/upstream/discovery.h"
#include "proxy/watchfilter/watchfilter_catalog.h"

namespace watchfilter::proxy {

struct FilteredServiceOptions {
  informer::InformerOptions informer;
  std::chrono::steady_clock::duration informer_linger = std::chrono::minutes(5);
  // --max-informers: informers running at once (0: no limit); past it a 429 (informer_limit()).
  std::size_t max_informers = 500;
  WatchStreamOptions stream;
  // Resolves filterRef (null: filterRef requests are a 503).
  std::shared_ptr<WatchFilterCatalog> catalog;
  // Open streams per user (--max-streams-per-user; null: no limit). Named watcher records per
  // user are informer.core.watcher_quota.
  std::shared_ptr<StreamQuota> stream_quota;
};

// Serves requests that carry filter parameters from the shared informers: resolves the
// resource through discovery (404 like upstream when unknown, 405 when it cannot be
// watched/listed), takes a lease on the informer for (resource, namespace) (429 past
// --max-informers, counted as watchfilter_limit_refusals_total{limit="max-informers"}),
// waits for its first LIST (relaying upstream's error when that fails), then hands the session
// either a reply (errors, lists) or what it needs to open a WatchStream. A filterRef request is
// first resolved through the WatchFilter catalog (bind_filter_ref: 404/400/503 refusals).
// A watch of a user at --max-streams-per-user, or a new named watcher of a user at
// --max-watchers-per-user, is a 429 (Retry-After) before it starts. Thread-safe.
class FilteredService {
 public:
  FilteredService(boost::asio::io_context& ioc, std::shared_ptr<UpstreamClient> client,
                  std::shared_ptr<const Logger> logger, std::shared_ptr<Metrics> metrics,
                  FilteredServiceOptions options);

  struct StreamPlan {
    std::shared_ptr<informer::InformerLease> lease;
    informer::ResourceInfo info;
    // The request the stream runs: the one given to serve(), or for filterRef its copy bound
    // to the WatchFilter (binding, filter, resync, debounce).
    std::shared_ptr<const WatchRequest> request;
    // The WatchFilter's owned resources (null: none), ready to start() once the stream is;
    // the stream holds it while it runs.
    std::shared_ptr<OwnedWatches> owned;
    // The stream's place in its user's --max-streams-per-user (null: no limit); the stream holds
    // it until it has ended.
    std::shared_ptr<void> ticket;
  };
  using Outcome = std::variant<Reply::Response, StreamPlan>;

  // `reply` makes the request's answers; `handler` runs on `executor` (the session's strand).
  void serve(std::shared_ptr<const WatchRequest> request, Reply reply,
             boost::asio::any_io_executor executor, std::function<void(Outcome)> handler);
  // Stops every informer (process shutdown).
  void stop();

  const std::shared_ptr<Metrics>& metrics() const { return metrics_; }
  const FilteredServiceOptions& options() const { return options_; }

 private:
  // One request on its way through the steps below; each step ends it (finish, refuse) or hands
  // it to the next.
  struct Call {
    std::shared_ptr<const WatchRequest> request;
    Reply reply;
    boost::asio::any_io_executor executor;
    std::function<void(Outcome)> handler;
    std::shared_ptr<void> ticket;  // the stream's place in --max-streams-per-user
  };
  using CallPtr = std::shared_ptr<const Call>;
  // A synced informer held for one call.
  struct Lease {
    std::shared_ptr<informer::InformerLease> lease;
    std::shared_ptr<informer::Informer> informer;
    informer::ResourceInfo info;
  };

  // Posts the outcome to the session's strand: every step ends here.
  static void finish(const CallPtr& call, Outcome outcome);
  // Answers `error` as a Status, counting the limit it enforces.
  void refuse(const CallPtr& call, const StatusError& error);

  void resolve_filter_ref(CallPtr call);
  Result<std::shared_ptr<void>> take_stream_ticket(const WatchRequest& request);
  void on_resource(CallPtr call, const Discovery::Found& found);
  void on_synced(CallPtr call, Lease lease);
  void serve_get(CallPtr call, Lease lease);
  std::optional<StatusError> check_watcher_quota(const Call& call, const Lease& lease);
  void start_owned(CallPtr call, Lease lease, std::shared_ptr<const FilterDefinition> definition);

  std::shared_ptr<const Logger> logger_;
  std::shared_ptr<Metrics> metrics_;
  FilteredServiceOptions options_;
  std::shared_ptr<Discovery> discovery_;
  std::shared_ptr<informer::InformerRegistry> registry_;
};

}  // namespace watchfilter::proxy

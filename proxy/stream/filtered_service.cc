#include "proxy/stream/filtered_service.h"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "proxy/stream/informer_access.h"
#include "proxy/stream/owned_authorization.h"
#include "proxy/watchfilter/filter_ref_binding.h"

namespace watchfilter::proxy {

namespace net = boost::asio;
namespace http = boost::beast::http;

FilteredService::FilteredService(net::io_context& ioc, std::shared_ptr<UpstreamClient> client,
                                 std::shared_ptr<const Logger> logger,
                                 std::shared_ptr<Metrics> metrics, FilteredServiceOptions options)
    : logger_(logger),
      metrics_(metrics),
      options_(options),
      discovery_(std::make_shared<Discovery>(net::make_strand(ioc), client)),
      registry_(std::make_shared<informer::InformerRegistry>(
          ioc, client, logger, metrics, options.informer, options.informer_linger,
          options.max_informers)) {}

void FilteredService::stop() { registry_->stop(); }

void FilteredService::finish(const CallPtr& call, Outcome outcome) {
  net::post(call->executor,
            [handler = call->handler, outcome = std::make_shared<Outcome>(std::move(outcome))] {
              handler(std::move(*outcome));
            });
}

void FilteredService::refuse(const CallPtr& call, const StatusError& error) {
  if (!error.limit.empty()) metrics_->count_refusal(error.limit);
  finish(call, call->reply.error(error));
}

// The steps, in order: filterRef resolved to the bound request (resolve_filter_ref), the user's
// stream ticket (take_stream_ticket), the resource through discovery and its informer's lease
// (on_resource), the informer's first LIST (on_synced), then a get (serve_get), a list, or a
// stream plan (with its owned resources: start_owned).
void FilteredService::serve(std::shared_ptr<const WatchRequest> request, Reply reply,
                            net::any_io_executor executor, std::function<void(Outcome)> handler) {
  auto call = std::make_shared<Call>(
      Call{std::move(request), reply, std::move(executor), std::move(handler), nullptr});
  if (!call->request->filter_ref.empty() && !call->request->binding) {
    return resolve_filter_ref(std::move(call));
  }
  auto ticket = take_stream_ticket(*call->request);
  if (!ticket) return refuse(call, ticket.error());
  call->ticket = std::move(*ticket);
  discovery_->lookup(call->request->path.gvr,
                     [this, call](Discovery::Found found) { on_resource(call, found); });
}

void FilteredService::resolve_filter_ref(CallPtr call) {
  if (!options_.catalog) {
    return refuse(call, StatusError{StatusReason::kServiceUnavailable,
                                    "filterRef is not available: this proxy runs no WatchFilter "
                                    "catalog"});
  }
  const auto ref = parse_watchfilter_ref(call->request->filter_ref);
  options_.catalog->resolve(*ref, call->executor,
                            [this, call](WatchFilterCatalog::Resolution resolution) {
                              auto bound = bind_filter_ref(*call->request, resolution);
                              if (!bound) return refuse(call, bound.error());
                              // The bound copy is served like any filtered request.
                              serve(std::make_shared<const WatchRequest>(std::move(bound).value()),
                                    call->reply, call->executor, call->handler);
                            });
}

Result<std::shared_ptr<void>> FilteredService::take_stream_ticket(const WatchRequest& request) {
  if (!request.watch || !options_.stream_quota) return std::shared_ptr<void>();
  auto ticket = options_.stream_quota->try_acquire(request.owner);
  if (ticket) return std::shared_ptr<void>(std::move(ticket));
  StatusDetails retry;
  retry.retry_after_seconds = 1;
  return StatusError{StatusReason::kTooManyRequests,
                     "too many open watch streams for user \"" + request.owner +
                         "\": " + std::to_string(options_.stream_quota->per_user()) +
                         " are open, the most --max-streams-per-user allows",
                     retry, "max-streams-per-user"};
}

void FilteredService::on_resource(CallPtr call, const Discovery::Found& found) {
  const WatchRequest& request = *call->request;
  const bool get = !request.watch && !request.path.name.empty();
  auto info = served_resource(request.path.gvr, found,
                              {request.watch ? "watch"
                               : get         ? "get"
                                             : "list"});
  if (!info) return refuse(call, info.error());
  if (!info->namespaced && !request.path.namespace_name.empty()) {
    return refuse(call, StatusError{StatusReason::kNotFound,
                                    "the server could not find the requested resource"});
  }
  const informer::InformerKey key{info->gvr, request.path.namespace_name};
  auto lease = acquire_informer(*registry_, key, *info);
  if (!lease) return refuse(call, lease.error());
  auto informer = (*lease)->shared();
  informer->when_synced([this, call, held = Lease{*lease, informer, *info}](
                            std::optional<informer::SyncFailure> failure) mutable {
    // Upstream's own refusal of the LIST (a 403, say) is relayed as it was.
    if (failure) {
      return finish(call, call->reply.json(static_cast<http::status>(failure->status),
                                           std::move(failure->body)));
    }
    on_synced(call, std::move(held));
  });
}

void FilteredService::on_synced(CallPtr call, Lease lease) {
  const WatchRequest& request = *call->request;
  if (!request.watch && !request.path.name.empty()) return serve_get(call, std::move(lease));
  if (!request.watch) {
    auto informer = lease.informer;
    return informer->list(call->request, [call, held = std::move(lease.lease)](std::string body) {
      finish(call, call->reply.json(http::status::ok, std::move(body)));
    });
  }
  if (auto refusal = check_watcher_quota(*call, lease)) return refuse(call, *refusal);
  // A WatchFilter with owned resources: their informers have listed before the stream starts,
  // so that owner events flow from its start.
  auto definition = request.binding ? request.binding->current() : nullptr;
  if (definition && !definition->owned.empty()) {
    return start_owned(std::move(call), std::move(lease), std::move(definition));
  }
  // The stream holds the lease from now on.
  finish(call,
         StreamPlan{std::move(lease.lease), lease.info, call->request, nullptr, call->ticket});
}

void FilteredService::serve_get(CallPtr call, Lease lease) {
  // A get, not a list: the object as upstream answers it, or kube-apiserver's NotFound (through
  // a filter, an object the filter rejects does not exist).
  auto informer = lease.informer;
  informer->get(call->request, [call, held = std::move(lease)](std::optional<std::string> object) {
    if (object) return finish(call, call->reply.json(http::status::ok, std::move(*object)));
    const auto& gvr = held.info.gvr;
    const std::string& name = call->request->path.name;
    const StatusDetails details{name, gvr.group, gvr.resource};
    finish(call, call->reply.not_found(
                     gvr.group_resource().to_string() + " \"" + name + "\" not found", &details));
  });
}

std::optional<StatusError> FilteredService::check_watcher_quota(const Call& call,
                                                                const Lease& lease) {
  // A new named watcher past its user's --max-watchers-per-user (its records are kept
  // --watcher-ttl after their streams ended); reconnecting a kept one is always allowed.
  const WatchRequest& request = *call.request;
  const auto& quota = options_.informer.core.watcher_quota;
  if (request.watcher_id.empty() || !quota ||
      quota->admits(request.owner, lease.informer->watcher_scope(), request.watcher_id)) {
    return std::nullopt;
  }
  StatusDetails retry;
  retry.retry_after_seconds = 10;
  return StatusError{StatusReason::kTooManyRequests,
                     "too many named watchers for user \"" + request.owner +
                         "\": " + std::to_string(quota->per_user()) +
                         " are kept (open, or ended less than --watcher-ttl ago), the most "
                         "--max-watchers-per-user allows",
                     retry, "max-watchers-per-user"};
}

void FilteredService::start_owned(CallPtr call, Lease lease,
                                  std::shared_ptr<const FilterDefinition> definition) {
  auto prepare = [this, call, lease, definition] {
    auto owned = std::make_shared<OwnedWatches>(
        discovery_, registry_, logger_,
        OwnedWatches::Primary{lease.informer, lease.info, call->request}, definition,
        call->executor);
    owned->prepare([this, call, lease](std::shared_ptr<OwnedWatches> ready) {
      if (auto refusal = ready->capacity_refusal()) return refuse(call, *refusal);
      finish(call,
             StreamPlan{lease.lease, lease.info, call->request, std::move(ready), call->ticket});
    });
  };
  if (!call->request->caller) return prepare();
  // Nobody reads through the proxy what they could not read directly: the owned resources
  // reach this stream too (their changes, with includeOwned their objects).
  authorize_owned(
      call->request->caller, definition, call->request->path.namespace_name, call->executor,
      [call, prepare](std::optional<OwnedDenial> denial) {
        if (!denial) return prepare();
        const StatusDetails details = forbidden_details(denial->attributes);
        finish(call, call->reply.forbidden(forbidden_message(call->request->caller->user,
                                                             denial->attributes, denial->reason) +
                                               " (an owned resource of WatchFilter " +
                                               call->request->filter_ref + ")",
                                           details));
      });
}

}  // namespace watchfilter::proxy

#include "proxy/stream/filtered_service.h"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/http/field.hpp>

#include "proxy/stream/owned_authorization.h"
#include "proxy/watchfilter/filter_ref_binding.h"

namespace watchfilter::proxy {

namespace net = boost::asio;
namespace http = boost::beast::http;

namespace {

// How long a client refused for --max-informers waits before it tries again: about when a
// lingering informer may have gone (informers without streams stop after --informer-linger).
constexpr int kInformerRetryAfterSeconds = 10;

}  // namespace

FilteredService::FilteredService(net::io_context& ioc, std::shared_ptr<UpstreamClient> client,
                                 std::shared_ptr<const Logger> logger,
                                 std::shared_ptr<Metrics> metrics,
                                 std::shared_ptr<StatusCounters> status_counters,
                                 FilteredServiceOptions options)
    : logger_(logger),
      metrics_(metrics),
      status_counters_(std::move(status_counters)),
      options_(options),
      discovery_(std::make_shared<Discovery>(net::make_strand(ioc), client)),
      registry_(std::make_shared<informer::InformerRegistry>(
          ioc, client, logger, metrics, options.informer, options.informer_linger,
          options.max_informers)) {}

void FilteredService::stop() { registry_->stop(); }

void FilteredService::serve(std::shared_ptr<const WatchRequest> request, unsigned http_version,
                            bool keep_alive, net::any_io_executor executor,
                            std::function<void(Outcome)> handler) {
  // Every continuation ends by posting the outcome to the session's strand.
  auto reply_to = [executor, handler](Outcome outcome) {
    net::post(executor, [handler, outcome = std::make_shared<Outcome>(std::move(outcome))] {
      handler(std::move(*outcome));
    });
  };
  auto status_reply = [this, http_version, keep_alive](StatusReason reason,
                                                       const std::string& message,
                                                       const StatusDetails* details = nullptr) {
    return make_status_response(reason, message, http_version, keep_alive, *status_counters_,
                                details);
  };
  auto relay_reply = [http_version, keep_alive](unsigned status, std::string body) {
    return make_json_response(static_cast<http::status>(status), std::move(body), http_version,
                              keep_alive);
  };
  // Every request that would need one informer more than --max-informers allows.
  auto capacity_reply = [this, status_reply](const std::string& needed) {
    metrics_->count_refusal("max-informers");
    StatusDetails details;
    details.retry_after_seconds = kInformerRetryAfterSeconds;
    return status_reply(StatusReason::kTooManyRequests,
                        "too many informers: watchfilter-proxy runs its limit of " +
                            std::to_string(options_.max_informers) +
                            " shared informers (--max-informers), all with streams, and " + needed +
                            " would need another; try again later",
                        &details);
  };

  if (!request->filter_ref.empty() && !request->binding) {
    if (!options_.catalog) {
      return reply_to(status_reply(StatusReason::kServiceUnavailable,
                                   "filterRef is not available: this proxy runs no WatchFilter "
                                   "catalog"));
    }
    // Resolve first, then serve the bound copy like any filtered request.
    const auto ref = parse_watchfilter_ref(request->filter_ref);
    return options_.catalog->resolve(
        *ref, executor,
        [this, request, http_version, keep_alive, executor, handler, reply_to,
         status_reply](WatchFilterCatalog::Resolution resolution) {
          auto bound = bind_filter_ref(*request, resolution);
          if (auto* refusal = std::get_if<FilterRefRefusal>(&bound)) {
            return reply_to(status_reply(refusal->reason, refusal->message,
                                         refusal->details ? &*refusal->details : nullptr));
          }
          serve(std::make_shared<const WatchRequest>(std::move(std::get<WatchRequest>(bound))),
                http_version, keep_alive, executor, handler);
        });
  }

  // A stream counts toward its user's limit from here until it has ended.
  std::shared_ptr<void> ticket;
  if (request->watch && options_.stream_quota) {
    ticket = options_.stream_quota->try_acquire(request->owner);
    if (!ticket) {
      metrics_->count_refusal("max-streams-per-user");
      StatusDetails retry;
      retry.retry_after_seconds = 1;
      return reply_to(status_reply(StatusReason::kTooManyRequests,
                                   "too many open watch streams for user \"" + request->owner +
                                       "\": " + std::to_string(options_.stream_quota->per_user()) +
                                       " are open, the most --max-streams-per-user allows",
                                   &retry));
    }
  }

  discovery_->lookup(request->path.gvr, [this, request, executor, reply_to, status_reply,
                                         relay_reply, capacity_reply,
                                         ticket](Discovery::Result found) {
    if (!found.resource) {
      return reply_to(status_reply(
          found.status == 404 ? StatusReason::kNotFound : StatusReason::kServiceUnavailable,
          found.message));
    }
    const ApiResource& res = *found.resource;
    const bool get = !request->watch && !request->path.name.empty();
    const char* verb = request->watch ? "watch" : get ? "get" : "list";
    if (!res.has_verb(verb)) {
      return reply_to(status_reply(StatusReason::kMethodNotAllowed,
                                   std::string("the server does not allow this method on the "
                                               "requested resource (") +
                                       verb + " " + res.name + ")"));
    }
    if (!res.namespaced && !request->path.namespace_name.empty()) {
      return reply_to(status_reply(StatusReason::kNotFound,
                                   "the server could not find the requested resource"));
    }
    informer::ResourceInfo info{
        {request->path.gvr.group, request->path.gvr.version, res.name}, res.kind, res.namespaced};
    informer::InformerKey key{info.gvr, request->path.namespace_name};
    auto acquired = registry_->acquire(key, info);
    if (auto* refusal = std::get_if<informer::AcquireRefusal>(&acquired)) {
      if (*refusal == informer::AcquireRefusal::kAtCapacity) {
        return reply_to(
            capacity_reply(info.gvr.group_resource().to_string() +
                           (key.namespace_name.empty() ? std::string(" at the cluster scope")
                                                       : " in namespace " + key.namespace_name)));
      }
      return reply_to(
          status_reply(StatusReason::kServiceUnavailable, "watchfilter-proxy is shutting down"));
    }
    auto shared_lease = std::shared_ptr<informer::InformerLease>(
        std::move(std::get<std::unique_ptr<informer::InformerLease>>(acquired)));
    auto informer = shared_lease->shared();
    informer->when_synced([this, request, executor, reply_to, relay_reply, status_reply,
                           capacity_reply, shared_lease, informer, get, info,
                           ticket](std::optional<informer::SyncFailure> failure) mutable {
      if (failure) return reply_to(relay_reply(failure->status, std::move(failure->body)));
      if (get) {
        // A get, not a list: the object as upstream answers it, or kube-apiserver's NotFound
        // (through a filter, an object the filter rejects does not exist).
        return informer->get(request, [request, reply_to, relay_reply, status_reply, shared_lease,
                                       info](std::optional<std::string> object) {
          if (object) return reply_to(relay_reply(200, std::move(*object)));
          const StatusDetails details{request->path.name, info.gvr.group, info.gvr.resource};
          const std::string message =
              info.gvr.group_resource().to_string() + " \"" + request->path.name + "\" not found";
          reply_to(status_reply(StatusReason::kNotFound, message, &details));
        });
      }
      if (!request->watch) {
        return informer->list(request, [reply_to, relay_reply, shared_lease](std::string body) {
          reply_to(relay_reply(200, std::move(body)));
        });
      }
      // A new named watcher past its user's --max-watchers-per-user (its records are kept
      // --watcher-ttl after their streams ended); reconnecting a kept one is always allowed.
      const auto& watcher_quota = options_.informer.core.watcher_quota;
      if (!request->watcher_id.empty() && watcher_quota &&
          !watcher_quota->admits(request->owner, informer->watcher_scope(), request->watcher_id)) {
        metrics_->count_refusal("max-watchers-per-user");
        StatusDetails retry;
        retry.retry_after_seconds = 10;
        return reply_to(
            status_reply(StatusReason::kTooManyRequests,
                         "too many named watchers for user \"" + request->owner +
                             "\": " + std::to_string(watcher_quota->per_user()) +
                             " are kept (open, or ended less than --watcher-ttl ago), the most "
                             "--max-watchers-per-user allows",
                         &retry));
      }
      // A WatchFilter with owned resources: their informers have listed before the stream
      // starts, so that owner events flow from its start.
      const auto definition = request->binding ? request->binding->current() : nullptr;
      if (definition && !definition->owned.empty()) {
        auto start_owned = [this, executor, reply_to, capacity_reply, shared_lease, informer, info,
                            request, definition, ticket] {
          auto owned = std::make_shared<OwnedWatches>(
              discovery_, registry_, logger_, OwnedWatches::Primary{informer, info, request},
              definition, executor);
          owned->prepare([reply_to, capacity_reply, shared_lease, info, request,
                          ticket](std::shared_ptr<OwnedWatches> ready) {
            if (ready->at_capacity()) {
              return reply_to(
                  capacity_reply("an owned resource of WatchFilter " + request->filter_ref));
            }
            reply_to(StreamPlan{shared_lease, info, request, std::move(ready), ticket});
          });
        };
        if (!request->caller) return start_owned();
        // Nobody reads through the proxy what they could not read directly: the owned
        // resources reach this stream too (their changes, with includeOwned their objects).
        return authorize_owned(
            request->caller, definition, request->path.namespace_name, executor,
            [reply_to, status_reply, start_owned, request](std::optional<OwnedDenial> denial) {
              if (!denial) return start_owned();
              const StatusDetails details = forbidden_details(denial->attributes);
              reply_to(status_reply(
                  StatusReason::kForbidden,
                  forbidden_message(request->caller->user, denial->attributes, denial->reason) +
                      " (an owned resource of WatchFilter " + request->filter_ref + ")",
                  &details));
            });
      }
      // The stream holds the lease from now on.
      reply_to(StreamPlan{std::move(shared_lease), info, request, nullptr, std::move(ticket)});
    });
  });
}

}  // namespace watchfilter::proxy

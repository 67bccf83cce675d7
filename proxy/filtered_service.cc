#include "proxy/filtered_service.h"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/http/field.hpp>

#include "proxy/filter_ref_binding.h"
#include "proxy/owned_authorization.h"

namespace watchfilter::proxy {

namespace net = boost::asio;
namespace http = boost::beast::http;

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
          ioc, client, logger, metrics, options.informer, options.informer_linger)) {}

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

  discovery_->lookup(request->path, [this, request, executor, reply_to, status_reply,
                                     relay_reply](Discovery::Result found) {
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
      return reply_to(
          status_reply(StatusReason::kNotFound, "the server could not find the requested resource"));
    }
    informer::ResourceInfo info{request->path.group, request->path.version, res.name, res.kind,
                                res.namespaced};
    informer::InformerKey key{request->path.group, request->path.version, res.name,
                              request->path.namespace_name, request->label_selector};
    auto lease = registry_->acquire(key, info);
    if (!lease) {
      return reply_to(status_reply(StatusReason::kServiceUnavailable,
                                   "watchfilter-proxy is shutting down"));
    }
    auto shared_lease = std::shared_ptr<informer::InformerLease>(std::move(lease));
    auto informer = shared_lease->shared();
    informer->when_synced([this, request, executor, reply_to, relay_reply, status_reply,
                           shared_lease, informer, get,
                           info](std::optional<informer::SyncFailure> failure) mutable {
      if (failure) return reply_to(relay_reply(failure->status, std::move(failure->body)));
      if (get) {
        // A get, not a list: the object as upstream answers it, or kube-apiserver's NotFound
        // (through a filter, an object the filter rejects does not exist).
        return informer->get(request, [request, reply_to, relay_reply, status_reply, shared_lease,
                                       info](std::optional<std::string> object) {
          if (object) return reply_to(relay_reply(200, std::move(*object)));
          const StatusDetails details{request->path.name, info.group, info.resource};
          const std::string message =
              (info.group.empty() ? info.resource : info.resource + "." + info.group) + " \"" +
              request->path.name + "\" not found";
          reply_to(status_reply(StatusReason::kNotFound, message, &details));
        });
      }
      if (!request->watch) {
        return informer->list(request, [reply_to, relay_reply, shared_lease](std::string body) {
          reply_to(relay_reply(200, std::move(body)));
        });
      }
      // A WatchFilter with owned resources: their informers have listed before the stream
      // starts, so that owner events flow from its start.
      const auto definition = request->binding ? request->binding->current() : nullptr;
      if (definition && !definition->owned.empty()) {
        auto start_owned = [this, executor, reply_to, shared_lease, informer, info, request,
                            definition] {
          auto owned = std::make_shared<OwnedWatches>(
              discovery_, registry_, logger_, OwnedWatches::Primary{informer, info, request},
              definition, executor);
          owned->prepare([reply_to, shared_lease, info,
                          request](std::shared_ptr<OwnedWatches> ready) {
            reply_to(StreamPlan{shared_lease, info, request, std::move(ready)});
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
              reply_to(status_reply(StatusReason::kForbidden,
                                    forbidden_message(request->caller->user, denial->attributes,
                                                      denial->reason) +
                                        " (an owned resource of WatchFilter " +
                                        request->filter_ref + ")",
                                    &details));
            });
      }
      // The stream holds the lease from now on.
      reply_to(StreamPlan{std::move(shared_lease), info, request, nullptr});
    });
  });
}

}  // namespace watchfilter::proxy

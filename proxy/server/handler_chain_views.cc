// Step 5a of HandlerChain: requests under /views/<namespace>/<name>/ (docs/views.md).
#include <boost/beast/http/field.hpp>

#include "proxy/kube/resource_path.h"
#include "proxy/request/watchview_ref.h"
#include "proxy/server/handler_chain.h"

namespace watchfilter::proxy {
namespace {

// The list or watch a view may serve from an informer: a GET of a resource collection whose
// answer may be full JSON objects. A Table or PartialObjectMetadata (`Accept: ...;as=...`,
// kubectl get, metadata-only informers) is only kube-apiserver's to make, so those are forwarded.
std::optional<ResourcePath> filtered_read_candidate(const ClientRequest& request,
                                                    const RequestTarget& target) {
  if (request.method() != http::verb::get) return std::nullopt;
  if (auto accept = request.find(http::field::accept);
      accept != request.end() && accept->value().find("as=") != boost::beast::string_view::npos) {
    return std::nullopt;
  }
  auto path = parse_resource_path(target.upstream_path);
  if (!path || !path->name.empty()) return std::nullopt;
  return path;
}

// The view's WatchFilters that filter `path`'s resource, asked of the catalog one after the
// other (a view has at most kMaxViewFilters). A WatchFilter that does not exist filters nothing.
struct ViewMatch {
  std::vector<WatchFilterRef> filters;
  std::string unavailable;  // the catalog could not answer: its message
};
void match_view_filters(std::shared_ptr<WatchFilterCatalog> catalog,
                        std::shared_ptr<const WatchView> view, ResourcePath path,
                        boost::asio::any_io_executor executor, std::function<void(ViewMatch)> done,
                        std::size_t next = 0, ViewMatch found = {}) {
  if (next == view->filters.size()) return done(std::move(found));
  const WatchFilterRef ref = view->filters[next];
  auto* raw = catalog.get();
  raw->resolve(ref, executor,
               [catalog = std::move(catalog), view = std::move(view), path = std::move(path),
                executor, done = std::move(done), next, found = std::move(found),
                ref](WatchFilterCatalog::Resolution r) mutable {
                 switch (r.failure) {
                   case WatchFilterCatalog::Failure::kNone: {
                     if (r.entry.spec->resource == path.gvr) {
                       found.filters.push_back(ref);
                     }
                     break;
                   }
                   case WatchFilterCatalog::Failure::kNotFound:
                   case WatchFilterCatalog::Failure::kCrdMissing:
                     break;
                   case WatchFilterCatalog::Failure::kUnavailable:
                     found.unavailable = std::move(r.message);
                     return done(std::move(found));
                 }
                 match_view_filters(std::move(catalog), std::move(view), std::move(path), executor,
                                    std::move(done), next + 1, std::move(found));
               });
}

}  // namespace

LocalReply HandlerChain::refuse_view(const ClientRequest& request, ViewRefusal why,
                                     StatusReason reason, std::string_view message,
                                     const StatusDetails* details) const {
  if (metrics_) metrics_->count_view_refusal(why);
  return refuse(request, reason, message, details);
}

ChainDecision HandlerChain::forward_view_request(const ClientRequest& request,
                                                 const RequestInfo& info,
                                                 const AuthenticatedUser& user) const {
  ChainDecision decision = pass_through(request, info, user);
  if (metrics_) {
    metrics_->count_view_request(std::holds_alternative<ForwardUpstream>(decision)
                                     ? ViewRoute::kForwarded
                                     : ViewRoute::kRefused);
  }
  return decision;
}

// The reviews and reads below are asynchronous: `request` outlives them (handle()'s contract),
// `info` does not, so every continuation holds its own copy.
void HandlerChain::serve_view(const ClientRequest& request, const RequestInfo& info,
                              const AuthenticatedUser& user, boost::asio::any_io_executor executor,
                              Done done) const {
  const RequestTarget& t = info.target;
  if (t.view_name.empty()) {
    return done(refuse_view(request, ViewRefusal::kBadPath, StatusReason::kNotFound,
                            "the server could not find the requested resource: " + t.path +
                                " names no view (/views/<namespace>/<name>/<path>)"));
  }
  if (!t.view_error.empty()) {
    return done(
        refuse_view(request, ViewRefusal::kBadPath, StatusReason::kBadRequest, t.view_error));
  }
  if (t.nested_view) {
    return done(refuse_view(request, ViewRefusal::kBadPath, StatusReason::kNotFound,
                            "the server could not find the requested resource: " + t.upstream_path +
                                " is under /views/ again; the path after a view is a "
                                "kube-apiserver path"));
  }
  const WatchViewRef ref{t.view_namespace, t.view_name};
  if (has_informer_params(t.params)) {
    return done(refuse_view(request, ViewRefusal::kFilterParams, StatusReason::kBadRequest,
                            "requests under a view take their filters from the WatchView " +
                                ref.to_string() + ": remove filter, filterRef and watcher"));
  }
  if (!views_.views || !views_.catalog || !authorizer_) {
    return done(refuse_view(request, ViewRefusal::kUnavailable, StatusReason::kServiceUnavailable,
                            "views are not enabled"));
  }
  // Who may use a view: `get` on it, for every request under it, forwarded ones included.
  const RequestAttributes view_get = watchview_get_attributes(ref);
  authorizer_->authorize(
      user.user, view_get, executor,
      [this, &request, info, user, ref, view_get, executor,
       done = std::move(done)](AuthorizationDecision d) mutable {
        if (!d.allowed) {
          if (metrics_) {
            metrics_->count_view_refusal(d.error.empty() ? ViewRefusal::kForbidden
                                                         : ViewRefusal::kUnavailable);
          }
          return done(denied(request, user.user, view_get, d));
        }
        views_.views->resolve(
            ref, executor,
            [this, &request, info, user, ref, executor,
             done = std::move(done)](WatchViewResolver::Resolution r) mutable {
              using Failure = WatchViewResolver::Failure;
              switch (r.failure) {
                case Failure::kNone:
                  return route_view_request(request, info, user, *r.view, executor,
                                            std::move(done));
                case Failure::kNotFound: {
                  StatusDetails details;
                  details.name = ref.name;
                  details.group = std::string(kWatchFilterGroup);
                  details.kind = std::string(kWatchViewResource);
                  return done(refuse_view(request, ViewRefusal::kNotFound, StatusReason::kNotFound,
                                          r.message, &details));
                }
                case Failure::kCrdMissing:
                  return done(refuse_view(request, ViewRefusal::kNotFound, StatusReason::kNotFound,
                                          r.message));
                case Failure::kInvalid:
                  return done(refuse_view(request, ViewRefusal::kInvalid, StatusReason::kBadRequest,
                                          r.message));
                case Failure::kUnavailable:
                  break;
              }
              done(refuse_view(request, ViewRefusal::kUnavailable,
                               StatusReason::kServiceUnavailable, r.message));
            });
      });
}

void HandlerChain::route_view_request(const ClientRequest& request, const RequestInfo& info,
                                      const AuthenticatedUser& user, const WatchView& view,
                                      boost::asio::any_io_executor executor, Done done) const {
  auto candidate = filtered_read_candidate(request, info.target);
  if (!candidate) return done(forward_view_request(request, info, user));
  auto shared_view = std::make_shared<const WatchView>(view);
  match_view_filters(
      views_.catalog, shared_view, *candidate, executor,
      [this, &request, info, user, shared_view, executor,
       done = std::move(done)](ViewMatch match) mutable {
        if (!match.unavailable.empty()) {
          return done(refuse_view(request, ViewRefusal::kUnavailable,
                                  StatusReason::kServiceUnavailable, match.unavailable));
        }
        if (match.filters.empty()) return done(forward_view_request(request, info, user));
        if (match.filters.size() > 1) {
          return done(refuse_view(
              request, ViewRefusal::kInvalid, StatusReason::kBadRequest,
              "WatchView " + shared_view->ref.to_string() + " is invalid: WatchFilters " +
                  match.filters[0].name + " and " + match.filters[1].name +
                  " both filter this resource; a view has at most one WatchFilter per "
                  "resource"));
        }
        // Authorized as every filtered read, on the underlying resource; `get` on the
        // WatchFilter is not asked: the view's `get` covers the filters it names.
        const RequestAttributes attributes = request_attributes(request.method(), info.target);
        authorizer_->authorize(
            user.user, attributes, executor,
            [this, &request, info, who = user.user, attributes, filter = match.filters[0],
             done = std::move(done)](AuthorizationDecision d) mutable {
              if (!d.allowed) {
                if (metrics_) metrics_->count_view_request(ViewRoute::kRefused);
                return done(denied(request, who, attributes, d));
              }
              RequestTarget bound = info.target;
              bound.params.push_back(QueryParam{"filterRef", filter.to_string()});
              ChainDecision decision = route_filtered(request, bound, who);
              if (metrics_) {
                metrics_->count_view_request(std::holds_alternative<ServeFromInformer>(decision)
                                                 ? ViewRoute::kFiltered
                                                 : ViewRoute::kRefused);
              }
              done(std::move(decision));
            });
      });
}

bool HandlerChain::may_forward_body(const ClientRequest& header) {
  const auto method = header.method();
  if (method != http::verb::post && method != http::verb::put && method != http::verb::patch &&
      method != http::verb::delete_) {
    return false;
  }
  if (request_bearer_token(header).empty()) return false;
  auto parsed = parse_request_target(header.target());
  const RequestTarget* t = parsed ? &*parsed : nullptr;
  return t != nullptr && t->under_view && !t->view_name.empty() && t->view_error.empty() &&
         !t->nested_view;
}

void HandlerChain::authenticate_forwarded_body(const ClientRequest& header,
                                               const PeerCertificate& peer,
                                               boost::asio::any_io_executor executor,
                                               std::function<void(bool)> done) const {
  if (!authenticator_ || !authorizer_ || !may_forward_body(header)) return done(false);
  auto parsed = parse_request_target(header.target());
  const RequestTarget& t = *parsed;  // may_forward_body parsed it
  const WatchViewRef ref{t.view_namespace, t.view_name};
  authenticator_->authenticate(
      header, peer, executor,
      [this, ref, executor, done = std::move(done)](AuthenticationResult result) mutable {
        // Only a bearer token is forwarded: a caller authenticated otherwise (a client
        // certificate) is refused once the body is read, so its body stays small.
        if (!result.user || result.user->user.name.empty() ||
            result.user->method != AuthenticationMethod::kBearerToken) {
          return done(false);
        }
        // And only a caller who may use the view (serve_view asks the same, cached): anyone
        // else is refused too, and must not hold the forwarded-body budget meanwhile.
        authorizer_->authorize(
            result.user->user, watchview_get_attributes(ref), executor,
            [done = std::move(done)](AuthorizationDecision d) { done(d.allowed); });
      });
}

}  // namespace watchfilter::proxy

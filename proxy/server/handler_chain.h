#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "proxy/auth/auth.h"
#include "proxy/kube/client_request.h"
#include "proxy/kube/reply.h"
#include "proxy/kube/request_target.h"
#include "proxy/kube/status.h"
#include "proxy/request/watch_request.h"
#include "proxy/server/request_body_limits.h"
#include "proxy/telemetry/health_state.h"
#include "proxy/telemetry/metrics.h"
#include "proxy/wakeup/wakeup_service.h"
#include "proxy/watchfilter/watchfilter_catalog.h"
#include "proxy/watchfilter/watchview_resolver.h"

namespace watchfilter::proxy {

// The chain's verdict for one request.
struct LocalReply {
  http::response<http::string_body> response;
};
// A request that is not a filtered read, from a caller authenticated by a bearer token: sent to
// kube-apiserver with that token (never with the proxy's identity), which authorizes it.
struct ForwardUpstream {
  std::string target;  // upstream origin-form target (RequestTarget::upstream_target)
  bool is_watch = false;
  std::string bearer_token;  // the caller's own credential
};
// A request with filter parameters (filter, filterRef, watcher): served from a shared informer.
struct ServeFromInformer {
  std::shared_ptr<const WatchRequest> request;
};
using ChainDecision = std::variant<LocalReply, ForwardUpstream, ServeFromInformer>;

// What views (docs/views.md) are served from: the WatchViews and the WatchFilters they name.
// Either null: every request under /views/ is a 503.
struct ViewSources {
  std::shared_ptr<WatchViewResolver> views;
  std::shared_ptr<WatchFilterCatalog> catalog;
};

// The request chain, assembled in one function (handle) in a fixed order, like
// k8s.io/apiserver's DefaultBuildHandlerChain:
//   1. request info: the target decoded once (RequestTarget: path percent-decoded, `.`, `..`
//      and empty segments refused, the proxy prefix stripped, the query read as Go's
//      url.URL.Query()); malformed -> 400. Every later stage reads this one parse.
//   2. /healthz /livez /readyz: always allowed, unauthenticated (kube-apiserver's
//      system:public-info-viewer)
//   3. method check: GET and HEAD, and POST/DELETE on the wakeups resource (-> 405 with Allow);
//      under a view (/views/<ns>/<name>/...) also POST, PUT, PATCH, DELETE and OPTIONS
//   4. authentication (front-proxy headers, client certificate, bearer token by TokenReview);
//      nobody -> 401; Impersonate-* headers -> 403 (the proxy does not impersonate; the
//      aggregator applies them before it forwards, so only direct callers send them)
//   5. discovery and OpenAPI documents of stream.watchfilter.io: any authenticated user; any
//      other path of that group (the doubled prefix among them) -> 404: the proxy's own paths
//      are never sent upstream, where the aggregator would route them back to the proxy
//   5a. requests under a view (serve_view, handler_chain_views.cc): a path that names no valid
//      view, doubles the prefix or carries filter parameters -> 400/404; `get` on the WatchView
//      reviewed for the caller (-> 403), the WatchView read (-> 404, 503); a list or watch of a
//      resource one of its WatchFilters filters -> authorized as step 7, served as step 9 with
//      that filterRef; anything else -> step 6
//   6. requests that are not a filtered read (no filter, filterRef or watcher; not /metrics or
//      wakeups): forwarded with the caller's own bearer token, which kube-apiserver authorizes;
//      refused (403) for a caller without one: through the aggregator, or by client certificate
//   7. authorization: a SubjectAccessReview for the caller on the request's attributes (the
//      underlying resource for filtered requests, the path for non-resource ones such as
//      /metrics); anything but an allow is a 403 (or a 500 when the review failed)
//   8. /metrics, the wakeups resource (WakeupService; authorized as create/list/get/delete of
//      wakeups.stream.watchfilter.io in the namespace like any resource request; a body nested
//      deeper than --max-request-body-depth is a 400 before it is parsed)
//   9. filtered requests: validated here (400 with the filter's column; a filter over
//      --max-filter-nodes or --max-filter-state-bytes is counted in
//      watchfilter_limit_refusals_total), then served from the shared informers, which read with
//      the proxy's identity; filterRef also needs a second SubjectAccessReview: `get` on the
//      WatchFilter it names (403 otherwise)
// Every stage that can say no runs before the forward, so an unhandled case is a refusal, never a
// forward; a missing authenticator or authorizer refuses everything.
class HandlerChain {
 public:
  using Done = std::function<void(ChainDecision)>;

  // `filter_budget`: the compile options of filter= expressions (the proxy's budgets).
  HandlerChain(std::shared_ptr<const HealthState> health, std::shared_ptr<StatusCounters> counters,
               std::shared_ptr<Metrics> metrics = nullptr,
               std::shared_ptr<Authenticator> authenticator = nullptr,
               std::shared_ptr<Authorizer> authorizer = nullptr,
               std::shared_ptr<WakeupService> wakeups = nullptr, RequestBodyLimits body_limits = {},
               filters::CompileOptions filter_budget = {}, ViewSources views = {})
      : health_(std::move(health)),
        counters_(std::move(counters)),
        metrics_(std::move(metrics)),
        authenticator_(std::move(authenticator)),
        authorizer_(std::move(authorizer)),
        wakeups_(std::move(wakeups)),
        body_limits_(body_limits),
        filter_budget_(filter_budget),
        views_(std::move(views)) {}

  // Runs the chain; `done` is called exactly once, on `executor` or inline. `request` must stay
  // alive and unchanged until then.
  void handle(const ClientRequest& request, const PeerCertificate& peer,
              boost::asio::any_io_executor executor, Done done) const;

  // Before a request's body is read (`header`: the request with its header only): whether the
  // body may be as large as --max-forwarded-body-bytes rather than --max-request-body-bytes.
  // Only a write under a view is forwarded with its body, and only for a caller whose bearer
  // token authenticates and who may `get` the WatchView, so both are checked first (the
  // reviews are cached, and the chain runs in full once the body is read). `done(true)` exactly
  // once, on `executor` or inline, when all holds; `done(false)` otherwise. `header` must stay
  // alive until then.
  static bool may_forward_body(const ClientRequest& header);
  void authenticate_forwarded_body(const ClientRequest& header, const PeerCertificate& peer,
                                   boost::asio::any_io_executor executor,
                                   std::function<void(bool)> done) const;

  StatusCounters& counters() const { return *counters_; }
  const RequestBodyLimits& body_limits() const { return body_limits_; }
  // A refusal because the limit set by the flag `limit` was reached (the session's 413s).
  void count_refusal(std::string_view limit) const {
    if (metrics_) metrics_->count_refusal(limit);
  }

 private:
  // Step 1's result, which the later steps read.
  enum class Route : std::uint8_t { kPassThrough, kMetrics, kWakeups, kFiltered, kView };
  struct RequestInfo {
    RequestTarget target;
    Route route = Route::kPassThrough;
    std::optional<WakeupPath> wakeups;  // kWakeups: the wakeups resource
  };
  // Steps 1-3: a reply, or what step 1 found to continue with authentication.
  std::variant<LocalReply, RequestInfo> before_authentication(const ClientRequest& request) const;
  void after_authentication(const ClientRequest& request, const RequestInfo& info,
                            const AuthenticatedUser& user, boost::asio::any_io_executor executor,
                            Done done) const;
  // Step 6, for a request that is not a filtered read.
  ChainDecision pass_through(const ClientRequest& request, const RequestInfo& info,
                             const AuthenticatedUser& user) const;
  // Steps 8-9, for an authorized request.
  ChainDecision route_authorized(const ClientRequest& request, const RequestInfo& info,
                                 const UserInfo& who) const;
  // Step 8's wakeups resource: answered asynchronously (a creation waits for the store).
  void serve_wakeups(const ClientRequest& request, const WakeupPath& path, const UserInfo& who,
                     boost::asio::any_io_executor executor, Done done) const;
  std::optional<LocalReply> serve_health(const ClientRequest& request, std::string_view path) const;
  // Step 9.
  ChainDecision route_filtered(const ClientRequest& request, const RequestTarget& target,
                               const UserInfo& who) const;
  // The proxy's replies to `request` (its HTTP version and keep-alive).
  Reply reply_to(const ClientRequest& request) const;
  LocalReply refuse(const ClientRequest& request, StatusReason reason, std::string_view message,
                    const StatusDetails* details = nullptr) const;
  // A parser's or check's refusal, its limit (if any) counted.
  LocalReply refuse(const ClientRequest& request, const StatusError& error) const;
  // Step 7's refusal: kube-apiserver's 403, or a 500 when the review itself failed.
  LocalReply denied(const ClientRequest& request, const UserInfo& who,
                    const RequestAttributes& attributes, const AuthorizationDecision& d) const;

  // Step 5a (handler_chain_views.cc).
  void serve_view(const ClientRequest& request, const RequestInfo& info,
                  const AuthenticatedUser& user, boost::asio::any_io_executor executor,
                  Done done) const;
  // A view's request once the WatchView is read: filtered through `filter`, or forwarded.
  void route_view_request(const ClientRequest& request, const RequestInfo& info,
                          const AuthenticatedUser& user, const WatchView& view,
                          boost::asio::any_io_executor executor, Done done) const;
  ChainDecision forward_view_request(const ClientRequest& request, const RequestInfo& info,
                                     const AuthenticatedUser& user) const;
  LocalReply refuse_view(const ClientRequest& request, ViewRefusal why, StatusReason reason,
                         std::string_view message, const StatusDetails* details = nullptr) const;

  std::shared_ptr<const HealthState> health_;
  std::shared_ptr<StatusCounters> counters_;
  std::shared_ptr<Metrics> metrics_;
  std::shared_ptr<Authenticator> authenticator_;
  std::shared_ptr<Authorizer> authorizer_;
  std::shared_ptr<WakeupService> wakeups_;  // null: the wakeups paths answer 503
  const RequestBodyLimits body_limits_;
  const filters::CompileOptions filter_budget_;
  const ViewSources views_;
};

}  // namespace watchfilter::proxy

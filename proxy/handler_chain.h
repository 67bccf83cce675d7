#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <functional>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "proxy/auth.h"
#include "proxy/health_state.h"
#include "proxy/metrics.h"
#include "proxy/watch_request.h"
#include "proxy/status.h"
#include "proxy/wakeup_service.h"

namespace watchfilter::proxy {

namespace http = boost::beast::http;

using ClientRequest = http::request<http::string_body>;

// Path prefix of the aggregated API under which upstream paths are also served.
inline constexpr std::string_view kProxyPrefix = "/apis/stream.watchfilter.io/v1alpha1/proxy";

// Maps a request target to the upstream target: `<kProxyPrefix>/<path>?<query>` becomes
// `/<path>?<query>` (the bare prefix becomes `/`); any other target is an upstream path as is.
// A target that does not start with '/' (absolute-form, `*`) yields nullopt.
std::optional<std::string> map_to_upstream_target(std::string_view target);

// True for `?watch=true|1` and the legacy `/api/v1/watch/...` and `/apis/<g>/<v>/watch/...`.
bool is_watch_request(std::string_view upstream_target);

// The chain's verdict for one request.
struct LocalReply {
  http::response<http::string_body> response;
};
struct ForwardUpstream {
  std::string target;  // upstream origin-form target, query kept
  bool is_watch = false;
};
// A request with filter parameters (filter, filterRef, watcher): served from a shared informer.
struct ServeFromInformer {
  std::shared_ptr<const WatchRequest> request;
};
using ChainDecision = std::variant<LocalReply, ForwardUpstream, ServeFromInformer>;

// The request chain, assembled in one function (handle) in a fixed order, like
// k8s.io/apiserver's DefaultBuildHandlerChain:
//   1. request info: parse the target, strip the proxy prefix (malformed -> 400)
//   2. /healthz /livez /readyz: always allowed, unauthenticated (kube-apiserver's
//      system:public-info-viewer)
//   3. method check: GET and HEAD, and POST/DELETE on the wakeups resource (-> 405 with Allow)
//   4. authentication (front-proxy headers, client certificate, bearer token by TokenReview);
//      nobody -> 401. The caller's credentials are never forwarded: upstream requests carry the
//      proxy's own identity and only Accept/User-Agent from the client.
//   5. discovery and OpenAPI documents of stream.watchfilter.io: any authenticated user
//   6. authorization: a SubjectAccessReview for the caller on the request's attributes (the
//      underlying resource for proxied and filtered requests, the path for non-resource ones such
//      as /metrics); anything but an allow is a 403 (or a 500 when the review failed)
//   7. /metrics, the wakeups resource (WakeupService; authorized as create/list/get/delete of
//      wakeups.stream.watchfilter.io in the namespace like any resource request)
//   8. requests with filter parameters (filter, filterRef, watcher): validated here (400 with
//      the filter's column), then served from the shared informers; filterRef also needs a
//      second SubjectAccessReview: `get` on the WatchFilter it names (403 otherwise)
//   9. everything else: forwarded upstream unchanged
// Every stage that can say no runs before the forward, so an unhandled case is a refusal, never a
// forward; a missing authenticator or authorizer refuses everything.
class HandlerChain {
 public:
  using Done = std::function<void(ChainDecision)>;

  HandlerChain(std::shared_ptr<const HealthState> health, std::shared_ptr<StatusCounters> counters,
               std::shared_ptr<const Metrics> metrics = nullptr,
               std::shared_ptr<Authenticator> authenticator = nullptr,
               std::shared_ptr<Authorizer> authorizer = nullptr,
               std::shared_ptr<WakeupService> wakeups = nullptr)
      : health_(std::move(health)),
        counters_(std::move(counters)),
        metrics_(std::move(metrics)),
        authenticator_(std::move(authenticator)),
        authorizer_(std::move(authorizer)),
        wakeups_(std::move(wakeups)) {}

  // Runs the chain; `done` is called exactly once, on `executor` or inline. `request` must stay
  // alive and unchanged until then.
  void handle(const ClientRequest& request, const PeerCertificate& peer,
              boost::asio::any_io_executor executor, Done done) const;

  StatusCounters& counters() const { return *counters_; }

 private:
  // Step 1's result, which the later steps read (the views point into the request's target).
  struct RequestInfo {
    std::string upstream_target;
    std::string_view path;              // the target's path, proxy prefix kept
    std::optional<WakeupPath> wakeups;  // the wakeups resource
  };
  // Steps 1-3: a reply, or what step 1 found to continue with authentication.
  std::variant<LocalReply, RequestInfo> before_authentication(const ClientRequest& request) const;
  void after_authentication(const ClientRequest& request, const RequestInfo& info,
                            const AuthenticatedUser& user, boost::asio::any_io_executor executor,
                            Done done) const;
  // Steps 7-9, for an authorized request.
  ChainDecision route_authorized(const ClientRequest& request, const RequestInfo& info,
                                 const UserInfo& who) const;
  // Step 7's wakeups resource: answered asynchronously (a creation waits for the store).
  void serve_wakeups(const ClientRequest& request, const WakeupPath& path,
                     boost::asio::any_io_executor executor, Done done) const;
  std::optional<LocalReply> serve_health(const ClientRequest& request, std::string_view path) const;
  // Step 8: nullopt when the request has no filter parameters.
  std::optional<ChainDecision> route_filtered(const ClientRequest& request,
                                              std::string_view upstream_target,
                                              const UserInfo& who) const;

  std::shared_ptr<const HealthState> health_;
  std::shared_ptr<StatusCounters> counters_;
  std::shared_ptr<const Metrics> metrics_;
  std::shared_ptr<Authenticator> authenticator_;
  std::shared_ptr<Authorizer> authorizer_;
  std::shared_ptr<WakeupService> wakeups_;  // null: the wakeups paths answer 503
};

}  // namespace watchfilter::proxy

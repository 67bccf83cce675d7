#pragma once

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "proxy/health_state.h"
#include "proxy/metrics.h"
#include "proxy/watch_request.h"
#include "proxy/status.h"

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
//   2. local endpoints /healthz /livez /readyz (unauthenticated, as kube-apiserver's
//      system:public-info-viewer allows) and /metrics (unauthenticated until authn lands)
//   3. method check: only GET and HEAD are forwarded (-> 405)
//   4. authentication, then strip the caller's credentials   [later issue]
//   5. authorization (SubjectAccessReview), default deny      [later issue]
//   6. requests with filter parameters (filter, filterRef, watcher): validated here (400 with
//      the filter's column), then served from the shared informers
//   7. everything else: forwarded upstream unchanged
// Every stage that can say no runs before the forward, so an unhandled case is a refusal, never a
// forward. Synchronous for now; authn/authz will make stages asynchronous (a continuation per
// stage on the session's strand) without changing the order.
class HandlerChain {
 public:
  HandlerChain(std::shared_ptr<const HealthState> health, std::shared_ptr<StatusCounters> counters,
               std::shared_ptr<const Metrics> metrics = nullptr)
      : health_(std::move(health)), counters_(std::move(counters)), metrics_(std::move(metrics)) {}

  ChainDecision handle(const ClientRequest& request) const;

  StatusCounters& counters() const { return *counters_; }

 private:
  std::optional<LocalReply> serve_health(const ClientRequest& request, std::string_view path) const;
  // Step 6: nullopt when the request has no filter parameters.
  std::optional<ChainDecision> route_filtered(const ClientRequest& request,
                                              std::string_view upstream_target) const;

  std::shared_ptr<const HealthState> health_;
  std::shared_ptr<StatusCounters> counters_;
  std::shared_ptr<const Metrics> metrics_;
};

}  // namespace watchfilter::proxy

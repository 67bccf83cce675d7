#include "proxy/handler_chain.h"

#include <boost/beast/http/field.hpp>

#include "proxy/api_documents.h"
#include "proxy/owned_authorization.h"
#include "proxy/watchfilter_ref.h"

namespace watchfilter::proxy {
namespace {

// One `key=value` parameter of a query string, compared without URL-decoding: the values we
// look at ("true", "1") have no escapes.
bool query_has(std::string_view query, std::string_view key, std::string_view value) {
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view param = query.substr(0, amp);
    auto eq = param.find('=');
    if (param.substr(0, eq) == key && eq != std::string_view::npos &&
        param.substr(eq + 1) == value) {
      return true;
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return false;
}

http::response<http::string_body> plain_text(http::status status, std::string body,
                                             const ClientRequest& request) {
  http::response<http::string_body> res{status, request.version()};
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  res.set(http::field::cache_control, "no-cache, private");
  res.set("X-Content-Type-Options", "nosniff");
  res.body() = std::move(body);
  res.keep_alive(request.keep_alive());
  res.prepare_payload();
  return res;
}

}  // namespace

std::optional<std::string> map_to_upstream_target(std::string_view target) {
  if (!target.starts_with('/')) return std::nullopt;
  if (!target.starts_with(kProxyPrefix)) return std::string(target);
  std::string_view rest = target.substr(kProxyPrefix.size());
  if (rest.empty()) return std::string("/");
  if (rest.starts_with('?')) return "/" + std::string(rest);
  if (rest.starts_with('/')) return std::string(rest);
  // `/apis/stream.watchfilter.io/v1alpha1/proxyfoo` is some other upstream path.
  return std::string(target);
}

bool is_watch_request(std::string_view upstream_target) {
  auto q = upstream_target.find('?');
  std::string_view path = upstream_target.substr(0, q);
  if (q != std::string_view::npos) {
    std::string_view query = upstream_target.substr(q + 1);
    if (query_has(query, "watch", "true") || query_has(query, "watch", "1")) return true;
  }
  return path.starts_with("/api/v1/watch/") || (path.starts_with("/apis/") && [&] {
           // /apis/<group>/<version>/watch/...
           std::string_view rest = path.substr(6);
           for (int i = 0; i < 2; ++i) {
             auto slash = rest.find('/');
             if (slash == std::string_view::npos) return false;
             rest.remove_prefix(slash + 1);
           }
           return rest.starts_with("watch/");
         }());
}

std::optional<LocalReply> HandlerChain::serve_health(const ClientRequest& request,
                                                     std::string_view path) const {
  if (path == "/healthz" || path == "/livez") {
    return LocalReply{plain_text(http::status::ok, "ok", request)};
  }
  if (path == "/readyz") {
    if (health_->ready()) return LocalReply{plain_text(http::status::ok, "ok", request)};
    std::string why =
        health_->shutting_down()
            ? "[-]shutdown failed: reason withheld\nreadyz check failed"
        : !health_->upstream_reachable()
            ? "[-]upstream-reachable failed: kube-apiserver has not answered yet\n"
              "readyz check failed"
            : "[-]authentication-config failed: kube-system/extension-apiserver-authentication "
              "not read yet\nreadyz check failed";
    return LocalReply{plain_text(http::status::service_unavailable, std::move(why), request)};
  }
  return std::nullopt;
}

std::optional<ChainDecision> HandlerChain::route_filtered(const ClientRequest& request,
                                                          std::string_view upstream_target,
                                                          const UserInfo& who) const {
  const auto q = upstream_target.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  const std::string_view raw_query = upstream_target.substr(q + 1);
  auto bad_request = [&](const std::string& message) -> ChainDecision {
    return LocalReply{make_status_response(StatusReason::kBadRequest, message, request.version(),
                                           request.keep_alive(), *counters_)};
  };
  auto params = parse_query(raw_query);
  if (!params) {
    // Fail closed: a filter we cannot read must not turn into an unfiltered pass-through.
    if (raw_query.find("filter") != std::string_view::npos ||
        raw_query.find("watcher") != std::string_view::npos) {
      return bad_request("malformed query string: invalid percent-encoding");
    }
    return std::nullopt;
  }
  if (!has_informer_params(*params)) return std::nullopt;
  if (request.method() != http::verb::get) {
    auto res = make_status_response(StatusReason::kMethodNotAllowed,
                                    "filtered requests support only GET", request.version(),
                                    request.keep_alive(), *counters_);
    res.set(http::field::allow, "GET");
    return LocalReply{std::move(res)};
  }
  auto path = parse_resource_path(upstream_target.substr(0, q));
  if (!path) {
    return bad_request("filter, filterRef and watcher apply to resource collections and objects "
                       "(/api/v1/..., /apis/<group>/<version>/...), not to " +
                       std::string(upstream_target.substr(0, q)));
  }
  auto parsed = parse_watch_request(*path, *params);
  if (auto* error = std::get_if<std::string>(&parsed)) return bad_request(*error);
  auto& watch_request = std::get<WatchRequest>(parsed);
  if (!watch_request.filter_ref.empty()) {
    // The WatchFilter may name owned resources: FilteredService asks about those for the caller.
    watch_request.caller =
        std::make_shared<const CallerAuthorization>(CallerAuthorization{who, authorizer_});
  }
  return ServeFromInformer{std::make_shared<const WatchRequest>(std::move(watch_request))};
}

std::variant<LocalReply, HandlerChain::RequestInfo> HandlerChain::before_authentication(
    const ClientRequest& request) const {
  const unsigned version = request.version();
  const bool keep_alive = request.keep_alive();

  // 1. Request info.
  auto upstream_target = map_to_upstream_target(request.target());
  if (!upstream_target) {
    return LocalReply{make_status_response(StatusReason::kBadRequest,
                                           "request target must be an absolute path", version,
                                           keep_alive, *counters_)};
  }
  const std::string_view target = request.target();
  RequestInfo info{std::move(*upstream_target), target.substr(0, target.find('?')), {}};
  info.wakeups = parse_wakeup_path(info.path);

  // 2. Health endpoints, only under their own paths (not under the proxy prefix, which is always
  // upstream's).
  const bool is_get = request.method() == http::verb::get || request.method() == http::verb::head;
  if (is_get) {
    if (auto reply = serve_health(request, info.path)) return std::move(*reply);
  }

  // 3. Method check. The wakeups resource is the one thing the proxy writes itself; everything
  // else is read only.
  const bool wakeup_write =
      info.wakeups && (request.method() == http::verb::post ||
                       request.method() == http::verb::delete_);
  if (!is_get && !wakeup_write) {
    auto res = make_status_response(
        StatusReason::kMethodNotAllowed,
        info.wakeups ? "method " + std::string(request.method_string()) +
                           " is not supported on wakeups"
                     : "method " + std::string(request.method_string()) +
                           " is not supported by watchfilter-proxy yet; only GET and HEAD are "
                           "forwarded",
        version, keep_alive, *counters_);
    res.set(http::field::allow, info.wakeups ? "GET, HEAD, POST, DELETE" : "GET, HEAD");
    return LocalReply{std::move(res)};
  }
  return info;
}

void HandlerChain::handle(const ClientRequest& request, const PeerCertificate& peer,
                          boost::asio::any_io_executor executor, Done done) const {
  auto before = before_authentication(request);
  if (auto* reply = std::get_if<LocalReply>(&before)) return done(std::move(*reply));
  RequestInfo info = std::move(std::get<RequestInfo>(before));

  // 4. Authentication.
  if (!authenticator_) {
    return done(LocalReply{make_status_response(StatusReason::kUnauthorized, "Unauthorized",
                                                request.version(), request.keep_alive(),
                                                *counters_)});
  }
  authenticator_->authenticate(
      request, peer, executor,
      [this, &request, info = std::move(info), executor,
       done = std::move(done)](std::optional<AuthenticatedUser> user) {
        if (!user) {
          return done(LocalReply{make_status_response(StatusReason::kUnauthorized,
                                                      "Unauthorized", request.version(),
                                                      request.keep_alive(), *counters_)});
        }
        after_authentication(request, info, *user, executor, std::move(done));
      });
}

void HandlerChain::after_authentication(const ClientRequest& request, const RequestInfo& info,
                                        const AuthenticatedUser& user,
                                        boost::asio::any_io_executor executor, Done done) const {
  // 5. Our discovery and OpenAPI documents. The root ones (/apis, /openapi/*) only for the
  // aggregator: in standalone mode those paths are kube-apiserver's and are forwarded.
  if (auto doc = api_document(info.path, user.method == AuthenticationMethod::kRequestHeader)) {
    auto res = plain_text(http::status::ok, std::move(*doc), request);
    res.set(http::field::content_type, "application/json");
    return done(LocalReply{std::move(res)});
  }

  // 6. Authorization.
  auto attributes = request_attributes(request.method(), info.upstream_target);
  if (!attributes) {
    return done(LocalReply{make_status_response(StatusReason::kBadRequest,
                                                "malformed request path: invalid %-escape",
                                                request.version(), request.keep_alive(),
                                                *counters_)});
  }
  if (user.user.name.empty()) {  // defensive: never ask about the empty user
    return done(LocalReply{make_status_response(StatusReason::kUnauthorized, "Unauthorized",
                                                request.version(), request.keep_alive(),
                                                *counters_)});
  }
  auto deny = [this, &request](const UserInfo& who, const RequestAttributes& a,
                               const AuthorizationDecision& d) -> ChainDecision {
    if (!d.error.empty()) {
      return LocalReply{make_status_response(
          StatusReason::kInternalError,
          "Internal Server Error: \"" + a.path + "\": authorization failed: " + d.error,
          request.version(), request.keep_alive(), *counters_)};
    }
    const StatusDetails details = forbidden_details(a);
    return LocalReply{make_status_response(StatusReason::kForbidden,
                                           forbidden_message(who, a, d.reason), request.version(),
                                           request.keep_alive(), *counters_, &details)};
  };
  if (!authorizer_) return done(deny(user.user, *attributes, AuthorizationDecision{}));
  authorizer_->authorize(
      user.user, *attributes, executor,
      [this, &request, info, who = user.user, a = *attributes, deny, executor,
       done = std::move(done)](AuthorizationDecision d) mutable {
        if (!d.allowed) return done(deny(who, a, d));
        if (info.wakeups) return serve_wakeups(request, *info.wakeups, executor, std::move(done));
        auto decision = route_authorized(request, info, who);
        // filterRef: the caller must also be allowed to read the WatchFilter it names (else it
        // could use, and probe for, WatchFilters of namespaces it cannot read).
        if (auto* f = std::get_if<ServeFromInformer>(&decision);
            f != nullptr && !f->request->filter_ref.empty()) {
          const auto ref = watchfilter_get_attributes(
              *parse_watchfilter_ref(f->request->filter_ref));
          return authorizer_->authorize(
              who, ref, executor,
              [who, ref, deny, decision = std::move(decision),
               done = std::move(done)](AuthorizationDecision d) mutable {
                if (!d.allowed) return done(deny(who, ref, d));
                done(std::move(decision));
              });
        }
        done(std::move(decision));
      });
}

void HandlerChain::serve_wakeups(const ClientRequest& request, const WakeupPath& path,
                                 boost::asio::any_io_executor executor, Done done) const {
  if (!wakeups_) {
    return done(LocalReply{make_status_response(StatusReason::kServiceUnavailable,
                                                "wake-ups are not enabled", request.version(),
                                                request.keep_alive(), *counters_)});
  }
  wakeups_->handle(request, path, std::move(executor),
                   [done = std::move(done)](http::response<http::string_body> response) {
                     done(LocalReply{std::move(response)});
                   });
}

ChainDecision HandlerChain::route_authorized(const ClientRequest& request,
                                             const RequestInfo& info, const UserInfo& who) const {
  // 7. Metrics.
  if (info.path == "/metrics" && metrics_) {
    auto res = plain_text(http::status::ok, metrics_->render(counters_.get()), request);
    res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    return LocalReply{std::move(res)};
  }

  // 8. Filtered requests.
  if (auto filtered = route_filtered(request, info.upstream_target, who)) {
    return std::move(*filtered);
  }

  // 9. Forward.
  return ForwardUpstream{info.upstream_target, is_watch_request(info.upstream_target)};
}

}  // namespace watchfilter::proxy

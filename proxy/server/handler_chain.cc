#include "proxy/server/handler_chain.h"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>

#include "proxy/request/watchfilter_ref.h"
#include "proxy/server/api_documents.h"
#include "proxy/stream/owned_authorization.h"

namespace watchfilter::proxy {
namespace {

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

bool has_impersonation(const ClientRequest& request) {
  constexpr std::string_view kPrefix = "impersonate-";
  for (const auto& field : request) {
    const std::string_view name = field.name_string();
    if (name.size() >= kPrefix.size() &&
        boost::beast::iequals(name.substr(0, kPrefix.size()), kPrefix)) {
      return true;
    }
  }
  return false;
}

// The key of a query piece Go dropped, decoded as far as it can be.
std::string dropped_key(std::string_view piece) {
  std::string_view raw = piece.substr(0, piece.find('='));
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '%' && i + 2 < raw.size()) {
      if (auto byte = percent_decode(raw.substr(i, 3))) {
        out += *byte;
        i += 2;
        continue;
      }
    }
    out += raw[i] == '+' ? ' ' : raw[i];
  }
  return out;
}

}  // namespace

Reply HandlerChain::reply_to(const ClientRequest& request) const {
  return Reply(request.version(), request.keep_alive(), *counters_);
}

LocalReply HandlerChain::refuse(const ClientRequest& request, StatusReason reason,
                                std::string_view message, const StatusDetails* details) const {
  return LocalReply{reply_to(request).status(reason, message, details)};
}

LocalReply HandlerChain::refuse(const ClientRequest& request, const StatusError& error) const {
  if (!error.limit.empty()) count_refusal(error.limit);
  return LocalReply{reply_to(request).error(error)};
}

LocalReply HandlerChain::denied(const ClientRequest& request, const UserInfo& who,
                                const RequestAttributes& a, const AuthorizationDecision& d) const {
  if (!d.error.empty()) {
    return refuse(request, StatusReason::kInternalError,
                  "Internal Server Error: \"" + a.path + "\": authorization failed: " + d.error);
  }
  const StatusDetails details = forbidden_details(a);
  return refuse(request, StatusReason::kForbidden, forbidden_message(who, a, d.reason), &details);
}

std::optional<LocalReply> HandlerChain::serve_health(const ClientRequest& request,
                                                     std::string_view path) const {
  if (path == "/healthz" || path == "/livez") {
    return LocalReply{plain_text(http::status::ok, "ok", request)};
  }
  if (path == "/readyz") {
    if (health_->ready()) return LocalReply{plain_text(http::status::ok, "ok", request)};
    std::string why =
        health_->shutting_down() ? "[-]shutdown failed: reason withheld\nreadyz check failed"
        : !health_->upstream_reachable()
            ? "[-]upstream-reachable failed: kube-apiserver has not answered yet\n"
              "readyz check failed"
            : "[-]authentication-config failed: kube-system/extension-apiserver-authentication "
              "not read yet\nreadyz check failed";
    return LocalReply{plain_text(http::status::service_unavailable, std::move(why), request)};
  }
  return std::nullopt;
}

ChainDecision HandlerChain::route_filtered(const ClientRequest& request,
                                           const RequestTarget& target, const UserInfo& who) const {
  if (request.method() != http::verb::get) {
    auto reply =
        refuse(request, StatusReason::kMethodNotAllowed, "filtered requests support only GET");
    reply.response.set(http::field::allow, "GET");
    return reply;
  }
  auto path = parse_resource_path(target.upstream_path);
  if (!path) {
    return refuse(request, StatusReason::kBadRequest,
                  "filter, filterRef and watcher apply to resource collections and objects "
                  "(/api/v1/..., /apis/<group>/<version>/...), not to " +
                      target.upstream_path);
  }
  auto parsed = parse_watch_request(*path, target.params, filter_budget_);
  if (!parsed) return refuse(request, parsed.error());
  WatchRequest& watch_request = *parsed;
  watch_request.owner = owner_of(who);
  if (!watch_request.filter_ref.empty()) {
    // The WatchFilter may name owned resources: FilteredService asks about those for the caller.
    watch_request.caller =
        std::make_shared<const CallerAuthorization>(CallerAuthorization{who, authorizer_});
  }
  return ServeFromInformer{std::make_shared<const WatchRequest>(std::move(watch_request))};
}

std::variant<LocalReply, HandlerChain::RequestInfo> HandlerChain::before_authentication(
    const ClientRequest& request) const {
  // 1. Request info.
  auto parsed = parse_request_target(request.target());
  if (!parsed) return refuse(request, parsed.error());
  RequestInfo info{std::move(parsed).value(), Route::kPassThrough, {}};
  const RequestTarget& target = info.target;
  if (target.query_issues.too_many) {
    return refuse(request, StatusReason::kBadRequest,
                  "more than " + std::to_string(kMaxQueryParams) +
                      " query parameters (kube-apiserver would read none of them)");
  }
  // Go drops a malformed parameter and keeps the rest; a dropped filter parameter must not turn
  // the request into an unfiltered one (fail closed).
  for (const auto& piece : target.query_issues.dropped) {
    const std::string key = dropped_key(piece);
    if (has_informer_params({QueryParam{key, ""}})) {
      return refuse(request, StatusReason::kBadRequest,
                    "malformed query parameter \"" + key + "\": invalid %-escape or \";\" in \"" +
                        piece + "\"");
    }
  }
  if (!target.proxy_prefix && !target.under_view) info.wakeups = parse_wakeup_path(target.path);
  if (target.under_view) {
    info.route = Route::kView;
  } else if (info.wakeups) {
    info.route = Route::kWakeups;
  } else if (!target.proxy_prefix && target.path == "/metrics" && metrics_) {
    info.route = Route::kMetrics;
  } else if (has_informer_params(target.params)) {
    info.route = Route::kFiltered;
  }

  // 2. Health endpoints, only under their own paths (not under the proxy prefix, which is always
  // upstream's).
  const bool is_get = request.method() == http::verb::get || request.method() == http::verb::head;
  if (is_get && !target.proxy_prefix) {
    if (auto reply = serve_health(request, target.path)) return std::move(*reply);
  }

  // 3. Method check. The wakeups resource is the one thing the proxy writes itself; everything
  // else is read only.
  const bool wakeup_write = info.wakeups && (request.method() == http::verb::post ||
                                             request.method() == http::verb::delete_);
  // Under a view everything but a filtered read is forwarded, writes included (leases, status).
  const bool view_method =
      info.route == Route::kView &&
      (request.method() == http::verb::post || request.method() == http::verb::put ||
       request.method() == http::verb::patch || request.method() == http::verb::delete_ ||
       request.method() == http::verb::options);
  if (!is_get && !wakeup_write && !view_method) {
    auto reply = refuse(
        request, StatusReason::kMethodNotAllowed,
        info.wakeups
            ? "method " + std::string(request.method_string()) + " is not supported on wakeups"
            : "method " + std::string(request.method_string()) +
                  " is not supported by watchfilter-proxy; only GET and HEAD are "
                  "served or forwarded");
    reply.response.set(http::field::allow, info.route == Route::kView
                                               ? "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
                                           : info.wakeups ? "GET, HEAD, POST, DELETE"
                                                          : "GET, HEAD");
    return reply;
  }
  return info;
}

void HandlerChain::handle(const ClientRequest& request, const PeerCertificate& peer,
                          boost::asio::any_io_executor executor, Done done) const {
  auto before = before_authentication(request);
  if (auto* reply = std::get_if<LocalReply>(&before)) return done(std::move(*reply));
  RequestInfo info = std::move(std::get<RequestInfo>(before));

  // 4. Authentication.
  if (!authenticator_) return done(refuse(request, StatusReason::kUnauthorized, "Unauthorized"));
  authenticator_->authenticate(
      request, peer, executor,
      [this, &request, info = std::move(info), executor,
       done = std::move(done)](AuthenticationResult result) {
        if (result.overloaded) {
          // Not a verdict on the credentials: kube-apiserver was asked too much at once.
          count_refusal(result.limit);
          StatusDetails retry;
          retry.retry_after_seconds = 1;
          return done(refuse(request, StatusReason::kTooManyRequests,
                             "too many requests are being authenticated (--" + result.limit +
                                 "); please try again later",
                             &retry));
        }
        const auto& user = result.user;
        if (!user || user->user.name.empty()) {  // never go on with the empty user
          return done(refuse(request, StatusReason::kUnauthorized, "Unauthorized"));
        }
        // kube-apiserver would act as the impersonated user; the proxy cannot, and acting as
        // the caller instead would answer another question than the one asked.
        if (has_impersonation(request)) {
          return done(refuse(request, StatusReason::kForbidden,
                             "watchfilter-proxy does not impersonate: send requests with "
                             "Impersonate-* headers to kube-apiserver (or through its "
                             "aggregator, which applies them)"));
        }
        after_authentication(request, info, *user, executor, std::move(done));
      });
}

ChainDecision HandlerChain::pass_through(const ClientRequest& request, const RequestInfo& info,
                                         const AuthenticatedUser& user) const {
  const std::string upstream = info.target.upstream_target();
  auto count = [&](PassThroughRefusal reason) {
    if (metrics_) metrics_->count_pass_through_refusal(reason);
  };
  switch (user.method) {
    case AuthenticationMethod::kRequestHeader:
      // The aggregator vouches for the user but hands the proxy no credential of theirs.
      count(PassThroughRefusal::kAggregated);
      return refuse(request, StatusReason::kForbidden,
                    "watchfilter-proxy serves only filtered reads (filter, filterRef or watcher) "
                    "through the aggregated API; request " +
                        info.target.upstream_path + " from kube-apiserver directly");
    case AuthenticationMethod::kClientCertificate:
      count(PassThroughRefusal::kClientCertificate);
      return refuse(request, StatusReason::kForbidden,
                    "watchfilter-proxy forwards requests that are not filtered reads with the "
                    "caller's own bearer token, and a client certificate cannot be forwarded: "
                    "request " +
                        info.target.upstream_path +
                        " from kube-apiserver directly, or authenticate with a bearer token");
    case AuthenticationMethod::kBearerToken:
      break;
  }
  const std::string_view token = request_bearer_token(request);
  if (token.empty()) {  // defensive: a bearer-token caller always has one
    return refuse(request, StatusReason::kUnauthorized, "Unauthorized");
  }
  return ForwardUpstream{upstream, info.target.is_watch(), std::string(token)};
}

void HandlerChain::after_authentication(const ClientRequest& request, const RequestInfo& info,
                                        const AuthenticatedUser& user,
                                        boost::asio::any_io_executor executor, Done done) const {
  const RequestTarget& target = info.target;
  // 5. Our discovery and OpenAPI documents. The root ones (/apis, /openapi/*) only for the
  // aggregator: in standalone mode those paths are kube-apiserver's and are forwarded.
  if (!target.proxy_prefix && !target.under_view) {
    if (auto doc = api_document(target.path, user.method == AuthenticationMethod::kRequestHeader)) {
      auto res = plain_text(http::status::ok, std::move(*doc), request);
      res.set(http::field::content_type, "application/json");
      return done(LocalReply{std::move(res)});
    }
  }
  if (target.own_group && info.route != Route::kWakeups) {
    if (metrics_) metrics_->count_pass_through_refusal(PassThroughRefusal::kOwnGroup);
    return done(refuse(request, StatusReason::kNotFound,
                       "the server could not find the requested resource: " + target.upstream_path +
                           " is a path of watchfilter-proxy's own API group, which it never "
                           "sends to kube-apiserver"));
  }

  // Views are served at the root only: kube-apiserver has no /views/, and a view path after the
  // proxy prefix is not sent there to find out.
  if (target.nested_view && info.route != Route::kView) {
    if (metrics_) metrics_->count_view_refusal(ViewRefusal::kBadPath);
    return done(refuse(request, StatusReason::kNotFound,
                       "the server could not find the requested resource: " + target.upstream_path +
                           " is a view path, served at the root only "
                           "(/views/<namespace>/<name>/<path>)"));
  }
  // 5a. A view.
  if (info.route == Route::kView) return serve_view(request, info, user, executor, std::move(done));

  // 6. Not a filtered read: the caller's own credentials, or nothing.
  if (info.route == Route::kPassThrough) return done(pass_through(request, info, user));

  // 7. Authorization.
  const RequestAttributes attributes = request_attributes(request.method(), target);
  auto deny = [this, &request](const UserInfo& who, const RequestAttributes& a,
                               const AuthorizationDecision& d) -> ChainDecision {
    return denied(request, who, a, d);
  };
  if (!authorizer_) return done(deny(user.user, attributes, AuthorizationDecision{}));
  authorizer_->authorize(
      user.user, attributes, executor,
      [this, &request, info, who = user.user, a = attributes, deny, executor,
       done = std::move(done)](AuthorizationDecision d) mutable {
        if (!d.allowed) return done(deny(who, a, d));
        if (info.route == Route::kWakeups) {
          return serve_wakeups(request, *info.wakeups, who, executor, std::move(done));
        }
        auto decision = route_authorized(request, info, who);
        // filterRef: the caller must also be allowed to read the WatchFilter it names (else it
        // could use, and probe for, WatchFilters of namespaces it cannot read).
        if (auto* f = std::get_if<ServeFromInformer>(&decision);
            f != nullptr && !f->request->filter_ref.empty()) {
          const auto ref =
              watchfilter_get_attributes(*parse_watchfilter_ref(f->request->filter_ref));
          return authorizer_->authorize(who, ref, executor,
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
                                 const UserInfo& who, boost::asio::any_io_executor executor,
                                 Done done) const {
  if (!wakeups_) {
    return done(refuse(request, StatusReason::kServiceUnavailable, "wake-ups are not enabled"));
  }
  if (json_nesting_depth(request.body(), body_limits_.max_depth) > body_limits_.max_depth) {
    count_refusal("max-request-body-depth");
    return done(refuse(request, StatusReason::kBadRequest,
                       "the request body nests JSON deeper than " +
                           std::to_string(body_limits_.max_depth) +
                           " levels (--max-request-body-depth)"));
  }
  wakeups_->handle(request, path, who, std::move(executor),
                   [done = std::move(done)](http::response<http::string_body> response) {
                     done(LocalReply{std::move(response)});
                   });
}

ChainDecision HandlerChain::route_authorized(const ClientRequest& request, const RequestInfo& info,
                                             const UserInfo& who) const {
  // 8. Metrics.
  if (info.route == Route::kMetrics) {
    auto res = plain_text(http::status::ok, metrics_->render(counters_.get()), request);
    res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    return LocalReply{std::move(res)};
  }
  // 9. Filtered requests.
  return route_filtered(request, info.target, who);
}

}  // namespace watchfilter::proxy

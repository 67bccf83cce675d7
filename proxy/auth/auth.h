#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>
#include <optional>
#include <string>

#include "proxy/auth/peer_certificate.h"
#include "proxy/auth/subject_access_review.h"
#include "proxy/auth/token_review.h"
#include "proxy/kube/request_attributes.h"
#include "proxy/kube/user_info.h"

namespace watchfilter::proxy {

// What an authenticator decided: the user, or not authenticated (the chain answers 401), or
// `overloaded`: the credentials could not be checked now because `limit` (a flag name, e.g.
// max-inflight-token-reviews) was reached (the chain answers 429 with Retry-After).
struct AuthenticationResult {
  AuthenticationResult() = default;
  // Implicit, so that an authenticator answers with a user, std::nullopt or an optional one.
  AuthenticationResult(std::nullopt_t) {}    // NOLINT(google-explicit-constructor)
  AuthenticationResult(AuthenticatedUser u)  // NOLINT(google-explicit-constructor)
      : user(std::move(u)) {}
  AuthenticationResult(std::optional<AuthenticatedUser> u)  // NOLINT(google-explicit-constructor)
      : user(std::move(u)) {}
  static AuthenticationResult overloaded_by(std::string limit) {
    AuthenticationResult r;
    r.overloaded = true;
    r.limit = std::move(limit);
    return r;
  }

  std::optional<AuthenticatedUser> user;
  bool overloaded = false;
  std::string limit;
};

// The two small interfaces of the request chain's authentication and authorization stages
// (k8s.io/apiserver's authenticator.Request and authorizer.Authorizer). Both are asynchronous
// (a review may go to kube-apiserver) and call their handler exactly once, on `executor`.
// The bearer token of the request's first Authorization header (as Go's Header.Get, which
// kube-apiserver's token authenticators read), or empty. The authenticator checks this token and
// the chain forwards this same token, never another header's.
inline std::string_view request_bearer_token(const boost::beast::http::fields& headers) {
  auto it = headers.find(boost::beast::http::field::authorization);
  return it == headers.end() ? std::string_view{} : bearer_token_of(it->value());
}

class Authenticator {
 public:
  using Handler = std::function<void(AuthenticationResult)>;
  virtual ~Authenticator() = default;
  // nullopt user: not authenticated (the chain answers 401); overloaded: 429.
  virtual void authenticate(
      const boost::beast::http::request<boost::beast::http::string_body>& request,
      const PeerCertificate& peer, boost::asio::any_io_executor executor, Handler handler) = 0;
};

class Authorizer {
 public:
  using Handler = std::function<void(AuthorizationDecision)>;
  virtual ~Authorizer() = default;
  // The default is deny: anything but allowed=true is a refusal.
  virtual void authorize(const UserInfo& user, const RequestAttributes& attributes,
                         boost::asio::any_io_executor executor, Handler handler) = 0;
};

}  // namespace watchfilter::proxy

#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>
#include <optional>

#include "proxy/peer_certificate.h"
#include "proxy/request_attributes.h"
#include "proxy/subject_access_review.h"
#include "proxy/user_info.h"

namespace watchfilter::proxy {

// The two small interfaces of the request chain's authentication and authorization stages
// (k8s.io/apiserver's authenticator.Request and authorizer.Authorizer). Both are asynchronous
// (a review may go to kube-apiserver) and call their handler exactly once, on `executor`.
class Authenticator {
 public:
  using Handler = std::function<void(std::optional<AuthenticatedUser>)>;
  virtual ~Authenticator() = default;
  // nullopt: not authenticated (the chain answers 401).
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

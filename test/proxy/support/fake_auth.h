#pragma once

#include <boost/asio/io_context.hpp>
#include <optional>
#include <vector>

#include "proxy/auth/auth.h"
#include "proxy/server/handler_chain.h"

namespace watchfilter::proxy::testing {

// Test doubles of the chain's two interfaces; they answer inline.
class FakeAuthenticator : public Authenticator {
 public:
  std::optional<AuthenticatedUser> user =
      AuthenticatedUser{UserInfo{"alice", "", {"system:authenticated"}, {}},
                        AuthenticationMethod::kClientCertificate};
  int calls = 0;
  void authenticate(const ClientRequest&, const PeerCertificate&, boost::asio::any_io_executor,
                    Handler handler) override {
    ++calls;
    handler(user);
  }
};

class FakeAuthorizer : public Authorizer {
 public:
  AuthorizationDecision decision{true, "", ""};
  std::vector<RequestAttributes> asked;
  void authorize(const UserInfo&, const RequestAttributes& attributes, boost::asio::any_io_executor,
                 Handler handler) override {
    asked.push_back(attributes);
    handler(decision);
  }
};

// Runs the chain with inline fakes and returns its decision.
inline ChainDecision decide(const HandlerChain& chain, const ClientRequest& request,
                            const PeerCertificate& peer = {}) {
  static boost::asio::io_context ioc;
  std::optional<ChainDecision> out;
  chain.handle(request, peer, ioc.get_executor(),
               [&](ChainDecision d) { out.emplace(std::move(d)); });
  return std::move(*out);
}

}  // namespace watchfilter::proxy::testing

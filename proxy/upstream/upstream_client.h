#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <cstdint>
#include <memory>

#include "proxy/base/log.h"
#include "proxy/upstream/bearer_token_source.h"
#include "proxy/upstream/kubeconfig.h"

namespace watchfilter::proxy {

class UpstreamStream;

struct UpstreamTimeouts {
  std::chrono::steady_clock::duration connect = std::chrono::seconds(10);
  std::chrono::steady_clock::duration handshake = std::chrono::seconds(10);
  std::chrono::steady_clock::duration write = std::chrono::seconds(10);
  // kube-apiserver's own default request timeout; a large list sends its header only once the
  // list is serialized. The body of a watch has no timeout (it ends at timeoutSeconds upstream).
  std::chrono::steady_clock::duration response_header = std::chrono::seconds(60);
};

// Whose identity a connection to kube-apiserver carries. kProxy: the proxy's own (its client
// certificate in the handshake, its token in the request), for informers, reviews and its own
// objects. kCaller: nobody's in the handshake (a client certificate would win over the caller's
// token in kube-apiserver's authenticators), the caller's own bearer token in the request.
enum class UpstreamIdentity : std::uint8_t { kProxy, kCaller };

// Everything shared by all connections to kube-apiserver: the immutable config, the TLS client
// context and the token source. Created once at startup; thread-safe.
class UpstreamClient {
 public:
  // Throws ConfigError when the TLS material is invalid.
  UpstreamClient(UpstreamConfig config, std::shared_ptr<const Logger> logger,
                 UpstreamTimeouts timeouts = {});

  // A new, unconnected exchange whose handlers run on `executor` (the caller's strand).
  std::shared_ptr<UpstreamStream> make_stream(boost::asio::any_io_executor executor,
                                              UpstreamIdentity identity = UpstreamIdentity::kProxy);

  const UpstreamConfig& config() const { return config_; }
  const UpstreamTimeouts& timeouts() const { return timeouts_; }
  const Logger& logger() const { return *logger_; }
  boost::asio::ssl::context& tls_context(UpstreamIdentity identity = UpstreamIdentity::kProxy) {
    return identity == UpstreamIdentity::kProxy ? tls_ : caller_tls_;
  }
  std::string bearer_token() { return tokens_.token(); }

 private:
  const UpstreamConfig config_;
  const std::shared_ptr<const Logger> logger_;
  const UpstreamTimeouts timeouts_;
  // SSL_CTX is internally reference counted and safe to create SSL objects from concurrently.
  boost::asio::ssl::context tls_;
  boost::asio::ssl::context caller_tls_;  // the same trust, no client certificate
  BearerTokenSource tokens_;
};

}  // namespace watchfilter::proxy

#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <memory>

#include "proxy/bearer_token_source.h"
#include "proxy/kubeconfig.h"
#include "proxy/log.h"

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

// Everything shared by all connections to kube-apiserver: the immutable config, the TLS client
// context and the token source. Created once at startup; thread-safe.
class UpstreamClient {
 public:
  // Throws ConfigError when the TLS material is invalid.
  UpstreamClient(UpstreamConfig config, std::shared_ptr<const Logger> logger,
                 UpstreamTimeouts timeouts = {});

  // A new, unconnected exchange whose handlers run on `executor` (the caller's strand).
  std::shared_ptr<UpstreamStream> make_stream(boost::asio::any_io_executor executor);

  const UpstreamConfig& config() const { return config_; }
  const UpstreamTimeouts& timeouts() const { return timeouts_; }
  const Logger& logger() const { return *logger_; }
  boost::asio::ssl::context& tls_context() { return tls_; }
  std::string bearer_token() { return tokens_.token(); }

 private:
  const UpstreamConfig config_;
  const std::shared_ptr<const Logger> logger_;
  const UpstreamTimeouts timeouts_;
  // SSL_CTX is internally reference counted and safe to create SSL objects from concurrently.
  boost::asio::ssl::context tls_;
  BearerTokenSource tokens_;
};

}  // namespace watchfilter::proxy

#include "proxy/upstream/upstream_client.h"

#include "proxy/upstream/tls_context.h"
#include "proxy/upstream/upstream_stream.h"

namespace watchfilter::proxy {
namespace {

UpstreamConfig without_client_certificate(UpstreamConfig config) {
  config.client_cert_pem.clear();
  config.client_key_pem.clear();
  return config;
}

}  // namespace

UpstreamClient::UpstreamClient(UpstreamConfig config, std::shared_ptr<const Logger> logger,
                               UpstreamTimeouts timeouts)
    : config_(std::move(config)),
      logger_(std::move(logger)),
      timeouts_(timeouts),
      tls_(make_upstream_tls_context(config_)),
      caller_tls_(make_upstream_tls_context(without_client_certificate(config_))),
      tokens_(config_.bearer_token, config_.bearer_token_file) {}

std::shared_ptr<UpstreamStream> UpstreamClient::make_stream(boost::asio::any_io_executor executor,
                                                            UpstreamIdentity identity) {
  return std::make_shared<UpstreamStream>(std::move(executor), *this, identity);
}

}  // namespace watchfilter::proxy

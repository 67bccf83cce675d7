#include "proxy/upstream_client.h"

#include "proxy/tls_context.h"
#include "proxy/upstream_stream.h"

namespace watchfilter::proxy {

UpstreamClient::UpstreamClient(UpstreamConfig config, std::shared_ptr<const Logger> logger,
                               UpstreamTimeouts timeouts)
    : config_(std::move(config)),
      logger_(std::move(logger)),
      timeouts_(timeouts),
      tls_(make_upstream_tls_context(config_)),
      tokens_(config_.bearer_token, config_.bearer_token_file) {}

std::shared_ptr<UpstreamStream> UpstreamClient::make_stream(boost::asio::any_io_executor executor) {
  return std::make_shared<UpstreamStream>(std::move(executor), *this);
}

}  // namespace watchfilter::proxy

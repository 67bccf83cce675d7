#pragma once

#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <cstdint>
#include <memory>

#include "proxy/base/log.h"
#include "proxy/server/forwarded_body_budget.h"
#include "proxy/server/handler_chain.h"
#include "proxy/stream/filtered_service.h"
#include "proxy/upstream/upstream_client.h"

namespace watchfilter::proxy {

struct SessionOptions {
  std::chrono::steady_clock::duration handshake_timeout = std::chrono::seconds(10);
  // Reading one request, including the idle wait for the next request on a kept-alive connection.
  std::chrono::steady_clock::duration request_timeout = std::chrono::seconds(60);
  // One write to the client. A client that stops reading a watch for this long is cut off,
  // which also closes its upstream stream.
  std::chrono::steady_clock::duration write_timeout = std::chrono::seconds(30);
  // --max-request-body-bytes (RequestBodyLimits) and --max-request-header-bytes (Go's
  // http.DefaultMaxHeaderBytes, kube-apiserver's). Both are read before authentication; beyond
  // them: 413.
  std::uint64_t body_limit = RequestBodyLimits{}.max_bytes;
  std::uint32_t header_limit = 1024 * 1024;
  // --max-forwarded-body-bytes: the body of a write under a view whose bearer token has
  // authenticated (HandlerChain::authenticate_forwarded_body), read only after that: the only
  // bodies the proxy forwards, and kube-apiserver takes up to 3 MB.
  std::uint64_t forwarded_body_limit = 3 * 1024 * 1024;
};

// What every session shares; built once by the server setup code and never modified.
struct SessionContext {
  std::shared_ptr<boost::asio::ssl::context> server_tls;
  std::shared_ptr<const HandlerChain> chain;
  std::shared_ptr<UpstreamClient> upstream;
  std::shared_ptr<const Logger> logger;
  // Serves requests with filter parameters; null: they get a 503.
  std::shared_ptr<FilteredService> filtered;
  // --max-forwarded-body-bytes-total; null: no body may pass body_limit.
  std::shared_ptr<ForwardedBodyBudget> forwarded_bodies;
  SessionOptions options;
};

}  // namespace watchfilter::proxy

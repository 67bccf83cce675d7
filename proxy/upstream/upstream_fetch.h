#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>
#include <string>

#include "proxy/upstream/forwarding.h"
#include "proxy/upstream/upstream_client.h"

namespace watchfilter::proxy {

// The outcome of one GET to kube-apiserver read to the end.
struct FetchResult {
  boost::system::error_code ec;  // transport failure (status and body are then empty)
  std::string failed_step;       // with ec: what failed
  unsigned status = 0;
  std::string body;

  // For an answer that is not a success, in a log line or a 503 message: `<failed_step>:
  // <error>`, or `HTTP 403: <the Status message>` (`HTTP 403` when the body is no Status).
  std::string describe_failure() const;
};

// The request the proxy sends upstream on its own behalf (discovery, informers): JSON, its own
// User-Agent (never a curl/wget one, for which kube-apiserver pretty-prints), its credentials.
UpstreamRequest make_own_upstream_request(UpstreamClient& client, const std::string& target);

// GETs `target` and reads the whole body (at most `body_limit` bytes, else an error). The
// handler runs on `executor`. `cancel` (optional) receives the stream so that the caller can
// close it.
void fetch_upstream(UpstreamClient& client, boost::asio::any_io_executor executor,
                    const std::string& target, std::size_t body_limit,
                    std::function<void(FetchResult)> handler,
                    std::shared_ptr<class UpstreamStream>* stream_out = nullptr);

// POSTs `json_body` to `target` as the proxy (TokenReview, SubjectAccessReview) and reads the
// whole answer, like fetch_upstream.
void post_upstream(UpstreamClient& client, boost::asio::any_io_executor executor,
                   const std::string& target, std::string json_body, std::size_t body_limit,
                   std::function<void(FetchResult)> handler);

// PATCHes `target` with a JSON merge patch (Content-Type application/merge-patch+json) as the
// proxy and reads the whole answer, like fetch_upstream.
void patch_upstream(UpstreamClient& client, boost::asio::any_io_executor executor,
                    const std::string& target, std::string json_body, std::size_t body_limit,
                    std::function<void(FetchResult)> handler);

}  // namespace watchfilter::proxy

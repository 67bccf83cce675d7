#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "host/host_services.h"
#include "proxy/upstream/upstream_client.h"

namespace watchfilter::host {

// The HTTP method of an ABI method number (docs/abi.md): 0 GET .. 5 DELETE.
boost::beast::http::verb kube_request_verb(int method);

// One request to kube-apiserver (or the proxy) with the client's identity, JSON in and out,
// read to the end (at most body_limit bytes). `method` as in docs/abi.md. The handler runs on
// `executor`.
void send_kube_request(proxy::UpstreamClient& client, boost::asio::any_io_executor executor,
                       const KubeRequest& request, std::size_t body_limit,
                       std::function<void(KubeResponse)> handler);

// HostServices for the real host: children's requests go to `client` on `executor`'s thread
// while the calling (worker) thread waits; logs go to `logger` prefixed with the child.
class UpstreamHostServices : public HostServices {
 public:
  // A request not answered within `timeout` is -1 for the child (the exchange finishes in the
  // background): host code is not interrupted by the child's call deadline.
  UpstreamHostServices(proxy::UpstreamClient& client, boost::asio::any_io_executor executor,
                       std::shared_ptr<const proxy::Logger> logger,
                       std::chrono::milliseconds timeout);
  KubeResponse kube_request(const std::string& child, const KubeRequest& request) override;
  void child_log(const std::string& child, int level, std::string_view message) override;

 private:
  proxy::UpstreamClient& client_;
  boost::asio::any_io_executor executor_;
  std::shared_ptr<const proxy::Logger> logger_;
  std::chrono::milliseconds timeout_;
};

}  // namespace watchfilter::host

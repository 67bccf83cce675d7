#include "host/kube_client.h"

#include <array>
#include <boost/asio/post.hpp>
#include <boost/beast/http/field.hpp>
#include <future>

#include "proxy/upstream/upstream_fetch.h"
#include "proxy/upstream/upstream_stream.h"

namespace watchfilter::host {

namespace net = boost::asio;
namespace http = boost::beast::http;
using boost::system::error_code;

namespace {

constexpr std::string_view kUserAgent = "watchfilter-host/0.1.0";

struct Exchange : std::enable_shared_from_this<Exchange> {
  std::shared_ptr<proxy::UpstreamStream> stream;
  std::function<void(KubeResponse)> handler;
  KubeResponse response;
  std::size_t limit = 0;
  std::array<char, 64 * 1024> buffer{};

  void finish(int status) {
    stream->close();
    response.status = status;
    auto h = std::move(handler);
    h(std::move(response));
  }
  void read() {
    if (stream->is_done()) return finish(static_cast<int>(stream->header().result_int()));
    stream->async_read_some(net::buffer(buffer),
                            [self = shared_from_this()](error_code ec, std::size_t n) {
                              if (ec) return self->finish(-1);
                              self->response.body.append(self->buffer.data(), n);
                              if (self->response.body.size() > self->limit) {
                                self->response.body.clear();
                                return self->finish(-1);
                              }
                              self->read();
                            });
  }
};

}  // namespace

http::verb kube_request_verb(int method) {
  switch (method) {
    case 1:
      return http::verb::post;
    case 2:
      return http::verb::put;
    case 3:
    case 4:
      return http::verb::patch;
    case 5:
      return http::verb::delete_;
    default:
      return http::verb::get;
  }
}

void send_kube_request(proxy::UpstreamClient& client, net::any_io_executor executor,
                       const KubeRequest& request, std::size_t body_limit,
                       std::function<void(KubeResponse)> handler) {
  proxy::UpstreamRequest req = proxy::make_own_upstream_request(client, request.path);
  req.set(http::field::user_agent, kUserAgent);
  req.method(kube_request_verb(request.method));
  if (!request.body.empty()) {
    req.set(http::field::content_type, request.method == 3   ? "application/merge-patch+json"
                                       : request.method == 4 ? "application/json-patch+json"
                                                             : "application/json");
    req.body() = request.body;
  }
  req.prepare_payload();
  auto state = std::make_shared<Exchange>();
  state->stream = client.make_stream(executor);
  state->handler = std::move(handler);
  state->limit = body_limit;
  state->stream->async_open(std::move(req), [state](error_code ec, std::string) {
    if (ec) return state->finish(-1);
    state->read();
  });
}

UpstreamHostServices::UpstreamHostServices(proxy::UpstreamClient& client,
                                           net::any_io_executor executor,
                                           std::shared_ptr<const proxy::Logger> logger,
                                           std::chrono::milliseconds timeout)
    : client_(client),
      executor_(std::move(executor)),
      logger_(std::move(logger)),
      timeout_(timeout) {}

KubeResponse UpstreamHostServices::kube_request(const std::string& child,
                                                const KubeRequest& request) {
  auto promise = std::make_shared<std::promise<KubeResponse>>();
  auto future = promise->get_future();
  net::post(executor_, [this, request, promise] {
    send_kube_request(client_, executor_, request, 16u << 20,
                      [promise](KubeResponse r) { promise->set_value(std::move(r)); });
  });
  KubeResponse response;
  if (future.wait_for(timeout_) == std::future_status::ready) {
    response = future.get();
  } else {
    logger_->warning("child " + child + " request " + request.path + ": no answer within " +
                     std::to_string(timeout_.count()) + " ms");
  }
  if (logger_->v(2))
    logger_->info("child " + child + " request " + std::to_string(request.method) + " " +
                  request.path + " -> " + std::to_string(response.status));
  return response;
}

void UpstreamHostServices::child_log(const std::string& child, int level,
                                     std::string_view message) {
  std::string line = "[" + child + "] " + std::string(message);
  if (level >= 3)
    logger_->error(line);
  else if (level == 2)
    logger_->warning(line);
  else if (level == 1 || logger_->v(1))
    logger_->info(line);
}

}  // namespace watchfilter::host

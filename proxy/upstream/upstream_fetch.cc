#include "proxy/upstream/upstream_fetch.h"

#include <rapidjson/document.h>

#include <boost/asio/error.hpp>
#include <boost/beast/http/field.hpp>

#include "proxy/upstream/upstream_stream.h"

namespace watchfilter::proxy {

namespace net = boost::asio;
using boost::system::error_code;

namespace {

constexpr std::string_view kOwnUserAgent = "watchfilter-proxy/0.1.0";

struct FetchState : std::enable_shared_from_this<FetchState> {
  std::shared_ptr<UpstreamStream> stream;
  std::function<void(FetchResult)> handler;
  FetchResult result;
  std::size_t limit = 0;
  std::array<char, 64 * 1024> buffer{};

  void finish() {
    stream->close();
    auto h = std::move(handler);
    h(std::move(result));
  }
  void read() {
    if (stream->is_done()) return finish();
    stream->async_read_some(
        net::buffer(buffer),
        [self = shared_from_this()](error_code ec, std::size_t n) { self->on_read(ec, n); });
  }
  void on_read(error_code ec, std::size_t n) {
    if (ec) {
      result.ec = ec;
      result.failed_step = "read response body";
      return finish();
    }
    result.body.append(buffer.data(), n);
    if (result.body.size() > limit) {
      result.ec = net::error::message_size;
      result.failed_step = "read response body (over " + std::to_string(limit) + " bytes)";
      return finish();
    }
    read();
  }
};

}  // namespace

std::string FetchResult::describe_failure() const {
  if (ec) return failed_step + ": " + ec.message();
  std::string out = "HTTP " + std::to_string(status);
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (!doc.HasParseError() && doc.IsObject()) {
    auto it = doc.FindMember("message");
    if (it != doc.MemberEnd() && it->value.IsString()) {
      out += ": " + std::string(it->value.GetString(), it->value.GetStringLength());
    }
  }
  return out;
}

UpstreamRequest make_own_upstream_request(UpstreamClient& client, const std::string& target) {
  ClientRequest none;
  none.method(http::verb::get);
  UpstreamRequest req =
      build_upstream_request(none, target, client.config(), client.bearer_token());
  req.set(http::field::user_agent, kOwnUserAgent);
  req.set(http::field::accept, "application/json");
  return req;
}

namespace {

void exchange(UpstreamClient& client, net::any_io_executor executor, UpstreamRequest request,
              std::size_t body_limit, std::function<void(FetchResult)> handler,
              std::shared_ptr<UpstreamStream>* stream_out) {
  auto state = std::make_shared<FetchState>();
  state->stream = client.make_stream(executor);
  state->handler = std::move(handler);
  state->limit = body_limit;
  if (stream_out != nullptr) *stream_out = state->stream;
  state->stream->async_open(std::move(request), [state](error_code ec, std::string step) {
    if (ec) {
      state->result.ec = ec;
      state->result.failed_step = std::move(step);
      return state->finish();
    }
    state->result.status = state->stream->header().result_int();
    state->read();
  });
}

}  // namespace

void fetch_upstream(UpstreamClient& client, net::any_io_executor executor,
                    const std::string& target, std::size_t body_limit,
                    std::function<void(FetchResult)> handler,
                    std::shared_ptr<UpstreamStream>* stream_out) {
  exchange(client, std::move(executor), make_own_upstream_request(client, target), body_limit,
           std::move(handler), stream_out);
}

void post_upstream(UpstreamClient& client, net::any_io_executor executor, const std::string& target,
                   std::string json_body, std::size_t body_limit,
                   std::function<void(FetchResult)> handler) {
  UpstreamRequest request = make_own_upstream_request(client, target);
  request.method(http::verb::post);
  request.set(http::field::content_type, "application/json");
  request.body() = std::move(json_body);
  request.prepare_payload();
  exchange(client, std::move(executor), std::move(request), body_limit, std::move(handler),
           nullptr);
}

void patch_upstream(UpstreamClient& client, net::any_io_executor executor,
                    const std::string& target, std::string json_body, std::size_t body_limit,
                    std::function<void(FetchResult)> handler) {
  UpstreamRequest request = make_own_upstream_request(client, target);
  request.method(http::verb::patch);
  request.set(http::field::content_type, "application/merge-patch+json");
  request.body() = std::move(json_body);
  request.prepare_payload();
  exchange(client, std::move(executor), std::move(request), body_limit, std::move(handler),
           nullptr);
}

}  // namespace watchfilter::proxy

#include "proxy/upstream/upstream_stream.h"

#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <limits>

#include "proxy/upstream/tls_context.h"

namespace watchfilter::proxy {

namespace beast = boost::beast;
namespace net = boost::asio;
using boost::system::error_code;

UpstreamStream::UpstreamStream(net::any_io_executor executor, UpstreamClient& client,
                               UpstreamIdentity identity)
    : client_(client), resolver_(executor), stream_(executor, client.tls_context(identity)) {}

void UpstreamStream::async_open(UpstreamRequest request, OpenHandler handler) {
  request_ = std::move(request);
  open_handler_ = std::move(handler);
  const auto& cfg = client_.config();
  resolver_.async_resolve(
      cfg.host, std::to_string(cfg.port),
      beast::bind_front_handler(&UpstreamStream::on_resolve, shared_from_this()));
}

void UpstreamStream::on_resolve(error_code ec, net::ip::tcp::resolver::results_type results) {
  if (ec) return fail(ec, "resolve " + client_.config().host);
  if (closed_) return fail(net::error::operation_aborted, "resolve");
  beast::get_lowest_layer(stream_).expires_after(client_.timeouts().connect);
  beast::get_lowest_layer(stream_).async_connect(
      results, [self = shared_from_this()](error_code ec, const net::ip::tcp::endpoint&) {
        self->on_connect(ec);
      });
}

void UpstreamStream::on_connect(error_code ec) {
  if (ec) return fail(ec, "connect to " + client_.config().authority());
  if (auto vec = configure_upstream_verification(stream_.native_handle(), client_.config())) {
    return fail(vec, "configure TLS verification");
  }
  beast::get_lowest_layer(stream_).expires_after(client_.timeouts().handshake);
  stream_.async_handshake(
      net::ssl::stream_base::client,
      beast::bind_front_handler(&UpstreamStream::on_handshake, shared_from_this()));
}

void UpstreamStream::on_handshake(error_code ec) {
  if (ec) {
    std::string step = "TLS handshake with " + client_.config().authority();
    if (std::string why = verify_failure_reason(stream_.native_handle()); !why.empty()) {
      step +=
          " (certificate verification for \"" + client_.config().server_name + "\": " + why + ")";
    }
    return fail(ec, std::move(step));
  }
  beast::get_lowest_layer(stream_).expires_after(client_.timeouts().write);
  http::async_write(stream_, request_, [self = shared_from_this()](error_code ec, std::size_t) {
    self->on_write(ec);
  });
}

void UpstreamStream::on_write(error_code ec) {
  if (ec) return fail(ec, "write request to " + client_.config().authority());
  parser_.emplace();
  // A watch body is unbounded; the relay never holds more than one buffer of it. (Not
  // boost::none: Boost 1.74 then rejects every Content-Length body, basic_parser.ipp:450.)
  parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
  parser_->header_limit(1024 * 1024);
  if (request_.method() == http::verb::head) parser_->skip(true);
  beast::get_lowest_layer(stream_).expires_after(client_.timeouts().response_header);
  http::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](error_code ec, std::size_t) { self->on_read_header(ec); });
}

void UpstreamStream::on_read_header(error_code ec) {
  if (ec) return fail(ec, "read response header from " + client_.config().authority());
  // No timeout on the body: a watch stays open until upstream's timeoutSeconds or the client
  // leaves.
  beast::get_lowest_layer(stream_).expires_never();
  auto handler = std::move(open_handler_);
  open_handler_ = nullptr;
  handler({}, {});
}

void UpstreamStream::fail(error_code ec, std::string step) {
  auto handler = std::move(open_handler_);
  open_handler_ = nullptr;
  if (handler) handler(closed_ ? error_code(net::error::operation_aborted) : ec, std::move(step));
}

void UpstreamStream::async_read_some(net::mutable_buffer buffer, ReadHandler handler) {
  auto& body = parser_->get().body();
  body.data = buffer.data();
  body.size = buffer.size();
  http::async_read_some(stream_, buffer_, *parser_,
                        [self = shared_from_this(), capacity = buffer.size(),
                         handler = std::move(handler)](error_code ec, std::size_t) {
                          // need_buffer only says the buffer is full; the caller drains it and asks
                          // again.
                          if (ec == http::error::need_buffer) ec = {};
                          const std::size_t stored = capacity - self->parser_->get().body().size;
                          handler(ec, stored);
                        });
}

void UpstreamStream::close() {
  if (closed_) return;
  closed_ = true;
  resolver_.cancel();
  error_code ignored;
  beast::get_lowest_layer(stream_).socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  beast::get_lowest_layer(stream_).close();
}

}  // namespace watchfilter::proxy

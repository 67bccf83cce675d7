#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "proxy/upstream/forwarding.h"
#include "proxy/upstream/upstream_client.h"

namespace watchfilter::proxy {

// One request/response exchange with kube-apiserver over its own TLS connection: resolve,
// connect, handshake, write the request, read the response header (each with a timeout), then
// the body piece by piece as the caller asks for it, so the caller's write pace is the read pace
// (backpressure) and a watch event is handed on as soon as its bytes arrive.
//
// All handlers run on the executor given at creation (the owning session's strand); every member
// function must be called from it. Keep the shared_ptr alive while an operation is pending; the
// operations also hold it.
class UpstreamStream : public std::enable_shared_from_this<UpstreamStream> {
 public:
  // ec, and the name of the step that failed ("resolve", "connect", "tls handshake",
  // "write request", "read response header") with any TLS verification detail.
  using OpenHandler = std::function<void(boost::system::error_code, std::string failed_step)>;
  // ec, and how many body bytes were stored at the start of the buffer (0 when only framing
  // was read).
  using ReadHandler = std::function<void(boost::system::error_code, std::size_t)>;

  UpstreamStream(boost::asio::any_io_executor executor, UpstreamClient& client,
                 UpstreamIdentity identity = UpstreamIdentity::kProxy);

  void async_open(UpstreamRequest request, OpenHandler handler);
  // Valid after a successful open.
  const http::response_header<>& header() const { return parser_->get(); }
  bool is_done() const { return parser_ && parser_->is_done(); }
  void async_read_some(boost::asio::mutable_buffer buffer, ReadHandler handler);

  // Aborts the exchange: pending operations complete with operation_aborted. Idempotent. No TLS
  // close_notify: the connection is never reused and upstream tolerates a plain close.
  void close();

 private:
  void on_resolve(boost::system::error_code ec, boost::asio::ip::tcp::resolver::results_type r);
  void on_connect(boost::system::error_code ec);
  void on_handshake(boost::system::error_code ec);
  void on_write(boost::system::error_code ec);
  void on_read_header(boost::system::error_code ec);
  void fail(boost::system::error_code ec, std::string step);

  UpstreamClient& client_;
  boost::asio::ip::tcp::resolver resolver_;
  boost::beast::ssl_stream<boost::beast::tcp_stream> stream_;
  boost::beast::flat_buffer buffer_;
  UpstreamRequest request_;
  std::optional<http::response_parser<http::buffer_body>> parser_;
  OpenHandler open_handler_;
  bool closed_ = false;
};

}  // namespace watchfilter::proxy

#include "host/metrics_server.h"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>

#include "proxy/base/bind_address.h"
#include "proxy/base/config_error.h"

namespace watchfilter::host {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;
using net::ip::tcp;

namespace {

// A scrape is one small GET; anything slower or larger is not Prometheus.
constexpr auto kExchangeTimeout = std::chrono::seconds(10);
constexpr std::size_t kHeaderLimit = 8 * 1024;

class MetricsSession : public std::enable_shared_from_this<MetricsSession> {
 public:
  MetricsSession(tcp::socket socket, std::shared_ptr<const std::function<std::string()>> render)
      : stream_(std::move(socket)), render_(std::move(render)) {}

  void start() {
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->do_read(); });
  }

 private:
  void do_read() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(0);
    stream_.expires_after(kExchangeTimeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(error_code ec) {
    if (ec) return close();  // end of stream, timeout or a malformed request: just close
    const auto& req = parser_->get();
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(req.version());
    res->keep_alive(req.keep_alive());
    res->set(http::field::server, "watchfilter-host");
    std::string_view target(req.target().data(), req.target().size());
    target = target.substr(0, target.find('?'));
    if (target != "/metrics") {
      res->result(http::status::not_found);
      res->set(http::field::content_type, "text/plain");
      res->body() = "only /metrics is served here\n";
    } else if (req.method() != http::verb::get && req.method() != http::verb::head) {
      res->result(http::status::method_not_allowed);
      res->set(http::field::allow, "GET, HEAD");
    } else {
      res->result(http::status::ok);
      res->set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      res->body() = (*render_)();
    }
    res->prepare_payload();
    if (req.method() == http::verb::head) res->body().clear();
    stream_.expires_after(kExchangeTimeout);
    http::async_write(stream_, *res, [self = shared_from_this(), res](error_code ec, std::size_t) {
      if (ec || !res->keep_alive()) return self->close();
      self->do_read();
    });
  }

  void close() {
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> parser_;
  const std::shared_ptr<const std::function<std::string()>> render_;
};

}  // namespace

std::optional<tcp::endpoint> parse_metrics_address(std::string_view text) {
  if (text.empty() || text == "0") return std::nullopt;
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == text.size())
    throw proxy::ConfigError("--metrics-bind-address \"" + std::string(text) +
                             "\": want host:port (e.g. 127.0.0.1:9464), or 0 to disable");
  std::string_view host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  unsigned long port = 0;
  try {
    std::size_t end = 0;
    std::string p(text.substr(colon + 1));
    port = std::stoul(p, &end);
    if (end != p.size() || port > 65535) throw std::invalid_argument("port");
  } catch (const std::exception&) {
    throw proxy::ConfigError("--metrics-bind-address \"" + std::string(text) + "\": bad port");
  }
  return tcp::endpoint(proxy::parse_bind_address(host), static_cast<unsigned short>(port));
}

MetricsServer::MetricsServer(net::io_context& ioc, const tcp::endpoint& endpoint,
                             std::function<std::string()> render,
                             std::shared_ptr<const proxy::Logger> logger)
    : ioc_(ioc),
      acceptor_(net::make_strand(ioc)),
      render_(std::make_shared<const std::function<std::string()>>(std::move(render))),
      logger_(std::move(logger)) {
  error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    throw proxy::ConfigError("--metrics-bind-address: listen on " + endpoint.address().to_string() +
                             ":" + std::to_string(endpoint.port()) + ": " + ec.message());
  local_endpoint_ = acceptor_.local_endpoint();
}

void MetricsServer::start() {
  net::post(acceptor_.get_executor(), [this] { do_accept(); });
}

void MetricsServer::stop() {
  net::post(acceptor_.get_executor(), [this] {
    error_code ignored;
    acceptor_.close(ignored);
  });
}

void MetricsServer::do_accept() {
  // Each connection gets its own strand (Beast's server shape), though the host runs one io
  // thread today.
  acceptor_.async_accept(net::make_strand(ioc_), [this](error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted) return;
    if (ec) {
      logger_->warning("metrics: accept: " + ec.message());
    } else {
      std::make_shared<MetricsSession>(std::move(socket), render_)->start();
    }
    if (acceptor_.is_open()) do_accept();
  });
}

}  // namespace watchfilter::host

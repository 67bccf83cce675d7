#include "proxy/server/server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>

#include "proxy/base/config_error.h"
#include "proxy/server/session.h"

namespace watchfilter::proxy {

namespace net = boost::asio;
using boost::system::error_code;

Server::Server(net::io_context& ioc, std::shared_ptr<const SessionContext> context,
               const net::ip::tcp::endpoint& endpoint)
    : ioc_(ioc), context_(std::move(context)), acceptor_(net::make_strand(ioc)) {
  auto where = [&] {
    std::string host = endpoint.address().is_v6() ? "[" + endpoint.address().to_string() + "]"
                                                  : endpoint.address().to_string();
    return "listen on " + host + ":" + std::to_string(endpoint.port());
  };
  error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (ec) throw ConfigError(where() + ": " + ec.message());
  acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) throw ConfigError(where() + ": " + ec.message());
  acceptor_.bind(endpoint, ec);
  if (ec) throw ConfigError(where() + ": " + ec.message());
  acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) throw ConfigError(where() + ": " + ec.message());
  local_endpoint_ = acceptor_.local_endpoint();
}

void Server::start() {
  net::dispatch(acceptor_.get_executor(), [this] { do_accept(); });
}

void Server::stop() {
  // On the acceptor's strand, so that a connection accepted before the close is registered before
  // shutdown_all() runs and none accepted after it is started.
  net::post(acceptor_.get_executor(), [this] {
    stopped_ = true;
    error_code ignored;
    acceptor_.close(ignored);
    registry_->shutdown_all();
  });
}

void Server::do_accept() {
  if (stopped_) return;
  acceptor_.async_accept(net::make_strand(ioc_),
                         boost::beast::bind_front_handler(&Server::on_accept, this));
}

void Server::on_accept(error_code ec, net::ip::tcp::socket socket) {
  if (stopped_ || ec == net::error::operation_aborted) return;
  if (ec) {
    // E.g. EMFILE: log and keep accepting; the pending connection stays in the backlog.
    context_->logger->warning("accept failed: " + ec.message());
  } else {
    std::make_shared<Session>(std::move(socket), context_, registry_)->run();
  }
  do_accept();
}

}  // namespace watchfilter::proxy

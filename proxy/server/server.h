#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>

#include "proxy/server/session_context.h"
#include "proxy/server/session_registry.h"

namespace watchfilter::proxy {

// The listening socket: accepts connections and gives each its own strand and Session.
class Server {
 public:
  // Binds and listens; throws ConfigError ("listen on 127.0.0.1:8443: Address already in use").
  Server(boost::asio::io_context& ioc, std::shared_ptr<const SessionContext> context,
         const boost::asio::ip::tcp::endpoint& endpoint);

  // The bound endpoint (the real port when 0 was asked for).
  boost::asio::ip::tcp::endpoint local_endpoint() const { return local_endpoint_; }

  void start();
  // Thread-safe: stops accepting, then asks every session to shut down.
  void stop();
  std::size_t active_sessions() const { return registry_->size(); }

 private:
  void do_accept();
  void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& ioc_;
  std::shared_ptr<const SessionContext> context_;
  std::shared_ptr<SessionRegistry> registry_ = std::make_shared<SessionRegistry>();
  boost::asio::ip::tcp::acceptor acceptor_;  // used on its own strand only
  boost::asio::ip::tcp::endpoint local_endpoint_;
  bool stopped_ = false;  // acceptor strand only
};

}  // namespace watchfilter::proxy

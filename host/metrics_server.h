#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "proxy/base/log.h"

namespace watchfilter::host {

// Parses --metrics-bind-address: "127.0.0.1:9464", "[::1]:9464", "0.0.0.0:9464"; "0" (or "")
// disables the listener (nullopt). Throws proxy::ConfigError.
std::optional<boost::asio::ip::tcp::endpoint> parse_metrics_address(std::string_view text);

// A plain-HTTP listener serving GET /metrics (Prometheus text format 0.0.4, from `render`, called
// on the io thread) and nothing else. Unauthenticated, which is why the default address is
// loopback: the text names the children and counts their events, nothing more.
class MetricsServer {
 public:
  // Binds and listens; throws proxy::ConfigError naming the address.
  MetricsServer(boost::asio::io_context& ioc, const boost::asio::ip::tcp::endpoint& endpoint,
                std::function<std::string()> render, std::shared_ptr<const proxy::Logger> logger);

  // The bound endpoint (the real port when 0 was asked for).
  boost::asio::ip::tcp::endpoint local_endpoint() const { return local_endpoint_; }

  void start();
  // Stops accepting; open connections end after their current exchange or timeout.
  void stop();

 private:
  void do_accept();

  boost::asio::io_context& ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;  // used on its own strand only
  boost::asio::ip::tcp::endpoint local_endpoint_;
  const std::shared_ptr<const std::function<std::string()>> render_;
  const std::shared_ptr<const proxy::Logger> logger_;
};

}  // namespace watchfilter::host

#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>

#include "proxy/telemetry/health_state.h"
#include "proxy/upstream/upstream_client.h"

namespace watchfilter::proxy {

// Asks kube-apiserver for /readyz, then /version, until one answers 200; then marks the proxy
// ready (HealthState) and stops. Runs on the strand given at creation.
class ReadinessProbe : public std::enable_shared_from_this<ReadinessProbe> {
 public:
  ReadinessProbe(boost::asio::any_io_executor strand, std::shared_ptr<UpstreamClient> client,
                 std::shared_ptr<HealthState> health,
                 std::chrono::steady_clock::duration interval = std::chrono::seconds(2));

  void start();
  void stop();  // thread-safe

 private:
  void probe(const char* path);
  void on_open(const char* path, boost::system::error_code ec, std::string step);
  void schedule_retry();

  boost::asio::any_io_executor strand_;
  std::shared_ptr<UpstreamClient> client_;
  std::shared_ptr<HealthState> health_;
  const std::chrono::steady_clock::duration interval_;
  boost::asio::steady_timer timer_;
  std::shared_ptr<UpstreamStream> stream_;
  bool stopped_ = false;
  bool warned_ = false;
};

}  // namespace watchfilter::proxy

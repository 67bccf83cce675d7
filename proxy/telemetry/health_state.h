#pragma once

#include <atomic>

namespace watchfilter::proxy {

// What /readyz reports. Written by the readiness probe and the shutdown path, read by sessions on
// any thread, hence atomics.
class HealthState {
 public:
  // Once kube-apiserver answered /readyz or /version, the proxy stays ready (per-request upstream
  // failures are reported per request as 503 Status instead).
  void mark_upstream_reachable() { upstream_reachable_.store(true, std::memory_order_release); }
  void begin_shutdown() { shutting_down_.store(true, std::memory_order_release); }
  // The binary requires the authentication config (extension-apiserver-authentication) before
  // it reports ready, so that no client certificate is refused for want of its CA.
  void require_authentication_config() { auth_required_.store(true, std::memory_order_release); }
  void mark_authentication_config_loaded() { auth_loaded_.store(true, std::memory_order_release); }
  bool authentication_config_pending() const {
    return auth_required_.load(std::memory_order_acquire) &&
           !auth_loaded_.load(std::memory_order_acquire);
  }

  bool upstream_reachable() const { return upstream_reachable_.load(std::memory_order_acquire); }
  bool shutting_down() const { return shutting_down_.load(std::memory_order_acquire); }
  bool ready() const {
    return upstream_reachable() && !authentication_config_pending() && !shutting_down();
  }

 private:
  std::atomic<bool> upstream_reachable_{false};
  std::atomic<bool> shutting_down_{false};
  std::atomic<bool> auth_required_{false};
  std::atomic<bool> auth_loaded_{false};
};

}  // namespace watchfilter::proxy

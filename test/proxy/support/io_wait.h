#pragma once
// Bounded waits on an io_context for the in-process tests: they poll, never sleep for a result.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>

namespace watchfilter::proxy::testing {

// Runs `ioc` for `d`, restarted first (a run that ran out of work has stopped it).
inline void run_for(boost::asio::io_context& ioc, std::chrono::milliseconds d) {
  ioc.restart();
  ioc.run_for(d);
}

// Runs `ioc` until `condition` holds, at most `limit`; whether it holds.
inline bool run_until(boost::asio::io_context& ioc, const std::function<bool()>& condition,
                      std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition() && std::chrono::steady_clock::now() < deadline) {
    run_for(ioc, std::chrono::milliseconds(5));
  }
  return condition();
}

}  // namespace watchfilter::proxy::testing

#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <variant>

#include "proxy/informer/informer.h"

namespace watchfilter::proxy::informer {

class InformerRegistry;

// A client's use of an informer; the informer lingers once the last lease is gone.
class InformerLease {
 public:
  InformerLease(std::shared_ptr<InformerRegistry> registry, std::shared_ptr<Informer> informer)
      : registry_(std::move(registry)), informer_(std::move(informer)) {}
  ~InformerLease();
  InformerLease(const InformerLease&) = delete;
  InformerLease& operator=(const InformerLease&) = delete;

  Informer& informer() const { return *informer_; }
  const std::shared_ptr<Informer>& shared() const { return informer_; }

 private:
  std::shared_ptr<InformerRegistry> registry_;
  std::shared_ptr<Informer> informer_;
};

// Why acquire() gave no lease.
enum class AcquireRefusal {
  kShuttingDown,
  // --max-informers informers run and every one has streams: none may linger out for this one.
  kAtCapacity,
};
using AcquireResult = std::variant<std::unique_ptr<InformerLease>, AcquireRefusal>;

// key -> informer. The first lease of a key starts its informer; an informer without leases
// for `linger` (--informer-linger) is stopped, so a client that reconnects soon finds the cache
// and window still there. At most `max_informers` run (0: no limit): a new key past it stops
// the informer that has been idle longest, as if its linger were over; when none is idle it is
// refused (kAtCapacity). Thread-safe.
class InformerRegistry : public std::enable_shared_from_this<InformerRegistry> {
 public:
  InformerRegistry(boost::asio::io_context& ioc, std::shared_ptr<UpstreamClient> client,
                   std::shared_ptr<const Logger> logger, std::shared_ptr<Metrics> metrics,
                   InformerOptions options, std::chrono::steady_clock::duration linger,
                   std::size_t max_informers = 0);

  AcquireResult acquire(const InformerKey& key, const ResourceInfo& info);
  // Stops every informer and the linger sweep (process shutdown).
  void stop();
  std::size_t size() const;
  std::size_t max_informers() const { return max_informers_; }

 private:
  friend class InformerLease;
  struct Entry {
    std::shared_ptr<Informer> informer;
    std::size_t leases = 0;
    std::chrono::steady_clock::time_point idle_since{};
  };
  void release(const std::shared_ptr<Informer>& informer);
  void schedule_sweep();
  void sweep();

  boost::asio::io_context& ioc_;
  std::shared_ptr<UpstreamClient> client_;
  std::shared_ptr<const Logger> logger_;
  std::shared_ptr<Metrics> metrics_;
  InformerOptions options_;
  std::chrono::steady_clock::duration linger_;
  std::size_t max_informers_;
  mutable std::mutex mutex_;
  std::map<InformerKey, Entry> entries_;
  bool stopped_ = false;
  bool sweep_scheduled_ = false;
  boost::asio::steady_timer sweep_timer_;
};

}  // namespace watchfilter::proxy::informer

#include "proxy/informer/informer_registry.h"

#include <boost/asio/strand.hpp>
#include <vector>

namespace watchfilter::proxy::informer {

namespace net = boost::asio;

InformerLease::~InformerLease() { registry_->release(informer_); }

InformerRegistry::InformerRegistry(net::io_context& ioc, std::shared_ptr<UpstreamClient> client,
                                   std::shared_ptr<const Logger> logger,
                                   std::shared_ptr<Metrics> metrics, InformerOptions options,
                                   std::chrono::steady_clock::duration linger,
                                   std::size_t max_informers)
    : ioc_(ioc),
      client_(std::move(client)),
      logger_(std::move(logger)),
      metrics_(std::move(metrics)),
      options_(options),
      linger_(linger),
      max_informers_(max_informers),
      sweep_timer_(net::make_strand(ioc)) {}

AcquireResult InformerRegistry::acquire(const InformerKey& key, const ResourceInfo& info) {
  std::shared_ptr<Informer> informer;
  std::shared_ptr<Informer> evicted;
  bool created = false;
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return AcquireRefusal::kShuttingDown;
    auto it = entries_.find(key);
    if (it == entries_.end()) {
      if (max_informers_ != 0 && entries_.size() >= max_informers_) {
        // Lingering informers are a cache for reconnects: the longest idle one makes room.
        auto oldest = entries_.end();
        for (auto e = entries_.begin(); e != entries_.end(); ++e) {
          if (e->second.leases == 0 &&
              (oldest == entries_.end() || e->second.idle_since < oldest->second.idle_since)) {
            oldest = e;
          }
        }
        if (oldest == entries_.end()) return AcquireRefusal::kAtCapacity;
        evicted = std::move(oldest->second.informer);
        entries_.erase(oldest);
      }
      it = entries_.emplace(key, Entry{}).first;
      it->second.informer = std::make_shared<Informer>(net::make_strand(ioc_), client_, logger_,
                                                       metrics_, key, info, options_);
      created = true;
    }
    ++it->second.leases;
    informer = it->second.informer;
  }
  if (evicted) {
    logger_->info("informer " + evicted->key().to_string() +
                  ": stopped before its linger ended, to make room for " + key.to_string() +
                  " (--max-informers=" + std::to_string(max_informers_) + ")");
    evicted->stop();
  }
  if (created) informer->start();
  return std::make_unique<InformerLease>(shared_from_this(), std::move(informer));
}

void InformerRegistry::release(const std::shared_ptr<Informer>& informer) {
  bool sweep_needed = false;
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(informer->key());
    if (it == entries_.end() || it->second.informer != informer) return;
    if (--it->second.leases == 0) {
      it->second.idle_since = std::chrono::steady_clock::now();
      sweep_needed = !sweep_scheduled_ && !stopped_;
      if (sweep_needed) sweep_scheduled_ = true;
    }
  }
  if (sweep_needed) schedule_sweep();
}

void InformerRegistry::schedule_sweep() {
  // Check a few times per linger period, at most once a second.
  auto every = std::max<std::chrono::steady_clock::duration>(
      std::chrono::milliseconds(200),
      std::min<std::chrono::steady_clock::duration>(linger_ / 4, std::chrono::seconds(1)));
  net::post(sweep_timer_.get_executor(), [self = shared_from_this(), every] {
    self->sweep_timer_.expires_after(every);
    self->sweep_timer_.async_wait([self](boost::system::error_code ec) {
      if (!ec) self->sweep();
    });
  });
}

void InformerRegistry::sweep() {
  std::vector<std::shared_ptr<Informer>> retired;
  bool again = false;
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    const auto now = std::chrono::steady_clock::now();
    for (auto it = entries_.begin(); it != entries_.end();) {
      if (it->second.leases == 0) {
        if (now - it->second.idle_since >= linger_) {
          retired.push_back(it->second.informer);
          it = entries_.erase(it);
          continue;
        }
        again = true;
      }
      ++it;
    }
    sweep_scheduled_ = again;
  }
  for (auto& informer : retired) {
    logger_->info("informer " + informer->key().to_string() + ": no streams for the linger period");
    informer->stop();
  }
  if (again) schedule_sweep();
}

void InformerRegistry::stop() {
  std::vector<std::shared_ptr<Informer>> all;
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    for (auto& [key, entry] : entries_) all.push_back(entry.informer);
    entries_.clear();
  }
  net::post(sweep_timer_.get_executor(),
            [self = shared_from_this()] { self->sweep_timer_.cancel(); });
  for (auto& informer : all) informer->stop();
}

std::size_t InformerRegistry::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace watchfilter::proxy::informer

#include "proxy/informer_registry.h"

#include <boost/asio/strand.hpp>
#include <vector>

namespace watchfilter::proxy::informer {

namespace net = boost::asio;

InformerLease::~InformerLease() { registry_->release(informer_); }

InformerRegistry::InformerRegistry(net::io_context& ioc, std::shared_ptr<UpstreamClient> client,
                                   std::shared_ptr<const Logger> logger,
                                   std::shared_ptr<Metrics> metrics, InformerOptions options,
                                   std::chrono::steady_clock::duration linger)
    : ioc_(ioc),
      client_(std::move(client)),
      logger_(std::move(logger)),
      metrics_(std::move(metrics)),
      options_(options),
      linger_(linger),
      sweep_timer_(net::make_strand(ioc)) {}

std::unique_ptr<InformerLease> InformerRegistry::acquire(const InformerKey& key,
                                                         const ResourceInfo& info) {
  std::shared_ptr<Informer> informer;
  bool created = false;
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return nullptr;
    auto& entry = entries_[key];
    if (!entry.informer) {
      entry.informer = std::make_shared<Informer>(net::make_strand(ioc_), client_, logger_,
                                                  metrics_, key, info, options_);
      created = true;
    }
    ++entry.leases;
    informer = entry.informer;
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
      std::chrono::milliseconds(200), std::min<std::chrono::steady_clock::duration>(
                                          linger_ / 4, std::chrono::seconds(1)));
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
  net::post(sweep_timer_.get_executor(), [self = shared_from_this()] { self->sweep_timer_.cancel(); });
  for (auto& informer : all) informer->stop();
}

std::size_t InformerRegistry::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace watchfilter::proxy::informer

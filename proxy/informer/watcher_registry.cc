#include "proxy/informer/watcher_registry.h"

#include <algorithm>

namespace watchfilter::proxy::informer {

void AdmittedLog::append(std::uint64_t rv, std::shared_ptr<const std::string> line,
                         bool positioned) {
  if (!enabled_) return;
  bytes_ += line->size();
  events_.push_back({{rv, std::move(line)}, positioned});
  while (events_.size() > 1 && (events_.size() > max_events_ || bytes_ > max_bytes_)) {
    const Logged& front = events_.front();
    // A positioned event is resent on a resume from its own position, so losing it makes that
    // position incomplete too.
    complete_after_ = std::max(complete_after_, front.event.rv + (front.positioned ? 1 : 0));
    bytes_ -= front.event.line->size();
    events_.pop_front();
  }
}

void AdmittedLog::drop_through(std::uint64_t rv) {
  // Initial events are logged in resourceVersion order too, so the log is sorted.
  while (!events_.empty() && (events_.front().event.rv < rv ||
                              (events_.front().event.rv == rv && !events_.front().positioned))) {
    bytes_ -= events_.front().event.line->size();
    events_.pop_front();
  }
  complete_after_ = std::max(complete_after_, rv);
}

std::vector<WindowEvent> AdmittedLog::after(std::uint64_t rv) const {
  std::vector<WindowEvent> out;
  for (const auto& e : events_) {
    if (e.event.rv > rv || (e.positioned && e.event.rv == rv)) out.push_back(e.event);
  }
  return out;
}

void AdmittedLog::reset(std::uint64_t complete_after) {
  events_.clear();
  bytes_ = 0;
  complete_after_ = complete_after;
}

std::shared_ptr<WatcherRecord> WatcherRegistry::find(const std::string& owner,
                                                     const std::string& id) const {
  auto it = records_.find({owner, id});
  return it == records_.end() ? nullptr : it->second;
}

WatcherRegistry::~WatcherRegistry() {
  for (auto it = records_.begin(); it != records_.end();) it = erase(it);
}

WatcherRegistry::Records::iterator WatcherRegistry::erase(Records::iterator it) {
  if (quota_) quota_->remove(it->first.first, scope_, it->first.second);
  return records_.erase(it);
}

void WatcherRegistry::put(std::shared_ptr<WatcherRecord> record) {
  if (quota_) quota_->add(record->owner, scope_, record->id);
  auto key = std::make_pair(record->owner, record->id);
  records_[std::move(key)] = std::move(record);
  while (records_.size() > max_records_) {
    auto oldest = records_.end();
    for (auto it = records_.begin(); it != records_.end(); ++it) {
      if (it->second->attached_subscription != 0) continue;
      if (oldest == records_.end() || it->second->detached_at < oldest->second->detached_at) {
        oldest = it;
      }
    }
    if (oldest == records_.end()) break;  // every record has a live stream
    erase(oldest);
  }
}

void WatcherRegistry::erase(const std::string& owner, const std::string& id) {
  auto it = records_.find({owner, id});
  if (it != records_.end()) erase(it);
}

void WatcherRegistry::expire(std::chrono::steady_clock::time_point now,
                             std::uint64_t window_floor) {
  for (auto it = records_.begin(); it != records_.end();) {
    const auto& r = *it->second;
    const bool stale = r.attached_subscription == 0 &&
                       (now - r.detached_at >= ttl_ || r.evaluated_through < window_floor);
    it = stale ? erase(it) : std::next(it);
  }
}

std::vector<std::shared_ptr<WatcherRecord>> WatcherRegistry::all() const {
  std::vector<std::shared_ptr<WatcherRecord>> out;
  for (const auto& [id, r] : records_) out.push_back(r);
  return out;
}

}  // namespace watchfilter::proxy::informer

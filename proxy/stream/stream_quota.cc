#include "proxy/stream/stream_quota.h"

namespace watchfilter::proxy {

StreamQuota::Ticket::~Ticket() { quota_->release(user_); }

std::shared_ptr<StreamQuota::Ticket> StreamQuota::try_acquire(const std::string& user) {
  {
    std::lock_guard lock(mutex_);
    auto& n = open_[user];
    if (n >= per_user_) {
      if (n == 0) open_.erase(user);
      return nullptr;
    }
    ++n;
  }
  return std::make_shared<Ticket>(shared_from_this(), user);
}

void StreamQuota::release(const std::string& user) {
  std::lock_guard lock(mutex_);
  auto it = open_.find(user);
  if (it == open_.end()) return;
  if (--it->second == 0) open_.erase(it);
}

std::size_t StreamQuota::open(const std::string& user) const {
  std::lock_guard lock(mutex_);
  auto it = open_.find(user);
  return it == open_.end() ? 0 : it->second;
}

}  // namespace watchfilter::proxy

#include "proxy/informer/watcher_quota.h"

namespace watchfilter::proxy {

bool WatcherQuota::admits(const std::string& owner, const std::string& scope,
                          const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = records_.find(owner);
  if (it == records_.end()) return per_user_ > 0;
  return it->second.contains({scope, id}) || it->second.size() < per_user_;
}

void WatcherQuota::add(const std::string& owner, const std::string& scope, const std::string& id) {
  std::lock_guard lock(mutex_);
  records_[owner].emplace(scope, id);
}

void WatcherQuota::remove(const std::string& owner, const std::string& scope,
                          const std::string& id) {
  std::lock_guard lock(mutex_);
  auto it = records_.find(owner);
  if (it == records_.end()) return;
  it->second.erase({scope, id});
  if (it->second.empty()) records_.erase(it);
}

std::size_t WatcherQuota::kept(const std::string& owner) const {
  std::lock_guard lock(mutex_);
  auto it = records_.find(owner);
  return it == records_.end() ? 0 : it->second.size();
}

}  // namespace watchfilter::proxy

#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>

namespace watchfilter::proxy {

// Named watcher records per user across every informer (--max-watchers-per-user): records are
// kept --watcher-ttl after their stream ended, so a user cycling through ids would otherwise
// pile up filter state and logs, and push other users' records out of an informer's
// --max-watchers. The informers' watcher registries report every record they keep and drop
// (`scope` names the informer); a new stream asks admits() before it starts. Thread-safe.
class WatcherQuota {
 public:
  explicit WatcherQuota(std::size_t per_user) : per_user_(per_user) {}

  // Whether `owner` may use watcher `id` on informer `scope`: its record there exists already,
  // or the owner keeps fewer than per_user() records.
  bool admits(const std::string& owner, const std::string& scope, const std::string& id) const;
  void add(const std::string& owner, const std::string& scope, const std::string& id);
  void remove(const std::string& owner, const std::string& scope, const std::string& id);
  std::size_t kept(const std::string& owner) const;
  std::size_t per_user() const { return per_user_; }

 private:
  const std::size_t per_user_;
  mutable std::mutex mutex_;
  // owner -> (scope, id) of its records
  std::map<std::string, std::set<std::pair<std::string, std::string>>> records_;
};

}  // namespace watchfilter::proxy

#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace watchfilter::proxy {

// A small thread-safe cache of answers that expire: TokenReview and SubjectAccessReview results.
// Bounded: when full, expired entries go first, then everything (a burst of distinct keys must
// not grow memory; the cost is a few extra reviews). The clock is injectable for tests.
template <typename Value>
class TtlCache {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  explicit TtlCache(
      std::size_t max_entries = 4096, Clock clock = [] { return std::chrono::steady_clock::now(); })
      : max_entries_(max_entries), clock_(std::move(clock)) {}

  std::optional<Value> get(const std::string& key) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    if (clock_() >= it->second.expires) {
      entries_.erase(it);
      return std::nullopt;
    }
    return it->second.value;
  }

  void put(const std::string& key, Value value, std::chrono::steady_clock::duration ttl) {
    std::lock_guard lock(mutex_);
    const auto now = clock_();
    if (entries_.size() >= max_entries_ && !entries_.contains(key)) {
      std::erase_if(entries_, [&](const auto& e) { return now >= e.second.expires; });
      if (entries_.size() >= max_entries_) entries_.clear();
    }
    entries_[key] = Entry{std::move(value), now + ttl};
  }

  std::size_t size() {
    std::lock_guard lock(mutex_);
    return entries_.size();
  }

 private:
  struct Entry {
    Value value;
    std::chrono::steady_clock::time_point expires;
  };
  const std::size_t max_entries_;
  const Clock clock_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace watchfilter::proxy

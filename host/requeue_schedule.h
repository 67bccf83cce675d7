#pragma once

#include <chrono>
#include <compare>
#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace watchfilter::host {

// The pending requeues of a host's children, one per (child, watch, object), with
// controller-runtime's workqueue rule (AddAfter): a requeue of an object that is already due no
// later is absorbed; an earlier one replaces it. So a child that asks for "again in 5 s" at every
// reconcile is woken every 5 s and by its events, not once per reconcile it ever ran.
// Not thread-safe: the supervisor's worker owns it.
class RequeueSchedule {
 public:
  using clock = std::chrono::steady_clock;
  struct Key {
    std::size_t child = 0;
    std::size_t watch = 0;
    std::string namespace_;
    std::string name;
    auto operator<=>(const Key&) const = default;
  };

  // Records a requeue due at `due`. True when it is new or earlier than the pending one; false
  // when it is absorbed. An entry stays, due or not, until take_due() or erase() removes it: a
  // caller that is not told when a requeue happened (a wake-up the proxy delivers) drops the due
  // ones with take_due() first.
  bool add(const Key& key, clock::time_point due);
  // Removes and returns the requeues due at `now` or before, earliest first.
  std::vector<Key> take_due(clock::time_point now);
  // The earliest due time, if any.
  std::optional<clock::time_point> next_due() const;
  // Forgets an object's requeue (it was deleted).
  void erase(const Key& key);
  std::size_t size() const { return due_.size(); }

 private:
  std::map<Key, clock::time_point> due_;
  std::set<std::pair<clock::time_point, Key>> order_;
};

}  // namespace watchfilter::host

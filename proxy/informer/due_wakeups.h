#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "proxy/wakeup/wakeup_book.h"

namespace watchfilter::proxy::informer {

// The wake-ups one informer will deliver: those of its attached named watchers, by due time
// (steady clock; the caller converts the Wakeup's wall-clock due time when it schedules it).
// The WakeupBook stays the owner of every wake-up; this is only the informer's timetable.
class DueWakeups {
 public:
  using clock = std::chrono::steady_clock;

  // Idempotent per wake-up name (the latest due time wins).
  void add(const Wakeup& wakeup, clock::time_point due);
  // The watcher detached: its wake-ups wait in the book for its return.
  void drop_watcher(const std::string& owner, const std::string& watcher);
  std::optional<clock::time_point> next_due() const;
  // The wake-ups due at or before `now`, in due order, removed from the timetable.
  std::vector<Wakeup> take_due(clock::time_point now);
  std::size_t size() const { return by_name_.size(); }

 private:
  std::map<std::string, std::pair<clock::time_point, Wakeup>> by_name_;
  std::set<std::pair<clock::time_point, std::string>> by_due_;
};

}  // namespace watchfilter::proxy::informer

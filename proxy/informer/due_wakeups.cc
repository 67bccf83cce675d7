#include "proxy/informer/due_wakeups.h"

namespace watchfilter::proxy::informer {

void DueWakeups::add(const Wakeup& wakeup, clock::time_point due) {
  auto it = by_name_.find(wakeup.name);
  if (it != by_name_.end()) {
    by_due_.erase({it->second.first, wakeup.name});
    it->second = {due, wakeup};
  } else {
    by_name_.emplace(wakeup.name, std::make_pair(due, wakeup));
  }
  by_due_.emplace(due, wakeup.name);
}

void DueWakeups::drop_watcher(const std::string& owner, const std::string& watcher) {
  for (auto it = by_name_.begin(); it != by_name_.end();) {
    if (it->second.second.watcher == watcher && it->second.second.owner == owner) {
      by_due_.erase({it->second.first, it->first});
      it = by_name_.erase(it);
    } else {
      ++it;
    }
  }
}

std::optional<DueWakeups::clock::time_point> DueWakeups::next_due() const {
  if (by_due_.empty()) return std::nullopt;
  return by_due_.begin()->first;
}

std::vector<Wakeup> DueWakeups::take_due(clock::time_point now) {
  std::vector<Wakeup> out;
  while (!by_due_.empty() && by_due_.begin()->first <= now) {
    auto node = by_name_.extract(by_due_.begin()->second);
    by_due_.erase(by_due_.begin());
    out.push_back(std::move(node.mapped().second));
  }
  return out;
}

}  // namespace watchfilter::proxy::informer

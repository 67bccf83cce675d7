#include "host/requeue_schedule.h"

namespace watchfilter::host {

bool RequeueSchedule::add(const Key& key, clock::time_point due) {
  auto it = due_.find(key);
  if (it != due_.end()) {
    if (it->second <= due) return false;
    order_.erase({it->second, key});
    it->second = due;
  } else {
    due_.emplace(key, due);
  }
  order_.emplace(due, key);
  return true;
}

std::vector<RequeueSchedule::Key> RequeueSchedule::take_due(clock::time_point now) {
  std::vector<Key> out;
  while (!order_.empty() && order_.begin()->first <= now) {
    auto node = order_.extract(order_.begin());
    due_.erase(node.value().second);
    out.push_back(std::move(node.value().second));
  }
  return out;
}

std::optional<RequeueSchedule::clock::time_point> RequeueSchedule::next_due() const {
  if (order_.empty()) return std::nullopt;
  return order_.begin()->first;
}

void RequeueSchedule::erase(const Key& key) {
  auto it = due_.find(key);
  if (it == due_.end()) return;
  order_.erase({it->second, key});
  due_.erase(it);
}

}  // namespace watchfilter::host

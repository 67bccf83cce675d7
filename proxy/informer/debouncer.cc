#include "proxy/informer/debouncer.h"

#include "proxy/kube/watch_events.h"

namespace watchfilter::proxy::informer {

using filters::EventType;

Debouncer::Verdict Debouncer::offer(const std::string& key, EventType type,
                                    const std::shared_ptr<const std::string>& line,
                                    std::string_view object, bool admitted, std::uint64_t rv,
                                    clock::time_point now,
                                    std::shared_ptr<const std::string> state_line) {
  auto it = entries_.find(key);
  if (it != entries_.end() && it->second.held) {
    Held& held = *it->second.held;
    held.state_line = std::move(state_line);
    if (type == EventType::kDeleted) {
      held.type = EventType::kDeleted;
      held.line = line;
    } else {
      // The newest state, typed by what the client has: an object it never got is ADDED, one
      // it has (even if a DELETED of it is held) is MODIFIED.
      const EventType wanted = held.client_had ? EventType::kModified : EventType::kAdded;
      held.type = wanted;
      held.line = type == wanted ? line
                                 : std::make_shared<const std::string>(
                                       event_line(filters::event_type_name(wanted), object));
    }
    return Verdict::kMerged;
  }
  if (!admitted) return Verdict::kIgnore;
  if (it != entries_.end() && now < it->second.last_delivery + window_) {
    it->second.held = Held{type, line, std::move(state_line), rv, type != EventType::kAdded};
    flushes_.emplace(it->second.last_delivery + window_, key);
    held_rvs_.insert(rv);
    return Verdict::kHold;
  }
  if (it == entries_.end()) it = entries_.emplace(key, Entry{}).first;
  record_delivery(key, it->second, now);
  return Verdict::kSend;
}

void Debouncer::delivered(const std::string& key, clock::time_point now) {
  auto it = entries_.find(key);
  if (it == entries_.end()) it = entries_.emplace(key, Entry{}).first;
  if (it->second.held) return;  // its flush stands for this delivery
  record_delivery(key, it->second, now);
}

void Debouncer::record_delivery(const std::string& key, Entry& entry, clock::time_point now) {
  entry.last_delivery = now;
  recent_.emplace_back(now, key);
}

Debouncer::Flush Debouncer::flush(const std::string& key, Entry& entry, clock::time_point now) {
  Held held = std::move(*entry.held);
  entry.held.reset();
  flushes_.erase({entry.last_delivery + window_, key});
  held_rvs_.erase(held_rvs_.find(held.rv));
  record_delivery(key, entry, now);
  return {key, std::move(held.line), std::move(held.state_line)};
}

std::vector<Debouncer::Flush> Debouncer::take_due(clock::time_point now) {
  std::vector<Flush> out;
  while (!flushes_.empty() && flushes_.begin()->first <= now) {
    const std::string key = flushes_.begin()->second;
    out.push_back(flush(key, entries_.at(key), now));
  }
  while (!recent_.empty() && recent_.front().first + window_ <= now) {
    auto it = entries_.find(recent_.front().second);
    if (it != entries_.end() && it->second.last_delivery == recent_.front().first &&
        !it->second.held) {
      entries_.erase(it);
    }
    recent_.pop_front();
  }
  return out;
}

std::vector<Debouncer::Flush> Debouncer::take_all() {
  std::vector<Flush> out;
  for (const auto& [due, key] : flushes_) {
    Held& held = *entries_.at(key).held;
    out.push_back({key, std::move(held.line), std::move(held.state_line)});
  }
  entries_.clear();
  recent_.clear();
  flushes_.clear();
  held_rvs_.clear();
  return out;
}

std::optional<Debouncer::clock::time_point> Debouncer::next_due() const {
  if (flushes_.empty()) return std::nullopt;
  return flushes_.begin()->first;
}

std::optional<std::uint64_t> Debouncer::oldest_held() const {
  if (held_rvs_.empty()) return std::nullopt;
  return *held_rvs_.begin();
}

bool Debouncer::holds(const std::string& key) const {
  auto it = entries_.find(key);
  return it != entries_.end() && it->second.held.has_value();
}

}  // namespace watchfilter::proxy::informer

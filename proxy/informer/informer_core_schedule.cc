// InformerCore: the events of the proxy's own making (resync, debounce flushes, wake-ups) and
// live WatchFilter changes of filterRef streams. The rest of the core is informer_core.cc.

#include "filters/filter_state.h"
#include "proxy/informer/informer_core.h"
#include "proxy/kube/watch_events.h"

namespace watchfilter::proxy::informer {

using filters::EventType;
using std::chrono::steady_clock;

bool InformerCore::follow_binding(Subscription& sub, std::vector<OutEvent>& out, CoreTime now) {
  WatcherRecord& record = *sub.record;
  if (!record.binding) return true;
  const std::uint64_t generation = record.binding->generation();
  if (record.binding_generation == generation) return true;
  const auto definition = record.binding->current();
  record.binding_generation = definition ? definition->generation : generation;
  if (!definition || !definition->filter) return false;
  if (definition->filter != record.state.filter()) {
    // From the next event on. The objects the stream has are what the new filter compares
    // with, so an unchanged object is not sent again (no ADDED storm).
    record.state = filters::FilterState(definition->filter);
    prime(record);
  }
  apply_settings(record, definition->resync, definition->debounce, out);
  sync_resync(sub, now.steady);
  return true;
}

InformerCore::Subscriptions::iterator InformerCore::end_filter_invalid(Subscriptions::iterator it,
                                                                       CoreTime now) {
  Subscription sub = std::move(it->second);
  by_endpoint_.erase(sub.endpoint.get());
  it = subscriptions_.erase(it);
  const auto definition = sub.record->binding->current();
  std::string why = definition && !definition->error.empty() ? definition->error : "no filter";
  if (!why.starts_with("WatchFilter "))
    why = "WatchFilter " + sub.record->binding->ref() + ": " + why;
  release(sub, now.steady);
  // The record's filter is gone: a reconnect with the same id starts over.
  if (!sub.record->id.empty()) watchers_.erase(sub.record->owner, sub.record->id);
  if (options_.logger && options_.logger->v(1)) {
    options_.logger->info("informer " + info_.gvr.group_resource().to_string() +
                          ": stream ended: " + why);
  }
  // 400 BadRequest, like a filter= expression that does not compile: the request can no longer
  // be served as it stands. Not 410: clients relist on 410, and the relist would fail too.
  sub.endpoint->end(EndCause::kFilterInvalid,
                    std::make_shared<const std::string>(error_line("BadRequest", 400, why)));
  return it;
}

void InformerCore::apply_settings(WatcherRecord& record,
                                  std::optional<std::chrono::milliseconds> resync,
                                  std::optional<std::chrono::milliseconds> debounce,
                                  std::vector<OutEvent>& out) {
  record.resync = resync;
  const bool same =
      debounce ? record.debounce && record.debounce->window() == *debounce : !record.debounce;
  if (same) return;
  // Held events were admitted: a new window (or none) releases them now.
  if (record.debounce) flush_held(record, record.debounce->take_all(), out);
  if (debounce) {
    record.debounce.emplace(*debounce);
  } else {
    record.debounce.reset();
  }
}

void InformerCore::sync_resync(Subscription& sub, steady_clock::time_point now) {
  const auto& wanted = sub.record->resync;
  if (wanted ? sub.resync && sub.resync->period() == *wanted : !sub.resync) return;
  if (!wanted) {
    sub.resync.reset();
    return;
  }
  sub.resync.emplace(*wanted, now);
  if (!sub.record->selector.empty()) {
    for (const auto& key : sub.record->selected) sub.resync->add(key);
  } else {
    for (const auto& [key, object] : cache_.entries()) sub.resync->add(key);
  }
}

void InformerCore::track_resync(Subscription& sub, const filters::EventView& view,
                                const std::string& key) {
  if (!sub.resync) return;
  if (view.type() != EventType::kDeleted && in_view(*sub.record, key)) {
    sub.resync->add(key);
  } else {
    sub.resync->remove(key);
  }
}

void InformerCore::prime(WatcherRecord& record) {
  if (!record.state.filter()->program().stateful()) return;  // nothing to remember
  for (const auto& [key, object] : cache_.entries()) {
    if (!record.selector.empty() && !record.selected.contains(key)) continue;
    record.state.remember(synth_parser_.parse_object(object.object, EventType::kModified));
  }
}

void InformerCore::flush_held(WatcherRecord& record, std::vector<Debouncer::Flush> flushes,
                              std::vector<OutEvent>& out) {
  for (auto& flush : flushes) {
    record.state.remember(
        synth_parser_.parse_event(flush.state_line ? *flush.state_line : *flush.line));
    // Admitted events: logged, at the stream's position (never older, so the log stays in
    // order; a resume from exactly that position gets it again).
    record.log.append(record.evaluated_through, flush.line, /*positioned=*/true);
    out.push_back({record.evaluated_through, std::move(flush.line)});
    if (record.metrics) record.metrics->delivered.fetch_add(1, std::memory_order_relaxed);
  }
}

OutEvent InformerCore::synthetic_modified(WatcherRecord& record, const CachedObject& object,
                                          SyntheticReason reason,
                                          std::shared_ptr<const std::string> line) {
  // Bypasses the filter; the client now has the current object, so the next real event is
  // compared with it. Not logged: a resync or wake-up a client missed is not sent again.
  record.state.remember(synth_parser_.parse_object(object.object, EventType::kModified));
  metrics_->count_synthetic(reason);
  if (!line) line = std::make_shared<const std::string>(event_line("MODIFIED", object.object));
  return {record.evaluated_through, std::move(line)};
}

void InformerCore::resync_due(Subscription& sub, std::vector<OutEvent>& out,
                              steady_clock::time_point now) {
  if (!sub.resync) return;
  WatcherRecord& record = *sub.record;
  for (const std::string& key : sub.resync->take_due(now)) {
    const CachedObject* object = cache_.find(key);
    if (object == nullptr || !in_view(record, key)) {
      sub.resync->remove(key);
      continue;
    }
    // A held event of the object is flushed within the debounce window with the same state.
    if (record.debounce && record.debounce->holds(key)) continue;
    out.push_back(synthetic_modified(record, *object, SyntheticReason::kResync));
  }
}

void InformerCore::offer_wakeup(const Wakeup& wakeup, CoreTime now) {
  if (!wakeup.resource.empty() && wakeup.resource != info_.gvr.group_resource().to_string()) return;
  // Only the streams of the user who made the wake-up: another user's id is another watcher.
  auto record = watchers_.find(wakeup.owner, wakeup.watcher);
  if (!record || record->attached_subscription == 0) return;
  // Wall-clock due time to the steady clock, once: a past due time is due at once (never
  // subtracted: a stored time decades old would overflow the nanoseconds).
  const auto delay =
      wakeup.due <= now.system
          ? steady_clock::duration::zero()
          : std::chrono::duration_cast<steady_clock::duration>(wakeup.due - now.system);
  due_wakeups_.add(wakeup, now.steady + delay);
}

void InformerCore::wakeups_due(std::map<std::uint64_t, std::vector<OutEvent>>& batches,
                               CoreTime now) {
  for (const Wakeup& wakeup : due_wakeups_.take_due(now.steady)) {
    auto record = watchers_.find(wakeup.owner, wakeup.watcher);
    if (!record || record->attached_subscription == 0 || !options_.wakeups) continue;
    auto sub = subscriptions_.find(record->attached_subscription);
    if (sub == subscriptions_.end()) continue;
    const std::string key = wakeup.object_key();
    const CachedObject* object = cache_.find(key);
    if (object == nullptr || !in_view(*record, key)) {
      // Nothing to wake the watcher for; the wake-up is used up all the same.
      if (options_.wakeups->claim(wakeup.name) && options_.logger && options_.logger->v(2)) {
        options_.logger->info("wake-up " + wakeup.name + " for watcher " + wakeup.watcher + ": " +
                              info_.gvr.group_resource().to_string() + " " + key +
                              " is not in the stream; dropped");
      }
      continue;
    }
    // Another informer (the same user's watcher id on another resource) may have taken it.
    if (!options_.wakeups->claim(wakeup.name)) continue;
    batches[sub->first].push_back(synthetic_modified(*record, *object, SyntheticReason::kWakeup));
  }
}

void InformerCore::run_due(CoreTime now) {
  std::map<std::uint64_t, std::vector<OutEvent>> batches;
  for (auto it = subscriptions_.begin(); it != subscriptions_.end();) {
    Subscription& sub = it->second;
    std::vector<OutEvent> out;
    if (!follow_binding(sub, out, now)) {
      it = end_filter_invalid(it, now);
      continue;
    }
    if (sub.record->debounce) {
      flush_held(*sub.record, sub.record->debounce->take_due(now.steady), out);
    }
    resync_due(sub, out, now.steady);
    if (!out.empty()) batches.emplace(it->first, std::move(out));
    ++it;
  }
  wakeups_due(batches, now);
  for (auto& [id, out] : batches) {
    auto it = subscriptions_.find(id);
    if (it != subscriptions_.end()) send(it->second, std::move(out), false, /*synthetic=*/true);
  }
}

std::optional<steady_clock::time_point> InformerCore::next_due() const {
  std::optional<steady_clock::time_point> earliest = due_wakeups_.next_due();
  auto consider = [&](std::optional<steady_clock::time_point> due) {
    if (due && (!earliest || *due < *earliest)) earliest = due;
  };
  for (const auto& [id, sub] : subscriptions_) {
    if (sub.resync) consider(sub.resync->next_due());
    if (sub.record->debounce) consider(sub.record->debounce->next_due());
  }
  return earliest;
}

}  // namespace watchfilter::proxy::informer

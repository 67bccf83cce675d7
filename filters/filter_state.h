#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "filters/compiled_filter.h"
#include "filters/decision.h"
#include "filters/evaluator.h"
#include "filters/event_view.h"
#include "filters/object_state.h"

namespace watchfilter::filters {

// One stream's filter and what it remembers per object (keyed by metadata.uid). Rules:
//  - ADDED/MODIFIED: the expression decides. "Last delivered" values (changed, delta, reldelta,
//    oldObject) are updated only when the event is delivered; outlier() observes every event,
//    delivered or not.
//  - An object with no delivered version yet has no old version: change predicates are true.
//  - DELETED is always delivered and frees the object's state.
//  - BOOKMARK, ERROR and events whose JSON is not an object are delivered untouched (the last
//    with Decision::error set); the filter does not apply to them.
//  - An expression that ends in a runtime error delivers the event and counts an error.
// Not thread-safe: one stream is decided by one thread at a time. Copy or move it to keep a
// stream's state across a client reconnect.
class FilterState {
 public:
  explicit FilterState(std::shared_ptr<const CompiledFilter> filter);

  Decision decide(const EventView& event);
  // The same, with the time the event was observed, which outlier()'s hour-of-day baseline
  // uses (decide(event) reads the system clock, and only for filters that need it). Replays
  // and tests pass the time of the recorded event.
  Decision decide(const EventView& event, ObservedAt observed_at);
  // Records `event`'s object as the version last delivered, without deciding: the proxy sent
  // it on its own (a resync, a wake-up, a debounced event flushed later) or a stream starts a
  // new filter on objects its client already has. The next decide() then compares with it.
  // DELETED forgets the object. outlier() does not observe it (it is no new version) and
  // the counters do not change.
  void remember(const EventView& event);

  const std::shared_ptr<const CompiledFilter>& filter() const noexcept { return filter_; }
  const FilterCounters& counters() const noexcept { return counters_; }
  std::size_t tracked_objects() const noexcept { return objects_.size(); }
  // Approximate heap footprint of the per-object state, for metrics.
  std::size_t memory_bytes() const noexcept;
  // Drops all per-object state (e.g. after the proxy relists and cannot tell what was deleted).
  void clear() noexcept { objects_.clear(); }

 private:
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept;
  };
  using Objects = std::unordered_map<std::string, ObjectState, KeyHash, std::equal_to<>>;

  ObjectState& state_for(Objects::iterator& it, const EventView& event);
  void remember_delivery(ObjectState& state, Evaluator& evaluator, const EventView& event);
  Decision deliver_with_error(std::string message);

  std::shared_ptr<const CompiledFilter> filter_;
  Objects objects_;
  FilterCounters counters_;
  EvalScratch scratch_;
};

}  // namespace watchfilter::filters

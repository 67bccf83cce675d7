#include "filters/filter_state.h"

#include <cmath>
#include <limits>

namespace watchfilter::filters {

std::size_t FilterState::KeyHash::operator()(std::string_view s) const noexcept {
  return std::hash<std::string_view>{}(s);
}

FilterState::FilterState(std::shared_ptr<const CompiledFilter> filter)
    : filter_(std::move(filter)) {}

Decision FilterState::deliver_with_error(std::string message) {
  ++counters_.delivered;
  ++counters_.errors;
  return Decision{.deliver = true, .error = std::move(message)};
}

Decision FilterState::decide(const EventView& event) {
  // The clock is read only for filters whose outlier() keeps an hour-of-day baseline.
  return decide(event,
                filter_->program().uses_clock() ? std::chrono::system_clock::now() : ObservedAt{});
}

Decision FilterState::decide(const EventView& event, ObservedAt observed_at) {
  ++counters_.evaluated;
  if (!event.valid()) {
    return deliver_with_error("event is not a JSON object: " + std::string(event.parse_error()));
  }
  const Program& program = filter_->program();
  const EventType type = event.type();
  if (type != EventType::kAdded && type != EventType::kModified && type != EventType::kDeleted) {
    ++counters_.delivered;
    return {};
  }

  event.prefetch(filter_->prefetch_paths());
  std::string key_storage;
  std::string_view key = event.uid();
  if (key.empty()) {
    key_storage = event.object_key();
    key = key_storage;
  }
  if (type == EventType::kDeleted) {
    // The client must learn of deletions whatever the filter says; the object's state goes.
    if (auto it = objects_.find(key); it != objects_.end()) objects_.erase(it);
    ++counters_.delivered;
    return {};
  }

  auto it = program.stateful() ? objects_.find(key) : objects_.end();
  const ObjectState* state = it == objects_.end() ? nullptr : &it->second;
  scratch_.reset(program);
  Evaluator evaluator(program, event, state, scratch_);

  // outlier() sees every event, so its inputs are read before && / || can skip them.
  for (std::size_t i = 0; i < program.outlier_slots.size(); ++i) {
    OutlierProbe& probe = scratch_.outliers[i];
    probe.input = evaluator.eval(program.outlier_slots[i].node);
    probe.verdict = {};
    if (probe.input.kind == Kind::kNumber && state != nullptr) {
      probe.verdict = state->outliers[i].assess(probe.input.number, observed_at);
    }
  }

  const Value result = evaluator.eval(program.root);
  Decision decision;
  if (result.kind == Kind::kBool) {
    decision.deliver = result.boolean;
  } else {
    decision.deliver = true;
    decision.error = result.is_error() ? std::string(result.text)
                                       : "expected the filter to give a bool, got a " +
                                             std::string(kind_name(result.kind));
    ++counters_.errors;
  }

  if (program.stateful() && (decision.deliver || !program.outlier_slots.empty())) {
    ObjectState& object = state_for(it, event);
    if (decision.deliver) remember_delivery(object, evaluator, event);
    for (std::size_t i = 0; i < program.outlier_slots.size(); ++i) {
      const OutlierProbe& probe = scratch_.outliers[i];
      if (probe.input.kind == Kind::kNumber && std::isfinite(probe.input.number)) {
        object.outliers[i].observe(probe.input.number, observed_at, probe.verdict);
      }
    }
  }
  if (decision.deliver) ++counters_.delivered;
  return decision;
}

void FilterState::remember(const EventView& event) {
  if (!event.valid()) return;
  const EventType type = event.type();
  if (type != EventType::kAdded && type != EventType::kModified && type != EventType::kDeleted) {
    return;
  }
  const Program& program = filter_->program();
  if (!program.stateful()) return;
  std::string key_storage;
  std::string_view key = event.uid();
  if (key.empty()) {
    key_storage = event.object_key();
    key = key_storage;
  }
  auto it = objects_.find(key);
  if (type == EventType::kDeleted) {
    if (it != objects_.end()) objects_.erase(it);
    return;
  }
  event.prefetch(filter_->prefetch_paths());
  ObjectState& object = state_for(it, event);
  scratch_.reset(program);
  Evaluator evaluator(program, event, &object, scratch_);
  remember_delivery(object, evaluator, event);
}

ObjectState& FilterState::state_for(Objects::iterator& it, const EventView& event) {
  if (it != objects_.end()) return it->second;
  const Program& program = filter_->program();
  std::string key(event.uid());
  if (key.empty()) key = event.object_key();
  ObjectState fresh;
  fresh.fingerprints.assign(program.changed_slots.size(), EventView::kMissingFingerprint);
  fresh.numbers.assign(program.number_slots.size(), std::numeric_limits<double>::quiet_NaN());
  fresh.snapshots.resize(program.snapshot_slots.size());
  fresh.outliers.reserve(program.outlier_slots.size());
  for (const OutlierSlot& slot : program.outlier_slots)
    fresh.outliers.emplace_back(slot.spec, slot.z);
  it = objects_.emplace(std::move(key), std::move(fresh)).first;
  return it->second;
}

void FilterState::remember_delivery(ObjectState& state, Evaluator& evaluator,
                                    const EventView& event) {
  const Program& program = filter_->program();
  state.delivered = true;
  for (std::size_t i = 0; i < program.changed_slots.size(); ++i) {
    state.fingerprints[i] = event.fingerprint(program.paths[program.changed_slots[i]]);
  }
  for (std::size_t i = 0; i < program.number_slots.size(); ++i) {
    const Value& v = evaluator.number(static_cast<std::uint32_t>(i));
    state.numbers[i] =
        v.kind == Kind::kNumber ? v.number : std::numeric_limits<double>::quiet_NaN();
  }
  for (std::size_t i = 0; i < program.snapshot_slots.size(); ++i) {
    const Value v = event.lookup(program.paths[program.snapshot_slots[i]]);
    state.snapshots[i] = v.is_error() ? RememberedValue{} : RememberedValue::from(v);
  }
}

std::size_t FilterState::memory_bytes() const noexcept {
  // Per entry: the hash node (key, value, next pointer, cached hash) plus what the state owns.
  std::size_t bytes = objects_.bucket_count() * sizeof(void*);
  for (const auto& [key, state] : objects_) {
    bytes += sizeof(std::pair<const std::string, ObjectState>) + 2 * sizeof(void*);
    if (key.size() > 15) bytes += key.capacity();
    bytes += state.memory_bytes() - sizeof(ObjectState);
  }
  return bytes;
}

}  // namespace watchfilter::filters

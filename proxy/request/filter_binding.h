#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "filters/compiled_filter.h"
#include "proxy/kube/group_version_resource.h"
#include "proxy/kube/label_selector.h"

namespace watchfilter::proxy {

// One entry of spec.owned: a secondary resource whose admitted events wake the owner's stream.
struct OwnedDefinition {
  kube::GroupVersionResource gvr;
  std::shared_ptr<const LabelSelector> label_selector;  // never null
  std::string filter_source;                            // "true" when the entry has no filter
  std::shared_ptr<const filters::CompiledFilter> filter;
};

// One version of a WatchFilter as streams use it: what the proxy read from the object's spec.
// Immutable once published; streams hold it by shared_ptr.
struct FilterDefinition {
  std::uint64_t generation = 0;  // bumped by the catalog on every change it publishes
  std::string source;            // spec.filter
  // The compiled expression; null when the WatchFilter is invalid or was deleted (then `error`
  // says why, e.g. "col 12: unknown function foo" or "WatchFilter db/x was deleted").
  std::shared_ptr<const filters::CompiledFilter> filter;
  std::string error;
  std::optional<std::chrono::milliseconds> resync;    // spec.resync
  std::optional<std::chrono::milliseconds> debounce;  // spec.debounce
  std::vector<OwnedDefinition> owned;                 // spec.owned (compiled)
  bool include_owned = false;                         // spec.includeOwned
};

// The live link between a WatchFilter (`namespace/name`) and the streams that reference it with
// filterRef: the catalog publishes each new definition here; a stream's watcher record compares
// generation() with the one it runs and swaps its filter from the next event on (or ends with
// an ERROR event when the definition has no filter). Counters feed the WatchFilter's status.
// Thread-safe.
class FilterBinding {
 public:
  explicit FilterBinding(std::string ref, std::shared_ptr<const FilterDefinition> definition)
      : ref_(std::move(ref)), definition_(std::move(definition)) {
    generation_.store(definition_ ? definition_->generation : 0, std::memory_order_release);
  }

  const std::string& ref() const { return ref_; }
  // Cheap check on the hot path: compare with the generation a record runs.
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  std::shared_ptr<const FilterDefinition> current() const {
    std::lock_guard lock(mutex_);
    return definition_;
  }
  void publish(std::shared_ptr<const FilterDefinition> definition) {
    std::lock_guard lock(mutex_);
    definition_ = std::move(definition);
    generation_.store(definition_ ? definition_->generation : 0, std::memory_order_release);
  }

  // For status: events the filter decided (observed) and admitted (delivered) on every stream
  // that references it, and how many streams are open on it.
  std::atomic<std::uint64_t> observed{0};
  std::atomic<std::uint64_t> delivered{0};
  std::atomic<std::int64_t> streams{0};

 private:
  const std::string ref_;
  mutable std::mutex mutex_;
  std::shared_ptr<const FilterDefinition> definition_;
  std::atomic<std::uint64_t> generation_{0};
};

}  // namespace watchfilter::proxy

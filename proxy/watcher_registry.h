#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "filters/filter_state.h"
#include "proxy/debouncer.h"
#include "proxy/event_window.h"
#include "proxy/field_selector.h"
#include "proxy/filter_binding.h"
#include "proxy/metrics.h"

namespace watchfilter::proxy::informer {

// The admitted events of one watcher, newest last, so that a reconnect can get again what was
// admitted (and so counted as delivered by the filter state) but perhaps never written.
// Bounded like the informer's window; `complete_after()` is the resourceVersion after which
// the log holds every admitted event.
//
// A debounced event flushed later is logged at the stream's position when it was sent
// (`positioned`), which an event the client read just before it may share; a resume from
// exactly that position gets it again (never fewer events, at worst one twice).
class AdmittedLog {
 public:
  AdmittedLog(std::size_t max_events, std::size_t max_bytes)
      : max_events_(max_events == 0 ? 1 : max_events), max_bytes_(max_bytes) {}

  void append(std::uint64_t rv, std::shared_ptr<const std::string> line, bool positioned = false);
  // The client confirmed everything through `rv` (it resumed from there).
  void drop_through(std::uint64_t rv);
  // The events to send again to a client resuming from `rv`, in order.
  std::vector<WindowEvent> after(std::uint64_t rv) const;
  std::uint64_t complete_after() const { return complete_after_; }
  void reset(std::uint64_t complete_after);
  std::size_t size() const { return events_.size(); }
  std::size_t bytes() const { return bytes_; }

 private:
  struct Logged {
    WindowEvent event;
    bool positioned = false;
  };
  std::size_t max_events_;
  std::size_t max_bytes_;
  std::deque<Logged> events_;
  std::size_t bytes_ = 0;
  std::uint64_t complete_after_ = 0;
};

// What the proxy keeps per named watcher (the `watcher` parameter) across reconnects: the
// filter's per-object state, which objects passed the field selector, the resourceVersion
// through which events were evaluated, and the admitted-events log. Anonymous streams have a
// record too, owned by their subscription alone. A record of a filterRef stream follows its
// WatchFilter (`binding`): filter, resync and debounce change with it. Confined to the
// informer's strand.
struct WatcherRecord {
  WatcherRecord(std::string id, std::string filter_source,
                std::shared_ptr<const FieldSelector> selector,
                std::shared_ptr<const filters::CompiledFilter> filter, std::size_t log_events,
                std::size_t log_bytes)
      : id(std::move(id)),
        filter_source(std::move(filter_source)),
        selector(std::move(selector)),
        state(std::move(filter)),
        log(log_events, log_bytes) {}

  std::string id;
  std::string filter_source;
  std::shared_ptr<const FieldSelector> selector;  // never null
  filters::FilterState state;
  std::unordered_set<std::string> selected;  // keys passing the field selector (if any)
  std::uint64_t evaluated_through = 0;
  AdmittedLog log;
  std::uint64_t attached_subscription = 0;  // 0: detached
  std::chrono::steady_clock::time_point detached_at{};
  std::shared_ptr<StreamMetrics> metrics;
  // filterRef: the WatchFilter and the generation of it this record runs (nullopt: not yet
  // compared with the binding).
  std::shared_ptr<FilterBinding> binding;
  std::optional<std::uint64_t> binding_generation;
  std::optional<std::chrono::milliseconds> resync;  // the period its streams resync at
  // Held events survive a reconnect of a named watcher: they were admitted and are flushed on
  // the stream that resumes.
  std::optional<Debouncer> debounce;
};

// Named watcher records of one informer, kept for a TTL after their stream ended and bounded in
// number (the oldest detached record goes first).
class WatcherRegistry {
 public:
  WatcherRegistry(std::chrono::steady_clock::duration ttl, std::size_t max_records)
      : ttl_(ttl), max_records_(max_records) {}

  std::shared_ptr<WatcherRecord> find(const std::string& id) const;
  void put(std::shared_ptr<WatcherRecord> record);
  void erase(const std::string& id);
  // Drops detached records older than the TTL, and those that fell behind the window (they can
  // no longer resume; the client gets 410 and starts over).
  void expire(std::chrono::steady_clock::time_point now, std::uint64_t window_floor);
  std::size_t size() const { return records_.size(); }
  std::vector<std::shared_ptr<WatcherRecord>> all() const;

 private:
  std::chrono::steady_clock::duration ttl_;
  std::size_t max_records_;
  std::map<std::string, std::shared_ptr<WatcherRecord>> records_;
};

}  // namespace watchfilter::proxy::informer

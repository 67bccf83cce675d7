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
#include "proxy/informer/debouncer.h"
#include "proxy/informer/event_window.h"
#include "proxy/informer/watcher_quota.h"
#include "proxy/kube/object_selector.h"
#include "proxy/request/filter_binding.h"
#include "proxy/telemetry/metrics.h"

namespace watchfilter::proxy::informer {

// The admitted events of one watcher, newest last, so that a reconnect can get again what was
// admitted (and so counted as delivered by the filter state) but perhaps never written.
// Bounded like the informer's window; `complete_after()` is the resourceVersion after which
// the log holds every admitted event.
//
// Only a named watcher (`watcher=<id>`) can come back to its record, so only its log is kept:
// an anonymous stream's record has a disabled log (`AdmittedLog::disabled()`), which appends
// nothing. About 40 bytes an entry and every admitted event up to the window's bound made a
// log per anonymous stream the proxy's largest cost (1,000 streams: ~400 MB at the bound) for
// entries nobody could ever read (issue 14).
//
// A debounced event flushed later is logged at the stream's position when it was sent
// (`positioned`), which an event the client read just before it may share; a resume from
// exactly that position gets it again (never fewer events, at worst one twice).
class AdmittedLog {
 public:
  AdmittedLog(std::size_t max_events, std::size_t max_bytes)
      : max_events_(max_events == 0 ? 1 : max_events), max_bytes_(max_bytes) {}
  // A log that keeps nothing (an anonymous stream's): append() is a no-op.
  static AdmittedLog disabled() {
    AdmittedLog log(1, 0);
    log.enabled_ = false;
    return log;
  }
  bool enabled() const { return enabled_; }

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
  bool enabled_ = true;
};

// What the proxy keeps per named watcher (the `watcher` parameter) across reconnects: the
// filter's per-object state, which objects passed the selectors, the resourceVersion
// through which events were evaluated, and the admitted-events log. Anonymous streams have a
// record too, owned by their subscription alone. A record of a filterRef stream follows its
// WatchFilter (`binding`): filter, resync and debounce change with it. Confined to the
// informer's strand.
struct WatcherRecord {
  WatcherRecord(std::string owner, std::string id, std::string filter_source,
                ObjectSelector selector, std::shared_ptr<const filters::CompiledFilter> filter,
                AdmittedLog log)
      : owner(std::move(owner)),
        id(std::move(id)),
        filter_source(std::move(filter_source)),
        selector(std::move(selector)),
        state(std::move(filter)),
        log(std::move(log)) {}

  std::string owner;  // the user it belongs to (owner_of): another user's id is another watcher
  std::string id;
  std::string filter_source;
  ObjectSelector selector;
  filters::FilterState state;
  std::unordered_set<std::string> selected;  // keys passing the selectors (when there are any)
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

// Named watcher records of one informer, by (owner, id), kept for a TTL after their stream ended
// and bounded in number (the oldest detached record goes first). Every record kept and dropped
// is reported to `quota` (when given) under `scope`, the informer's name.
class WatcherRegistry {
 public:
  WatcherRegistry(std::chrono::steady_clock::duration ttl, std::size_t max_records,
                  std::shared_ptr<WatcherQuota> quota = nullptr, std::string scope = {})
      : ttl_(ttl), max_records_(max_records), quota_(std::move(quota)), scope_(std::move(scope)) {}
  ~WatcherRegistry();
  WatcherRegistry(const WatcherRegistry&) = delete;
  WatcherRegistry& operator=(const WatcherRegistry&) = delete;

  std::shared_ptr<WatcherRecord> find(const std::string& owner, const std::string& id) const;
  void put(std::shared_ptr<WatcherRecord> record);
  void erase(const std::string& owner, const std::string& id);
  // Drops detached records older than the TTL, and those that fell behind the window (they can
  // no longer resume; the client gets 410 and starts over).
  void expire(std::chrono::steady_clock::time_point now, std::uint64_t window_floor);
  std::size_t size() const { return records_.size(); }
  std::vector<std::shared_ptr<WatcherRecord>> all() const;

 private:
  using Records = std::map<std::pair<std::string, std::string>, std::shared_ptr<WatcherRecord>>;
  Records::iterator erase(Records::iterator it);

  std::chrono::steady_clock::duration ttl_;
  std::size_t max_records_;
  std::shared_ptr<WatcherQuota> quota_;
  std::string scope_;
  Records records_;
};

}  // namespace watchfilter::proxy::informer

#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "filters/event_view.h"
#include "proxy/base/log.h"
#include "proxy/informer/due_wakeups.h"
#include "proxy/informer/event_window.h"
#include "proxy/informer/object_cache.h"
#include "proxy/informer/relist_diff.h"
#include "proxy/informer/resync_schedule.h"
#include "proxy/informer/watcher_registry.h"
#include "proxy/kube/group_version_resource.h"
#include "proxy/request/watch_request.h"
#include "proxy/telemetry/metrics.h"
#include "proxy/wakeup/wakeup_book.h"

namespace watchfilter::proxy::informer {

// What discovery says about the resource an informer watches.
struct ResourceInfo {
  kube::GroupVersionResource gvr;  // gvr.group_resource() is the metrics label
  std::string kind;
  bool namespaced = true;
};

// One event for a stream: its bytes (shared by every stream that gets them) and the
// resourceVersion a client resumes from after it.
using OutEvent = WindowEvent;

// The receiving end of a subscription: a client's watch stream. Called on the informer's
// strand; an implementation hands over to its own strand and never blocks the informer.
class StreamEndpoint {
 public:
  virtual ~StreamEndpoint() = default;
  // Admitted events, in order, and the resourceVersion through which this stream's events have
  // been evaluated: every admitted event up to it is in this call or an earlier one, so a
  // BOOKMARK may carry it.
  virtual void deliver(std::vector<OutEvent> events, std::uint64_t evaluated_through) = 0;
  // The events a stream starts with (initial events, the watcher log resent, the window
  // replayed), before any deliver(). Their bytes are shared and immutable; the endpoint feeds
  // them to its client as it reads, so they do not count as a backlog of a slow client.
  virtual void deliver_catch_up(std::vector<OutEvent> events, std::uint64_t evaluated_through) {
    deliver(std::move(events), evaluated_through);
  }
  // The stream must end after `final_line` (may be null).
  virtual void end(EndCause cause, std::shared_ptr<const std::string> final_line) = 0;
  // The stream's metrics series, shared with its watcher record (null: the core makes one).
  virtual std::shared_ptr<StreamMetrics> metrics() const { return nullptr; }
};

struct CoreOptions {
  std::size_t window_events = 10000;
  std::size_t window_bytes = 64u << 20;
  std::chrono::steady_clock::duration watcher_ttl = std::chrono::minutes(10);
  std::size_t max_watchers = 10000;
  // Named watcher records per user across informers (--max-watchers-per-user; null: no limit),
  // and the name this informer's records are reported under (its key).
  std::shared_ptr<WatcherQuota> watcher_quota;
  std::string watcher_scope;
  // The pending wake-ups (POST .../wakeups); null: no wake-ups.
  std::shared_ptr<WakeupBook> wakeups;
  // null: the core logs nothing (the Informer sets its own).
  std::shared_ptr<const Logger> logger;
};

// The time the core works with, passed in so that tests drive it: the steady clock for
// everything it schedules (resync, debounce), the wall clock only to convert a wake-up's due
// time when it is scheduled.
struct CoreTime {
  std::chrono::steady_clock::time_point steady;
  std::chrono::system_clock::time_point system;
  static CoreTime current() {
    return {std::chrono::steady_clock::now(), std::chrono::system_clock::now()};
  }
};

// The state of one shared informer and everything it decides, without any I/O: the object
// cache, the event window, the subscribed streams and the watcher records. The informer calls
// it on its strand with what upstream sent; each upstream event is parsed once and every
// stream's FilterState decides on that one view. Not thread-safe.
//
// Events of the proxy's own making (docs/proxy.md "Resync, debounce, wake-ups"): resync
// (a MODIFIED with the current object per object every period), debounce (held events flushed
// at the end of the object's window) and wake-ups (a MODIFIED for one object of a named watcher
// at a due time). They are due at times the core keeps; the informer runs run_due() at
// next_due(). Their stream position (OutEvent::rv) is the stream's evaluated_through, never
// older, and a batch holding any is followed by a BOOKMARK when the stream asked for bookmarks,
// because clients resume from an event's own (older) resourceVersion.
class InformerCore {
 public:
  InformerCore(ResourceInfo info, CoreOptions options, std::shared_ptr<Metrics> metrics);
  ~InformerCore();
  InformerCore(const InformerCore&) = delete;
  InformerCore& operator=(const InformerCore&) = delete;

  // Turns LIST items (upstream's bytes) into cache entries: kind/apiVersion spliced in, key
  // and resourceVersion read. Items that are not objects with a name are skipped.
  std::vector<ListedObject> to_listed(const std::vector<std::string>& items);
  // The first LIST: the cache becomes `listed`, the window starts at `list_rv`. No events.
  void load(const std::vector<ListedObject>& listed, std::uint64_t list_rv);
  // A LIST after upstream's 410 Gone: only the differences reach the streams (relist_diff).
  // Returns the number of difference events.
  std::size_t relist(const std::vector<ListedObject>& listed, std::uint64_t list_rv,
                     CoreTime now = CoreTime::current());

  enum class LineKind { kEvent, kBookmark, kExpired, kError, kInvalid };
  struct LineResult {
    LineKind kind = LineKind::kInvalid;
    std::string message;  // kError / kInvalid
  };
  // One line of the upstream watch (with or without its '\n').
  LineResult apply_line(std::shared_ptr<const std::string> line,
                        CoreTime now = CoreTime::current());

  // A new stream for `request`. Sends it its first events (initial, resent and replayed) and
  // returns its subscription id, or 0 when the stream was ended at once (410 Expired, or its
  // WatchFilter has no valid filter). A named watcher's pending wake-ups are scheduled.
  std::uint64_t attach(const WatchRequest& request, std::shared_ptr<StreamEndpoint> endpoint,
                       CoreTime now = CoreTime::current());
  void detach(std::uint64_t subscription, CoreTime now = CoreTime::current());
  // The same, by the endpoint the subscription was made with (no-op when it is not attached).
  void detach(const StreamEndpoint* endpoint, CoreTime now = CoreTime::current());
  // Periodically (every second): what run_due() does, then tells streams how far they were
  // evaluated (bookmarks) and expires watcher records.
  void tick(CoreTime now);
  // Sends what is due at `now`: debounced events, resyncs and wake-ups; follows WatchFilter
  // changes of filterRef streams.
  void run_due(CoreTime now);
  // When run_due() has something to do next (nullopt: nothing scheduled). O(streams).
  std::optional<std::chrono::steady_clock::time_point> next_due() const;
  // A new wake-up (from the WakeupBook): scheduled when its watcher is attached here and its
  // resource is this informer's; otherwise ignored (the book keeps it for the watcher's return).
  void offer_wakeup(const Wakeup& wakeup, CoreTime now);
  // Owned resources (WatchFilter spec.owned; informer_core_owned.cc): a secondary's admitted
  // change wakes its owner on `endpoint`'s stream. When that stream is attached here and has
  // the object `owner_key` (in its field selector's view, with uid `owner_uid` unless that is
  // empty), it gets a synthetic MODIFIED with the current object, bypassing its filter, under
  // the rules of the other synthetic events (position, BOOKMARK after, filter state, debounce:
  // a woken owner counts as an admitted event). `owned_annotation_json` (null: none) becomes
  // metadata.annotations["watchfilter.io/owned"] of the object the event carries.
  void wake_owner(const StreamEndpoint* endpoint, const std::string& owner_key,
                  std::string_view owner_uid,
                  std::shared_ptr<const std::string> owned_annotation_json, CoreTime now);
  // Ends every stream (the informer stops).
  void end_all(EndCause cause, CoreTime now = CoreTime::current());

  // The body of the List answering `request` (a GET with filter): the cached objects that pass
  // the field selector and the filter on their first event.
  std::string list_body(const WatchRequest& request);

  // The body of a GET of one object (request.path.name) with a filter: the cached object
  // bytes (kind and apiVersion included, as a GET answers), or nullopt when the object does not
  // exist or the field selector or the filter (on its first event) rejects it: through a
  // filter, an object the filter rejects does not exist.
  std::optional<std::string> get_body(const WatchRequest& request);

  std::uint64_t resource_version() const { return window_.newest(); }
  std::size_t subscriptions() const { return subscriptions_.size(); }
  std::size_t watcher_records() const { return watchers_.size(); }
  // Entries of every admitted-event log the core keeps (open streams' and kept named watchers'):
  // what the logs cost, for tests and benchmarks.
  std::size_t admitted_log_entries() const;
  std::size_t scheduled_wakeups() const { return due_wakeups_.size(); }
  const ObjectCache& cache() const { return cache_; }
  const EventWindow& window() const { return window_; }
  const ResourceInfo& info() const { return info_; }

 private:
  struct Subscription {
    std::shared_ptr<WatcherRecord> record;
    std::shared_ptr<StreamEndpoint> endpoint;
    std::uint64_t progress_posted = 0;
    bool bookmarks = false;  // allowWatchBookmarks
    std::optional<ResyncSchedule> resync;
    std::shared_ptr<FilterBinding> counted_binding;  // whose `streams` counts this one
  };
  using Subscriptions = std::map<std::uint64_t, Subscription>;
  // The subscription made with `endpoint` (end() when it is not attached): O(1), for detach and
  // owner wake-ups, which name their stream by its endpoint.
  Subscriptions::iterator find_subscription(const StreamEndpoint* endpoint);
  // Removes a subscription from subscriptions_ and its endpoint index (release() it first).
  Subscriptions::iterator erase_subscription(Subscriptions::iterator it);

  std::shared_ptr<WatcherRecord> fresh_record(const WatchRequest& request,
                                              const StreamEndpoint& endpoint);
  // The version of an event's object before the event (WindowEvent::previous), parsed at most
  // once per event however many streams judge their selectors on it.
  class PreviousObject {
   public:
    PreviousObject(const std::shared_ptr<const std::string>& added_line,
                   filters::EventParser& parser)
        : line_(added_line), parser_(parser) {}
    // Whether the object existed before the event and passed `selector` then.
    bool matched(const ObjectSelector& selector);
    // The object before the event (call only after matched() said true).
    std::string_view object() const { return view_->raw_object(); }

   private:
    const std::shared_ptr<const std::string>& line_;
    filters::EventParser& parser_;
    std::optional<filters::EventView> view_;
  };
  void process_event(const filters::EventView& view, const std::shared_ptr<const std::string>& line,
                     std::uint64_t rv, CoreTime now);
  // Decides one event for one record; appends what it admits to `out`.
  void evaluate(WatcherRecord& record, const filters::EventView& view,
                const std::shared_ptr<const std::string>& line, PreviousObject& previous,
                std::uint64_t rv, const std::string& key, std::vector<OutEvent>& out,
                std::chrono::steady_clock::time_point now);
  void evaluate_initial(WatcherRecord& record, std::vector<OutEvent>& out,
                        std::chrono::steady_clock::time_point now);
  // `synthetic`: the batch holds events of the proxy's own making (a BOOKMARK follows).
  void send(Subscription& sub, std::vector<OutEvent> events, bool catch_up = false,
            bool synthetic = false);
  // The resourceVersion a BOOKMARK of the record's stream may carry: evaluated_through, but
  // below a held (debounced) event, which was admitted and not sent yet.
  static std::uint64_t progress(const WatcherRecord& record);
  // The subscription is gone: its record detaches, its counters and wake-ups go.
  void release(Subscription& sub, std::chrono::steady_clock::time_point now);
  bool in_view(const WatcherRecord& record, const std::string& key) const;

  // informer_core_schedule.cc: events of the proxy's own making, WatchFilter changes.
  // False when the record's WatchFilter has no valid filter any more (the stream must end).
  bool follow_binding(Subscription& sub, std::vector<OutEvent>& out, CoreTime now);
  Subscriptions::iterator end_filter_invalid(Subscriptions::iterator it, CoreTime now);
  void apply_settings(WatcherRecord& record, std::optional<std::chrono::milliseconds> resync,
                      std::optional<std::chrono::milliseconds> debounce,
                      std::vector<OutEvent>& out);
  // Makes the stream's schedule follow record.resync; called where that can change (attach,
  // follow_binding), not per event.
  void sync_resync(Subscription& sub, std::chrono::steady_clock::time_point now);
  void track_resync(Subscription& sub, const filters::EventView& view, const std::string& key);
  void prime(WatcherRecord& record);
  void flush_held(WatcherRecord& record, std::vector<Debouncer::Flush> flushes,
                  std::vector<OutEvent>& out);
  void resync_due(Subscription& sub, std::vector<OutEvent>& out,
                  std::chrono::steady_clock::time_point now);
  void wakeups_due(std::map<std::uint64_t, std::vector<OutEvent>>& batches, CoreTime now);
  // `line`: the event sent (null: a MODIFIED with the object's bytes).
  OutEvent synthetic_modified(WatcherRecord& record, const CachedObject& object,
                              SyntheticReason reason,
                              std::shared_ptr<const std::string> line = nullptr);

  ResourceInfo info_;
  CoreOptions options_;
  std::shared_ptr<Metrics> metrics_;
  std::atomic<std::uint64_t>* observed_;
  filters::EventParser parser_;           // the upstream event
  filters::EventParser synth_parser_;     // initial events, selector transitions
  filters::EventParser previous_parser_;  // PreviousObject
  ObjectCache cache_;
  EventWindow window_;
  WatcherRegistry watchers_;
  Subscriptions subscriptions_;
  std::unordered_map<const StreamEndpoint*, std::uint64_t> by_endpoint_;
  DueWakeups due_wakeups_;
  std::uint64_t next_subscription_ = 1;
};

// "namespace/name" of an object ("/name" when cluster-scoped).
std::string object_cache_key(const filters::EventView& view);

}  // namespace watchfilter::proxy::informer

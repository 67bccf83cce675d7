#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "proxy/base/backoff.h"
#include "proxy/base/line_splitter.h"
#include "proxy/base/log.h"
#include "proxy/informer/informer_core.h"
#include "proxy/upstream/upstream_client.h"
#include "proxy/upstream/upstream_fetch.h"

namespace watchfilter::proxy {
class UpstreamStream;
}

namespace watchfilter::proxy::informer {

// Which upstream list+watch an informer is: one per (group/version/resource, namespace or
// cluster scope), shared by every stream that asks for it whatever its selectors (label and
// field selectors are evaluated in the proxy, proxy/kube/object_selector.h). The namespace is the
// decoded, validated name (a DNS label), so that no spelling of it makes another informer.
struct InformerKey {
  kube::GroupVersionResource gvr;
  std::string namespace_name;  // "" for cluster scope (or all namespaces)

  std::string to_string() const;
  auto operator<=>(const InformerKey&) const = default;
};

struct InformerOptions {
  CoreOptions core;
  std::chrono::steady_clock::duration tick = std::chrono::seconds(1);
  std::chrono::steady_clock::duration backoff_initial = std::chrono::milliseconds(500);
  std::chrono::steady_clock::duration backoff_max = std::chrono::seconds(30);
  std::size_t list_page_size = 500;
  std::size_t list_body_limit = 512u << 20;
};

// Why the first LIST failed: the reply a waiting client gets (upstream's own Status when it
// answered, else a 503).
struct SyncFailure {
  unsigned status = 503;
  std::string body;  // a Status JSON
};

// One shared upstream list+watch. LIST (paginated), then WATCH from the list's
// resourceVersion with allowWatchBookmarks; a watch that ends is resumed from the newest
// resourceVersion (at once after a clean end, with exponential backoff and jitter after a
// failure); 410 Gone relists and sends the streams only the differences. Everything runs on
// the informer's own strand; the public members may be called from any thread. One timer runs
// the core's scheduled events (resync, debounce, wake-ups) at core.next_due().
class Informer : public std::enable_shared_from_this<Informer>, public WakeupTarget {
 public:
  Informer(boost::asio::any_io_executor strand, std::shared_ptr<UpstreamClient> client,
           std::shared_ptr<const Logger> logger, std::shared_ptr<Metrics> metrics, InformerKey key,
           ResourceInfo info, InformerOptions options);
  ~Informer() override;

  // Also subscribes to options.core.wakeups, when there is a book.
  void start();
  // Ends every stream (cause shutdown) and closes the upstream watch. Idempotent.
  void stop();

  // Calls `handler` on the informer's strand once the first LIST is in (nullopt) or has failed.
  void when_synced(std::function<void(std::optional<SyncFailure>)> handler);
  void attach(std::shared_ptr<const WatchRequest> request,
              std::shared_ptr<StreamEndpoint> endpoint);
  void detach(std::shared_ptr<StreamEndpoint> endpoint);
  // The List body for a GET with a filter; `handler` runs on the informer's strand.
  void list(std::shared_ptr<const WatchRequest> request, std::function<void(std::string)> handler);
  // The object for a GET of one object with a filter (nullopt: not found through the filter);
  // `handler` runs on the informer's strand.
  void get(std::shared_ptr<const WatchRequest> request,
           std::function<void(std::optional<std::string>)> handler);

  // WakeupTarget: from any thread; scheduled on the strand.
  void wakeup_added(const Wakeup& wakeup) override;

  // Owned resources (proxy/stream/owned_watches.h), from any thread. InformerCore::wake_owner on
  // the strand, for `endpoint` (nothing once it is gone).
  void wake_owner(std::weak_ptr<StreamEndpoint> endpoint, std::string owner_key,
                  std::string owner_uid, std::shared_ptr<const std::string> owned_annotation_json);
  // Runs `reader` on the strand with the current objects. Always posted, never run inline: a
  // caller on this strand may be inside the core (a StreamEndpoint's deliver()).
  void read_cache(std::function<void(const ObjectCache&)> reader);

  const InformerKey& key() const { return key_; }
  // What this informer's watcher records are counted under in CoreOptions::watcher_quota.
  const std::string& watcher_scope() const { return watcher_scope_; }
  const ResourceInfo& info() const { return info_; }

 private:
  // The informer's phase, on its strand. Every phase answers "what is the informer waiting
  // for"; the transitions the code makes are the ones allowed in informer.cc's can_enter():
  //
  //   kIdle --start()--> kListing --first LIST in--> kOpeningWatch --200--> kWatching
  //   kListing --LIST failed--> kListFailed --when_synced()--> kListing
  //   kOpeningWatch --failed or refused--> kOpeningWatch (tried again after a backoff)
  //   kOpeningWatch --refused with 410--> kRelisting
  //   kWatching --ended--> kOpeningWatch (at once when clean, else after a backoff)
  //   kWatching --expired (410)--> kRelisting --LIST in--> kOpeningWatch
  //   kRelisting --LIST failed--> kRelisting (after a backoff)
  //   any but kStopped --stop()--> kStopped
  //
  // "Synced" (the cache holds a LIST) is not a separate fact: it is true exactly in the phases
  // after the first LIST (kRelisting, kOpeningWatch, kWatching), which never lead back to the
  // ones before it (a failed relist retries; only a first LIST fails to kListFailed). Once
  // stopped it no longer matters: every caller asks about kStopped first.
  enum class State {
    kIdle,          // constructed; start() has not run
    kListing,       // the first LIST (all its pages) is in flight; no cache yet
    kListFailed,    // the first LIST failed; the next when_synced() tries again (no timer)
    kRelisting,     // a LIST to replace the cache is in flight or waits out a backoff
    kOpeningWatch,  // the WATCH request is in flight or waits out a backoff
    kWatching,      // the upstream watch is open (counted in upstream_watches)
    kStopped,       // stop() ran: nothing more is asked of upstream
  };
  static const char* name(State state);
  static bool can_enter(State from, State to);
  // The one place state_ changes. A transition can_enter() does not allow is a bug: an assert
  // in debug builds, an error line (and the transition made all the same) in release builds.
  void enter(State next);
  bool stopped() const { return state_ == State::kStopped; }
  bool synced() const {
    return state_ == State::kRelisting || state_ == State::kOpeningWatch ||
           state_ == State::kWatching;
  }

  void do_list(std::string continue_token);
  void on_list_page(FetchResult result);
  void list_failed(unsigned status, std::string body, const std::string& why);
  void do_watch();
  void on_watch_open(boost::system::error_code ec, const std::string& step);
  void do_watch_read();
  void on_watch_read(boost::system::error_code ec, std::size_t n);
  void watch_ended(bool clean, bool expired);
  void retry_after_backoff(bool relist);
  void schedule_tick();
  // (Re)arms due_timer_ at core_.next_due() when that is earlier than what it waits for; call
  // after anything that may schedule something.
  void arm_due();
  std::string list_target(const std::string& continue_token) const;

  boost::asio::any_io_executor strand_;
  std::shared_ptr<UpstreamClient> client_;
  std::shared_ptr<const Logger> logger_;
  std::shared_ptr<Metrics> metrics_;
  InformerKey key_;
  ResourceInfo info_;
  InformerOptions options_;
  std::string watcher_scope_;
  InformerCore core_;
  Backoff backoff_;
  boost::asio::steady_timer retry_timer_;
  boost::asio::steady_timer tick_timer_;
  boost::asio::steady_timer due_timer_;
  std::optional<std::chrono::steady_clock::time_point> due_armed_;
  std::uint64_t due_generation_ = 0;  // a re-armed timer's cancelled wait is not a firing

  State state_ = State::kIdle;
  std::vector<std::function<void(std::optional<SyncFailure>)>> sync_waiters_;
  std::vector<std::string> list_items_;
  std::uint64_t list_rv_ = 0;

  std::shared_ptr<UpstreamStream> upstream_;
  LineSplitter lines_;
  std::array<char, 64 * 1024> read_buffer_{};
};

}  // namespace watchfilter::proxy::informer

#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "filters/event_type.h"

namespace watchfilter::proxy::informer {

// debounce=<D> for one stream: at most one event per object per window D, carrying the newest
// state, and the last change of a burst is never dropped.
//
// An admitted event within D of the object's last delivery is held; later events of that
// object, admitted or not, replace the held one with the newest state (its type follows what
// the client has: a held ADDED stays ADDED, a change after a held DELETED is a MODIFIED of the
// client's object, a DELETED is DELETED). The held event is flushed at last delivery + D.
// Pure: the caller passes the time. Not thread-safe.
class Debouncer {
 public:
  using clock = std::chrono::steady_clock;

  explicit Debouncer(std::chrono::milliseconds window) : window_(window) {}

  enum class Verdict {
    kSend,    // admitted and sent now (recorded as a delivery at `now`)
    kHold,    // admitted, held until the flush
    kMerged,  // replaced the held event of its object
    kIgnore,  // not admitted, nothing held: the filter's decision stands
  };
  // An event the filter decided for `key`: `line` is the event as the stream would send it
  // (type `type`, object bytes `object`), `rv` its position. `state_line` (null: `line`) is
  // what the filter state records when the held event is flushed: the object as upstream has
  // it, where `line` carries more (an owner event with its includeOwned annotation).
  Verdict offer(const std::string& key, filters::EventType type,
                const std::shared_ptr<const std::string>& line, std::string_view object,
                bool admitted, std::uint64_t rv, clock::time_point now,
                std::shared_ptr<const std::string> state_line = nullptr);
  // A delivery decided elsewhere (an initial event): starts the object's window.
  void delivered(const std::string& key, clock::time_point now);

  struct Flush {
    std::string key;
    std::shared_ptr<const std::string> line;
    std::shared_ptr<const std::string> state_line;  // null: `line`
  };
  // The held events due at or before `now` (each then counts as delivered at `now`), and forgets
  // objects whose window has passed.
  std::vector<Flush> take_due(clock::time_point now);
  // Every held event, at once, and forgets everything (the window changes or the stream stops
  // debouncing).
  std::vector<Flush> take_all();

  std::optional<clock::time_point> next_due() const;
  // The position of the oldest held event: a stream's progress (what a BOOKMARK may carry)
  // stays below it, since that admitted event has not been sent yet.
  std::optional<std::uint64_t> oldest_held() const;
  bool holds(const std::string& key) const;
  std::size_t tracked() const { return entries_.size(); }
  std::chrono::milliseconds window() const { return window_; }

 private:
  struct Held {
    filters::EventType type;
    std::shared_ptr<const std::string> line;
    std::shared_ptr<const std::string> state_line;  // null: `line`
    std::uint64_t rv;                               // position of the first held event
    bool client_had;  // whether the client had the object when holding started
  };
  struct Entry {
    clock::time_point last_delivery;
    std::optional<Held> held;
  };
  void record_delivery(const std::string& key, Entry& entry, clock::time_point now);
  Flush flush(const std::string& key, Entry& entry, clock::time_point now);

  std::chrono::milliseconds window_;
  std::unordered_map<std::string, Entry> entries_;
  // Deliveries in time order, to forget objects whose window has passed without scanning
  // (entries superseded by a later delivery are skipped).
  std::deque<std::pair<clock::time_point, std::string>> recent_;
  std::set<std::pair<clock::time_point, std::string>> flushes_;  // held objects by flush time
  std::multiset<std::uint64_t> held_rvs_;
};

}  // namespace watchfilter::proxy::informer

#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace watchfilter::proxy::informer {

// When the objects of one stream get their resync events (resync=<P>). Each object has a phase,
// a stable hash of its key ("namespace/name") modulo P, and is due at origin + phase + k*P for
// every k >= 0 with a due time after the origin (the stream's start): N objects spread evenly
// over the period instead of arriving together, and each one comes back every P.
//
// Structure: the objects sorted by (phase, key) and a cursor (every due time up to it has been
// handled). The next due time is the first phase after the cursor's offset in its cycle, or the
// first phase of the next cycle: O(log n) to find it and to add or remove an object, nothing
// per object while nothing is due. Chosen over a min-heap of (due, key): objects come and go
// without stale heap entries or duplicates, and it is one structure instead of heap + index.
class ResyncSchedule {
 public:
  using clock = std::chrono::steady_clock;

  // period > 0.
  ResyncSchedule(std::chrono::milliseconds period, clock::time_point origin);

  // Idempotent.
  void add(const std::string& key);
  void remove(const std::string& key);

  // The earliest due time after the cursor (nullopt: no objects).
  std::optional<clock::time_point> next_due() const;
  // The keys due at or before `now`, in due order, and moves the cursor to `now`. Each key at
  // most once per call: a timer that fires several periods late sends one resync per object,
  // not one per missed period.
  std::vector<std::string> take_due(clock::time_point now);

  std::chrono::milliseconds period() const { return period_; }
  std::size_t size() const { return keys_.size(); }
  static std::int64_t phase_ms(std::string_view key, std::chrono::milliseconds period);

 private:
  using Entry = std::pair<std::int64_t, std::string>;  // (phase in ms, key)
  using Probe = std::pair<std::int64_t, std::string_view>;
  // Orders entries and finds one by a Probe without copying the key: add() runs for every event
  // of an object the stream has, which is nearly always in the set already.
  struct EntryLess {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      return Probe(a.first, a.second) < Probe(b.first, b.second);
    }
  };
  using Entries = std::set<Entry, EntryLess>;
  // The next due time and the first entry of the phase due then.
  std::pair<clock::time_point, Entries::const_iterator> next() const;

  std::chrono::milliseconds period_;
  clock::time_point origin_;
  clock::time_point done_through_;
  Entries keys_;
};

}  // namespace watchfilter::proxy::informer

#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>

namespace watchfilter::proxy::informer {

// One upstream event as the informer keeps it: its resourceVersion and its line (upstream's
// bytes, '\n' included), shared with every stream that forwards it. In the window, `previous`
// is the object's version before the event (its cached ADDED line; null for a new object), which
// selector transitions are judged on, as kube-apiserver's watch cache keeps prevObject; it stays
// null in what streams are sent.
struct WindowEvent {
  std::uint64_t rv = 0;
  std::shared_ptr<const std::string> line;
  std::shared_ptr<const std::string> previous = nullptr;
};

// The informer's bounded history of recent events, by count and bytes, so that a client can
// resume from a resourceVersion it saw: every event with rv > floor() is held. A resume from
// r >= floor() replays the events after r; from r < floor() it is 410 Gone, as upstream.
class EventWindow {
 public:
  EventWindow(std::size_t max_events, std::size_t max_bytes)
      : max_events_(max_events == 0 ? 1 : max_events), max_bytes_(max_bytes) {}

  // Empties the window: the state at `rv` (a LIST) is the new starting point.
  void reset(std::uint64_t rv);
  // Appends an event; rvs must not decrease. Evicts the oldest events over the limits (the
  // newest event is always kept); an event's bytes are its line and its previous version.
  void append(std::uint64_t rv, std::shared_ptr<const std::string> line,
              std::shared_ptr<const std::string> previous = nullptr);
  // A BOOKMARK: nothing happened up to rv.
  void advance(std::uint64_t rv);

  std::uint64_t floor() const { return floor_; }
  std::uint64_t newest() const { return newest_; }
  bool covers(std::uint64_t rv) const { return rv >= floor_; }
  // Index of the first event with rv > `rv`.
  std::size_t first_after(std::uint64_t rv) const;
  std::size_t size() const { return events_.size(); }
  std::size_t bytes() const { return bytes_; }
  const WindowEvent& operator[](std::size_t i) const { return events_[i]; }

 private:
  std::size_t max_events_;
  std::size_t max_bytes_;
  std::deque<WindowEvent> events_;
  std::size_t bytes_ = 0;
  std::uint64_t floor_ = 0;
  std::uint64_t newest_ = 0;
};

}  // namespace watchfilter::proxy::informer

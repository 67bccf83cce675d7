#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "proxy/informer/event_window.h"
#include "proxy/stream/queue_budget.h"

namespace watchfilter::proxy {

// A stream's events between the informer and the client's socket, in two parts written in
// order: the catch-up (the events a stream starts with: initial events, the watcher log resent,
// the window replayed) and then the live events.
//
// The catch-up is a snapshot of shared, immutable event bytes (the cache's and the window's);
// the queue holds pointers to them and feeds them to the socket one write at a time, as it
// drains. It is not bounded: having more to send at the start than --stream-queue-bytes is not
// being slow (a client that stops reading during it is cut by the write timeout).
//
// Live events are bounded by bytes (--stream-queue-bytes). Their bytes count from push() until
// the write that carries them completes, so a client that stops reading fills the queue;
// push() then refuses and the stream is cut: the informer never waits for a stream. Live events
// arriving while the catch-up is still being written wait behind it and count toward the limit.
// Live bytes also count toward the proxy's `budget` for all streams (QueueBudget), when given.
class StreamQueue {
 public:
  explicit StreamQueue(std::size_t limit, std::shared_ptr<QueueBudget> budget = nullptr);
  ~StreamQueue();
  StreamQueue(const StreamQueue&) = delete;
  StreamQueue& operator=(const StreamQueue&) = delete;

  enum class Push { kQueued, kStreamFull, kBudgetFull };
  // Appends to the catch-up (never refused). Catch-up events are written before any live event.
  void push_catch_up(informer::WindowEvent event);
  // A live event. kStreamFull when it would take the live bytes over the limit (one event always
  // fits when no live bytes are queued or in flight), kBudgetFull when the budget refuses it.
  Push push(informer::WindowEvent event);
  // Moves up to `max_bytes` of queued events (at least one) into flight, for one write:
  // catch-up first, then live.
  std::vector<informer::WindowEvent> take(std::size_t max_bytes);
  // The write carrying `bytes` in-flight bytes completed.
  void written(std::size_t bytes);
  // Drops what is queued and not in flight (the stream is being cut).
  void clear_queued();

  bool has_queued() const { return !catch_up_.empty() || !queued_.empty(); }
  bool catching_up() const { return !catch_up_.empty(); }
  // Every byte not yet written (catch-up included): the queue-bytes gauge.
  std::size_t bytes() const {
    return catch_up_bytes_ + in_flight_catch_up_ + queued_bytes_ + in_flight_bytes_;
  }
  // The bytes the limit applies to: live events queued or in flight.
  std::size_t live_bytes() const { return queued_bytes_ + in_flight_bytes_; }
  std::size_t limit() const { return limit_; }
  const QueueBudget* budget() const { return budget_.get(); }

 private:
  std::size_t limit_;
  std::shared_ptr<QueueBudget> budget_;
  std::deque<informer::WindowEvent> catch_up_;
  std::size_t catch_up_bytes_ = 0;
  std::size_t in_flight_catch_up_ = 0;
  std::deque<informer::WindowEvent> queued_;
  std::size_t queued_bytes_ = 0;
  std::size_t in_flight_bytes_ = 0;
};

// When a stream sends a BOOKMARK: when the resourceVersion through which its events were
// evaluated has moved past what it last sent (event or bookmark), at most once per interval.
class BookmarkPolicy {
 public:
  using clock = std::chrono::steady_clock;
  BookmarkPolicy(clock::duration interval, clock::time_point start)
      : interval_(interval), last_bookmark_(start) {}

  void sent_event(std::uint64_t rv) { last_sent_ = std::max(last_sent_, rv); }
  void progress(std::uint64_t rv) { progress_ = std::max(progress_, rv); }
  // The bookmark to send now, if any (and records it as sent).
  std::optional<std::uint64_t> take_due(clock::time_point now);
  // When a bookmark will be due (nullopt: nothing new to announce).
  std::optional<clock::time_point> next_due() const;
  // At shutdown: the bookmark to send regardless of the interval, if the stream is behind.
  std::optional<std::uint64_t> take_final();

  std::uint64_t last_sent() const { return last_sent_; }
  std::uint64_t progress_rv() const { return progress_; }

 private:
  clock::duration interval_;
  clock::time_point last_bookmark_;
  std::uint64_t last_sent_ = 0;
  std::uint64_t progress_ = 0;
};

}  // namespace watchfilter::proxy

#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "proxy/event_window.h"

namespace watchfilter::proxy {

// A stream's events between the informer and the client's socket, bounded by bytes
// (--stream-queue-bytes). Bytes count from push() until the write that carries them completes,
// so a client that stops reading fills it; push() then refuses and the stream is cut: the
// informer never waits for a stream.
class StreamQueue {
 public:
  explicit StreamQueue(std::size_t limit) : limit_(limit) {}

  // False when the event would take the queue over its limit (one event always fits an empty
  // queue).
  bool push(informer::WindowEvent event);
  // Moves up to `max_bytes` of queued events (at least one) into flight, for one write.
  std::vector<informer::WindowEvent> take(std::size_t max_bytes);
  // The write carrying `bytes` in-flight bytes completed.
  void written(std::size_t bytes);
  // Drops what is queued and not in flight (the stream is being cut).
  void clear_queued();

  bool has_queued() const { return !queued_.empty(); }
  std::size_t bytes() const { return queued_bytes_ + in_flight_bytes_; }
  std::size_t limit() const { return limit_; }

 private:
  std::size_t limit_;
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

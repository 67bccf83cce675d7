#pragma once

#include <atomic>
#include <cstddef>

namespace watchfilter::proxy {

// One byte budget for the live events queued for every stream together
// (--max-stream-queue-bytes-total; each stream also has its own --stream-queue-bytes). When a
// push would take the total over the budget, the stream pushing is cut only if it then holds more
// than its share (budget / streams) and held something before: a client that reads keeps its
// queue near empty, so the streams cut are those whose clients do not read, the ones that filled
// the budget, not whichever well-behaved stream happened to push next. Refusing new streams
// instead would let slow clients lock everyone else out. The total may pass the budget by the
// events of streams under their share (at most the budget again, plus an event per stream).
// Lock-free; every StreamQueue that joins leaves.
class QueueBudget {
 public:
  explicit QueueBudget(std::size_t total) : total_(total) {}

  void join() { streams_.fetch_add(1, std::memory_order_relaxed); }
  void leave() { streams_.fetch_sub(1, std::memory_order_relaxed); }
  // Whether a stream holding `held` live bytes may queue `size` more; if so, they are counted.
  bool admit(std::size_t held, std::size_t size);
  void release(std::size_t bytes) { used_.fetch_sub(bytes, std::memory_order_relaxed); }

  std::size_t total() const { return total_; }
  std::size_t used() const { return used_.load(std::memory_order_relaxed); }
  std::size_t streams() const { return streams_.load(std::memory_order_relaxed); }
  // The share of one stream now (the whole budget when there is one stream or none).
  std::size_t share() const;

 private:
  const std::size_t total_;
  std::atomic<std::size_t> used_{0};
  std::atomic<std::size_t> streams_{0};
};

}  // namespace watchfilter::proxy

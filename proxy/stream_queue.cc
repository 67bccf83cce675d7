#include "proxy/stream_queue.h"

namespace watchfilter::proxy {

bool StreamQueue::push(informer::WindowEvent event) {
  const std::size_t size = event.line->size();
  if (bytes() != 0 && bytes() + size > limit_) return false;
  queued_bytes_ += size;
  queued_.push_back(std::move(event));
  return true;
}

std::vector<informer::WindowEvent> StreamQueue::take(std::size_t max_bytes) {
  std::vector<informer::WindowEvent> out;
  std::size_t taken = 0;
  while (!queued_.empty() && (out.empty() || taken + queued_.front().line->size() <= max_bytes)) {
    taken += queued_.front().line->size();
    out.push_back(std::move(queued_.front()));
    queued_.pop_front();
  }
  queued_bytes_ -= taken;
  in_flight_bytes_ += taken;
  return out;
}

void StreamQueue::written(std::size_t bytes) {
  in_flight_bytes_ -= std::min(bytes, in_flight_bytes_);
}

void StreamQueue::clear_queued() {
  queued_.clear();
  queued_bytes_ = 0;
}

std::optional<std::uint64_t> BookmarkPolicy::take_due(clock::time_point now) {
  if (progress_ <= last_sent_ || now - last_bookmark_ < interval_) return std::nullopt;
  last_bookmark_ = now;
  last_sent_ = progress_;
  return progress_;
}

std::optional<BookmarkPolicy::clock::time_point> BookmarkPolicy::next_due() const {
  if (progress_ <= last_sent_) return std::nullopt;
  return last_bookmark_ + interval_;
}

std::optional<std::uint64_t> BookmarkPolicy::take_final() {
  if (progress_ <= last_sent_) return std::nullopt;
  last_sent_ = progress_;
  return progress_;
}

}  // namespace watchfilter::proxy

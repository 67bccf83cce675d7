#include "proxy/stream_queue.h"

namespace watchfilter::proxy {

void StreamQueue::push_catch_up(informer::WindowEvent event) {
  catch_up_bytes_ += event.line->size();
  catch_up_.push_back(std::move(event));
}

bool StreamQueue::push(informer::WindowEvent event) {
  const std::size_t size = event.line->size();
  if (live_bytes() != 0 && live_bytes() + size > limit_) return false;
  queued_bytes_ += size;
  queued_.push_back(std::move(event));
  return true;
}

std::vector<informer::WindowEvent> StreamQueue::take(std::size_t max_bytes) {
  std::vector<informer::WindowEvent> out;
  std::size_t taken = 0;
  while (!catch_up_.empty() &&
         (out.empty() || taken + catch_up_.front().line->size() <= max_bytes)) {
    taken += catch_up_.front().line->size();
    out.push_back(std::move(catch_up_.front()));
    catch_up_.pop_front();
  }
  catch_up_bytes_ -= taken;
  in_flight_catch_up_ += taken;
  if (!catch_up_.empty()) return out;  // live events wait behind the whole catch-up
  const std::size_t from_catch_up = taken;
  while (!queued_.empty() && (out.empty() || taken + queued_.front().line->size() <= max_bytes)) {
    taken += queued_.front().line->size();
    out.push_back(std::move(queued_.front()));
    queued_.pop_front();
  }
  queued_bytes_ -= taken - from_catch_up;
  in_flight_bytes_ += taken - from_catch_up;
  return out;
}

void StreamQueue::written(std::size_t bytes) {
  const std::size_t catch_up = std::min(bytes, in_flight_catch_up_);
  in_flight_catch_up_ -= catch_up;
  bytes -= catch_up;
  in_flight_bytes_ -= std::min(bytes, in_flight_bytes_);
}

void StreamQueue::clear_queued() {
  catch_up_.clear();
  catch_up_bytes_ = 0;
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

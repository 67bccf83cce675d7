#include "proxy/stream/stream_queue.h"

namespace watchfilter::proxy {

StreamQueue::StreamQueue(std::size_t limit, std::shared_ptr<QueueBudget> budget)
    : limit_(limit), budget_(std::move(budget)) {
  if (budget_) budget_->join();
}

StreamQueue::~StreamQueue() {
  if (!budget_) return;
  budget_->release(live_bytes());
  budget_->leave();
}

void StreamQueue::push_catch_up(informer::WindowEvent event) {
  catch_up_bytes_ += event.line->size();
  catch_up_.push_back(std::move(event));
}

StreamQueue::Push StreamQueue::push(informer::WindowEvent event) {
  const std::size_t size = event.line->size();
  if (live_bytes() != 0 && live_bytes() + size > limit_) return Push::kStreamFull;
  if (budget_ && !budget_->admit(live_bytes(), size)) return Push::kBudgetFull;
  queued_bytes_ += size;
  queued_.push_back(std::move(event));
  return Push::kQueued;
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
  const std::size_t live = std::min(bytes, in_flight_bytes_);
  in_flight_bytes_ -= live;
  if (budget_) budget_->release(live);
}

void StreamQueue::clear_queued() {
  catch_up_.clear();
  catch_up_bytes_ = 0;
  queued_.clear();
  if (budget_) budget_->release(queued_bytes_);
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

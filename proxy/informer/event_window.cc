#include "proxy/informer/event_window.h"

#include <algorithm>

namespace watchfilter::proxy::informer {

void EventWindow::reset(std::uint64_t rv) {
  events_.clear();
  bytes_ = 0;
  floor_ = rv;
  newest_ = rv;
}

void EventWindow::append(std::uint64_t rv, std::shared_ptr<const std::string> line,
                         std::shared_ptr<const std::string> previous) {
  rv = std::max(rv, newest_);
  // The previous version counts too: the window is what keeps it alive.
  bytes_ += line->size() + (previous ? previous->size() : 0);
  events_.push_back({rv, std::move(line), std::move(previous)});
  newest_ = rv;
  while (events_.size() > 1 && (events_.size() > max_events_ || bytes_ > max_bytes_)) {
    floor_ = events_.front().rv;
    const WindowEvent& oldest = events_.front();
    bytes_ -= oldest.line->size() + (oldest.previous ? oldest.previous->size() : 0);
    events_.pop_front();
  }
}

void EventWindow::advance(std::uint64_t rv) { newest_ = std::max(newest_, rv); }

std::size_t EventWindow::first_after(std::uint64_t rv) const {
  auto it = std::upper_bound(events_.begin(), events_.end(), rv,
                             [](std::uint64_t r, const WindowEvent& e) { return r < e.rv; });
  return static_cast<std::size_t>(it - events_.begin());
}

}  // namespace watchfilter::proxy::informer

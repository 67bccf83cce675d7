#include "proxy/stream/queue_budget.h"

namespace watchfilter::proxy {

std::size_t QueueBudget::share() const {
  const std::size_t n = streams();
  return n <= 1 ? total_ : total_ / n;
}

bool QueueBudget::admit(std::size_t held, std::size_t size) {
  const bool fits = used() + size <= total_;
  if (!fits && held != 0 && held + size > share()) return false;
  used_.fetch_add(size, std::memory_order_relaxed);
  return true;
}

}  // namespace watchfilter::proxy

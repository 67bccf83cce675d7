#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <utility>

namespace watchfilter::proxy {

// The bytes of request bodies held at once for forwarding (--max-forwarded-body-bytes-total).
// Under a view, a write whose bearer token authenticates may carry a body of up to
// --max-forwarded-body-bytes (kube-apiserver's own limit is 3 MB), read and held in full before
// it is forwarded; without a bound on all of them together, one authenticated user with many
// connections could make the proxy hold gigabytes. A body reserves its size (its Content-Length,
// or the per-request limit when chunked) before it is read, and gives it back when its exchange
// ends. Lock-free.
class ForwardedBodyBudget : public std::enable_shared_from_this<ForwardedBodyBudget> {
 public:
  // A reservation; releases its bytes when destroyed. Empty (false) when nothing is held.
  class Hold {
   public:
    Hold() = default;
    Hold(Hold&& other) noexcept
        : budget_(std::move(other.budget_)), bytes_(std::exchange(other.bytes_, 0)) {}
    Hold& operator=(Hold&& other) noexcept {
      if (this != &other) {
        release();
        budget_ = std::move(other.budget_);
        bytes_ = std::exchange(other.bytes_, 0);
      }
      return *this;
    }
    Hold(const Hold&) = delete;
    Hold& operator=(const Hold&) = delete;
    ~Hold() { release(); }

    explicit operator bool() const { return budget_ != nullptr; }
    std::uint64_t bytes() const { return bytes_; }
    void release() {
      if (budget_) budget_->used_.fetch_sub(bytes_, std::memory_order_relaxed);
      budget_.reset();
      bytes_ = 0;
    }

   private:
    friend class ForwardedBodyBudget;
    Hold(std::shared_ptr<ForwardedBodyBudget> budget, std::uint64_t bytes)
        : budget_(std::move(budget)), bytes_(bytes) {}
    std::shared_ptr<ForwardedBodyBudget> budget_;
    std::uint64_t bytes_ = 0;
  };

  explicit ForwardedBodyBudget(std::uint64_t total) : total_(total) {}

  // Reserves `bytes`, or returns an empty Hold when they would take the total over the budget.
  Hold try_hold(std::uint64_t bytes) {
    std::uint64_t used = used_.load(std::memory_order_relaxed);
    do {
      if (bytes > total_ || used > total_ - bytes) return {};
    } while (!used_.compare_exchange_weak(used, used + bytes, std::memory_order_relaxed));
    return Hold(shared_from_this(), bytes);
  }

  std::uint64_t total() const { return total_; }
  std::uint64_t used() const { return used_.load(std::memory_order_relaxed); }

 private:
  const std::uint64_t total_;
  std::atomic<std::uint64_t> used_{0};
};

}  // namespace watchfilter::proxy

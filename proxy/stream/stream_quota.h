#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace watchfilter::proxy {

// Open filtered watch streams per user (--max-streams-per-user): one user cannot hold every
// connection, informer subscription and queue the proxy can afford. A stream holds a Ticket
// from before its informer is chosen until it has ended; lists and gets take none (they end by
// themselves). Thread-safe.
class StreamQuota : public std::enable_shared_from_this<StreamQuota> {
 public:
  explicit StreamQuota(std::size_t per_user) : per_user_(per_user) {}

  // One open stream of a user; the count goes down when the last copy is destroyed.
  class Ticket {
   public:
    Ticket(std::shared_ptr<StreamQuota> quota, std::string user)
        : quota_(std::move(quota)), user_(std::move(user)) {}
    ~Ticket();
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;

   private:
    std::shared_ptr<StreamQuota> quota_;
    std::string user_;
  };

  // A ticket, or null when `user` has per_user() streams open already.
  std::shared_ptr<Ticket> try_acquire(const std::string& user);
  std::size_t open(const std::string& user) const;
  std::size_t per_user() const { return per_user_; }

 private:
  void release(const std::string& user);

  const std::size_t per_user_;
  mutable std::mutex mutex_;
  std::map<std::string, std::size_t> open_;  // users with at least one open stream
};

}  // namespace watchfilter::proxy

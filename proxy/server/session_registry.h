#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

namespace watchfilter::proxy {

class Session;

// The live sessions, so that shutdown can reach them. Sessions register when they start and
// unregister in their destructor; the registry holds only weak references. Thread-safe.
class SessionRegistry {
 public:
  std::uint64_t add(const std::shared_ptr<Session>& session);
  void remove(std::uint64_t id);
  std::size_t size() const;
  // Asks every live session to shut down (each does so on its own strand).
  void shutdown_all();

 private:
  mutable std::mutex mutex_;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, std::weak_ptr<Session>> sessions_;
};

}  // namespace watchfilter::proxy

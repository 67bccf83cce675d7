#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace watchfilter::proxy {

// A server-side RequeueAfter: deliver `namespace/object` again on the stream of watcher
// (`owner`, `watcher`) at `due`, once, with the then-current object (a MODIFIED event).
struct Wakeup {
  std::string name;     // metadata.name of the Wakeup (generated), the key in the store
  std::string owner;    // the user who created it (owner_of; spec.username)
  std::string watcher;  // the stream's `watcher` id, among `owner`'s
  std::string
      namespace_name;  // the object's namespace (the Wakeup's own namespace); "" if cluster-scoped
  std::string object;  // the object's name
  std::string resource;  // optional qualified resource ("deployments.apps"); "" = any
  std::chrono::system_clock::time_point due;
  std::chrono::system_clock::time_point created;

  std::string object_key() const { return namespace_name + "/" + object; }
};

// Receives new wake-ups (implemented by each informer: it posts to its own strand and
// schedules the wake-up when one of its attached watchers has that id).
class WakeupTarget {
 public:
  virtual ~WakeupTarget() = default;
  virtual void wakeup_added(const Wakeup& wakeup) = 0;
};

// Every pending wake-up, persisted (see wakeup_store.h) so that they survive a proxy restart.
// Thread-safe.
class WakeupBook {
 public:
  virtual ~WakeupBook() = default;
  // Informers register once; targets that are gone are skipped.
  virtual void subscribe(std::weak_ptr<WakeupTarget> target) = 0;
  // The pending wake-ups of one watcher (called when that watcher attaches).
  virtual std::vector<Wakeup> pending_for(const std::string& owner,
                                          const std::string& watcher) const = 0;
  // Takes the wake-up for delivery: true exactly once per wake-up (the first informer that
  // claims it delivers it); removes it from the store.
  virtual bool claim(const std::string& name) = 0;
};

}  // namespace watchfilter::proxy

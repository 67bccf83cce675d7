#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "proxy/base/backoff.h"
#include "proxy/base/log.h"
#include "proxy/wakeup/wakeup_book.h"
#include "proxy/wakeup/wakeup_object.h"
#include "proxy/wakeup/wakeup_store.h"

namespace watchfilter::proxy {

struct WakeupLimits {
  // Pending wake-ups (accepted and not yet delivered) in the cluster (--max-wakeups); beyond it
  // a creation is kFull.
  std::size_t max_pending = 2000;
  // Bytes of their stored JSON: a ConfigMap holds at most 1 MiB, and its metadata needs room.
  std::size_t max_bytes = 900 * 1024;
  // Pending wake-ups of one namespace (--max-wakeups-per-namespace), so that one namespace
  // cannot take the cluster's; beyond it a creation is kQuota.
  std::size_t max_per_namespace = 100;
};

// The WakeupBook: every pending wake-up, by name and by watcher, kept in a WakeupStore.
//
// A wake-up becomes pending (visible to pending_for, announced to the subscribed informers)
// only after the store has it, so an accepted wake-up survives a restart. claim() takes it out
// at once (true exactly once) and removes it from the store behind the caller's back, retrying
// with backoff until it is gone; a crash before that delivers it again after the restart (at
// least once, never lost). Names are unique across namespaces: they are the store's keys and
// what informers claim by. Thread-safe; store work and timers run on `strand`.
class WakeupRegistry final : public WakeupBook,
                             public std::enable_shared_from_this<WakeupRegistry> {
 public:
  WakeupRegistry(boost::asio::any_io_executor strand, std::shared_ptr<WakeupStore> store,
                 std::shared_ptr<const Logger> logger, WakeupLimits limits = {});

  // Loads the store (retried with backoff until it answers); until then creations, lists and
  // deletions answer kNotLoaded. Loaded wake-ups are announced to the subscribers.
  void start();
  // Cancels retries (a removal not yet persisted is then delivered again after a restart).
  void stop();

  // WakeupBook.
  void subscribe(std::weak_ptr<WakeupTarget> target) override;
  std::vector<Wakeup> pending_for(const std::string& owner,
                                  const std::string& watcher) const override;
  bool claim(const std::string& name) override;

  // kFull: a cluster-wide limit (count or bytes); kQuota: the namespace's.
  enum class Outcome { kDone, kNotLoaded, kExists, kFull, kQuota, kNotFound, kStoreFailed };
  struct Answer {
    Outcome outcome = Outcome::kDone;
    std::string message;  // why, for every outcome but kDone
    // kFull, kQuota: the limit reached (its flag without dashes, for watchfilter_limit_refusals
    // and the Status) and, for kQuota, the namespace's pending count at that moment.
    std::string limit = {};  // default: aggregate initializers may leave it out
    std::size_t used = 0;
  };
  // Stores `object` and makes it pending. `done` runs once, on the strand.
  void add(WakeupObject object, std::function<void(Answer)> done);
  // Deletes a pending wake-up of `namespace_name` (DELETE); `done` gets it as it was.
  void remove(const std::string& namespace_name, const std::string& name,
              std::function<void(Answer, std::optional<WakeupObject>)> done);
  // The pending wake-ups of a namespace ("" = all), by name; nullopt before the load.
  std::optional<std::vector<WakeupObject>> list(const std::string& namespace_name) const;
  std::optional<WakeupObject> get(const std::string& namespace_name, const std::string& name) const;
  // The load error while not loaded, else "".
  std::string not_loaded_reason() const;
  const WakeupLimits& limits() const { return limits_; }
  std::string store_description() const { return store_->describe(); }

 private:
  struct Entry {
    WakeupObject object;
    std::size_t bytes = 0;
  };

  void do_load();
  void on_loaded(WakeupStore::Loaded loaded);
  // Removes `name` from the store until it succeeds; its reservation (`bytes`) is released then.
  void remove_from_store(std::string name, std::size_t bytes);
  void after(std::chrono::steady_clock::duration delay, std::function<void()> fn);
  void insert_locked(WakeupObject object, std::size_t bytes);
  // Pending (stored or being stored) wake-ups of a namespace.
  std::size_t pending_in_locked(const std::string& namespace_name) const;
  void erase_locked(std::map<std::string, Entry>::iterator it);
  void announce(const std::vector<Wakeup>& wakeups);
  bool stopped() const;

  boost::asio::any_io_executor strand_;
  const std::shared_ptr<WakeupStore> store_;
  const std::shared_ptr<const Logger> logger_;
  const WakeupLimits limits_;

  mutable std::mutex mutex_;
  bool loaded_ = false;
  bool stopped_ = false;
  std::string load_error_;
  std::map<std::string, Entry> entries_;
  // (owner, watcher id) -> name
  std::multimap<std::pair<std::string, std::string>, std::string> by_watcher_;
  // Names the store is being changed for (an add not yet persisted, a removal not yet done):
  // taken, and their bytes counted, until the store answered.
  std::set<std::string> reserved_;
  std::size_t bytes_ = 0;
  // Metadata namespace -> wake-ups in entries_, and -> adds waiting for the store.
  std::map<std::string, std::size_t> per_namespace_;
  std::map<std::string, std::size_t> adding_per_namespace_;
  std::vector<std::weak_ptr<WakeupTarget>> targets_;

  // Strand only.
  Backoff load_backoff_{std::chrono::milliseconds(500), std::chrono::seconds(30)};
  Backoff remove_backoff_{std::chrono::milliseconds(500), std::chrono::seconds(30)};
  std::set<std::shared_ptr<boost::asio::steady_timer>> timers_;
};

// The bytes a wake-up takes in the store (its key, its JSON and the JSON around them).
std::size_t wakeup_store_bytes(const std::string& name, const std::string& json);

}  // namespace watchfilter::proxy

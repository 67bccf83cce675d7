#include "proxy/wakeup/wakeup_registry.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

namespace watchfilter::proxy {

namespace net = boost::asio;

std::size_t wakeup_store_bytes(const std::string& name, const std::string& json) {
  // "name":"json", with the JSON's quotes escaped in the ConfigMap's own JSON.
  std::size_t quotes = 0;
  for (char c : json) quotes += (c == '"' || c == '\\') ? 1 : 0;
  return name.size() + json.size() + quotes + 6;
}

WakeupRegistry::WakeupRegistry(net::any_io_executor strand, std::shared_ptr<WakeupStore> store,
                               std::shared_ptr<const Logger> logger, WakeupLimits limits)
    : strand_(std::move(strand)),
      store_(std::move(store)),
      logger_(std::move(logger)),
      limits_(limits) {}

void WakeupRegistry::start() {
  net::dispatch(strand_, [self = shared_from_this()] { self->do_load(); });
}

void WakeupRegistry::stop() {
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
  }
  net::dispatch(strand_, [self = shared_from_this()] {
    for (const auto& timer : self->timers_) timer->cancel();
    self->timers_.clear();
  });
}

bool WakeupRegistry::stopped() const {
  std::lock_guard lock(mutex_);
  return stopped_;
}

void WakeupRegistry::after(std::chrono::steady_clock::duration delay, std::function<void()> fn) {
  auto timer = std::make_shared<net::steady_timer>(strand_, delay);
  timers_.insert(timer);
  timer->async_wait(
      [self = shared_from_this(), timer, fn = std::move(fn)](boost::system::error_code ec) {
        self->timers_.erase(timer);
        if (!ec && !self->stopped()) fn();
      });
}

void WakeupRegistry::do_load() {
  if (stopped()) return;
  store_->load([self = shared_from_this()](WakeupStore::Loaded loaded) {
    net::dispatch(self->strand_, [self, loaded = std::move(loaded)]() mutable {
      self->on_loaded(std::move(loaded));
    });
  });
}

void WakeupRegistry::on_loaded(WakeupStore::Loaded loaded) {
  if (!loaded.ok) {
    const bool first = load_backoff_.attempts() == 0;
    {
      std::lock_guard lock(mutex_);
      load_error_ = loaded.error;
    }
    const auto delay = load_backoff_.next();
    if (first || logger_->v(1)) {
      logger_->warning(
          "wake-ups not loaded (" + loaded.error + "); creating them answers 503 " +
          "until a retry succeeds (next in " +
          std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(delay).count()) +
          " ms)");
    }
    return after(delay, [self = shared_from_this()] { self->do_load(); });
  }
  std::vector<Wakeup> announced;
  std::vector<std::string> broken;
  {
    std::lock_guard lock(mutex_);
    for (auto& [key, json] : loaded.entries) {
      auto object = wakeup_from_json(json);
      if (!object || object->wakeup.name != key) {
        broken.push_back(key);
        continue;
      }
      announced.push_back(object->wakeup);
      insert_locked(std::move(*object), wakeup_store_bytes(key, json));
    }
    for (const auto& key : broken) reserved_.insert(key);
    loaded_ = true;
    load_error_.clear();
  }
  logger_->info("loaded " + std::to_string(announced.size()) + " pending wake-ups from " +
                store_->describe());
  for (const auto& key : broken) {
    logger_->warning(store_->describe() + ": key \"" + key +
                     "\" is not a Wakeup written by this proxy; removing it");
    remove_from_store(key, 0);
  }
  announce(announced);
}

void WakeupRegistry::subscribe(std::weak_ptr<WakeupTarget> target) {
  std::lock_guard lock(mutex_);
  std::erase_if(targets_, [](const auto& t) { return t.expired(); });
  targets_.push_back(std::move(target));
}

void WakeupRegistry::announce(const std::vector<Wakeup>& wakeups) {
  if (wakeups.empty()) return;
  std::vector<std::shared_ptr<WakeupTarget>> targets;
  {
    std::lock_guard lock(mutex_);
    for (const auto& t : targets_) {
      if (auto target = t.lock()) targets.push_back(std::move(target));
    }
  }
  // Outside the lock: a target may call pending_for or claim from wakeup_added.
  for (const auto& target : targets) {
    for (const auto& w : wakeups) target->wakeup_added(w);
  }
}

std::vector<Wakeup> WakeupRegistry::pending_for(const std::string& owner,
                                                const std::string& watcher) const {
  std::lock_guard lock(mutex_);
  std::vector<Wakeup> out;
  auto [begin, end] = by_watcher_.equal_range({owner, watcher});
  for (auto it = begin; it != end; ++it) {
    auto entry = entries_.find(it->second);
    if (entry != entries_.end()) out.push_back(entry->second.object.wakeup);
  }
  return out;
}

std::size_t WakeupRegistry::pending_in_locked(const std::string& namespace_name) const {
  std::size_t n = 0;
  if (auto it = per_namespace_.find(namespace_name); it != per_namespace_.end()) n += it->second;
  if (auto it = adding_per_namespace_.find(namespace_name); it != adding_per_namespace_.end()) {
    n += it->second;
  }
  return n;
}

namespace {
void decrement(std::map<std::string, std::size_t>& counts, const std::string& key) {
  auto it = counts.find(key);
  if (it != counts.end() && --it->second == 0) counts.erase(it);
}
}  // namespace

void WakeupRegistry::insert_locked(WakeupObject object, std::size_t bytes) {
  ++per_namespace_[object.namespace_name];
  by_watcher_.emplace(std::make_pair(object.wakeup.owner, object.wakeup.watcher),
                      object.wakeup.name);
  bytes_ += bytes;
  std::string name = object.wakeup.name;
  entries_.insert_or_assign(std::move(name), Entry{std::move(object), bytes});
}

void WakeupRegistry::erase_locked(std::map<std::string, Entry>::iterator it) {
  decrement(per_namespace_, it->second.object.namespace_name);
  const Wakeup& w = it->second.object.wakeup;
  auto [begin, end] = by_watcher_.equal_range({w.owner, w.watcher});
  for (auto w = begin; w != end; ++w) {
    if (w->second == it->first) {
      by_watcher_.erase(w);
      break;
    }
  }
  entries_.erase(it);
}

bool WakeupRegistry::claim(const std::string& name) {
  std::size_t bytes = 0;
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(name);
    if (it == entries_.end()) return false;
    bytes = it->second.bytes;  // still counted: the store holds it until the removal is done
    erase_locked(it);
    reserved_.insert(name);
  }
  net::post(strand_,
            [self = shared_from_this(), name, bytes] { self->remove_from_store(name, bytes); });
  return true;
}

void WakeupRegistry::remove_from_store(std::string name, std::size_t bytes) {
  store_->remove(name, [self = shared_from_this(), name, bytes](WakeupStore::Result r) {
    net::dispatch(self->strand_, [self, name, bytes, r = std::move(r)] {
      if (r.ok) {
        self->remove_backoff_.reset();
        std::lock_guard lock(self->mutex_);
        self->reserved_.erase(name);
        self->bytes_ -= bytes;
        return;
      }
      if (self->stopped()) {
        self->logger_->warning("wake-up " + name + " was delivered but not removed from " +
                               self->store_->describe() + " (" + r.error +
                               "); it is delivered again after a restart");
        return;
      }
      const auto delay = self->remove_backoff_.next();
      self->logger_->warning(
          "removing delivered wake-up " + name + " failed (" + r.error + "); retrying in " +
          std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(delay).count()) +
          " ms");
      self->after(delay, [self, name, bytes] { self->remove_from_store(name, bytes); });
    });
  });
}

void WakeupRegistry::add(WakeupObject object, std::function<void(Answer)> done) {
  const std::string name = object.wakeup.name;
  const std::string namespace_name = object.namespace_name;
  std::string json = wakeup_json(object);
  const std::size_t bytes = wakeup_store_bytes(name, json);
  Answer refusal;
  {
    std::lock_guard lock(mutex_);
    if (!loaded_) {
      refusal = Answer{Outcome::kNotLoaded, load_error_.empty() ? "not loaded yet" : load_error_};
    } else if (entries_.contains(name) || reserved_.contains(name)) {
      refusal = Answer{Outcome::kExists, "already exists"};
    } else if (const std::size_t used = pending_in_locked(namespace_name);
               used >= limits_.max_per_namespace) {
      // Before the cluster's limits: a full namespace is told so, whatever the others do.
      refusal = Answer{
          Outcome::kQuota,
          std::to_string(used) + " wake-ups are pending in namespace \"" + namespace_name + "\"",
          "max-wakeups-per-namespace", used};
    } else if (entries_.size() + reserved_.size() >= limits_.max_pending) {
      refusal = Answer{
          Outcome::kFull,
          std::to_string(limits_.max_pending) + " are pending, the most --max-wakeups allows",
          "max-wakeups", entries_.size() + reserved_.size()};
    } else if (bytes_ + bytes > limits_.max_bytes) {
      refusal = Answer{Outcome::kFull,
                       "the pending wake-ups fill " + store_->describe() + " (" +
                           std::to_string(limits_.max_bytes) +
                           " bytes, the most the proxy keeps there: a ConfigMap holds 1 MiB)",
                       "wakeups-configmap", bytes_};
    } else {
      reserved_.insert(name);
      bytes_ += bytes;
      ++adding_per_namespace_[namespace_name];
    }
  }
  if (refusal.outcome != Outcome::kDone) {
    // Posted, never run inline: the caller may add again from `done` (a fresh generated name).
    return net::post(strand_,
                     [done = std::move(done), refusal = std::move(refusal)] { done(refusal); });
  }
  store_->put(name, json,
              [self = shared_from_this(), object = std::move(object), bytes,
               done = std::move(done)](WakeupStore::Result r) mutable {
                net::dispatch(self->strand_, [self, object = std::move(object), bytes,
                                              done = std::move(done), r = std::move(r)]() mutable {
                  const Wakeup wakeup = object.wakeup;
                  {
                    std::lock_guard lock(self->mutex_);
                    self->reserved_.erase(wakeup.name);
                    self->bytes_ -= bytes;
                    decrement(self->adding_per_namespace_, object.namespace_name);
                    if (r.ok) self->insert_locked(std::move(object), bytes);
                  }
                  if (!r.ok) return done(Answer{Outcome::kStoreFailed, r.error});
                  self->announce({wakeup});
                  done(Answer{});
                });
              });
}

void WakeupRegistry::remove(const std::string& namespace_name, const std::string& name,
                            std::function<void(Answer, std::optional<WakeupObject>)> done) {
  std::optional<WakeupObject> removed;
  std::size_t bytes = 0;
  Answer refusal;
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(name);
    if (!loaded_) {
      refusal = Answer{Outcome::kNotLoaded, load_error_.empty() ? "not loaded yet" : load_error_};
    } else if (it == entries_.end() || it->second.object.namespace_name != namespace_name) {
      refusal = Answer{Outcome::kNotFound, "not found"};
    } else {
      removed = it->second.object;
      bytes = it->second.bytes;
      erase_locked(it);
      reserved_.insert(name);
    }
  }
  if (refusal.outcome != Outcome::kDone) {
    return net::post(strand_, [done = std::move(done), refusal = std::move(refusal)] {
      done(refusal, std::nullopt);
    });
  }
  store_->remove(name, [self = shared_from_this(), removed = std::move(*removed), bytes,
                        done = std::move(done)](WakeupStore::Result r) mutable {
    net::dispatch(self->strand_, [self, removed = std::move(removed), bytes, done = std::move(done),
                                  r = std::move(r)]() mutable {
      const Wakeup wakeup = removed.wakeup;
      {
        std::lock_guard lock(self->mutex_);
        self->reserved_.erase(wakeup.name);
        self->bytes_ -= bytes;
        // Not removed: it is pending again (an informer that tried to claim it meanwhile was
        // refused, so it is announced again).
        if (!r.ok) self->insert_locked(removed, bytes);
      }
      if (!r.ok) {
        self->announce({wakeup});
        return done(Answer{Outcome::kStoreFailed, r.error}, std::nullopt);
      }
      done(Answer{}, std::move(removed));
    });
  });
}

std::optional<std::vector<WakeupObject>> WakeupRegistry::list(
    const std::string& namespace_name) const {
  std::lock_guard lock(mutex_);
  if (!loaded_) return std::nullopt;
  std::vector<WakeupObject> out;
  for (const auto& [name, entry] : entries_) {
    if (namespace_name.empty() || entry.object.namespace_name == namespace_name) {
      out.push_back(entry.object);
    }
  }
  return out;
}

std::optional<WakeupObject> WakeupRegistry::get(const std::string& namespace_name,
                                                const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(name);
  if (it == entries_.end() || it->second.object.namespace_name != namespace_name) {
    return std::nullopt;
  }
  return it->second.object;
}

std::string WakeupRegistry::not_loaded_reason() const {
  std::lock_guard lock(mutex_);
  if (loaded_) return {};
  return load_error_.empty() ? "not loaded yet" : load_error_;
}

}  // namespace watchfilter::proxy

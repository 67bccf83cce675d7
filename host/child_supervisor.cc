#include "host/child_supervisor.h"

#include <algorithm>
#include <cstdio>
#include <fstream>

namespace watchfilter::host {

using clock = std::chrono::steady_clock;

std::uint64_t process_rss_bytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  return 0;
}

namespace {

std::string fmt(const char* format, double a, double b = 0, double c = 0) {
  char buf[96];
  std::snprintf(buf, sizeof buf, format, a, b, c);
  return buf;
}

}  // namespace

ChildSupervisor::ChildSupervisor(std::shared_ptr<const HostConfig> config, ChildBackend& backend,
                                 std::shared_ptr<const proxy::Logger> logger,
                                 std::function<void(const WakeupRequest&)> on_wakeup,
                                 RequeueMode requeue_mode)
    : config_(std::move(config)),
      backend_(backend),
      logger_(std::move(logger)),
      on_wakeup_(std::move(on_wakeup)),
      requeue_mode_(requeue_mode),
      children_(config_->children.size()),
      metrics_(config_->children.size()) {
  for (std::size_t i = 0; i < metrics_.size(); ++i)
    metrics_[i].events.assign(config_->children[i].watches.size(), 0);
}

ChildSupervisor::~ChildSupervisor() { stop(); }

void ChildSupervisor::start() {
  backend_.prepare(*config_, *logger_);
  worker_ = std::thread([this] { run(); });
}

void ChildSupervisor::deliver(std::size_t child, std::size_t watch, ChildEvent event) {
  {
    std::lock_guard lock(mutex_);
    if (!event.local_requeue && watch < metrics_[child].events.size())
      ++metrics_[child].events[watch];
    queue_.push_back({child, watch, std::move(event)});
  }
  cv_.notify_all();
}

void ChildSupervisor::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !worker_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void ChildSupervisor::drain() {
  std::unique_lock lock(mutex_);
  idle_cv_.wait(lock, [&] { return (queue_.empty() && !busy_) || !worker_.joinable(); });
}

std::vector<ChildMetrics> ChildSupervisor::metrics() const {
  std::lock_guard lock(mutex_);
  return metrics_;
}

std::size_t ChildSupervisor::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void ChildSupervisor::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    // Due requeues join the queue behind the events already in it, as a workqueue's do, so a
    // busy child cannot starve them.
    if (requeue_mode_ == RequeueMode::kLocal) queue_due_requeues(clock::now());
    if (!queue_.empty()) {
      Job job = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
      lock.unlock();
      if (!job.event.local_requeue || fill_requeue(job)) handle(job);
      unload_idle(clock::now());
      lock.lock();
      busy_ = false;
      continue;
    }
    idle_cv_.notify_all();
    if (stopping_) break;
    // Sleep until the next event, idle deadline or local requeue, whichever is first.
    auto next = clock::time_point::max();
    for (const Child& c : children_)
      if (c.instance) next = std::min(next, c.last_used + config_->idle_unload);
    if (auto due = requeues_.next_due(); due && requeue_mode_ == RequeueMode::kLocal)
      next = std::min(next, *due);
    if (next == clock::time_point::max()) {
      cv_.wait(lock);
    } else {
      cv_.wait_until(lock, next);
      lock.unlock();
      unload_idle(clock::now());
      lock.lock();
    }
  }
  lock.unlock();
  for (std::size_t i = 0; i < children_.size(); ++i)
    if (children_[i].instance) unload(i, "host stopping");
  lock.lock();
  idle_cv_.notify_all();
}

void ChildSupervisor::queue_due_requeues(clock::time_point now) {
  // The key is queued, not the state: when its turn comes, the requeue delivers the object's
  // state as of then (fill_requeue), never an older one than an event queued before it.
  for (RequeueSchedule::Key& key : requeues_.take_due(now)) {
    ChildEvent event;
    event.namespace_ = std::move(key.namespace_);
    event.name = std::move(key.name);
    event.local_requeue = true;
    queue_.push_back({key.child, key.watch, std::move(event)});
  }
}

bool ChildSupervisor::fill_requeue(Job& job) {
  auto it = last_objects_.find({job.child, job.watch, job.event.namespace_, job.event.name});
  if (it == last_objects_.end()) return false;  // deleted since
  job.event = requeue_event(job.watch, it->second, job.event.namespace_, job.event.name);
  return true;
}

void ChildSupervisor::remember_object(const Job& job) {
  RequeueSchedule::Key key{job.child, job.watch, job.event.namespace_, job.event.name};
  if (job.event.type == filters::EventType::kDeleted) {
    last_objects_.erase(key);
    requeues_.erase(key);
  } else if (requeue_mode_ == RequeueMode::kLocal && job.event.object_size > 0) {
    last_objects_[std::move(key)] = std::string(job.event.object());
  }
}

void ChildSupervisor::requeue(const Job& job, std::chrono::milliseconds after,
                              clock::time_point now) {
  const ChildSpec& spec = config_->children[job.child];
  RequeueSchedule::Key key{job.child, job.watch, job.event.namespace_, job.event.name};
  // The proxy does not say when it delivered a wake-up: one past its time is taken as done. The
  // local timer's due entries are fired by the worker, never dropped.
  if (requeue_mode_ == RequeueMode::kProxy) requeues_.take_due(now);
  if (!requeues_.add(key, now + after)) {
    std::lock_guard lock(mutex_);
    ++metrics_[job.child].requeues_absorbed;
    return;
  }
  if (requeue_mode_ == RequeueMode::kLocal || !on_wakeup_) return;
  WakeupRequest w;
  w.child = job.child;
  w.watch = job.watch;
  w.watcher_id = config_->watcher_id(spec, job.watch);
  w.cluster_scoped = job.event.namespace_.empty();
  w.namespace_ = w.cluster_scoped ? "default" : job.event.namespace_;
  w.object = job.event.name;
  w.after = after;
  on_wakeup_(w);
}

void ChildSupervisor::unload_idle(clock::time_point now) {
  for (std::size_t i = 0; i < children_.size(); ++i)
    if (children_[i].instance && now >= children_[i].last_used + config_->idle_unload)
      unload(i, "idle");
}

void ChildSupervisor::unload(std::size_t index, const char* why) {
  Child& child = children_[index];
  std::uint64_t memory = child.instance->memory_bytes();
  // Dropping, not snapshotting: a child's state must be rebuildable from the API (it may be
  // unloaded between any two events), so a fresh copy-on-write instance is both correct and
  // cheaper than restoring a memory image.
  child.instance.reset();
  {
    std::lock_guard lock(mutex_);
    ChildMetrics& m = metrics_[index];
    ++m.unloads;
    m.loaded = false;
    m.memory_bytes = 0;
    m.memory_bytes_max = std::max(m.memory_bytes_max, memory);
  }
  if (logger_->v(1))
    logger_->info("child " + config_->children[index].name + " unloaded (" + why + ", memory " +
                  std::to_string(memory >> 10) + " KiB)");
}

void ChildSupervisor::handle(const Job& job) {
  const ChildSpec& spec = config_->children[job.child];
  Child& child = children_[job.child];
  {
    std::lock_guard lock(mutex_);
    if (metrics_[job.child].disabled) return;
  }
  if (!job.event.local_requeue) remember_object(job);
  if (logger_->v(2))
    logger_->info("child " + spec.name + (job.event.local_requeue ? " requeue: " : " event: ") +
                  job.event.payload.substr(0, 4096));
  auto start = clock::now();
  bool cold = false;
  if (!child.instance) {
    try {
      child.instance = backend_.instantiate(job.child, settings_for(*config_, spec));
    } catch (const std::exception& e) {
      logger_->error("child " + spec.name + " cannot be loaded: " + e.what());
      std::lock_guard lock(mutex_);
      ++metrics_[job.child].load_errors;
      return;
    }
    cold = true;
  }
  auto call_start = clock::now();
  CallOutcome out = child.instance->reconcile(job.event.payload);
  auto end = clock::now();
  child.last_used = end;
  std::uint64_t memory = child.instance->memory_bytes();
  {
    std::lock_guard lock(mutex_);
    ChildMetrics& m = metrics_[job.child];
    ++m.wakeups;
    if (job.event.local_requeue) ++m.timer_wakeups;
    if (cold) {
      ++m.loads;
      m.loaded = true;
      m.cold_start.add(call_start - start);
    }
    m.reconcile.add(end - call_start);
    m.memory_bytes = out.stopped() ? 0 : memory;  // a stopped instance is dropped below
    m.memory_bytes_max = std::max(m.memory_bytes_max, memory);
    if (out.status == CallOutcome::Status::kRequeue) ++m.requeues;
    if (out.status == CallOutcome::Status::kFailed) ++m.failures;
    if (out.stopped()) {
      ++m.stops;
      m.loaded = false;
    }
  }
  if (cold && logger_->v(1))
    logger_->info(
        "child " + spec.name + " loaded (cold start " +
        fmt("%.3f ms", std::chrono::duration<double, std::milli>(call_start - start).count()) +
        ")");
  if (out.stopped()) {
    child.instance.reset();
    ++child.consecutive_stops;
    logger_->error("child " + spec.name + " stopped: " + to_string(out.status) + ": " +
                   out.message);
    if (child.consecutive_stops >= kMaxConsecutiveStops) {
      logger_->error("child " + spec.name + " disabled after " +
                     std::to_string(child.consecutive_stops) +
                     " consecutive stops; its events are dropped");
      std::lock_guard lock(mutex_);
      metrics_[job.child].disabled = true;
    }
    return;
  }
  child.consecutive_stops = 0;
  if (out.status == CallOutcome::Status::kFailed)
    logger_->warning("child " + spec.name + " reconcile failed: " + out.message);
  if (out.status == CallOutcome::Status::kRequeue) requeue(job, out.requeue_after, end);
}

std::string ChildSupervisor::summary() const {
  std::vector<ChildMetrics> all = metrics();
  std::string out =
      "summary: child wakeups loads unloads stops failures requeues cold-start(mean/max ms) "
      "reconcile(mean/max ms) memory(max KiB)\n";
  ChildMetrics total;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const ChildMetrics& m = all[i];
    out += "  " + config_->children[i].name + " " + std::to_string(m.wakeups) + " " +
           std::to_string(m.loads) + " " + std::to_string(m.unloads) + " " +
           std::to_string(m.stops) + " " + std::to_string(m.failures) + " " +
           std::to_string(m.requeues) + " " +
           fmt("%.2f/%.2f", m.cold_start.mean_ms(), m.cold_start.max_ms()) +
           fmt(" %.2f/%.2f", m.reconcile.mean_ms(), m.reconcile.max_ms()) + " " +
           std::to_string(m.memory_bytes_max >> 10) + (m.disabled ? " DISABLED" : "") + "\n";
    total.wakeups += m.wakeups;
    total.loads += m.loads;
    total.unloads += m.unloads;
    total.stops += m.stops;
    total.cold_start.merge(m.cold_start);
  }
  out += "  total wakeups=" + std::to_string(total.wakeups) +
         " loads=" + std::to_string(total.loads) + " unloads=" + std::to_string(total.unloads) +
         " stops=" + std::to_string(total.stops) +
         fmt(" cold-start mean=%.2f ms max=%.2f ms", total.cold_start.mean_ms(),
             total.cold_start.max_ms()) +
         " host RSS=" + std::to_string(process_rss_bytes() >> 10) + " KiB";
  return out;
}

}  // namespace watchfilter::host

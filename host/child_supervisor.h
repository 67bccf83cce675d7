#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "host/child_backend.h"
#include "host/child_event.h"
#include "host/child_metrics.h"
#include "host/host_config.h"
#include "host/requeue_schedule.h"
#include "host/run_modes.h"
#include "proxy/base/log.h"

namespace watchfilter::host {

// A child's request to be woken after `after` (its Result::requeue_after).
struct WakeupRequest {
  std::size_t child = 0;
  std::size_t watch = 0;
  std::string watcher_id;
  std::string namespace_;  // of the event's object ("default" for cluster-scoped ones)
  std::string object;      // the event's object name (the Wakeup's spec.object)
  bool cluster_scoped = false;
  std::chrono::milliseconds after{0};
};

// Runs the children: one worker thread takes delivered events in order, instantiates a child
// from the backend (wasm, or in-process for the native build) when it has none loaded (lazy load),
// calls reconcile, and drops instances idle for idle_unload. A child that traps, loops or hits its
// memory limit is stopped (its instance dropped) and reported; the next event loads it again, and
// after kMaxConsecutiveStops it is disabled. Requeues follow the workqueue rule (RequeueSchedule:
// one pending per object, the earliest wins). With RequeueMode::kProxy nothing keeps a child
// loaded but events: a requeue is handed to `on_wakeup` (a server-side wake-up). With kLocal the
// worker keeps the timer and the last state of every object it was given, and delivers that
// state again when the requeue is due.
class ChildSupervisor {
 public:
  static constexpr int kMaxConsecutiveStops = 5;

  ChildSupervisor(std::shared_ptr<const HostConfig> config, ChildBackend& backend,
                  std::shared_ptr<const proxy::Logger> logger,
                  std::function<void(const WakeupRequest&)> on_wakeup,
                  RequeueMode requeue_mode = RequeueMode::kProxy);
  ~ChildSupervisor();

  // Prepares the backend (compiles or maps every child's module) and starts the worker.
  // Throws LoadError for a child whose module cannot be loaded.
  void start();
  // Thread-safe. `event` is one event of the child's watch `watch` (read_child_event).
  void deliver(std::size_t child, std::size_t watch, ChildEvent event);
  // Unloads everything and joins the worker.
  void stop();

  // Thread-safe copies.
  std::vector<ChildMetrics> metrics() const;
  // Events delivered and not yet taken by the worker.
  std::size_t queued() const;
  // Per child and host totals, for the log at exit.
  std::string summary() const;
  // Blocks until the queue is empty and no call is running (tests).
  void drain();

 private:
  struct Job {
    std::size_t child;
    std::size_t watch;
    ChildEvent event;
  };
  struct Child {
    std::unique_ptr<LoadedChild> instance;
    std::chrono::steady_clock::time_point last_used;
    int consecutive_stops = 0;
  };

  void run();
  void handle(const Job& job);
  // kLocal: queues the requeues due at `now` (the mutex is held), and gives one its object's
  // current state when its turn comes (false: the object is gone).
  void queue_due_requeues(std::chrono::steady_clock::time_point now);
  bool fill_requeue(Job& job);
  void remember_object(const Job& job);
  void requeue(const Job& job, std::chrono::milliseconds after,
               std::chrono::steady_clock::time_point now);
  void unload_idle(std::chrono::steady_clock::time_point now);
  void unload(std::size_t index, const char* why);

  const std::shared_ptr<const HostConfig> config_;
  ChildBackend& backend_;
  const std::shared_ptr<const proxy::Logger> logger_;
  const std::function<void(const WakeupRequest&)> on_wakeup_;
  const RequeueMode requeue_mode_;

  std::vector<Child> children_;                               // worker thread only (after start)
  RequeueSchedule requeues_;                                  // worker thread only
  std::map<RequeueSchedule::Key, std::string> last_objects_;  // kLocal; worker thread only

  mutable std::mutex mutex_;  // guards the fields below
  std::condition_variable cv_;
  std::condition_variable idle_cv_;
  std::deque<Job> queue_;
  bool busy_ = false;
  bool stopping_ = false;
  std::vector<ChildMetrics> metrics_;
  std::thread worker_;
};

}  // namespace watchfilter::host

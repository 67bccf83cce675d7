#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proxy/base/backoff.h"
#include "proxy/base/log.h"
#include "proxy/informer/informer_registry.h"
#include "proxy/request/filter_binding.h"
#include "proxy/request/watchfilter_ref.h"
#include "proxy/upstream/upstream_client.h"
#include "proxy/upstream/upstream_fetch.h"
#include "proxy/watchfilter/watchfilter_spec.h"

namespace watchfilter::proxy {

// Every WatchFilter of the cluster, as filterRef streams and the status writer use them. The
// catalog watches watchfilters.watchfilter.io/v1alpha1 cluster-wide through the informer
// machinery (its own registry and metrics, so it never shows up as a client stream), keeps one
// FilterBinding per WatchFilter and publishes a new FilterDefinition into it whenever the
// object's spec changes (metadata.generation; status writes do not count), and a definition
// without a filter when the object is deleted. Until the CRD is installed it probes for it with
// backoff; a filterRef request in the meantime retries at once. Thread-safe.
class WatchFilterCatalog : public std::enable_shared_from_this<WatchFilterCatalog> {
 public:
  struct Options {
    // How long resolve() waits for the first sync before answering "unavailable".
    std::chrono::steady_clock::duration sync_wait = std::chrono::seconds(10);
    std::chrono::steady_clock::duration backoff_initial = std::chrono::seconds(1);
    std::chrono::steady_clock::duration backoff_max = std::chrono::seconds(30);
    // The proxy's filter budgets (--max-filter-nodes, --max-filter-state-bytes): a WatchFilter
    // over one is Ready=False, InvalidFilter.
    filters::CompileOptions compile;
  };

  // One WatchFilter as the catalog knows it.
  struct Entry {
    std::shared_ptr<const WatchFilterSpec> spec;  // the spec of the current definition
    std::shared_ptr<FilterBinding> binding;
    // status.observedEvents / deliveredEvents when the catalog first saw the object: the
    // status writer adds the binding's counters, so the counts survive a proxy restart.
    std::uint64_t base_observed = 0;
    std::uint64_t base_delivered = 0;
  };

  enum class Failure { kNone, kNotFound, kCrdMissing, kUnavailable };
  struct Resolution {
    Failure failure = Failure::kNone;
    std::string message;  // for a failure: the text of the Status reply
    Entry entry;          // kNone only
  };

  // `client` may be null for a catalog that is fed by apply_line() only (tests).
  WatchFilterCatalog(boost::asio::io_context& ioc, std::shared_ptr<UpstreamClient> client,
                     std::shared_ptr<const Logger> logger, Options options);
  ~WatchFilterCatalog();
  WatchFilterCatalog(const WatchFilterCatalog&) = delete;
  WatchFilterCatalog& operator=(const WatchFilterCatalog&) = delete;

  void start();
  void stop();

  // The WatchFilter `ref`, once the catalog has synced (waiting at most Options::sync_wait).
  // `handler` runs on `executor`.
  void resolve(const WatchFilterRef& ref, boost::asio::any_io_executor executor,
               std::function<void(Resolution)> handler);

  // Every WatchFilter known now (the status writer's input).
  std::vector<Entry> entries() const;
  bool synced() const;

  // One line of the catalog's watch (ADDED/MODIFIED/DELETED/BOOKMARK). The informer's endpoint
  // calls it; public so that tests can feed the catalog without a cluster.
  void apply_line(std::string_view line);

 private:
  class Endpoint;
  struct Waiter {
    WatchFilterRef ref;
    boost::asio::any_io_executor executor;
    std::function<void(Resolution)> handler;
    std::chrono::steady_clock::time_point deadline;
  };
  enum class Phase { kIdle, kProbing, kListing, kAttached, kBackoff };

  // Under mutex_.
  void upsert_locked(std::shared_ptr<const WatchFilterSpec> spec);
  void remove_locked(const WatchFilterRef& ref);
  std::vector<std::pair<Waiter, Resolution>> finish_sync_locked();
  Resolution lookup_locked(const WatchFilterRef& ref) const;
  static void answer(Waiter waiter, Resolution resolution);

  // On strand_.
  void attempt();
  void on_probe(FetchResult result);
  void on_informer_synced(std::optional<informer::SyncFailure> failure);
  void on_stream_end(const Endpoint* endpoint);
  void fail_pending(Failure failure, std::string message);
  void retry_later();
  void log_problem(const std::string& message);
  void on_waiter_added();
  void arm_wait_timer();
  void expire_waiters();

  boost::asio::any_io_executor strand_;
  std::shared_ptr<UpstreamClient> client_;
  std::shared_ptr<const Logger> logger_;
  Options options_;
  std::shared_ptr<informer::InformerRegistry> registry_;
  std::shared_ptr<const WatchRequest> request_;

  // strand_ only.
  Phase phase_ = Phase::kIdle;
  bool stopped_ = false;
  Backoff backoff_;
  boost::asio::steady_timer retry_timer_;
  boost::asio::steady_timer wait_timer_;
  bool wait_timer_armed_ = false;
  std::chrono::steady_clock::time_point last_result_{};
  std::string last_logged_;
  std::unique_ptr<informer::InformerLease> lease_;
  std::shared_ptr<Endpoint> endpoint_;

  mutable std::mutex mutex_;
  std::map<WatchFilterRef, Entry> entries_;
  bool synced_ = false;
  // Set while a (re)attached stream delivers its initial events: what was not among them is gone.
  bool syncing_ = false;
  std::set<WatchFilterRef> seen_while_syncing_;
  Failure failure_ = Failure::kUnavailable;  // why the catalog is not synced (when it is not)
  std::string failure_message_ = "the WatchFilter catalog has not synced yet";
  std::vector<Waiter> waiters_;
  std::uint64_t next_generation_ = 1;
};

}  // namespace watchfilter::proxy

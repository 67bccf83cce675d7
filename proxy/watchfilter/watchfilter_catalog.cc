#include "proxy/watchfilter/watchfilter_catalog.h"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "filters/compile.h"
#include "proxy/telemetry/metrics.h"

namespace watchfilter::proxy {

namespace net = boost::asio;

namespace {

// The catalog's own informer keeps few events: nobody resumes from its window.
informer::InformerOptions catalog_informer_options() {
  informer::InformerOptions o;
  o.core.window_events = 1000;
  o.core.window_bytes = 8u << 20;
  o.core.max_watchers = 1;
  return o;
}

const informer::InformerKey kKey{{std::string(kWatchFilterGroup), std::string(kWatchFilterVersion),
                                  std::string(kWatchFilterResource)},
                                 ""};

// Every WatchFilter, initial ones first, then a BOOKMARK marking the end of the initial events:
// that bookmark is how the catalog knows it has seen all of them.
std::shared_ptr<const WatchRequest> catalog_request() {
  WatchRequest r;
  r.path = ResourcePath{kKey.gvr, "", "", false};
  r.watch = true;
  r.filter = filters::compile("true").filter;
  r.send_initial_events = true;
  r.resource_version_match = "NotOlderThan";
  r.allow_watch_bookmarks = true;
  return std::make_shared<const WatchRequest>(std::move(r));
}

std::shared_ptr<const FilterDefinition> make_definition(const WatchFilterSpec& spec,
                                                        std::uint64_t generation) {
  auto d = std::make_shared<FilterDefinition>();
  d->generation = generation;
  d->source = spec.filter_source;
  if (spec.valid()) {
    d->filter = spec.filter;
  } else {
    d->error = spec.error;
  }
  d->resync = spec.resync;
  d->debounce = spec.debounce;
  d->include_owned = spec.include_owned;
  for (const auto& owned : spec.owned) {
    d->owned.push_back({owned.resource, owned.label_selector, owned.filter_source, owned.filter});
  }
  return d;
}

constexpr auto kKickInterval = std::chrono::seconds(1);

}  // namespace

// Receives the catalog informer's events on the informer's strand.
class WatchFilterCatalog::Endpoint : public informer::StreamEndpoint {
 public:
  explicit Endpoint(std::weak_ptr<WatchFilterCatalog> catalog) : catalog_(std::move(catalog)) {}
  void deliver(std::vector<informer::OutEvent> events, std::uint64_t) override {
    auto catalog = catalog_.lock();
    if (!catalog) return;
    for (const auto& event : events) {
      if (event.line) catalog->apply_line(*event.line);
    }
  }
  void end(EndCause, std::shared_ptr<const std::string>) override {
    if (auto catalog = catalog_.lock()) catalog->on_stream_end(this);
  }

 private:
  std::weak_ptr<WatchFilterCatalog> catalog_;
};

WatchFilterCatalog::WatchFilterCatalog(net::io_context& ioc, std::shared_ptr<UpstreamClient> client,
                                       std::shared_ptr<const Logger> logger, Options options)
    : strand_(net::make_strand(ioc)),
      client_(client),
      logger_(logger),
      options_(options),
      // Its own registry and metrics: the catalog's watch is the proxy's business, not a
      // client stream, and must not change watchfilter_streams or watchfilter_upstream_watches.
      registry_(std::make_shared<informer::InformerRegistry>(
          ioc, client, logger, std::make_shared<Metrics>(), catalog_informer_options(),
          std::chrono::minutes(1))),
      request_(catalog_request()),
      backoff_(options.backoff_initial, options.backoff_max),
      retry_timer_(strand_),
      wait_timer_(strand_) {}

WatchFilterCatalog::~WatchFilterCatalog() = default;

void WatchFilterCatalog::start() {
  net::post(strand_, [self = shared_from_this()] {
    if (!self->stopped_ && self->phase_ == Phase::kIdle && self->client_) self->attempt();
  });
}

void WatchFilterCatalog::stop() {
  net::post(strand_, [self = shared_from_this()] {
    if (self->stopped_) return;
    self->stopped_ = true;
    self->retry_timer_.cancel();
    self->wait_timer_.cancel();
    self->endpoint_.reset();
    self->lease_.reset();
    self->registry_->stop();
    self->fail_pending(Failure::kUnavailable, "watchfilter-proxy is shutting down");
  });
}

bool WatchFilterCatalog::synced() const {
  std::lock_guard lock(mutex_);
  return synced_;
}

std::vector<WatchFilterCatalog::Entry> WatchFilterCatalog::entries() const {
  std::lock_guard lock(mutex_);
  std::vector<Entry> out;
  out.reserve(entries_.size());
  for (const auto& [ref, entry] : entries_) out.push_back(entry);
  return out;
}

// ---- the catalog's contents ---------------------------------------------------------------

void WatchFilterCatalog::apply_line(std::string_view line) {
  auto event = parse_watchfilter_event(line, options_.compile);
  if (!event) return;
  std::vector<std::pair<Waiter, Resolution>> answered;
  {
    std::lock_guard lock(mutex_);
    if (event->type == "BOOKMARK") {
      // The end of the initial events of the first sync, or of a relist after the watch ended.
      if (event->initial_events_end && (syncing_ || !synced_)) answered = finish_sync_locked();
    } else if (WatchFilterSpec* spec = event->object ? &*event->object : nullptr) {
      if (event->type == "ADDED" || event->type == "MODIFIED") {
        if (syncing_) seen_while_syncing_.insert(spec->ref);
        upsert_locked(std::make_shared<const WatchFilterSpec>(std::move(*spec)));
      } else if (event->type == "DELETED") {
        auto it = entries_.find(spec->ref);
        if (it != entries_.end() && it->second.spec->uid == spec->uid) remove_locked(spec->ref);
      }
    } else if (logger_->v(1)) {
      logger_->info("WatchFilter catalog: ignored a " + event->type +
                    " event: " + event->object.error().message);
    }
  }
  for (auto& [waiter, resolution] : answered) answer(std::move(waiter), std::move(resolution));
}

void WatchFilterCatalog::upsert_locked(std::shared_ptr<const WatchFilterSpec> spec) {
  auto it = entries_.find(spec->ref);
  if (it != entries_.end() && it->second.spec->uid != spec->uid) {
    // Deleted and created again under the same name (the deletion fell into a relist): the
    // streams of the old object end, the new one starts from zero.
    remove_locked(spec->ref);
    it = entries_.end();
  }
  if (it != entries_.end()) {
    // kube-apiserver bumps metadata.generation on spec changes only: our own status writes and
    // label edits must not give the streams a "new" filter (that would reset their state).
    if (spec->generation != 0 && spec->generation == it->second.spec->generation) return;
    if (logger_->v(1)) {
      logger_->info("WatchFilter " + spec->ref.to_string() + ": generation " +
                    std::to_string(spec->generation) +
                    (spec->valid() ? ": " + spec->filter_source : ": invalid: " + spec->error));
    }
    it->second.spec = spec;
    it->second.binding->publish(make_definition(*spec, next_generation_++));
    return;
  }
  Entry entry;
  entry.binding = std::make_shared<FilterBinding>(spec->ref.to_string(),
                                                  make_definition(*spec, next_generation_++));
  entry.base_observed = spec->status_observed_events;
  entry.base_delivered = spec->status_delivered_events;
  entry.spec = std::move(spec);
  if (logger_->v(1)) {
    logger_->info("WatchFilter " + entry.spec->ref.to_string() +
                  (entry.spec->valid() ? ": " + entry.spec->filter_source
                                       : ": invalid: " + entry.spec->error));
  }
  entries_.emplace(entry.spec->ref, std::move(entry));
}

void WatchFilterCatalog::remove_locked(const WatchFilterRef& ref) {
  auto it = entries_.find(ref);
  if (it == entries_.end()) return;
  auto gone = std::make_shared<FilterDefinition>();
  gone->generation = next_generation_++;
  gone->source = it->second.spec->filter_source;
  gone->error = "WatchFilter " + ref.to_string() + " was deleted";
  it->second.binding->publish(std::move(gone));
  if (logger_->v(1)) logger_->info("WatchFilter " + ref.to_string() + ": deleted");
  entries_.erase(it);
}

std::vector<std::pair<WatchFilterCatalog::Waiter, WatchFilterCatalog::Resolution>>
WatchFilterCatalog::finish_sync_locked() {
  if (synced_ && syncing_) {
    // A relist after the catalog's watch ended: what it no longer lists was deleted meanwhile.
    std::vector<WatchFilterRef> gone;
    for (const auto& [ref, entry] : entries_) {
      if (!seen_while_syncing_.contains(ref)) gone.push_back(ref);
    }
    for (const auto& ref : gone) remove_locked(ref);
  } else {
    logger_->info("WatchFilter catalog: synced, " + std::to_string(entries_.size()) +
                  " WatchFilters");
  }
  syncing_ = false;
  seen_while_syncing_.clear();
  synced_ = true;
  failure_ = Failure::kNone;
  failure_message_.clear();
  std::vector<std::pair<Waiter, Resolution>> out;
  for (auto& waiter : std::exchange(waiters_, {})) {
    Resolution r = lookup_locked(waiter.ref);
    out.emplace_back(std::move(waiter), std::move(r));
  }
  return out;
}

WatchFilterCatalog::Resolution WatchFilterCatalog::lookup_locked(const WatchFilterRef& ref) const {
  auto it = entries_.find(ref);
  if (it == entries_.end()) return {Failure::kNotFound, watchfilter_not_found_message(ref), {}};
  return {Failure::kNone, {}, it->second};
}

void WatchFilterCatalog::answer(Waiter waiter, Resolution resolution) {
  net::post(waiter.executor,
            [handler = std::move(waiter.handler), resolution = std::move(resolution)]() mutable {
              handler(std::move(resolution));
            });
}

// ---- resolve ------------------------------------------------------------------------------

void WatchFilterCatalog::resolve(const WatchFilterRef& ref, net::any_io_executor executor,
                                 std::function<void(Resolution)> handler) {
  std::optional<Resolution> now;
  {
    std::lock_guard lock(mutex_);
    if (synced_) {
      now = lookup_locked(ref);
    } else {
      waiters_.push_back(Waiter{ref, executor, std::move(handler),
                                std::chrono::steady_clock::now() + options_.sync_wait});
    }
  }
  if (now) return answer(Waiter{ref, std::move(executor), std::move(handler), {}}, std::move(*now));
  net::post(strand_, [self = shared_from_this()] { self->on_waiter_added(); });
}

void WatchFilterCatalog::on_waiter_added() {
  if (stopped_) return fail_pending(Failure::kUnavailable, "watchfilter-proxy is shutting down");
  arm_wait_timer();
  if (phase_ != Phase::kBackoff) return;  // an attempt is under way (or the catalog is idle)
  if (std::chrono::steady_clock::now() - last_result_ < kKickInterval) {
    // The last attempt failed a moment ago: its answer is current.
    Failure failure;
    std::string message;
    {
      std::lock_guard lock(mutex_);
      failure = failure_;
      message = failure_message_;
    }
    return fail_pending(failure, std::move(message));
  }
  // A client is waiting: do not let it wait out the backoff (the CRD may just have been
  // installed).
  retry_timer_.cancel();
  attempt();
}

void WatchFilterCatalog::arm_wait_timer() {
  if (wait_timer_armed_) return;
  std::chrono::steady_clock::time_point earliest = std::chrono::steady_clock::time_point::max();
  {
    std::lock_guard lock(mutex_);
    for (const auto& w : waiters_) earliest = std::min(earliest, w.deadline);
  }
  if (earliest == std::chrono::steady_clock::time_point::max()) return;
  wait_timer_armed_ = true;
  wait_timer_.expires_at(earliest);
  wait_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    self->wait_timer_armed_ = false;
    if (ec || self->stopped_) return;
    self->expire_waiters();
    self->arm_wait_timer();
  });
}

void WatchFilterCatalog::expire_waiters() {
  std::vector<Waiter> expired;
  Resolution r;
  {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (it->deadline <= now) {
        expired.push_back(std::move(*it));
        it = waiters_.erase(it);
      } else {
        ++it;
      }
    }
    r.failure = failure_ == Failure::kNone ? Failure::kUnavailable : failure_;
    r.message = "the WatchFilter catalog has not synced yet: " + failure_message_;
  }
  for (auto& w : expired) answer(std::move(w), r);
}

void WatchFilterCatalog::fail_pending(Failure failure, std::string message) {
  std::vector<Waiter> waiters;
  {
    std::lock_guard lock(mutex_);
    if (!synced_) {
      failure_ = failure;
      failure_message_ = message;
    }
    waiters = std::exchange(waiters_, {});
  }
  for (auto& w : waiters) answer(std::move(w), Resolution{failure, message, {}});
}

// ---- the catalog's watch --------------------------------------------------------------------

void WatchFilterCatalog::attempt() {
  if (stopped_ || (phase_ != Phase::kIdle && phase_ != Phase::kBackoff)) return;
  phase_ = Phase::kProbing;
  // The group version's discovery document says whether the CRD is installed, without a LIST
  // (and its warning in the log) every backoff period on clusters that do not use WatchFilters.
  fetch_upstream(
      *client_, strand_, kKey.gvr.api_path(), 4u << 20,
      [self = shared_from_this()](FetchResult result) { self->on_probe(std::move(result)); });
}

void WatchFilterCatalog::on_probe(FetchResult result) {
  if (stopped_) return;
  last_result_ = std::chrono::steady_clock::now();
  if (result.ec) {
    const std::string message =
        "kube-apiserver unavailable: " + result.failed_step + ": " + result.ec.message();
    log_problem("WatchFilter catalog: " + message);
    fail_pending(Failure::kUnavailable, message);
    return retry_later();
  }
  if (result.status == 404 ||
      (result.status == 200 && result.body.find("\"watchfilters\"") == std::string::npos)) {
    const std::string message =
        "the WatchFilter CRD (watchfilters.watchfilter.io/v1alpha1) is not installed in the "
        "cluster: kubectl apply -f crds/watchfilter.yaml";
    log_problem("WatchFilter catalog: " + message + " (filterRef is unavailable until then)");
    fail_pending(Failure::kCrdMissing, message);
    return retry_later();
  }
  if (result.status != 200) {
    const std::string message =
        "discovery of watchfilter.io/v1alpha1 answered HTTP " + std::to_string(result.status);
    log_problem("WatchFilter catalog: " + message);
    fail_pending(Failure::kUnavailable, message);
    return retry_later();
  }
  phase_ = Phase::kListing;
  if (!lease_) {
    informer::ResourceInfo info{kKey.gvr, "WatchFilter", true};
    auto acquired = registry_->acquire(kKey, info);
    // Its own registry has no limit: a refusal means it was stopped (the catalog is stopping).
    auto* lease = std::get_if<std::unique_ptr<informer::InformerLease>>(&acquired);
    if (lease == nullptr) return;
    lease_ = std::move(*lease);
  }
  lease_->informer().when_synced(
      [self = shared_from_this()](std::optional<informer::SyncFailure> failure) {
        net::post(self->strand_, [self, failure = std::move(failure)]() mutable {
          self->on_informer_synced(std::move(failure));
        });
      });
}

void WatchFilterCatalog::on_informer_synced(std::optional<informer::SyncFailure> failure) {
  if (stopped_ || phase_ != Phase::kListing) return;
  last_result_ = std::chrono::steady_clock::now();
  if (failure) {
    const std::string message = "LIST of watchfilters.watchfilter.io failed: HTTP " +
                                std::to_string(failure->status) + ": " + failure->body;
    log_problem("WatchFilter catalog: " + message);
    fail_pending(Failure::kUnavailable, message);
    return retry_later();
  }
  backoff_.reset();
  if (!last_logged_.empty()) logger_->info("WatchFilter catalog: watching watchfilters again");
  last_logged_.clear();
  endpoint_ = std::make_shared<Endpoint>(weak_from_this());
  {
    std::lock_guard lock(mutex_);
    syncing_ = true;
    seen_while_syncing_.clear();
  }
  phase_ = Phase::kAttached;
  lease_->informer().attach(request_, endpoint_);
}

void WatchFilterCatalog::on_stream_end(const Endpoint* endpoint) {
  net::post(strand_, [self = shared_from_this(), endpoint] {
    if (self->stopped_ || endpoint != self->endpoint_.get()) return;
    self->logger_->warning("WatchFilter catalog: its watch of watchfilters ended; listing again");
    self->endpoint_.reset();
    self->lease_.reset();
    {
      std::lock_guard lock(self->mutex_);
      self->syncing_ = false;
    }
    self->retry_later();
  });
}

void WatchFilterCatalog::retry_later() {
  phase_ = Phase::kBackoff;
  retry_timer_.expires_after(backoff_.next());
  retry_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec || self->phase_ != Phase::kBackoff) return;
    self->attempt();
  });
}

void WatchFilterCatalog::log_problem(const std::string& message) {
  // Once per distinct problem, not once per backoff period.
  if (message == last_logged_) return;
  last_logged_ = message;
  logger_->warning(message);
}

}  // namespace watchfilter::proxy

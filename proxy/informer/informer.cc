#include "proxy/informer/informer.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <cassert>
#include <cstdio>
#include <random>

#include "proxy/kube/list_response.h"
#include "proxy/kube/status.h"
#include "proxy/kube/url_query.h"
#include "proxy/upstream/upstream_stream.h"

namespace watchfilter::proxy::informer {

namespace net = boost::asio;
using boost::system::error_code;

namespace {

CoreOptions core_options(CoreOptions options, const std::shared_ptr<const Logger>& logger,
                         std::string watcher_scope) {
  if (!options.logger) options.logger = logger;
  options.watcher_scope = std::move(watcher_scope);
  return options;
}

// Unique among live informers: an informer that stops while its successor for the same key
// starts must not drop the successor's records from the per-user count.
std::string scope_of(const InformerKey& key, const void* informer) {
  char address[32];
  std::snprintf(address, sizeof address, "@%p", informer);
  return key.to_string() + address;
}

}  // namespace

std::string InformerKey::to_string() const {
  std::string out = gvr.to_string();
  if (!namespace_name.empty()) out += " in " + namespace_name;
  return out;
}

Informer::Informer(net::any_io_executor strand, std::shared_ptr<UpstreamClient> client,
                   std::shared_ptr<const Logger> logger, std::shared_ptr<Metrics> metrics,
                   InformerKey key, ResourceInfo info, InformerOptions options)
    : strand_(std::move(strand)),
      client_(std::move(client)),
      logger_(std::move(logger)),
      metrics_(metrics),
      key_(std::move(key)),
      info_(info),
      options_(options),
      watcher_scope_(scope_of(key_, this)),
      core_(std::move(info), core_options(options.core, logger_, watcher_scope_),
            std::move(metrics)),
      backoff_(options.backoff_initial, options.backoff_max),
      retry_timer_(strand_),
      tick_timer_(strand_),
      due_timer_(strand_) {
  metrics_->informers.fetch_add(1);
}

Informer::~Informer() { metrics_->informers.fetch_sub(1); }

const char* Informer::name(State state) {
  switch (state) {
    case State::kIdle:
      return "idle";
    case State::kListing:
      return "listing";
    case State::kListFailed:
      return "list-failed";
    case State::kRelisting:
      return "relisting";
    case State::kOpeningWatch:
      return "opening-watch";
    case State::kWatching:
      return "watching";
    case State::kStopped:
      return "stopped";
  }
  return "?";
}

bool Informer::can_enter(State from, State to) {
  switch (to) {
    case State::kIdle:
      return false;
    case State::kListing:
      return from == State::kIdle || from == State::kListFailed;
    case State::kListFailed:
      return from == State::kListing;
    case State::kRelisting:
      return from == State::kOpeningWatch || from == State::kWatching;
    case State::kOpeningWatch:
      return from == State::kListing || from == State::kRelisting || from == State::kWatching;
    case State::kWatching:
      return from == State::kOpeningWatch;
    case State::kStopped:
      return from != State::kStopped;
  }
  return false;
}

void Informer::enter(State next) {
  if (!can_enter(state_, next)) {
    logger_->error("informer " + key_.to_string() + ": impossible transition from " + name(state_) +
                   " to " + name(next));
    assert(!"impossible Informer state transition");
  } else if (logger_->v(3)) {
    logger_->info("informer " + key_.to_string() + ": " + name(state_) + " -> " + name(next));
  }
  state_ = next;
}

void Informer::start() {
  net::dispatch(strand_, [self = shared_from_this()] {
    if (self->stopped()) return;  // a stop() that came first wins
    if (self->logger_->v(1)) self->logger_->info("informer " + self->key_.to_string() + ": start");
    self->enter(State::kListing);
    self->do_list({});
    self->schedule_tick();
    if (self->options_.core.wakeups) {
      self->options_.core.wakeups->subscribe(std::weak_ptr<WakeupTarget>(self));
    }
  });
}

void Informer::wakeup_added(const Wakeup& wakeup) {
  net::post(strand_, [self = shared_from_this(), wakeup] {
    if (self->stopped()) return;
    self->core_.offer_wakeup(wakeup, CoreTime::current());
    self->arm_due();
  });
}

void Informer::wake_owner(std::weak_ptr<StreamEndpoint> endpoint, std::string owner_key,
                          std::string owner_uid,
                          std::shared_ptr<const std::string> owned_annotation_json) {
  net::post(strand_, [self = shared_from_this(), endpoint = std::move(endpoint),
                      owner_key = std::move(owner_key), owner_uid = std::move(owner_uid),
                      annotation = std::move(owned_annotation_json)]() mutable {
    auto stream = endpoint.lock();
    if (self->stopped() || !stream) return;
    self->core_.wake_owner(stream.get(), owner_key, owner_uid, std::move(annotation),
                           CoreTime::current());
    self->arm_due();  // a debounced owner event is held
  });
}

void Informer::read_cache(std::function<void(const ObjectCache&)> reader) {
  net::post(strand_, [self = shared_from_this(), reader = std::move(reader)] {
    reader(self->core_.cache());
  });
}

void Informer::arm_due() {
  if (stopped()) return;
  const auto due = core_.next_due();
  if (!due || (due_armed_ && *due_armed_ <= *due)) return;
  due_armed_ = due;
  const std::uint64_t generation = ++due_generation_;
  due_timer_.expires_at(*due);
  due_timer_.async_wait([self = shared_from_this(), generation](error_code ec) {
    if (ec || self->stopped() || generation != self->due_generation_) return;
    self->due_armed_.reset();
    self->core_.run_due(CoreTime::current());
    self->arm_due();
  });
}

void Informer::stop() {
  net::dispatch(strand_, [self = shared_from_this()] {
    if (self->stopped()) return;
    const bool watching = self->state_ == State::kWatching;
    self->enter(State::kStopped);
    if (self->logger_->v(1)) self->logger_->info("informer " + self->key_.to_string() + ": stop");
    self->retry_timer_.cancel();
    self->tick_timer_.cancel();
    self->due_timer_.cancel();
    if (self->upstream_) self->upstream_->close();
    // The read handler returns at once once stopped, without watch_ended(): the gauge must
    // drop here, or every informer that lingered out would count as an open watch forever.
    if (watching) self->metrics_->upstream_watches.fetch_sub(1);
    self->core_.end_all(EndCause::kShutdown);
    for (auto& waiter : std::exchange(self->sync_waiters_, {})) {
      waiter(SyncFailure{503, status_json(StatusReason::kServiceUnavailable,
                                          "watchfilter-proxy is shutting down")});
    }
  });
}

void Informer::when_synced(std::function<void(std::optional<SyncFailure>)> handler) {
  net::dispatch(strand_, [self = shared_from_this(), handler = std::move(handler)]() mutable {
    if (self->stopped()) {
      return handler(SyncFailure{503, status_json(StatusReason::kServiceUnavailable,
                                                  "watchfilter-proxy is shutting down")});
    }
    if (self->synced()) return handler(std::nullopt);
    self->sync_waiters_.push_back(std::move(handler));
    if (self->state_ == State::kListFailed) {
      // The last attempt failed; this client's request is the reason to try again.
      self->enter(State::kListing);
      self->do_list({});
    }
  });
}

void Informer::attach(std::shared_ptr<const WatchRequest> request,
                      std::shared_ptr<StreamEndpoint> endpoint) {
  net::dispatch(strand_, [self = shared_from_this(), request = std::move(request),
                          endpoint = std::move(endpoint)]() mutable {
    if (self->stopped() || !self->synced()) return endpoint->end(EndCause::kShutdown, nullptr);
    self->core_.attach(*request, std::move(endpoint), CoreTime::current());
    self->arm_due();
  });
}

void Informer::detach(std::shared_ptr<StreamEndpoint> endpoint) {
  net::dispatch(strand_, [self = shared_from_this(), endpoint = std::move(endpoint)] {
    self->core_.detach(endpoint.get());
  });
}

void Informer::list(std::shared_ptr<const WatchRequest> request,
                    std::function<void(std::string)> handler) {
  net::dispatch(strand_,
                [self = shared_from_this(), request = std::move(request),
                 handler = std::move(handler)] { handler(self->core_.list_body(*request)); });
}

void Informer::get(std::shared_ptr<const WatchRequest> request,
                   std::function<void(std::optional<std::string>)> handler) {
  net::dispatch(strand_,
                [self = shared_from_this(), request = std::move(request),
                 handler = std::move(handler)] { handler(self->core_.get_body(*request)); });
}

std::string Informer::list_target(const std::string& continue_token) const {
  std::string target = ResourcePath{key_.gvr, key_.namespace_name, {}, false}.collection_path();
  target += "?limit=" + std::to_string(options_.list_page_size);
  if (!continue_token.empty()) target += "&continue=" + percent_encode(continue_token);
  return target;
}

void Informer::do_list(std::string continue_token) {
  if (stopped()) return;
  if (continue_token.empty()) list_items_.clear();
  fetch_upstream(
      *client_, strand_, list_target(continue_token), options_.list_body_limit,
      [self = shared_from_this()](FetchResult result) { self->on_list_page(std::move(result)); },
      &upstream_);
}

void Informer::on_list_page(FetchResult result) {
  upstream_.reset();
  if (stopped()) return;
  if (result.ec) {
    return list_failed(503,
                       status_json(StatusReason::kServiceUnavailable,
                                   "upstream kube-apiserver unavailable: " + result.failed_step +
                                       ": " + result.ec.message()),
                       result.failed_step + ": " + result.ec.message());
  }
  if (result.status == 410 && !list_items_.empty()) {
    // The continue token expired between pages: start the list over.
    return do_list({});
  }
  if (result.status != 200) {
    return list_failed(result.status, std::move(result.body),
                       "LIST returned HTTP " + std::to_string(result.status));
  }
  ListPage page;
  std::string error;
  if (!parse_list_page(result.body, page, error)) {
    return list_failed(502,
                       status_json(StatusReason::kServiceUnavailable,
                                   "upstream LIST of " + key_.to_string() + ": " + error),
                       error);
  }
  for (auto& item : page.items) list_items_.push_back(std::move(item));
  if (!page.continue_token.empty()) return do_list(page.continue_token);
  list_rv_ = page.resource_version;

  auto listed = core_.to_listed(list_items_);
  list_items_.clear();
  list_items_.shrink_to_fit();
  if (!synced()) {
    core_.load(listed, list_rv_);
    // Before the waiters run: one may attach (inline, on this strand) and must find it synced.
    enter(State::kOpeningWatch);
    if (logger_->v(1)) {
      logger_->info("informer " + key_.to_string() + ": listed " + std::to_string(listed.size()) +
                    " objects at resourceVersion " + std::to_string(list_rv_));
    }
    for (auto& waiter : std::exchange(sync_waiters_, {})) waiter(std::nullopt);
  } else {
    metrics_->informer_relists.fetch_add(1, std::memory_order_relaxed);
    const std::size_t changes = core_.relist(listed, list_rv_, CoreTime::current());
    arm_due();
    enter(State::kOpeningWatch);
    logger_->info("informer " + key_.to_string() + ": relisted " + std::to_string(listed.size()) +
                  " objects at resourceVersion " + std::to_string(list_rv_) + ", " +
                  std::to_string(changes) + " differences sent to streams");
  }
  do_watch();
}

void Informer::list_failed(unsigned status, std::string body, const std::string& why) {
  logger_->warning("informer " + key_.to_string() + ": LIST failed: " + why);
  if (!synced()) {
    // Clients waiting for the first list get the failure now; the next one retries.
    enter(State::kListFailed);
    for (auto& waiter : std::exchange(sync_waiters_, {})) waiter(SyncFailure{status, body});
    return;
  }
  retry_after_backoff(true);  // still kRelisting: the cache it has keeps serving
}

void Informer::do_watch() {
  if (stopped()) return;
  std::string target = ResourcePath{key_.gvr, key_.namespace_name, {}, false}.collection_path();
  // A bounded upstream timeout (like client-go's reflector, 5-10 min) rotates the connection
  // now and then; the watch resumes from the newest resourceVersion without a gap.
  static thread_local std::mt19937 rng{std::random_device{}()};
  const int timeout = std::uniform_int_distribution<int>(300, 600)(rng);
  target += "?watch=true&allowWatchBookmarks=true&resourceVersion=" +
            std::to_string(core_.resource_version()) + "&timeoutSeconds=" + std::to_string(timeout);
  lines_.reset();
  upstream_ = client_->make_stream(strand_);
  upstream_->async_open(make_own_upstream_request(*client_, target),
                        [self = shared_from_this()](error_code ec, std::string step) {
                          self->on_watch_open(ec, step);
                        });
}

void Informer::on_watch_open(error_code ec, const std::string& step) {
  if (stopped()) return;
  if (ec) {
    logger_->warning("informer " + key_.to_string() + ": WATCH failed: " + step + ": " +
                     ec.message());
    upstream_.reset();
    return retry_after_backoff(false);
  }
  const unsigned status = upstream_->header().result_int();
  if (status != 200) {
    upstream_->close();
    upstream_.reset();
    if (status == 410) {
      logger_->info("informer " + key_.to_string() + ": WATCH from resourceVersion " +
                    std::to_string(core_.resource_version()) + " is too old (410): relisting");
      enter(State::kRelisting);
      return do_list({});
    }
    logger_->warning("informer " + key_.to_string() + ": WATCH returned HTTP " +
                     std::to_string(status));
    return retry_after_backoff(false);
  }
  enter(State::kWatching);
  metrics_->upstream_watches.fetch_add(1);
  metrics_->upstream_watch_starts.fetch_add(1);
  do_watch_read();
}

void Informer::do_watch_read() {
  if (upstream_->is_done()) return watch_ended(true, false);
  upstream_->async_read_some(
      net::buffer(read_buffer_),
      [self = shared_from_this()](error_code ec, std::size_t n) { self->on_watch_read(ec, n); });
}

void Informer::on_watch_read(error_code ec, std::size_t n) {
  if (stopped()) return;
  if (ec) return watch_ended(false, false);
  bool expired = false;
  bool failed = false;
  const CoreTime now = CoreTime::current();
  lines_.feed(std::string_view(read_buffer_.data(), n), [&](std::string_view line) {
    if (expired || failed) return;
    if (line.size() <= 1) return;  // a bare newline
    auto result = core_.apply_line(std::make_shared<const std::string>(line), now);
    switch (result.kind) {
      case InformerCore::LineKind::kEvent:
        backoff_.reset();
        break;
      case InformerCore::LineKind::kBookmark:
        break;
      case InformerCore::LineKind::kExpired:
        logger_->info("informer " + key_.to_string() + ": upstream watch expired (" +
                      result.message + "): relisting");
        expired = true;
        break;
      case InformerCore::LineKind::kError:
        logger_->warning("informer " + key_.to_string() +
                         ": upstream watch error: " + result.message);
        failed = true;
        break;
      case InformerCore::LineKind::kInvalid:
        logger_->warning("informer " + key_.to_string() +
                         ": unreadable watch line: " + result.message);
        break;
    }
  });
  arm_due();  // held (debounced) events, objects new to a resync schedule
  if (expired || failed) return watch_ended(false, expired);
  do_watch_read();
}

void Informer::watch_ended(bool clean, bool expired) {
  if (upstream_) upstream_->close();
  upstream_.reset();
  // Not after stop(): that left kWatching, and lowered the gauge, itself.
  if (state_ == State::kWatching) metrics_->upstream_watches.fetch_sub(1);
  if (stopped()) return;
  if (expired) {
    enter(State::kRelisting);
    return do_list({});
  }
  enter(State::kOpeningWatch);
  if (clean) {
    if (logger_->v(2)) logger_->info("informer " + key_.to_string() + ": watch ended; resuming");
    backoff_.reset();
    return do_watch();
  }
  if (logger_->v(1)) logger_->info("informer " + key_.to_string() + ": watch broke; resuming");
  retry_after_backoff(false);
}

void Informer::retry_after_backoff(bool relist) {
  const auto delay = backoff_.next();
  retry_timer_.expires_after(delay);
  retry_timer_.async_wait([self = shared_from_this(), relist](error_code ec) {
    if (ec || self->stopped()) return;
    if (relist) {
      self->do_list({});
    } else {
      self->do_watch();
    }
  });
}

void Informer::schedule_tick() {
  tick_timer_.expires_after(options_.tick);
  tick_timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (ec || self->stopped()) return;
    self->core_.tick(CoreTime::current());
    self->arm_due();
    self->schedule_tick();
  });
}

}  // namespace watchfilter::proxy::informer

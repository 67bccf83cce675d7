#include "proxy/watchfilter/watchfilter_status_writer.h"

#include <boost/asio/post.hpp>
#include <set>

#include "proxy/upstream/upstream_fetch.h"

namespace watchfilter::proxy {

namespace net = boost::asio;

WatchFilterStatusWriter::WatchFilterStatusWriter(net::any_io_executor strand,
                                                 std::shared_ptr<UpstreamClient> client,
                                                 std::shared_ptr<WatchFilterCatalog> catalog,
                                                 std::shared_ptr<const Logger> logger,
                                                 std::chrono::steady_clock::duration interval)
    : strand_(strand),
      client_(std::move(client)),
      catalog_(std::move(catalog)),
      logger_(std::move(logger)),
      interval_(interval),
      timer_(strand) {}

void WatchFilterStatusWriter::start() {
  if (interval_ <= std::chrono::steady_clock::duration::zero()) {
    logger_->info("--watchfilter-status-interval=0: WatchFilter status is not written");
    return;
  }
  net::post(strand_, [self = shared_from_this()] {
    self->started_ = true;
    self->schedule();
  });
}

void WatchFilterStatusWriter::stop() {
  net::post(strand_, [self = shared_from_this()] {
    if (self->stopping_) return;
    self->stopping_ = true;
    self->timer_.cancel();
    // One last pass, so that the counts since the previous one are not lost (the next process
    // continues from them); a pass under way finishes instead.
    if (!self->writing_ && self->started_) self->pass();
  });
}

void WatchFilterStatusWriter::schedule() {
  if (stopping_) return;
  timer_.expires_after(interval_);
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->pass();
  });
}

void WatchFilterStatusWriter::pass() {
  writing_ = true;
  const std::string now = rfc3339_utc(std::chrono::system_clock::now());
  std::set<WatchFilterRef> present;
  for (const auto& entry : catalog_->entries()) {
    const WatchFilterSpec& spec = *entry.spec;
    present.insert(spec.ref);
    auto it = written_.find(spec.ref);
    if (it != written_.end() && it->second.uid != spec.uid) {
      written_.erase(it);  // another object under the same name
      it = written_.end();
    }
    WatchFilterStatus status;
    status.ready = ready_condition(
        spec, it != written_.end() ? std::optional(it->second.status.ready) : spec.status_ready,
        now);
    status.observed_generation = spec.generation;
    status.observed_events =
        entry.base_observed + entry.binding->observed.load(std::memory_order_relaxed);
    status.delivered_events =
        entry.base_delivered + entry.binding->delivered.load(std::memory_order_relaxed);
    status.streams = entry.binding->streams.load(std::memory_order_relaxed);
    if (it != written_.end() && it->second.status == status) continue;
    queue_.push_back(Pending{spec.ref, spec.uid, std::move(status)});
  }
  std::erase_if(written_, [&](const auto& kv) { return !present.contains(kv.first); });
  std::erase_if(failing_, [&](const auto& kv) { return !present.contains(kv.first); });
  write_next();
}

void WatchFilterStatusWriter::write_next() {
  if (queue_.empty()) {
    writing_ = false;
    return schedule();
  }
  Pending pending = std::move(queue_.front());
  queue_.erase(queue_.begin());
  const std::string target = pending.ref.path() + "/status";
  std::string body = status_patch_body(pending.status);
  patch_upstream(*client_, strand_, target, std::move(body), 1u << 20,
                 [self = shared_from_this(), pending = std::move(pending)](
                     FetchResult result) mutable { self->on_written(std::move(pending), result); });
}

void WatchFilterStatusWriter::on_written(Pending pending, const FetchResult& result) {
  if (!result.ec && result.status >= 200 && result.status < 300) {
    if (failing_.erase(pending.ref) != 0) {
      logger_->info("WatchFilter " + pending.ref.to_string() + ": status written again");
    }
    written_[pending.ref] = Written{pending.uid, std::move(pending.status)};
  } else if (!result.ec && result.status == 404) {
    // Deleted since the pass began; the catalog forgets it with the DELETED event.
    written_.erase(pending.ref);
  } else {
    // Retried on the next pass; logged once per distinct failure, not once per interval.
    const std::string why = result.describe_failure();
    auto& last = failing_[pending.ref];
    if (last != why) {
      logger_->warning("WatchFilter " + pending.ref.to_string() +
                       ": writing its status failed: " + why);
      last = why;
    }
  }
  write_next();
}

}  // namespace watchfilter::proxy

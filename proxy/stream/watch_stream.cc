#include "proxy/stream/watch_stream.h"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_cat.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/write.hpp>
#include <cassert>
#include <random>

#include "proxy/kube/watch_events.h"

namespace watchfilter::proxy {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;

namespace {
// Events gathered into one chunk per write.
constexpr std::size_t kMaxWriteBytes = 256 * 1024;
}  // namespace

WatchStream::WatchStream(Socket& socket, std::shared_ptr<void> owner, WatchStreamOptions options,
                         std::shared_ptr<Metrics> metrics,
                         std::shared_ptr<const WatchRequest> request, informer::ResourceInfo info,
                         unsigned http_version, bool keep_alive, Done done)
    : socket_(socket),
      owner_(std::move(owner)),
      executor_(socket.get_executor()),
      options_(options),
      metrics_(std::move(metrics)),
      series_(metrics_->stream_series(request->owner, request->watcher_id, request->filter_source)),
      request_(std::move(request)),
      info_(std::move(info)),
      http_version_(http_version),
      keep_alive_(keep_alive),
      done_(std::move(done)),
      queue_(options.queue_bytes, options.queue_budget),
      bookmarks_(options.bookmark_interval, std::chrono::steady_clock::now()),
      bookmark_timer_(socket.get_executor()),
      timeout_timer_(socket.get_executor()) {}

WatchStream::~WatchStream() {
  if (gauge_ != 0) series_->queue_bytes.fetch_sub(gauge_);
}

bool WatchStream::can_enter(State from, State to) {
  switch (to) {
    case State::kCreated:
      return false;
    case State::kStreaming:
      return from == State::kCreated;
    case State::kEnding:
      return from == State::kStreaming;
    case State::kFinished:
      return from != State::kFinished;
  }
  return false;
}

void WatchStream::enter(State next) {
  assert(can_enter(state_, next) && "impossible WatchStream state transition");
  state_ = next;
}

void WatchStream::start(std::shared_ptr<informer::InformerLease> lease) {
  lease_ = std::move(lease);
  enter(State::kStreaming);
  metrics_->streams.fetch_add(1);

  header_.emplace(http::status::ok, http_version_);
  header_->set(http::field::content_type, "application/json");
  header_->set(http::field::cache_control, "no-cache, private");
  header_->keep_alive(keep_alive_);
  header_->chunked(true);
  serializer_.emplace(*header_);
  beast::get_lowest_layer(socket_).expires_after(options_.write_timeout);
  writing_ = true;
  http::async_write_header(
      socket_, *serializer_,
      [self = shared_from_this()](error_code ec, std::size_t) { self->on_header_written(ec); });

  std::chrono::steady_clock::duration timeout;
  if (request_->timeout) {
    timeout = *request_->timeout;
  } else {
    static thread_local std::mt19937 rng{std::random_device{}()};
    const auto min = options_.min_request_timeout.count();
    timeout = std::chrono::seconds(std::uniform_int_distribution<long long>(min, 2 * min - 1)(rng));
  }
  timeout_timer_.expires_after(timeout);
  timeout_timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (!ec) self->begin_end(EndCause::kTimeout, nullptr);
  });

  lease_->informer().attach(request_, shared_from_this());
}

void WatchStream::hold(std::shared_ptr<void> companion) {
  if (ended()) return;
  companions_.push_back(std::move(companion));
}

void WatchStream::deliver(std::vector<informer::OutEvent> events, std::uint64_t evaluated_through) {
  net::post(executor_,
            [self = shared_from_this(), events = std::move(events), evaluated_through]() mutable {
              self->on_deliver(std::move(events), evaluated_through, false);
            });
}

void WatchStream::deliver_catch_up(std::vector<informer::OutEvent> events,
                                   std::uint64_t evaluated_through) {
  net::post(executor_,
            [self = shared_from_this(), events = std::move(events), evaluated_through]() mutable {
              self->on_deliver(std::move(events), evaluated_through, true);
            });
}

void WatchStream::end(EndCause cause, std::shared_ptr<const std::string> final_line) {
  net::post(executor_,
            [self = shared_from_this(), cause, final_line = std::move(final_line)]() mutable {
              self->begin_end(cause, std::move(final_line));
            });
}

void WatchStream::on_deliver(std::vector<informer::OutEvent> events,
                             std::uint64_t evaluated_through, bool catch_up) {
  if (ended()) return;
  for (auto& e : events) {
    bookmarks_.sent_event(e.rv);
    if (catch_up) {
      // Not a backlog: written as the client reads, one write at a time (see StreamQueue).
      queue_.push_catch_up(std::move(e));
    } else if (const auto pushed = queue_.push(std::move(e));
               pushed != StreamQueue::Push::kQueued) {
      return cut_slow(pushed);
    }
  }
  bookmarks_.progress(evaluated_through);
  if (request_->allow_watch_bookmarks) {
    if (auto rv = bookmarks_.take_due(std::chrono::steady_clock::now())) {
      queue_.push({*rv, std::make_shared<const std::string>(
                            bookmark_line(info_.kind, info_.gvr.group_version(), *rv))});
    } else {
      arm_bookmark_timer();
    }
  }
  update_gauge();
  do_write();
}

void WatchStream::cut_slow(StreamQueue::Push refusal) {
  std::string why;
  if (refusal == StreamQueue::Push::kStreamFull) {
    metrics_->count_refusal("stream-queue-bytes");
    why = "the client did not read " + std::to_string(queue_.limit()) +
          " queued bytes (--stream-queue-bytes)";
  } else {
    metrics_->count_refusal("max-stream-queue-bytes-total");
    why = "the client did not read " + std::to_string(queue_.live_bytes()) +
          " queued bytes, more than its share of the proxy's stream queues, which are full "
          "(--max-stream-queue-bytes-total " +
          std::to_string(queue_.budget()->total()) + ")";
  }
  begin_end(EndCause::kSlowClient, std::make_shared<const std::string>(error_line(
                                       "TooManyRequests", 429,
                                       "watch stream closed: " + why +
                                           "; resume from the last resourceVersion received")));
}

void WatchStream::arm_bookmark_timer() {
  auto due = bookmarks_.next_due();
  if (!due) return;
  bookmark_timer_.expires_at(*due);
  bookmark_timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (ec || self->ended()) return;
    if (auto rv = self->bookmarks_.take_due(std::chrono::steady_clock::now())) {
      self->queue_.push({*rv, std::make_shared<const std::string>(bookmark_line(
                                  self->info_.kind, self->info_.gvr.group_version(), *rv))});
      self->update_gauge();
      self->do_write();
    }
  });
}

void WatchStream::on_header_written(error_code ec) {
  writing_ = false;
  if (state_ == State::kFinished) return;
  if (ec) {
    cause_ = EndCause::kClientGone;
    return finish(false);
  }
  do_write();
}

void WatchStream::do_write() {
  if (writing_ || (state_ != State::kStreaming && state_ != State::kEnding)) return;
  if (!queue_.has_queued()) {
    if (state_ == State::kEnding) write_final();
    return;
  }
  in_flight_ = queue_.take(kMaxWriteBytes);
  in_flight_bytes_ = 0;
  std::vector<net::const_buffer> buffers;
  buffers.reserve(in_flight_.size());
  for (const auto& e : in_flight_) {
    buffers.emplace_back(net::buffer(*e.line));
    in_flight_bytes_ += e.line->size();
  }
  writing_ = true;
  beast::get_lowest_layer(socket_).expires_after(options_.write_timeout);
  net::async_write(socket_, http::make_chunk(buffers),
                   [self = shared_from_this()](error_code ec, std::size_t) {
                     self->on_write(ec, self->in_flight_bytes_);
                   });
}

void WatchStream::on_write(error_code ec, std::size_t bytes) {
  writing_ = false;
  in_flight_.clear();
  queue_.written(bytes);
  update_gauge();
  if (state_ == State::kFinished) return;
  if (ec) {
    // A client that stops reading is cut by the write timeout; one that left, by the error.
    if (state_ != State::kEnding)
      cause_ = ec == beast::error::timeout ? EndCause::kSlowClient : EndCause::kClientGone;
    return finish(false);
  }
  do_write();
}

void WatchStream::begin_end(EndCause cause, std::shared_ptr<const std::string> final_line) {
  // Ended already: the first end wins. Not started (kCreated): nothing to end yet, and nothing
  // can ask, as the session starts a stream as it makes it and events come only after start().
  if (state_ != State::kStreaming) return;
  enter(State::kEnding);
  cause_ = cause;
  bookmark_timer_.cancel();
  timeout_timer_.cancel();
  if (cause == EndCause::kSlowClient) {
    queue_.clear_queued();  // still in the watcher's log: a resume gets them
  } else if (cause == EndCause::kShutdown && request_->allow_watch_bookmarks) {
    if (auto rv = bookmarks_.take_final()) {
      final_line = std::make_shared<const std::string>(
          bookmark_line(info_.kind, info_.gvr.group_version(), *rv));
    }
  }
  final_line_ = std::move(final_line);
  if (lease_) lease_->informer().detach(shared_from_this());
  companions_.clear();
  update_gauge();
  do_write();
}

void WatchStream::client_gone() {
  if (state_ == State::kFinished) return;
  if (state_ != State::kEnding) cause_ = EndCause::kClientGone;
  finish(false);
}

void WatchStream::shutdown() { begin_end(EndCause::kShutdown, nullptr); }

void WatchStream::write_final() {
  writing_ = true;
  beast::get_lowest_layer(socket_).expires_after(options_.write_timeout);
  auto done = [self = shared_from_this()](error_code ec, std::size_t) {
    self->on_final_written(ec);
  };
  if (final_line_) {
    // The last event and the terminating chunk in one write.
    net::async_write(
        socket_,
        beast::buffers_cat(http::make_chunk(net::buffer(*final_line_)), http::make_chunk_last()),
        std::move(done));
  } else {
    net::async_write(socket_, http::make_chunk_last(), std::move(done));
  }
}

void WatchStream::on_final_written(error_code ec) {
  writing_ = false;
  if (state_ == State::kFinished) return;
  const bool reusable = !ec && keep_alive_ && cause_ == EndCause::kTimeout;
  finish(reusable);
}

void WatchStream::finish(bool keep_alive) {
  if (state_ == State::kFinished) return;
  const bool counted = state_ != State::kCreated;  // start() counted it
  enter(State::kFinished);
  bookmark_timer_.cancel();
  timeout_timer_.cancel();
  if (lease_) {
    lease_->informer().detach(shared_from_this());
    lease_.reset();
  }
  companions_.clear();
  if (counted) {
    metrics_->streams.fetch_sub(1);
    metrics_->count_disconnect(cause_);
  }
  queue_.clear_queued();
  update_gauge();
  auto done = std::move(done_);
  done_ = nullptr;
  owner_.reset();
  if (done) done(keep_alive);
}

void WatchStream::update_gauge() {
  const auto now = static_cast<std::int64_t>(queue_.bytes());
  if (now != gauge_) {
    series_->queue_bytes.fetch_add(now - gauge_);
    gauge_ = now;
  }
}

}  // namespace watchfilter::proxy

#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "proxy/informer/informer_core.h"
#include "proxy/informer/informer_registry.h"
#include "proxy/request/watch_request.h"
#include "proxy/stream/stream_queue.h"
#include "proxy/telemetry/metrics.h"

namespace watchfilter::proxy {

struct WatchStreamOptions {
  std::size_t queue_bytes = 8u << 20;  // --stream-queue-bytes
  // --max-stream-queue-bytes-total, shared by every stream (null: no budget).
  std::shared_ptr<QueueBudget> queue_budget;
  std::chrono::steady_clock::duration bookmark_interval = std::chrono::seconds(10);
  std::chrono::steady_clock::duration write_timeout = std::chrono::seconds(30);
  // Without timeoutSeconds a stream ends after a random time in [min, 2*min), like
  // kube-apiserver with its --min-request-timeout.
  std::chrono::seconds min_request_timeout = std::chrono::seconds(1800);
};

// One client's filtered watch: the HTTP response (200, chunked, one JSON event per line) on the
// session's connection, written on the session's strand. Events come from the informer's
// strand through deliver()/end(), which only post here, and wait in a bounded StreamQueue; a
// queue that overflows (its own bound, or its share of the proxy's QueueBudget) cuts the stream
// with an ERROR event (429 TooManyRequests, so that client-go backs off and resumes from its last
// resourceVersion), counted in watchfilter_limit_refusals_total. BOOKMARKs (when asked for)
// carry the resourceVersion through which the stream was evaluated; timeoutSeconds ends the
// stream cleanly; shutdown ends it after a last BOOKMARK.
class WatchStream : public informer::StreamEndpoint,
                    public std::enable_shared_from_this<WatchStream> {
 public:
  using Socket = boost::beast::ssl_stream<boost::beast::tcp_stream>;
  // keep_alive: whether the connection may carry another request.
  using Done = std::function<void(bool keep_alive)>;

  WatchStream(Socket& socket, std::shared_ptr<void> owner, WatchStreamOptions options,
              std::shared_ptr<Metrics> metrics, std::shared_ptr<const WatchRequest> request,
              informer::ResourceInfo info, unsigned http_version, bool keep_alive, Done done);
  ~WatchStream() override;

  // On the session's strand: writes the response header and subscribes to the informer.
  void start(std::shared_ptr<informer::InformerLease> lease);
  // On the session's strand: `companion` (e.g. the stream's OwnedWatches) lives until the
  // stream ends.
  void hold(std::shared_ptr<void> companion);
  // On the session's strand.
  void client_gone();
  void shutdown();

  // informer::StreamEndpoint, called on the informer's strand.
  void deliver(std::vector<informer::OutEvent> events, std::uint64_t evaluated_through) override;
  void deliver_catch_up(std::vector<informer::OutEvent> events,
                        std::uint64_t evaluated_through) override;
  void end(EndCause cause, std::shared_ptr<const std::string> final_line) override;
  std::shared_ptr<StreamMetrics> metrics() const override { return series_; }

 private:
  // The stream's phase, on the session's strand:
  //
  //   kCreated --start()--> kStreaming --end(), shutdown(), timeout, overflow--> kEnding
  //   kEnding --the last chunk written--> kFinished
  //   kStreaming, kEnding --a write failed, client_gone()--> kFinished
  //   kCreated --client_gone()--> kFinished (never started: nothing was counted)
  //
  // Whether a write is in flight (writing_) is not a phase: it comes and goes within kStreaming
  // and kEnding, and only says that the next write waits for on_write(). The response header
  // is the first such write, so nothing is written before it (no separate "header written").
  // Whether the stream is counted in the streams gauge is not stored either: it is, from start()
  // until finish(), i.e. when finish() leaves any phase but kCreated.
  enum class State {
    kCreated,    // constructed; start() has not run
    kStreaming,  // the header, then events as they come
    kEnding,     // no new events: what is queued, then the final line and the last chunk
    kFinished,   // done_ called, the session let go; later deliver()/end() are dropped
  };
  static bool can_enter(State from, State to);
  // The one place state_ changes; a transition can_enter() does not allow is a bug (an assert
  // in debug builds).
  void enter(State next);
  // Once the end has begun, nothing new is taken (events, bookmarks, companions, another end).
  bool ended() const { return state_ == State::kEnding || state_ == State::kFinished; }

  void on_deliver(std::vector<informer::OutEvent> events, std::uint64_t evaluated_through,
                  bool catch_up);
  void begin_end(EndCause cause, std::shared_ptr<const std::string> final_line);
  // The queue refused a live event: the stream ends as too slow, naming the limit.
  void cut_slow(StreamQueue::Push refusal);
  void on_header_written(boost::system::error_code ec);
  void do_write();
  void on_write(boost::system::error_code ec, std::size_t bytes);
  void write_final();
  void on_final_written(boost::system::error_code ec);
  void arm_bookmark_timer();
  void finish(bool keep_alive);
  void update_gauge();

  Socket& socket_;
  std::shared_ptr<void> owner_;  // the session: keeps socket_ alive until finish()
  // The session's strand, kept apart from socket_: the informer's deliver() and end() can come
  // after finish() let the session (and its socket) go; they post here and find the stream
  // finished. (Reading socket_.get_executor() there was a use after free: issue 14's bench.)
  Socket::executor_type executor_;
  WatchStreamOptions options_;
  std::shared_ptr<Metrics> metrics_;
  std::shared_ptr<StreamMetrics> series_;
  std::shared_ptr<const WatchRequest> request_;
  informer::ResourceInfo info_;
  unsigned http_version_;
  bool keep_alive_;
  Done done_;
  std::shared_ptr<informer::InformerLease> lease_;
  std::vector<std::shared_ptr<void>> companions_;

  StreamQueue queue_;
  BookmarkPolicy bookmarks_;
  boost::asio::steady_timer bookmark_timer_;
  boost::asio::steady_timer timeout_timer_;
  std::optional<boost::beast::http::response<boost::beast::http::empty_body>> header_;
  std::optional<boost::beast::http::response_serializer<boost::beast::http::empty_body>>
      serializer_;
  State state_ = State::kCreated;
  bool writing_ = false;  // the header, a chunk or the final chunk is being written
  EndCause cause_ = EndCause::kClientGone;
  std::shared_ptr<const std::string> final_line_;
  std::vector<informer::OutEvent> in_flight_;
  std::size_t in_flight_bytes_ = 0;
  std::int64_t gauge_ = 0;
};

}  // namespace watchfilter::proxy

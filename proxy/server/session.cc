#include "proxy/server/session.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <limits>
#include <utility>

#include "proxy/kube/status.h"
#include "proxy/upstream/forwarding.h"

namespace watchfilter::proxy {

namespace beast = boost::beast;
namespace net = boost::asio;
using boost::system::error_code;

namespace {
// Bytes a client may pipeline while its previous response is still streaming; beyond that we
// stop reading (and so stop noticing a disconnect until the next write).
constexpr std::size_t kMaxPipelinedBytes = 64 * 1024;
}  // namespace

Session::Session(net::ip::tcp::socket socket, std::shared_ptr<const SessionContext> context,
                 std::shared_ptr<SessionRegistry> registry)
    : ctx_(std::move(context)),
      registry_(std::move(registry)),
      stream_(std::move(socket), *ctx_->server_tls) {}

Session::~Session() {
  if (id_ != 0) registry_->remove(id_);
}

void Session::run() {
  id_ = registry_->add(shared_from_this());
  // The socket was accepted on this session's strand; post so that everything runs there.
  net::dispatch(stream_.get_executor(),
                beast::bind_front_handler(&Session::do_handshake, shared_from_this()));
}

void Session::shutdown() {
  net::post(stream_.get_executor(),
            beast::bind_front_handler(&Session::on_shutdown_requested, shared_from_this()));
}

void Session::on_shutdown_requested() {
  shutting_down_ = true;
  switch (state_) {
    case State::kHandshake:
    case State::kReadingRequest:
      abort();
      break;
    case State::kForwarding:
      // The relay sees the upstream abort and ends the response (see on_relay_read).
      if (upstream_) upstream_->close();
      break;
    case State::kFiltered:
      // A stream ends after a last BOOKMARK; a request still resolving sees shutting_down_.
      if (watch_stream_) watch_stream_->shutdown();
      break;
    case State::kAuthorizing:  // on_chain_decision answers 503 and closes
    case State::kReplying:     // end_exchange closes after the reply
    case State::kClosing:
    case State::kClosed:
      break;
  }
}

void Session::do_handshake() {
  if (shutting_down_) return abort();
  beast::get_lowest_layer(stream_).expires_after(ctx_->options.handshake_timeout);
  stream_.async_handshake(net::ssl::stream_base::server,
                          beast::bind_front_handler(&Session::on_handshake, shared_from_this()));
}

void Session::on_handshake(error_code ec) {
  if (ec) {
    if (ctx_->logger->v(4)) ctx_->logger->info("client TLS handshake failed: " + ec.message());
    return abort();
  }
  peer_ = PeerCertificate::from_ssl(stream_.native_handle());
  do_read();
}

void Session::do_read() {
  if (shutting_down_) return do_close();
  state_ = State::kReadingRequest;
  parser_.emplace();
  // No body limit while the header is read: Beast would refuse a Content-Length over it at the
  // header, before we know whose body it is. The limit is set in read_body_within. (Not
  // boost::none: Boost 1.74 compares a Content-Length with it as "greater", a refusal.)
  parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
  parser_->header_limit(ctx_->options.header_limit);
  beast::get_lowest_layer(stream_).expires_after(ctx_->options.request_timeout);
  http::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](error_code ec, std::size_t) { self->on_read_header(ec); });
}

void Session::on_read_header(error_code ec) {
  if (state_ == State::kClosed) return;
  if (ec || parser_->is_done()) return on_read(ec);
  if (!ctx_->forwarded_bodies || !HandlerChain::may_forward_body(parser_->get())) {
    return read_body_within(ctx_->options.body_limit, "max-request-body-bytes");
  }
  // A write under a view with a bearer token: its body is forwarded, and may be as large as
  // kube-apiserver takes, once the token has authenticated; anyone else's stays small.
  ctx_->chain->authenticate_forwarded_body(parser_->get(), peer_, stream_.get_executor(),
                                           [self = shared_from_this()](bool authenticated) {
                                             self->on_forwarded_body_authenticated(authenticated);
                                           });
}

void Session::on_forwarded_body_authenticated(bool authenticated) {
  if (state_ == State::kClosed) return;
  if (shutting_down_) return do_close();
  if (!authenticated) return read_body_within(ctx_->options.body_limit, "max-request-body-bytes");
  const std::uint64_t limit = ctx_->options.forwarded_body_limit;
  const auto length = parser_->content_length();
  if (length && *length > limit) return refuse_body(limit, "max-forwarded-body-bytes");
  body_hold_ = ctx_->forwarded_bodies->try_hold(length ? *length : limit);
  if (!body_hold_) {
    unread_body_ = true;
    ctx_->chain->count_refusal("max-forwarded-body-bytes-total");
    return do_write_local(unread_request_reply().too_many_requests(
        "too many request bodies are being forwarded: they hold " +
            std::to_string(ctx_->forwarded_bodies->used()) + " of " +
            std::to_string(ctx_->forwarded_bodies->total()) +
            " bytes (--max-forwarded-body-bytes-total); please try again later",
        1));
  }
  read_body_within(limit, "max-forwarded-body-bytes");
}

void Session::read_body_within(std::uint64_t limit, std::string_view flag) {
  body_limit_ = limit;
  body_limit_flag_ = flag;
  // Beast checks a Content-Length against the limit only while parsing the header, which was
  // read without one; a chunked body is checked as it is read.
  if (const auto length = parser_->content_length(); length && *length > limit) {
    return refuse_body(limit, flag);
  }
  parser_->body_limit(limit);
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](error_code ec, std::size_t) { self->on_read(ec); });
}

Reply Session::reply() const {
  return Reply(request_.version(), request_.keep_alive(), ctx_->chain->counters());
}

Reply Session::unread_request_reply() const { return Reply(11, false, ctx_->chain->counters()); }

void Session::refuse_body(std::uint64_t limit, std::string_view flag) {
  unread_body_ = true;
  ctx_->chain->count_refusal(flag);
  do_write_local(unread_request_reply().too_large("request body exceeds " + std::to_string(limit) +
                                                  " bytes (--" + std::string(flag) + ")"));
}

void Session::on_read(error_code ec) {
  if (state_ == State::kClosed) return;
  if (ec == http::error::end_of_stream) return do_close();
  if (ec == http::error::body_limit) return refuse_body(body_limit_, body_limit_flag_);
  if (ec == http::error::header_limit) {
    ctx_->chain->count_refusal("max-request-header-bytes");
    return do_write_local(unread_request_reply().too_large(
        "request header exceeds " + std::to_string(ctx_->options.header_limit) +
        " bytes (--max-request-header-bytes)"));
  }
  if (ec) {
    // A malformed request gets a 400; a connection that drops mid-request just closes.
    if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
        ec != http::error::partial_message) {
      return do_write_local(
          unread_request_reply().bad_request("malformed HTTP request: " + ec.message()));
    }
    if (ctx_->logger->v(4)) ctx_->logger->info("client read ended: " + ec.message());
    return abort();
  }
  request_ = parser_->release();
  parser_.reset();
  dispatch();
}

void Session::dispatch() {
  if (ctx_->logger->v(2)) {
    ctx_->logger->info(std::string(request_.method_string()) + " " +
                       std::string(request_.target()));
  }
  state_ = State::kAuthorizing;
  ctx_->chain->handle(
      request_, peer_, stream_.get_executor(),
      [self = shared_from_this()](ChainDecision decision) { self->on_chain_decision(decision); });
}

void Session::on_chain_decision(ChainDecision& decision) {
  if (state_ == State::kClosed) return;
  if (shutting_down_) {
    return do_write_local(reply().closing().shutting_down());
  }
  if (auto* local = std::get_if<LocalReply>(&decision)) {
    return do_write_local(std::move(local->response));
  }
  if (auto* filtered = std::get_if<ServeFromInformer>(&decision)) {
    return do_serve_filtered(std::move(*filtered));
  }
  auto& forward = std::get<ForwardUpstream>(decision);
  do_forward(std::move(forward));
}

void Session::do_write_local(http::response<http::string_body> response) {
  state_ = State::kReplying;
  local_response_ = std::move(response);
  beast::get_lowest_layer(stream_).expires_after(ctx_->options.write_timeout);
  http::async_write(
      stream_, *local_response_,
      [self = shared_from_this()](error_code ec, std::size_t) { self->on_write_local(ec); });
}

void Session::on_write_local(error_code ec) {
  if (state_ == State::kClosed) return;
  const bool keep_alive = local_response_->keep_alive();
  local_response_.reset();
  if (ec) return abort();
  end_exchange(keep_alive);
}

void Session::do_forward(ForwardUpstream forward) {
  state_ = State::kForwarding;
  forward_is_watch_ = forward.is_watch;
  response_header_sent_ = false;
  auto& client = *ctx_->upstream;
  // The caller's own token on a connection that presents no certificate of the proxy's: never
  // the proxy's identity (docs/proxy.md, "Security model").
  upstream_ = client.make_stream(stream_.get_executor(), UpstreamIdentity::kCaller);
  upstream_->async_open(
      build_upstream_request(request_, forward.target, client.config(), forward.bearer_token),
      beast::bind_front_handler(&Session::on_upstream_open, shared_from_this()));
  // No read timeout while the exchange runs: the client legitimately sends nothing during a
  // watch. Writes set their own timeout.
  beast::get_lowest_layer(stream_).expires_never();
  do_watch_client();
}

void Session::on_upstream_open(error_code ec, std::string failed_step) {
  if (state_ == State::kClosed) return;
  if (ec) {
    upstream_.reset();
    if (client_gone_) return abort();
    if (shutting_down_) {
      return do_write_local(reply().closing().shutting_down());
    }
    const std::string message =
        "upstream kube-apiserver unavailable: " + failed_step + ": " + ec.message();
    if (ctx_->logger->v(1)) ctx_->logger->warning(message);
    return do_write_local(reply().unavailable(message));
  }

  const auto& up = upstream_->header();
  const bool head = request_.method() == http::verb::head;
  relay_response_.emplace();
  auto& res = *relay_response_;
  res.version(request_.version());
  res.result(up.result_int());
  res.reason(up.reason());
  copy_response_header(up, res);
  bool keep_alive = request_.keep_alive();
  if (auto cl = up.find(http::field::content_length); cl != up.end()) {
    res.set(http::field::content_length, cl->value());
  } else if (!head && request_.version() >= 11) {
    res.chunked(true);
  } else if (!head) {
    keep_alive = false;  // HTTP/1.0 without a length: the body ends when the connection does
  }
  res.keep_alive(keep_alive);
  res.body().data = nullptr;
  res.body().more = !head;
  if (ctx_->logger->v(2)) {
    ctx_->logger->info(std::string(request_.method_string()) + " " +
                       std::string(request_.target()) + " -> " + std::to_string(up.result_int()) +
                       (forward_is_watch_ ? " (watch stream)" : ""));
  }
  serializer_.emplace(res);
  beast::get_lowest_layer(stream_).expires_after(ctx_->options.write_timeout);
  http::async_write_header(stream_, *serializer_,
                           [self = shared_from_this()](error_code ec, std::size_t) {
                             self->on_write_response_header(ec);
                           });
}

void Session::on_write_response_header(error_code ec) {
  if (state_ == State::kClosed) return;
  if (ec) {
    if (upstream_) upstream_->close();
    return abort();
  }
  response_header_sent_ = true;
  if (request_.method() == http::verb::head) {
    upstream_->close();
    upstream_.reset();
    const bool keep_alive = relay_response_->keep_alive();
    serializer_.reset();
    relay_response_.reset();
    return end_exchange(keep_alive);
  }
  do_relay_read();
}

void Session::do_relay_read() {
  if (upstream_->is_done()) return finish_relay();
  upstream_->async_read_some(
      net::buffer(relay_buffer_),
      beast::bind_front_handler(&Session::on_relay_read, shared_from_this()));
}

void Session::on_relay_read(error_code ec, std::size_t n) {
  if (state_ == State::kClosed) return;
  if (ec) {
    if (!client_gone_ && shutting_down_ && forward_is_watch_ && relay_response_->chunked()) {
      // Ending a watch cleanly on shutdown tells the client to re-watch (elsewhere), as
      // kube-apiserver does when it shuts down.
      relay_response_->keep_alive(false);
      return finish_relay();
    }
    // Cut the response: a client must not take a truncated list or stream for a complete one.
    if (!client_gone_ && !shutting_down_ && ctx_->logger->v(1)) {
      ctx_->logger->warning("upstream stream for " + std::string(request_.target()) +
                            " failed: " + ec.message());
    }
    if (upstream_) upstream_->close();
    return abort();
  }
  if (n == 0) return do_relay_read();
  auto& body = relay_response_->body();
  body.data = relay_buffer_.data();
  body.size = n;
  body.more = true;
  do_relay_write();
}

void Session::do_relay_write() {
  beast::get_lowest_layer(stream_).expires_after(ctx_->options.write_timeout);
  http::async_write(stream_, *serializer_, [self = shared_from_this()](error_code ec, std::size_t) {
    self->on_relay_write(ec);
  });
}

void Session::on_relay_write(error_code ec) {
  if (state_ == State::kClosed) return;
  if (ec == http::error::need_buffer) ec = {};  // the piece was written; ready for the next
  if (ec) {
    if (upstream_) upstream_->close();
    return abort();
  }
  if (!serializer_->is_done()) return do_relay_read();
  if (upstream_) upstream_->close();
  upstream_.reset();
  const bool keep_alive = relay_response_->keep_alive();
  serializer_.reset();
  relay_response_.reset();
  end_exchange(keep_alive);
}

void Session::finish_relay() {
  auto& body = relay_response_->body();
  body.data = nullptr;
  body.size = 0;
  body.more = false;
  do_relay_write();  // writes the final chunk when chunked
}

void Session::do_serve_filtered(ServeFromInformer filtered) {
  if (!ctx_->filtered) {
    return do_write_local(reply().unavailable("filtered streams are not enabled"));
  }
  state_ = State::kFiltered;
  filtered_request_ = std::move(filtered.request);
  beast::get_lowest_layer(stream_).expires_never();
  do_watch_client();
  ctx_->filtered->serve(filtered_request_, reply(), stream_.get_executor(),
                        [self = shared_from_this()](FilteredService::Outcome outcome) {
                          self->on_filtered_outcome(std::move(outcome));
                        });
}

void Session::on_filtered_outcome(FilteredService::Outcome outcome) {
  if (state_ == State::kClosed) return;
  if (client_gone_) return abort();
  if (auto* reply = std::get_if<Reply::Response>(&outcome)) {
    if (ctx_->logger->v(2)) {
      ctx_->logger->info(std::string(request_.method_string()) + " " +
                         std::string(request_.target()) + " -> " +
                         std::to_string(reply->result_int()) + " (from informer)");
    }
    return do_write_local(std::move(*reply));
  }
  if (shutting_down_) {
    return do_write_local(reply().closing().shutting_down());
  }
  auto& plan = std::get<FilteredService::StreamPlan>(outcome);
  // filterRef: the stream runs the request bound to its WatchFilter.
  if (plan.request) filtered_request_ = plan.request;
  if (ctx_->logger->v(2)) {
    ctx_->logger->info(std::string(request_.method_string()) + " " +
                       std::string(request_.target()) + " -> 200 (filtered watch stream)");
  }
  watch_stream_ = std::make_shared<WatchStream>(
      stream_, shared_from_this(), ctx_->filtered->options().stream, ctx_->filtered->metrics(),
      filtered_request_, plan.info, request_.version(), request_.keep_alive(),
      [self = shared_from_this()](bool keep_alive) { self->on_stream_done(keep_alive); });
  watch_stream_->start(std::move(plan.lease));
  if (plan.ticket) watch_stream_->hold(std::move(plan.ticket));
  if (plan.owned) {
    plan.owned->start(watch_stream_);
    watch_stream_->hold(std::move(plan.owned));
  }
}

void Session::on_stream_done(bool keep_alive) {
  watch_stream_.reset();
  filtered_request_.reset();
  if (state_ == State::kClosed) return;
  if (client_gone_ || !keep_alive) {
    if (client_gone_) return abort();
    return end_exchange(false);
  }
  end_exchange(true);
}

void Session::do_watch_client() {
  if (client_read_pending_ || buffer_.size() >= kMaxPipelinedBytes) return;
  client_read_pending_ = true;
  stream_.async_read_some(
      buffer_.prepare(4096),
      beast::bind_front_handler(&Session::on_client_readable, shared_from_this()));
}

void Session::on_client_readable(error_code ec, std::size_t n) {
  client_read_pending_ = false;
  if (!ec) buffer_.commit(n);
  if (state_ == State::kClosed) return;
  if (after_client_read_ != AfterClientRead::kNothing) {
    const auto next = after_client_read_;
    after_client_read_ = AfterClientRead::kNothing;
    return next == AfterClientRead::kReadNext ? do_read() : do_close();
  }
  if (ec) {
    client_gone_ = true;
    if (ctx_->logger->v(4)) ctx_->logger->info("client went away: " + ec.message());
    if (upstream_) upstream_->close();
    if (watch_stream_) watch_stream_->client_gone();
    return;
  }
  if (state_ == State::kForwarding || state_ == State::kReplying || state_ == State::kFiltered) {
    do_watch_client();
  }
}

void Session::end_exchange(bool keep_alive) {
  if (body_hold_) {
    request_.body().clear();
    request_.body().shrink_to_fit();
    body_hold_.release();
  }
  const AfterClientRead next = keep_alive && !shutting_down_ && !client_gone_
                                   ? AfterClientRead::kReadNext
                                   : AfterClientRead::kClose;
  if (client_read_pending_) {
    // Only one read may be outstanding: stop the disconnect watch first; its handler continues.
    after_client_read_ = next;
    error_code ignored;
    beast::get_lowest_layer(stream_).socket().cancel(ignored);
    return;
  }
  if (next == AfterClientRead::kReadNext) return do_read();
  do_close();
}

void Session::do_close() {
  if (state_ == State::kClosing || state_ == State::kClosed) return;
  if (client_gone_) return abort();
  state_ = State::kClosing;
  if (std::exchange(unread_body_, false)) return do_drain(0);
  do_tls_shutdown();
}

void Session::do_tls_shutdown() {
  beast::get_lowest_layer(stream_).expires_after(ctx_->options.handshake_timeout);
  stream_.async_shutdown([self = shared_from_this()](error_code) { self->abort(); });
}

// A refusal answered before the client sent all of its body (413, 429): closing at once would
// reset the connection over the unread bytes, and the client could lose the reply it has not
// read yet (Go's net/http drains too). What it still sends is read and dropped, for a bounded
// time and size, then the connection closes.
void Session::do_drain(std::size_t drained) {
  constexpr std::size_t kMaxDrainBytes = 4 * 1024 * 1024;
  if (drained == 0) beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
  if (drained >= kMaxDrainBytes || shutting_down_) return do_tls_shutdown();
  stream_.async_read_some(net::buffer(relay_buffer_),
                          [self = shared_from_this(), drained](error_code ec, std::size_t n) {
                            if (ec) return self->abort();
                            self->do_drain(drained + n);
                          });
}

void Session::abort() {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  if (upstream_) upstream_->close();
  if (auto stream = std::move(watch_stream_)) stream->client_gone();
  error_code ignored;
  beast::get_lowest_layer(stream_).socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  beast::get_lowest_layer(stream_).close();
}

}  // namespace watchfilter::proxy

#pragma once

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <memory>
#include <optional>

#include "proxy/kube/reply.h"
#include "proxy/server/session_context.h"
#include "proxy/server/session_registry.h"
#include "proxy/stream/watch_stream.h"
#include "proxy/upstream/upstream_stream.h"

namespace watchfilter::proxy {

// One client connection: TLS handshake, then a keep-alive loop of read request -> handler chain
// -> local reply or forwarded exchange. Everything runs on the connection's strand; shutdown()
// is the only member that may be called from elsewhere.
//
// A forwarded exchange relays upstream's response header as soon as it arrives (a watch client
// learns the watch is established before the first event), then each body piece as it is read,
// reading the next piece only when the previous one is written (the client's pace bounds memory
// to one buffer). Meanwhile a read on the client connection detects the client leaving, so the
// upstream stream is closed promptly even when the watch is quiet.
//
// A request with filter parameters is served from a shared informer instead: a list reply, or a
// WatchStream that writes the filtered events on this connection (same strand) until the
// client leaves, timeoutSeconds, an overflow or shutdown ends it.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(boost::asio::ip::tcp::socket socket, std::shared_ptr<const SessionContext> context,
          std::shared_ptr<SessionRegistry> registry);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void run();
  // Thread-safe. Idle connections close at once; an open watch ends with its final chunk (the
  // client re-watches, as after timeoutSeconds); other forwarded responses are cut.
  void shutdown();

 private:
  enum class State {
    kHandshake,
    kReadingRequest,
    kAuthorizing,  // the chain's authentication/authorization stages are running
    kReplying,
    kForwarding,
    kFiltered,  // served from an informer: resolving, then a WatchStream
    kClosing,
    kClosed
  };
  enum class AfterClientRead { kNothing, kReadNext, kClose };

  void do_handshake();
  void on_handshake(boost::system::error_code ec);
  void do_read();
  void on_read_header(boost::system::error_code ec);
  void on_forwarded_body_authenticated(bool authenticated);
  void read_body_within(std::uint64_t limit, std::string_view flag);
  void refuse_body(std::uint64_t limit, std::string_view flag);
  // The proxy's replies to the request read (its HTTP version and keep-alive).
  Reply reply() const;
  // Replies before a request is whole (its header too large, its body refused or unread): the
  // connection closes after them, since what the client still sends is no request.
  Reply unread_request_reply() const;
  void on_read(boost::system::error_code ec);
  void dispatch();
  void on_chain_decision(ChainDecision& decision);

  void do_write_local(http::response<http::string_body> response);
  void on_write_local(boost::system::error_code ec);

  void do_forward(ForwardUpstream forward);
  void on_upstream_open(boost::system::error_code ec, std::string failed_step);
  void on_write_response_header(boost::system::error_code ec);
  void do_relay_read();
  void on_relay_read(boost::system::error_code ec, std::size_t n);
  void do_relay_write();
  void on_relay_write(boost::system::error_code ec);
  void finish_relay();

  void do_serve_filtered(ServeFromInformer filtered);
  void on_filtered_outcome(FilteredService::Outcome outcome);
  void on_stream_done(bool keep_alive);

  void do_watch_client();
  void on_client_readable(boost::system::error_code ec, std::size_t n);

  void end_exchange(bool keep_alive);
  void do_close();
  void do_tls_shutdown();
  void do_drain(std::size_t drained);
  void abort();
  void on_shutdown_requested();

  std::shared_ptr<const SessionContext> ctx_;
  std::shared_ptr<SessionRegistry> registry_;
  std::uint64_t id_ = 0;
  boost::beast::ssl_stream<boost::beast::tcp_stream> stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  // The body limit of the request being read and the flag that set it.
  std::uint64_t body_limit_ = 0;
  std::string_view body_limit_flag_;
  // The forwarded body's share of --max-forwarded-body-bytes-total, until its exchange ends.
  ForwardedBodyBudget::Hold body_hold_;
  // A refusal was answered before the request's body was read to its end (do_drain).
  bool unread_body_ = false;
  ClientRequest request_;
  // The client certificate of this connection (captured after the handshake).
  PeerCertificate peer_;
  State state_ = State::kHandshake;
  bool shutting_down_ = false;

  std::optional<http::response<http::string_body>> local_response_;

  std::shared_ptr<UpstreamStream> upstream_;
  bool forward_is_watch_ = false;
  bool response_header_sent_ = false;
  std::optional<http::response<http::buffer_body>> relay_response_;
  std::optional<http::response_serializer<http::buffer_body>> serializer_;
  std::array<char, 16 * 1024> relay_buffer_{};

  std::shared_ptr<const WatchRequest> filtered_request_;
  std::shared_ptr<WatchStream> watch_stream_;

  bool client_read_pending_ = false;
  bool client_gone_ = false;
  AfterClientRead after_client_read_ = AfterClientRead::kNothing;
};

}  // namespace watchfilter::proxy

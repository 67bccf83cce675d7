#pragma once
// An in-process fake of kube-apiserver's LIST/WATCH transport for unit tests: a TLS server on
// 127.0.0.1:0, on its own thread, that answers each request with the next recorded reply the
// test scripted for it (a LIST body, or a WATCH's lines), in order or by request path (code
// that asks several paths concurrently: discovery, informers of several resources). It only
// replays: no API semantics.

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it
#include <vector>

#include "proxy/upstream/kubeconfig.h"
#include "proxy/upstream/tls_context.h"
#include "test/proxy/support/test_certs.h"

namespace watchfilter::proxy::testing {

// One recorded reply. A LIST is a status and a body (Content-Length); a WATCH is a 200 with
// `lines` sent as chunks, then either the end of the body or, when `hold`, the lines given to
// FakeUpstream::send() as they come, until end_watch() or the client closes the connection.
struct RecordedReply {
  unsigned status = 200;
  std::string body;
  bool watch = false;
  std::vector<std::string> lines;
  bool hold = false;

  static RecordedReply list(std::string body) { return {200, std::move(body), false, {}, false}; }
  static RecordedReply error(unsigned status, std::string body) {
    return {status, std::move(body), false, {}, false};
  }
  static RecordedReply watch_lines(std::vector<std::string> lines, bool hold) {
    return {200, {}, true, std::move(lines), hold};
  }
};

class FakeUpstream {
 public:
  FakeUpstream()
      : tls_(make_server_tls_context(loopback_certificate())),
        acceptor_(ioc_,
                  boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)) {
    boost::asio::co_spawn(ioc_, accept_loop(), boost::asio::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~FakeUpstream() {
    ioc_.stop();
    thread_.join();
  }
  FakeUpstream(const FakeUpstream&) = delete;
  FakeUpstream& operator=(const FakeUpstream&) = delete;

  UpstreamConfig config() const {
    UpstreamConfig c;
    c.host = "127.0.0.1";
    c.port = acceptor_.local_endpoint().port();
    c.server_name = "127.0.0.1";
    c.ca_pem = loopback_certificate().cert_pem;
    c.bearer_token = "test-token";
    c.description = "fake upstream";
    return c;
  }

  // Replies are used in order: LISTs (requests without watch=true) from one queue, WATCHes from
  // the other. A request with no reply left gets a 500 (a test that did not expect it fails on
  // the request count or on what the client saw).
  void add_list(RecordedReply reply) {
    std::lock_guard lock(mutex_);
    lists_.push_back(std::move(reply));
  }
  void add_watch(RecordedReply reply) {
    std::lock_guard lock(mutex_);
    watches_.push_back(std::move(reply));
  }
  // Replies for one path (the target before its '?'), taken before the queues above: in order
  // from that path's own LIST or WATCH queue, then `always`'s reply when the path has one, then
  // the queues above.
  void add_list(const std::string& path, RecordedReply reply) {
    std::lock_guard lock(mutex_);
    routed_[path].lists.push_back(std::move(reply));
  }
  void add_watch(const std::string& path, RecordedReply reply) {
    std::lock_guard lock(mutex_);
    routed_[path].watches.push_back(std::move(reply));
  }
  // The reply every LIST of `path` gets once its queue is empty (a discovery document, asked
  // again whenever a resource is not in it).
  void always(const std::string& path, RecordedReply reply) {
    std::lock_guard lock(mutex_);
    routed_[path].always = std::move(reply);
  }
  // The request targets received, in order.
  std::vector<std::string> targets() const {
    std::lock_guard lock(mutex_);
    return targets_;
  }
  // To the watch being held (or the next one to be): one more line, as upstream sends an event.
  void send(std::string line) {
    std::lock_guard lock(mutex_);
    pending_.push_back(std::move(line));
  }
  // To the watch of `path` being held (or the next one to be) only.
  void send(const std::string& path, std::string line) {
    std::lock_guard lock(mutex_);
    routed_[path].pending.push_back(std::move(line));
  }
  // Ends the held watch's body cleanly, as upstream does at its timeoutSeconds.
  void end_watch() { end_requested_ = true; }
  // Held watches whose client has closed the connection.
  std::atomic<int> closed_watches{0};
  // Watches being held open now.
  std::atomic<int> open_watches{0};

 private:
  using Stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

  static std::string chunk(const std::string& data) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    return size + data + "\r\n";
  }

  static std::string as_line(const std::string& line) {
    return !line.empty() && line.back() == '\n' ? line : line + "\n";
  }

  boost::asio::awaitable<void> accept_loop() {
    for (;;) {
      auto socket = co_await acceptor_.async_accept(boost::asio::use_awaitable);
      boost::asio::co_spawn(ioc_, serve(std::move(socket)), boost::asio::detached);
    }
  }

  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket) {
    namespace http = boost::beast::http;
    using boost::asio::use_awaitable;
    try {
      auto s = std::make_shared<Stream>(std::move(socket), tls_);
      co_await s->async_handshake(boost::asio::ssl::stream_base::server, use_awaitable);
      boost::beast::flat_buffer buffer;
      http::request<http::string_body> req;
      co_await http::async_read(*s, buffer, req, use_awaitable);
      const std::string target(req.target());
      const bool watch = target.find("watch=true") != std::string::npos;
      const std::string path = target.substr(0, target.find('?'));
      RecordedReply reply{500, R"({"kind":"Status","code":500})", false, {}, false};
      {
        std::lock_guard lock(mutex_);
        targets_.push_back(target);
        auto take = [&](std::deque<RecordedReply>& queue) {
          if (queue.empty()) return false;
          reply = std::move(queue.front());
          queue.pop_front();
          return true;
        };
        bool found = false;
        if (auto route = routed_.find(path); route != routed_.end()) {
          found = take(watch ? route->second.watches : route->second.lists);
          if (!found && !watch && route->second.always) {
            reply = *route->second.always;
            found = true;
          }
        }
        if (!found) take(watch ? watches_ : lists_);
      }
      std::string out;
      if (!reply.watch) {
        out = "HTTP/1.1 " + std::to_string(reply.status) +
              " X\r\nContent-Type: application/json\r\nContent-Length: " +
              std::to_string(reply.body.size()) + "\r\n\r\n" + reply.body;
      } else {
        out =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n";
        for (const auto& line : reply.lines) out += chunk(as_line(line));
        if (!reply.hold) out += "0\r\n\r\n";
      }
      co_await boost::asio::async_write(*s, boost::asio::buffer(out), use_awaitable);
      if (reply.hold) {
        co_await hold(s, path);
      } else {
        co_await s->async_shutdown(use_awaitable);
      }
    } catch (const boost::system::system_error&) {
      // The client went away: nothing to record.
    }
  }

  // Sends send()'s lines (and those sent to `path`) until end_watch(), the client's close, or 10 s
  // (no test waits longer).
  boost::asio::awaitable<void> hold(std::shared_ptr<Stream> s, std::string path) {
    using boost::asio::use_awaitable;
    auto closed = std::make_shared<bool>(false);
    boost::asio::co_spawn(
        ioc_,
        [](std::shared_ptr<Stream> s,
           std::shared_ptr<bool> closed) -> boost::asio::awaitable<void> {
          char byte;
          boost::system::error_code ec;
          co_await s->async_read_some(boost::asio::buffer(&byte, 1),
                                      boost::asio::redirect_error(use_awaitable, ec));
          *closed = true;
        }(s, closed),
        boost::asio::detached);
    ++open_watches;
    boost::asio::steady_timer timer(ioc_);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!*closed && std::chrono::steady_clock::now() < deadline) {
      std::string out;
      {
        std::lock_guard lock(mutex_);
        for (auto& line : pending_) out += chunk(as_line(line));
        pending_.clear();
        if (auto route = routed_.find(path); route != routed_.end()) {
          for (auto& line : route->second.pending) out += chunk(as_line(line));
          route->second.pending.clear();
        }
      }
      const bool end = end_requested_.exchange(false);
      if (end) out += "0\r\n\r\n";
      if (!out.empty()) {
        boost::system::error_code ec;
        co_await boost::asio::async_write(*s, boost::asio::buffer(out),
                                          boost::asio::redirect_error(use_awaitable, ec));
        if (ec || end) break;
      }
      timer.expires_after(std::chrono::milliseconds(5));
      co_await timer.async_wait(use_awaitable);
    }
    --open_watches;
    // Wait for the client's close, then count it.
    while (!*closed && std::chrono::steady_clock::now() < deadline) {
      timer.expires_after(std::chrono::milliseconds(5));
      co_await timer.async_wait(use_awaitable);
    }
    if (*closed) ++closed_watches;
  }

  boost::asio::io_context ioc_;
  boost::asio::ssl::context tls_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::deque<RecordedReply> lists_;
  std::deque<RecordedReply> watches_;
  struct Route {
    std::deque<RecordedReply> lists;
    std::deque<RecordedReply> watches;
    std::optional<RecordedReply> always;
    std::vector<std::string> pending;  // send(path, line)
  };
  std::map<std::string, Route> routed_;
  std::vector<std::string> targets_;
  std::vector<std::string> pending_;
  std::atomic<bool> end_requested_{false};
};

}  // namespace watchfilter::proxy::testing

// In-process tests of the relay: a real proxy Server on 127.0.0.1:0 in front of a small TLS
// HTTP server that plays kube-apiserver. Every wait is bounded: clients run on an io_context with
// run_for(), conditions are polled with a deadline.

#include "proxy/server/server.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <thread>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include "proxy/auth/delegating_auth.h"
#include "proxy/server/readiness_probe.h"
#include "proxy/upstream/tls_context.h"
#include "test/proxy/support/fake_auth.h"
#include "test/proxy/support/test_certs.h"

namespace watchfilter::proxy {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;
using net::use_awaitable;

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds limit = 5000ms) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return condition();
}

net::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  net::steady_timer t(co_await net::this_coro::executor, d);
  co_await t.async_wait(use_awaitable);
}

std::string chunk(const std::string& data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + data + "\r\n";
}

const std::string kEvent1 =
    R"({"type":"ADDED","object":{"kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"1"}}})"
    "\n";
const std::string kBigEvent =
    R"({"type":"MODIFIED","object":{"kind":"ConfigMap","data":{"blob":")" +
    std::string(100 * 1024, 'x') + "\"}}}\n";
const std::string kEvent3 =
    R"({"type":"DELETED","object":{"kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"3"}}})"
    "\n";
const std::string kNotFound =
    R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"namespaces \"missing\" not found","reason":"NotFound","details":{"name":"missing","kind":"namespaces"},"code":404})";

struct RecordedRequest {
  std::string method, target, authorization, user_agent, accept_encoding;
  bool client_certificate = false;  // the connection presented one
};

// Plays kube-apiserver on 127.0.0.1 with a certificate for 127.0.0.1, on its own thread.
//   /readyz                       200 ok
//   /api/v1/namespaces/default/configmaps   chunked stream: event 1, then waits for `release`,
//                                 then a 100 KiB event and an event split over two chunks
//   /hold                         chunked: event 1, then waits for the proxy to close the
//                                 connection and records it in `saw_close`
//   POST /apis/authentication.k8s.io/v1/tokenreviews   waits for `release_reviews`, then 201
//                                 authenticating any token as user "u"; counted in `reviews`
//   anything else                 404 Status with Content-Length
class FakeApiserver {
 public:
  FakeApiserver()
      : tls_(make_server_tls_context(testing::loopback_certificate())),
        acceptor_(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    net::co_spawn(ioc_, accept_loop(), net::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~FakeApiserver() {
    ioc_.stop();
    thread_.join();
  }

  UpstreamConfig upstream_config() const {
    UpstreamConfig c;
    c.host = "127.0.0.1";
    c.port = acceptor_.local_endpoint().port();
    c.server_name = "127.0.0.1";
    c.ca_pem = testing::loopback_certificate().cert_pem;
    c.bearer_token = "test-token";
    // The proxy's own client certificate: its own requests present it, forwarded ones must not.
    c.client_cert_pem = testing::loopback_certificate().cert_pem;
    c.client_key_pem = testing::loopback_certificate().key_pem;
    c.description = "fake apiserver";
    return c;
  }
  static std::string stream_body() { return kEvent1 + kBigEvent + kEvent3; }
  RecordedRequest last_request() {
    std::lock_guard lock(mutex_);
    return last_;
  }

  std::atomic<bool> release{false};
  std::atomic<bool> release_timed_out{false};
  std::atomic<bool> finished{false};
  std::atomic<bool> saw_close{false};
  std::atomic<int> requests{0};
  std::atomic<bool> release_reviews{false};
  std::atomic<int> reviews{0};

 private:
  using Stream = beast::ssl_stream<beast::tcp_stream>;

  net::awaitable<void> accept_loop() {
    for (;;) {
      tcp::socket socket = co_await acceptor_.async_accept(use_awaitable);
      net::co_spawn(ioc_, serve(std::move(socket)), net::detached);
    }
  }

  static net::awaitable<void> write(Stream& s, const std::string& data) {
    co_await net::async_write(s, net::buffer(data), use_awaitable);
  }

  net::awaitable<void> serve(tcp::socket socket) {
    try {
      Stream s(std::move(socket), tls_);
      co_await s.async_handshake(net::ssl::stream_base::server, use_awaitable);
      beast::flat_buffer buffer;
      http::request<http::string_body> req;
      co_await http::async_read(s, buffer, req, use_awaitable);
      ++requests;
      {
        std::lock_guard lock(mutex_);
        X509* peer = SSL_get1_peer_certificate(s.native_handle());
        last_ = {std::string(req.method_string()),
                 std::string(req.target()),
                 std::string(req[http::field::authorization]),
                 std::string(req[http::field::user_agent]),
                 std::string(req[http::field::accept_encoding]),
                 peer != nullptr};
        X509_free(peer);
      }
      const std::string target(req.target());
      const std::string path = target.substr(0, target.find('?'));
      const std::string chunked_header =
          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nAudit-Id: fake-audit\r\n"
          "Transfer-Encoding: chunked\r\n\r\n";
      if (path == "/readyz") {
        co_await write(
            s, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok");
      } else if (path == "/api/v1/namespaces/default/configmaps") {
        co_await write(s, chunked_header + chunk(kEvent1));
        const auto deadline = std::chrono::steady_clock::now() + 5s;
        while (!release && std::chrono::steady_clock::now() < deadline) co_await sleep_for(5ms);
        if (!release) release_timed_out = true;
        co_await write(s, chunk(kBigEvent));
        co_await sleep_for(20ms);
        co_await write(s, chunk(kEvent3.substr(0, 10)));
        co_await sleep_for(20ms);
        co_await write(s, chunk(kEvent3.substr(10)) + "0\r\n\r\n");
        finished = true;
      } else if (path == "/apis/authentication.k8s.io/v1/tokenreviews") {
        ++reviews;
        const auto deadline = std::chrono::steady_clock::now() + 5s;
        while (!release_reviews && std::chrono::steady_clock::now() < deadline) {
          co_await sleep_for(5ms);
        }
        const std::string body =
            R"({"kind":"TokenReview","apiVersion":"authentication.k8s.io/v1","status":)"
            R"({"authenticated":true,"user":{"username":"u"}}})";
        co_await write(s,
                       "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
                       "Content-Length: " +
                           std::to_string(body.size()) + "\r\n\r\n" + body);
      } else if (path == "/hold") {
        co_await write(s, chunked_header + chunk(kEvent1));
        char byte;
        boost::system::error_code ec;
        co_await s.async_read_some(net::buffer(&byte, 1), net::redirect_error(use_awaitable, ec));
        if (ec) saw_close = true;
      } else {
        std::string head =
            "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
            "Content-Length: " +
            std::to_string(kNotFound.size()) + "\r\n\r\n";
        // A named local, not a ?: temporary inside co_await: gcc 12 destroys such temporaries
        // twice.
        const std::string reply = req.method() == http::verb::head ? head : head + kNotFound;
        co_await write(s, reply);
      }
    } catch (const std::exception&) {
      // Connection-level failures are what some tests provoke.
    }
  }

  net::io_context ioc_;
  net::ssl::context tls_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::mutex mutex_;
  RecordedRequest last_;
};

// The real proxy server on 127.0.0.1:0, running on two threads like the binary's default.
class ProxyUnderTest {
 public:
  explicit ProxyUnderTest(UpstreamConfig upstream) {
    UpstreamTimeouts timeouts;
    timeouts.connect = timeouts.handshake = timeouts.write = timeouts.response_header = 3s;
    logger_ = std::make_shared<const Logger>(0);
    context_ = std::make_shared<SessionContext>();
    context_->server_tls = std::make_shared<net::ssl::context>(
        make_server_tls_context(testing::loopback_certificate()));
    // Authentication and authorization have their own tests; here everyone is allowed, as a
    // caller with a bearer token (the one TestClient sends), which forwarded requests carry.
    auto authn = std::make_shared<testing::FakeAuthenticator>();
    authn->user->method = AuthenticationMethod::kBearerToken;
    context_->chain = std::make_shared<const HandlerChain>(
        health, counters, nullptr, std::move(authn), std::make_shared<testing::FakeAuthorizer>());
    context_->upstream = std::make_shared<UpstreamClient>(std::move(upstream), logger_, timeouts);
    context_->logger = logger_;
    server_.emplace(ioc_, context_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    server_->start();
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
  }
  ~ProxyUnderTest() {
    server_->stop();
    EXPECT_TRUE(eventually([&] { return server_->active_sessions() == 0; }))
        << "sessions still open at teardown";
    work_.reset();
    ioc_.stop();
    for (auto& t : threads_) t.join();
  }

  tcp::endpoint endpoint() const { return server_->local_endpoint(); }
  Server& server() { return *server_; }
  std::shared_ptr<UpstreamClient> upstream() { return context_->upstream; }
  net::io_context& ioc() { return ioc_; }

  std::shared_ptr<HealthState> health = std::make_shared<HealthState>();
  std::shared_ptr<StatusCounters> counters = std::make_shared<StatusCounters>();

 private:
  net::io_context ioc_;
  net::executor_work_guard<net::io_context::executor_type> work_ = net::make_work_guard(ioc_);
  std::shared_ptr<const Logger> logger_;
  std::shared_ptr<SessionContext> context_;
  std::optional<Server> server_;
  std::vector<std::thread> threads_;
};

struct Reply {
  unsigned status = 0;
  http::fields headers;
  bool chunked = false;
  std::string body;
  bool complete = false;  // the whole message arrived (final chunk or full length)
  std::string error;      // why reading stopped early
};

// An HTTPS client for the proxy, for use inside a coroutine.
class TestClient {
 public:
  explicit TestClient(net::any_io_executor ex)
      : tls_(net::ssl::context::tls_client), stream_(ex, tls_) {
    tls_.set_verify_mode(net::ssl::verify_none);
  }

  net::awaitable<void> connect(tcp::endpoint endpoint) {
    co_await beast::get_lowest_layer(stream_).async_connect(endpoint, use_awaitable);
    co_await stream_.async_handshake(net::ssl::stream_base::client, use_awaitable);
  }

  // Sends a request and reads the reply; `on_piece` sees the body so far after every piece and
  // returns false to stop reading (the connection is then left as is).
  net::awaitable<Reply> request(http::verb method, std::string target,
                                std::function<bool(const std::string&)> on_piece = {}) {
    http::request<http::empty_body> req{method, target, 11};
    req.set(http::field::host, "localhost");
    req.set(http::field::user_agent, "relay-test");
    req.set(http::field::accept_encoding, "gzip");
    req.set(http::field::authorization, "Bearer callers-own-token");
    req.keep_alive(true);
    co_await http::async_write(stream_, req, use_awaitable);
    co_return co_await read_reply(method == http::verb::head, std::move(on_piece));
  }

  net::awaitable<Reply> raw_request(std::string bytes) {
    co_await net::async_write(stream_, net::buffer(bytes), use_awaitable);
    co_return co_await read_reply(false, {});
  }

  void close() {
    boost::system::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(stream_).close();
  }

 private:
  net::awaitable<Reply> read_reply(bool head, std::function<bool(const std::string&)> on_piece) {
    Reply reply;
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    if (head) parser.skip(true);
    co_await http::async_read_header(stream_, buffer_, parser, use_awaitable);
    reply.status = parser.get().result_int();
    reply.headers = parser.get().base();
    reply.chunked = parser.get().chunked();
    char piece[8192];
    while (!parser.is_done()) {
      parser.get().body().data = piece;
      parser.get().body().size = sizeof piece;
      boost::system::error_code ec;
      co_await http::async_read_some(stream_, buffer_, parser,
                                     net::redirect_error(use_awaitable, ec));
      const std::size_t n = sizeof piece - parser.get().body().size;
      reply.body.append(piece, n);
      if (ec && ec != http::error::need_buffer) {
        reply.error = ec.message();
        co_return reply;
      }
      if (n > 0 && on_piece && !on_piece(reply.body)) co_return reply;
    }
    reply.complete = true;
    co_return reply;
  }

  net::ssl::context tls_;
  beast::ssl_stream<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
};

// Runs `body(executor)` to completion on a private io_context, failing the test after `limit`.
void run_bounded(const std::function<net::awaitable<void>(net::any_io_executor)>& body,
                 std::chrono::seconds limit = 10s) {
  net::io_context ioc;
  bool done = false;
  std::string error;
  net::co_spawn(ioc, body(ioc.get_executor()), [&](std::exception_ptr e) {
    done = true;
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        error = ex.what();
      }
    }
  });
  ioc.run_for(limit);
  EXPECT_TRUE(done) << "client timed out after " << limit.count() << "s";
  EXPECT_EQ(error, "");
}

Reply fetch(const ProxyUnderTest& proxy, http::verb method, const std::string& target) {
  Reply reply;
  run_bounded([&](net::any_io_executor ex) -> net::awaitable<void> {
    TestClient client(ex);
    co_await client.connect(proxy.endpoint());
    reply = co_await client.request(method, target);
  });
  return reply;
}

rapidjson::Document parse_json(const std::string& body) {
  rapidjson::Document d;
  d.Parse(body.c_str());
  EXPECT_FALSE(d.HasParseError()) << body;
  return d;
}

class RelayStreamTest : public ::testing::TestWithParam<std::string> {};

TEST_P(RelayStreamTest, WatchReachesClientPieceByPieceAndByteIdentical) {
  FakeApiserver upstream;
  ProxyUnderTest proxy(upstream.upstream_config());
  Reply reply;
  bool first_event_before_upstream_finished = false;
  run_bounded([&](net::any_io_executor ex) -> net::awaitable<void> {
    TestClient client(ex);
    co_await client.connect(proxy.endpoint());
    reply = co_await client.request(http::verb::get, GetParam(), [&](const std::string& body) {
      if (!upstream.release && body.size() >= kEvent1.size()) {
        // Upstream is blocked until we release it, so this can only happen if the proxy relayed
        // the first event on its own.
        first_event_before_upstream_finished = !upstream.finished;
        EXPECT_EQ(body, kEvent1);
        upstream.release = true;
      }
      return true;
    });
  });
  EXPECT_TRUE(first_event_before_upstream_finished);
  EXPECT_FALSE(upstream.release_timed_out) << "the first event was held back by the proxy";
  EXPECT_EQ(reply.status, 200u);
  EXPECT_TRUE(reply.complete) << reply.error;
  EXPECT_TRUE(reply.chunked);
  EXPECT_EQ(reply.headers[http::field::content_type], "application/json");
  EXPECT_EQ(reply.headers["Audit-Id"], "fake-audit");
  EXPECT_TRUE(reply.body == FakeApiserver::stream_body())
      << "body differs: " << reply.body.size() << " vs " << FakeApiserver::stream_body().size()
      << " bytes";

  RecordedRequest seen = upstream.last_request();
  EXPECT_EQ(seen.method, "GET");
  EXPECT_EQ(seen.target, "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=0");
  // The caller's own token, on a connection without the proxy's client certificate.
  EXPECT_EQ(seen.authorization, "Bearer callers-own-token");
  EXPECT_FALSE(seen.client_certificate);
  EXPECT_EQ(seen.user_agent, "relay-test");
  EXPECT_EQ(seen.accept_encoding, "");
}

INSTANTIATE_TEST_SUITE_P(
    Paths, RelayStreamTest,
    ::testing::Values(
        "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=0",
        "/apis/stream.watchfilter.io/v1alpha1/proxy/api/v1/namespaces/default/configmaps"
        "?watch=true&resourceVersion=0"));

TEST(RelayTest, ClientDisconnectClosesUpstream) {
  FakeApiserver upstream;
  ProxyUnderTest proxy(upstream.upstream_config());
  run_bounded([&](net::any_io_executor ex) -> net::awaitable<void> {
    TestClient client(ex);
    co_await client.connect(proxy.endpoint());
    Reply r = co_await client.request(http::verb::get, "/hold?watch=true",
                                      [](const std::string&) { return false; });
    EXPECT_EQ(r.body, kEvent1);
    client.close();
  });
  // The watch is quiet: only the proxy's read on the client connection can notice.
  EXPECT_TRUE(eventually([&] { return upstream.saw_close.load(); }))
      << "upstream stream still open after the client left";
  EXPECT_TRUE(eventually([&] { return proxy.server().active_sessions() == 0; }));
}

TEST(RelayTest, ShutdownEndsWatchWithFinalChunk) {
  FakeApiserver upstream;
  ProxyUnderTest proxy(upstream.upstream_config());
  Reply reply;
  run_bounded([&](net::any_io_executor ex) -> net::awaitable<void> {
    TestClient client(ex);
    co_await client.connect(proxy.endpoint());
    reply = co_await client.request(http::verb::get, "/hold?watch=true", [&](const std::string&) {
      proxy.server().stop();
      return true;
    });
  });
  EXPECT_TRUE(reply.complete) << reply.error;
  EXPECT_EQ(reply.body, kEvent1);
  EXPECT_TRUE(eventually([&] { return upstream.saw_close.load(); }));
}

TEST(RelayTest, PostIs405StatusAndNotForwarded) {
  FakeApiserver upstream;
  ProxyUnderTest proxy(upstream.upstream_config());
  Reply r = fetch(proxy, http::verb::post, "/api/v1/namespaces/default/configmaps");
  EXPECT_EQ(r.status, 405u);
  EXPECT_EQ(r.headers[http::field::content_type], "application/json");
  auto d = parse_json(r.body);
  EXPECT_STREQ(d["kind"].GetString(), "Status");
  EXPECT_STREQ(d["reason"].GetString(), "MethodNotAllowed");
  EXPECT_EQ(d["code"].GetInt(), 405);
  EXPECT_EQ(upstream.requests, 0);
  EXPECT_EQ(proxy.counters->count(StatusReason::kMethodNotAllowed), 1u);
}

TEST(RelayTest, UpstreamDownIs503WithReason) {
  UpstreamConfig config;
  {
    net::io_context ioc;
    tcp::acceptor probe(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    config.port = probe.local_endpoint().port();
  }  // closed: nothing listens there now
  config.host = config.server_name = "127.0.0.1";
  config.ca_pem = testing::loopback_certificate().cert_pem;
  config.description = "closed port";
  ProxyUnderTest proxy(config);
  Reply r = fetch(proxy, http::verb::get, "/api/v1/pods");
  EXPECT_EQ(r.status, 503u);
  auto d = parse_json(r.body);
  EXPECT_STREQ(d["reason"].GetString(), "ServiceUnavailable");
  EXPECT_EQ(d["code"].GetInt(), 503);
  EXPECT_NE(std::string(d["message"].GetString()).find("connect"), std::string::npos)
      << d["message"].GetString();
  EXPECT_EQ(proxy.counters->count(StatusReason::kServiceUnavailable), 1u);
}

TEST(RelayTest, UpstreamCertificateNameIsVerified) {
  FakeApiserver upstream;
  UpstreamConfig config = upstream.upstream_config();
  config.server_name = "kube-apiserver.elsewhere.example";
  ProxyUnderTest proxy(config);
  Reply r = fetch(proxy, http::verb::get, "/api/v1/pods");
  EXPECT_EQ(r.status, 503u);
  EXPECT_NE(r.body.find("certificate verification"), std::string::npos) << r.body;
  EXPECT_EQ(upstream.requests, 0);
}

TEST(RelayTest, UpstreamErrorsAreRelayedUnchanged) {
  FakeApiserver upstream;
  ProxyUnderTest proxy(upstream.upstream_config());
  Reply r = fetch(proxy, http::verb::get, "/api/v1/namespaces/missing");
  EXPECT_EQ(r.status, 404u);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.body, kNotFound);
  EXPECT_EQ(r.headers[http::field::content_type], "application/json");
  EXPECT_EQ(r.headers[http::field::content_length], std::to_string(kNotFound.size()));
  EXPECT_EQ(proxy.counters->count(StatusReason::kNotFound), 0u);  // not ours

  Reply h = fetch(proxy, http::verb::head, "/api/v1/namespaces/missing");
  EXPECT_EQ(h.status, 404u);
  EXPECT_EQ(h.body, "");
  EXPECT_EQ(h.headers[http::field::content_length], std::to_string(kNotFound.size()));
  EXPECT_EQ(upstream.last_request().method, "HEAD");
}

TEST(RelayTest, KeepAliveAcrossForwardedAndLocalReplies) {
  FakeApiserver upstream;
  ProxyUnderTest proxy(upstream.upstream_config());
  run_bounded([&](net::any_io_executor ex) -> net::awaitable<void> {
    TestClient client(ex);
    co_await client.connect(proxy.endpoint());
    Reply a = co_await client.request(http::verb::get, "/api/v1/namespaces/missing");
    Reply b = co_await client.request(http::verb::get, "/healthz");
    Reply c = co_await client.request(http::verb::get,
                                      std::string(kProxyPrefix) + "/api/v1/namespaces/missing");
    Reply d = co_await client.request(http::verb::delete_, "/api/v1/namespaces/missing");
    EXPECT_EQ(a.status, 404u);
    EXPECT_EQ(a.body, kNotFound);
    EXPECT_EQ(b.status, 200u);
    EXPECT_EQ(b.body, "ok");
    EXPECT_EQ(c.status, 404u);
    EXPECT_EQ(c.body, kNotFound);
    EXPECT_EQ(d.status, 405u);
  });
  EXPECT_EQ(upstream.requests, 2);
}

TEST(RelayTest, OversizedRequestBodyIs413) {
  FakeApiserver upstream;
  ProxyUnderTest proxy(upstream.upstream_config());
  Reply r;
  run_bounded([&](net::any_io_executor ex) -> net::awaitable<void> {
    TestClient client(ex);
    co_await client.connect(proxy.endpoint());
    r = co_await client.raw_request(
        "POST /api/v1/namespaces HTTP/1.1\r\nHost: x\r\nContent-Length: 104857600\r\n\r\n");
  });
  EXPECT_EQ(r.status, 413u);
  EXPECT_NE(r.body.find("RequestEntityTooLarge"), std::string::npos);
}

TEST(RelayTest, ReadyzWaitsForUpstream) {
  FakeApiserver upstream;
  ProxyUnderTest proxy(upstream.upstream_config());
  EXPECT_EQ(fetch(proxy, http::verb::get, "/readyz").status, 503u);
  EXPECT_EQ(fetch(proxy, http::verb::get, "/healthz").status, 200u);
  auto probe = std::make_shared<ReadinessProbe>(net::make_strand(proxy.ioc()), proxy.upstream(),
                                                proxy.health, 50ms);
  probe->start();
  EXPECT_TRUE(eventually([&] { return proxy.health->ready(); }));
  // The proxy's own request: its identity (certificate and token).
  EXPECT_EQ(upstream.last_request().target, "/readyz");
  EXPECT_EQ(upstream.last_request().authorization, "Bearer test-token");
  EXPECT_TRUE(upstream.last_request().client_certificate);
  EXPECT_EQ(fetch(proxy, http::verb::get, "/readyz").status, 200u);
  probe->stop();
  proxy.health->begin_shutdown();
  EXPECT_EQ(fetch(proxy, http::verb::get, "/readyz").status, 503u);
}

// TokenReviews in flight are bounded (--max-inflight-token-reviews): past the bound a request is
// answered "overloaded" (the chain's 429) at once, not queued and not judged; a token already
// under review waits for that review instead of making a second one.
TEST(TokenReviewLimitTest, InflightReviewsAreBoundedAndShared) {
  FakeApiserver api;
  net::io_context ioc;
  auto work = net::make_work_guard(ioc);
  std::thread runner([&] { ioc.run(); });
  auto logger = std::make_shared<const Logger>(0);
  auto upstream = std::make_shared<UpstreamClient>(api.upstream_config(), logger);
  DelegatingAuthOptions options;
  options.max_inflight_token_reviews = 2;
  DelegatingAuthenticator authn(nullptr, upstream, logger, options);
  std::mutex mutex;
  std::map<std::string, std::vector<AuthenticationResult>> results;
  auto ask = [&](const std::string& token) {
    http::request<http::string_body> req{http::verb::get, "/", 11};
    req.set(http::field::authorization, "Bearer " + token);
    authn.authenticate(req, PeerCertificate{}, ioc.get_executor(),
                       [&, token](AuthenticationResult r) {
                         std::lock_guard lock(mutex);
                         results[token].push_back(std::move(r));
                       });
  };
  auto answered = [&](const std::string& token, std::size_t n) {
    std::lock_guard lock(mutex);
    return results[token].size() == n;
  };
  ask("token-a");
  ask("token-b");
  ask("token-a");  // waits for the review of token-a
  EXPECT_TRUE(eventually([&] { return api.reviews == 2; }));
  EXPECT_EQ(authn.inflight_token_reviews(), 2u);
  ask("token-c");  // a third review would be one too many
  ASSERT_TRUE(eventually([&] { return answered("token-c", 1); }));
  {
    std::lock_guard lock(mutex);
    EXPECT_TRUE(results["token-c"][0].overloaded);
    EXPECT_EQ(results["token-c"][0].limit, "max-inflight-token-reviews");
    EXPECT_FALSE(results["token-c"][0].user);
    EXPECT_TRUE(results["token-a"].empty());
  }
  api.release_reviews = true;
  ASSERT_TRUE(eventually([&] { return answered("token-a", 2) && answered("token-b", 1); }));
  {
    std::lock_guard lock(mutex);
    for (const auto& r : results["token-a"]) {
      ASSERT_TRUE(r.user);
      EXPECT_EQ(r.user->user.name, "u");
    }
  }
  EXPECT_EQ(api.reviews, 2);
  EXPECT_EQ(authn.inflight_token_reviews(), 0u);
  ask("token-c");  // room again
  ASSERT_TRUE(eventually([&] { return answered("token-c", 2); }));
  {
    std::lock_guard lock(mutex);
    EXPECT_TRUE(results["token-c"][1].user);
  }
  work.reset();
  ioc.stop();
  runner.join();
}

}  // namespace
}  // namespace watchfilter::proxy

// WatchStream as a client sees it: a real informer on a fake upstream
// (test/proxy/support/fake_upstream.h) feeds the stream, which writes to one end of a loopback
// TLS connection; the test reads the other end and decodes the chunked body into lines.
// Everything runs on one io_context driven by the test thread; every wait is bounded.

#include "proxy/stream/watch_stream.h"

#include <gtest/gtest.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "filters/compile.h"
#include "filters/event_view.h"
#include "proxy/informer/informer_registry.h"
#include "proxy/kube/watch_events.h"
#include "proxy/request/watch_request.h"
#include "proxy/telemetry/metrics.h"
#include "proxy/upstream/tls_context.h"
#include "test/proxy/support/fake_upstream.h"
#include "test/proxy/support/io_wait.h"
#include "test/proxy/support/watch_request_support.h"

namespace watchfilter::proxy {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;
using testing::FakeUpstream;
using testing::RecordedReply;

std::string cm(const std::string& name, std::uint64_t rv, const std::string& k) {
  return R"({"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":")" + name +
         R"(","namespace":"default","resourceVersion":")" + std::to_string(rv) +
         R"("},"data":{"k":")" + k + R"("}})";
}

const std::string kCollection = "/api/v1/namespaces/default/configmaps";

// The body as the client decodes it: the lines of the chunks received so far, and whether the
// last chunk (the end of the response) was seen.
struct Body {
  std::string head;
  std::vector<std::string> lines;
  bool ended = false;
};

Body decode(const std::string& raw) {
  Body body;
  const auto head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos) return body;
  body.head = raw.substr(0, head_end);
  std::string data;
  std::size_t at = head_end + 4;
  for (;;) {
    const auto size_end = raw.find("\r\n", at);
    if (size_end == std::string::npos) break;
    const std::size_t size = std::stoul(raw.substr(at, size_end - at), nullptr, 16);
    if (size == 0) {
      body.ended = true;
      break;
    }
    if (raw.size() < size_end + 2 + size + 2) break;
    data += raw.substr(size_end + 2, size);
    at = size_end + 2 + size + 2;
  }
  for (std::size_t start = 0, nl; (nl = data.find('\n', start)) != std::string::npos;
       start = nl + 1) {
    body.lines.push_back(data.substr(start, nl - start));
  }
  return body;
}

class WatchStreamTest : public ::testing::Test {
 protected:
  using Socket = WatchStream::Socket;

  WatchStreamTest()
      : metrics(std::make_shared<Metrics>()),
        client_tls(net::ssl::context::tls_client),
        server_tls(make_server_tls_context(testing::loopback_certificate())) {
    upstream.add_list(RecordedReply::list(
        R"({"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"10"},)"
        R"("items":[]})"));
    upstream.add_watch(RecordedReply::watch_lines({}, true));
    auto logger = std::make_shared<const Logger>(0);
    registry = std::make_shared<informer::InformerRegistry>(
        ioc, std::make_shared<UpstreamClient>(upstream.config(), logger), logger, metrics,
        informer::InformerOptions{}, 1s);
  }
  ~WatchStreamTest() override {
    if (stream) stream->client_gone();
    stream.reset();
    registry->stop();
    run_for(50ms);
  }

  bool run_until(const std::function<bool()>& condition, std::chrono::milliseconds limit = 5s) {
    return testing::run_until(ioc, condition, limit);
  }
  void run_for(std::chrono::milliseconds d) { testing::run_for(ioc, d); }

  // A loopback TLS connection: `server` is the proxy's end, `client` the test's. Small socket
  // buffers when `small_buffers`, so that a client that does not read is soon seen as one.
  void connect(bool small_buffers = false) {
    tcp::acceptor acceptor(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    tcp::socket client_socket(ioc);
    client_socket.open(tcp::v4());
    if (small_buffers) client_socket.set_option(net::socket_base::receive_buffer_size(4096));
    tcp::socket server_socket(net::make_strand(ioc));
    bool accepted = false, connected = false;
    acceptor.async_accept(server_socket, [&](boost::system::error_code ec) {
      ASSERT_FALSE(ec) << ec.message();
      accepted = true;
    });
    client_socket.async_connect(acceptor.local_endpoint(), [&](boost::system::error_code ec) {
      ASSERT_FALSE(ec) << ec.message();
      connected = true;
    });
    ASSERT_TRUE(run_until([&] { return accepted && connected; }));
    if (small_buffers) server_socket.set_option(net::socket_base::send_buffer_size(4096));
    server = std::make_shared<Socket>(beast::tcp_stream(std::move(server_socket)), server_tls);
    client = std::make_unique<Socket>(beast::tcp_stream(std::move(client_socket)), client_tls);
    int handshakes = 0;
    server->async_handshake(net::ssl::stream_base::server, [&](boost::system::error_code ec) {
      ASSERT_FALSE(ec) << ec.message();
      ++handshakes;
    });
    client->async_handshake(net::ssl::stream_base::client, [&](boost::system::error_code ec) {
      ASSERT_FALSE(ec) << ec.message();
      ++handshakes;
    });
    ASSERT_TRUE(run_until([&] { return handshakes == 2; }));
  }

  // Leases the informer and waits for its list and its upstream watch.
  void open_informer() {
    auto acquired =
        registry->acquire(informer::InformerKey{{"", "v1", "configmaps"}, "default"},
                          informer::ResourceInfo{{"", "v1", "configmaps"}, "ConfigMap", true});
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<informer::InformerLease>>(acquired));
    lease = std::move(std::get<std::unique_ptr<informer::InformerLease>>(acquired));
    bool synced = false;
    lease->informer().when_synced([&](std::optional<informer::SyncFailure> failure) {
      EXPECT_FALSE(failure);
      synced = true;
    });
    ASSERT_TRUE(run_until([&] { return synced; }));
    ASSERT_TRUE(run_until([&] { return metrics->upstream_watches.load() == 1; }));
  }

  // Starts a stream for `target` (a request target with its query) on the leased informer.
  void start(const std::string& target, WatchStreamOptions options = {}) {
    auto parsed = testing::parse_target(target);
    ASSERT_TRUE(std::holds_alternative<WatchRequest>(parsed)) << std::get<std::string>(parsed);
    auto request = std::get<WatchRequest>(std::move(parsed));
    request.owner = "alice";
    if (!lease) open_informer();
    stream = std::make_shared<WatchStream>(
        *server, server, options, metrics, std::make_shared<const WatchRequest>(request),
        informer::ResourceInfo{{"", "v1", "configmaps"}, "ConfigMap", true}, 11, true,
        [this](bool keep_alive) {
          done = keep_alive;
          ++done_calls;
        });
    stream->start(std::move(lease));
  }

  // Reads what the client has been sent, until `condition` holds on the decoded body (5 s).
  Body read_until(const std::function<bool(const Body&)>& condition) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!condition(decode(raw)) && std::chrono::steady_clock::now() < deadline) {
      if (!reading) {
        reading = true;
        client->async_read_some(net::buffer(buffer),
                                [this](boost::system::error_code ec, std::size_t n) {
                                  reading = false;
                                  if (!ec) raw.append(buffer.data(), n);
                                });
      }
      run_for(5ms);
    }
    return decode(raw);
  }

  FakeUpstream upstream;
  net::io_context ioc;
  std::shared_ptr<Metrics> metrics;
  net::ssl::context client_tls;
  net::ssl::context server_tls;
  std::shared_ptr<informer::InformerRegistry> registry;
  std::shared_ptr<Socket> server;
  std::unique_ptr<Socket> client;
  std::shared_ptr<informer::InformerLease> lease;
  std::shared_ptr<WatchStream> stream;
  std::optional<bool> done;  // the stream's Done: whether the connection may be reused
  int done_calls = 0;
  std::string raw;
  std::array<char, 64 * 1024> buffer{};
  bool reading = false;
};

std::string type_and_name(const std::string& line) {
  filters::EventParser parser;
  auto view = parser.parse_event(line);
  return std::string(filters::event_type_name(view.type())) + " " + std::string(view.name());
}

TEST_F(WatchStreamTest, DeliversUpstreamsEventsInOrder) {
  connect();
  open_informer();
  // Two events before the stream starts (replayed from resourceVersion 10 in one batch), two
  // after (live).
  upstream.send(event_line("ADDED", cm("a", 11, "1")));
  upstream.send(event_line("ADDED", cm("b", 12, "1")));
  run_for(200ms);
  start(kCollection + "?watch=true&resourceVersion=10&filter=true");
  upstream.send(event_line("MODIFIED", cm("a", 13, "2")));
  upstream.send(event_line("DELETED", cm("b", 14, "1")));
  const Body body = read_until([](const Body& b) { return b.lines.size() >= 4; });
  EXPECT_NE(body.head.find("HTTP/1.1 200 OK"), std::string::npos) << body.head;
  EXPECT_NE(body.head.find("Transfer-Encoding: chunked"), std::string::npos) << body.head;
  std::vector<std::string> got;
  for (const auto& line : body.lines) got.push_back(type_and_name(line));
  EXPECT_EQ(got, (std::vector<std::string>{"ADDED a", "ADDED b", "MODIFIED a", "DELETED b"}));
  EXPECT_EQ(body.lines[2] + "\n", event_line("MODIFIED", cm("a", 13, "2")));  // upstream's bytes
  EXPECT_FALSE(body.ended);
  EXPECT_EQ(metrics->streams.load(), 1);
}

TEST_F(WatchStreamTest, SendsABookmarkWithTheResourceVersionEvaluatedThrough) {
  connect();
  WatchStreamOptions options;
  options.bookmark_interval = 100ms;
  // The filter admits only a; b's event moves the stream's resourceVersion all the same.
  start(kCollection + "?watch=true&resourceVersion=10&allowWatchBookmarks=true&filter=" +
            "metadata.name%20%3D%3D%20%22a%22",
        options);
  upstream.send(event_line("ADDED", cm("a", 11, "1")));
  upstream.send(event_line("ADDED", cm("b", 12, "1")));
  const Body body = read_until([](const Body& b) {
    for (const auto& line : b.lines) {
      if (line.find(R"("resourceVersion":"12")") != std::string::npos &&
          line.find("BOOKMARK") != std::string::npos) {
        return true;
      }
    }
    return false;
  });
  ASSERT_GE(body.lines.size(), 2u);
  EXPECT_EQ(type_and_name(body.lines[0]), "ADDED a");
  EXPECT_NE(body.lines.back().find(R"("type":"BOOKMARK")"), std::string::npos) << body.lines.back();
  EXPECT_NE(body.lines.back().find(R"("resourceVersion":"12")"), std::string::npos)
      << body.lines.back();
  for (const auto& line : body.lines) EXPECT_EQ(line.find(R"("name":"b")"), std::string::npos);
}

TEST_F(WatchStreamTest, EndsCleanlyAtTimeoutSeconds) {
  connect();
  const auto started = std::chrono::steady_clock::now();
  start(kCollection + "?watch=true&resourceVersion=10&timeoutSeconds=1&filter=true");
  const Body body = read_until([](const Body& b) { return b.ended; });
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_TRUE(body.ended);
  EXPECT_GE(took, 1s);
  EXPECT_LT(took, 3s);
  ASSERT_TRUE(run_until([&] { return done.has_value(); }));
  EXPECT_TRUE(*done);  // a clean end: the connection may carry another request
  EXPECT_EQ(metrics->streams.load(), 0);
}

TEST_F(WatchStreamTest, CutsAClientThatDoesNotReadWithA429Error) {
  connect(/*small_buffers=*/true);
  WatchStreamOptions options;
  options.queue_bytes = 300 * 1024;
  start(kCollection + "?watch=true&resourceVersion=10&filter=true", options);
  const std::string blob(256 * 1024, 'x');
  for (int i = 0; i < 4; ++i) {
    upstream.send(event_line("ADDED", cm("o" + std::to_string(i), 11 + i, blob)));
  }
  // The client reads nothing until the stream has given up on it.
  ASSERT_TRUE(run_until([&] { return metrics->refusals("stream-queue-bytes") == 1; }));
  const Body body = read_until([](const Body& b) { return b.ended; });
  ASSERT_TRUE(body.ended);
  ASSERT_FALSE(body.lines.empty());
  const std::string& last = body.lines.back();
  EXPECT_NE(last.find(R"("type":"ERROR")"), std::string::npos) << last.substr(0, 300);
  EXPECT_NE(last.find(R"("code":429)"), std::string::npos) << last;
  EXPECT_NE(last.find("--stream-queue-bytes"), std::string::npos) << last;
  // Fewer events than were sent: the rest waits in the watcher's log for a resume.
  EXPECT_LT(body.lines.size(), 5u);
  ASSERT_TRUE(run_until([&] { return done.has_value(); }));
  EXPECT_FALSE(*done);
}

// The end can be asked for several times (the informer stops, the session shuts down, the
// timeout fires): the first wins, and the client sees one end of the response, the session one
// Done, /metrics one disconnect.
TEST_F(WatchStreamTest, AStreamEndedTwiceEndsOnce) {
  connect();
  start(kCollection + "?watch=true&resourceVersion=10&filter=true");
  upstream.send(event_line("ADDED", cm("a", 11, "1")));
  ASSERT_EQ(read_until([](const Body& b) { return !b.lines.empty(); }).lines.size(), 1u);
  stream->end(EndCause::kShutdown, nullptr);
  stream->end(EndCause::kTimeout, nullptr);
  stream->shutdown();
  const Body body = read_until([](const Body& b) { return b.ended; });
  ASSERT_TRUE(body.ended);
  ASSERT_TRUE(run_until([&] { return done.has_value(); }));
  run_for(100ms);  // a second end would arrive here
  EXPECT_EQ(done_calls, 1);
  EXPECT_FALSE(*done);  // a shutdown: the connection closes
  EXPECT_EQ(body.lines.size(), 1u);
  EXPECT_EQ(metrics->streams.load(), 0);
  EXPECT_EQ(metrics->disconnects(EndCause::kShutdown), 1u);
  EXPECT_EQ(metrics->disconnects(EndCause::kTimeout), 0u);
  // The client leaving afterwards changes nothing either.
  stream->client_gone();
  EXPECT_EQ(done_calls, 1);
  EXPECT_EQ(metrics->disconnects(EndCause::kClientGone), 0u);
}

// An end that comes while the response header is still being written waits for it: the client
// gets a well-formed response (header, then the last chunk), not a chunk before the header.
TEST_F(WatchStreamTest, AnEndDuringTheHeaderWriteComesAfterTheHeader) {
  connect();
  start(kCollection + "?watch=true&resourceVersion=10&filter=true");
  stream->shutdown();  // the header's write has not run yet
  const Body body = read_until([](const Body& b) { return b.ended; });
  EXPECT_NE(body.head.find("HTTP/1.1 200 OK"), std::string::npos) << body.head;
  ASSERT_TRUE(body.ended);
  EXPECT_TRUE(body.lines.empty());
  ASSERT_TRUE(run_until([&] { return done.has_value(); }));
  EXPECT_EQ(done_calls, 1);
  EXPECT_EQ(metrics->disconnects(EndCause::kShutdown), 1u);
  EXPECT_EQ(metrics->streams.load(), 0);
}

// A client that leaves mid-stream finishes it at once, counted as client_gone; an end the
// informer sends afterwards is dropped.
TEST_F(WatchStreamTest, AClientThatLeavesFinishesTheStreamOnce) {
  connect();
  start(kCollection + "?watch=true&resourceVersion=10&filter=true");
  upstream.send(event_line("ADDED", cm("a", 11, "1")));
  ASSERT_EQ(read_until([](const Body& b) { return !b.lines.empty(); }).lines.size(), 1u);
  stream->client_gone();
  EXPECT_EQ(done_calls, 1);
  EXPECT_FALSE(*done);
  stream->end(EndCause::kShutdown, nullptr);
  run_for(100ms);
  EXPECT_EQ(done_calls, 1);
  EXPECT_EQ(metrics->streams.load(), 0);
  EXPECT_EQ(metrics->disconnects(EndCause::kClientGone), 1u);
  EXPECT_EQ(metrics->disconnects(EndCause::kShutdown), 0u);
}

// deliver() and end() come from the informer's strand and may arrive after the stream finished
// and its session (which owns the socket) is gone: the informer learns of the end only when the
// detach posted to it runs. Found by bench/proxy: 10,000 clients leaving at once crashed the
// proxy in deliver() from InformerCore::tick.
TEST(WatchStreamEndpointTest, EventsAfterTheSessionIsGoneAreDropped) {
  net::io_context ioc;
  net::ssl::context tls(net::ssl::context::tls_server);
  auto session = std::make_shared<WatchStream::Socket>(net::make_strand(ioc), tls);
  auto request = std::make_shared<WatchRequest>();
  request->filter_source = "true";
  request->filter = filters::compile("true").filter;
  int done = 0;
  auto stream = std::make_shared<WatchStream>(
      *session, session, WatchStreamOptions{}, std::make_shared<Metrics>(), request,
      informer::ResourceInfo{{"", "v1", "configmaps"}, "ConfigMap", true}, 11, true,
      [&](bool) { ++done; });
  stream->client_gone();  // the stream finishes and lets go of its session
  EXPECT_EQ(done, 1);
  session.reset();  // the session ends: the socket is gone
  // The informer had not yet seen the detach: an event, a catch-up and an end still come.
  auto line = std::make_shared<const std::string>("{\"type\":\"ADDED\"}\n");
  stream->deliver({{5, line}}, 5);
  stream->deliver_catch_up({{6, line}}, 6);
  stream->end(EndCause::kShutdown, nullptr);
  EXPECT_NO_THROW(ioc.run());
  EXPECT_EQ(done, 1);
}

}  // namespace
}  // namespace watchfilter::proxy

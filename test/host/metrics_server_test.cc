#include "host/metrics_server.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <thread>

#include "proxy/base/config_error.h"

namespace watchfilter::host {
namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using net::ip::tcp;

TEST(MetricsAddressTest, HostPortOrZeroToDisable) {
  EXPECT_FALSE(parse_metrics_address("0"));
  EXPECT_FALSE(parse_metrics_address(""));
  auto v4 = parse_metrics_address("127.0.0.1:9464");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->address().to_string(), "127.0.0.1");
  EXPECT_EQ(v4->port(), 9464);
  auto v6 = parse_metrics_address("[::1]:19464");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->address().is_v6());
  EXPECT_EQ(v6->port(), 19464);
  EXPECT_THROW(parse_metrics_address("9464"), proxy::ConfigError);
  EXPECT_THROW(parse_metrics_address("localhost:9464"), proxy::ConfigError);
  EXPECT_THROW(parse_metrics_address("127.0.0.1:http"), proxy::ConfigError);
  EXPECT_THROW(parse_metrics_address("127.0.0.1:70000"), proxy::ConfigError);
}

class MetricsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.emplace(
        ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0),
        [this] { return "scrapes " + std::to_string(++renders_) + "\n"; },
        std::make_shared<const proxy::Logger>(0, stderr));
    server_->start();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  void TearDown() override {
    server_->stop();
    work_.reset();
    ioc_.stop();
    thread_.join();
  }

  // Sends `count` requests on one connection (keep-alive, as Prometheus does).
  std::vector<http::response<http::string_body>> get(const std::string& target, int count = 1,
                                                     http::verb verb = http::verb::get) {
    net::io_context client;
    tcp::socket socket(client);
    socket.connect(server_->local_endpoint());
    std::vector<http::response<http::string_body>> out;
    boost::beast::flat_buffer buffer;
    for (int i = 0; i < count; ++i) {
      http::request<http::empty_body> req(verb, target, 11);
      req.set(http::field::host, "127.0.0.1");
      http::write(socket, req);
      http::response_parser<http::string_body> parser;
      if (verb == http::verb::head) parser.skip(true);
      http::read(socket, buffer, parser);
      out.push_back(parser.release());
    }
    return out;
  }

  net::io_context ioc_{1};
  net::executor_work_guard<net::io_context::executor_type> work_{ioc_.get_executor()};
  std::optional<MetricsServer> server_;
  int renders_ = 0;  // io thread
  std::thread thread_;
};

TEST_F(MetricsServerTest, ServesTheExpositionOnGetMetrics) {
  auto r = get("/metrics", 2);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].result(), http::status::ok);
  EXPECT_EQ(r[0][http::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(r[0].body(), "scrapes 1\n");
  EXPECT_EQ(r[1].body(), "scrapes 2\n");  // rendered per scrape, on the same connection
}

TEST_F(MetricsServerTest, OnlyMetricsAndOnlyGet) {
  EXPECT_EQ(get("/")[0].result(), http::status::not_found);
  EXPECT_EQ(get("/metrics/x")[0].result(), http::status::not_found);
  EXPECT_EQ(get("/metrics", 1, http::verb::post)[0].result(), http::status::method_not_allowed);
  auto head = get("/metrics?x=1", 1, http::verb::head);
  EXPECT_EQ(head[0].result(), http::status::ok);
  EXPECT_TRUE(head[0].body().empty());
}

TEST(MetricsServerBindTest, AnAddressInUseIsAConfigError) {
  net::io_context ioc;
  auto logger = std::make_shared<const proxy::Logger>(0, stderr);
  MetricsServer first(
      ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0), [] { return std::string(); },
      logger);
  EXPECT_THROW(MetricsServer(
                   ioc, first.local_endpoint(), [] { return std::string(); }, logger),
               proxy::ConfigError);
}

}  // namespace
}  // namespace watchfilter::host

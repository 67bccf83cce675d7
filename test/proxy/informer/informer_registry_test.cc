// One informer per resource and namespace, at most --max-informers of them.

#include "proxy/informer/informer_registry.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <variant>

#include "proxy/base/log.h"
#include "proxy/telemetry/metrics.h"
#include "proxy/upstream/kubeconfig.h"
#include "proxy/upstream/upstream_client.h"

namespace watchfilter::proxy {
namespace {

// --max-informers: a new key past the limit makes room by stopping the informer idle the
// longest; when every informer has streams it is refused. The io_context never runs: the
// informers never reach the (unreachable) upstream.
TEST(InformerRegistryTest, CapEvictsTheLongestIdleThenRefuses) {
  boost::asio::io_context ioc;
  UpstreamConfig config;
  config.host = "127.0.0.1";
  config.port = 1;
  config.server_name = "localhost";
  auto logger = std::make_shared<const Logger>(0);
  auto metrics = std::make_shared<Metrics>();
  auto registry = std::make_shared<informer::InformerRegistry>(
      ioc, std::make_shared<UpstreamClient>(config, logger), logger, metrics,
      informer::InformerOptions{}, std::chrono::minutes(5), 2);
  const informer::ResourceInfo info{{"", "v1", "configmaps"}, "ConfigMap", true};
  using Lease = std::unique_ptr<informer::InformerLease>;
  auto take = [&](std::string ns) {
    return registry->acquire(informer::InformerKey{{"", "v1", "configmaps"}, std::move(ns)}, info);
  };
  auto a = take("a");
  auto b = take("b");
  ASSERT_TRUE(std::holds_alternative<Lease>(a));
  ASSERT_TRUE(std::holds_alternative<Lease>(b));
  // The same key is the same informer, whatever the limit.
  auto a2 = take("a");
  ASSERT_TRUE(std::holds_alternative<Lease>(a2));
  EXPECT_EQ(&std::get<Lease>(a2)->informer(), &std::get<Lease>(a)->informer());
  auto c = take("c");
  ASSERT_TRUE(std::holds_alternative<informer::AcquireRefusal>(c));
  EXPECT_EQ(std::get<informer::AcquireRefusal>(c), informer::AcquireRefusal::kAtCapacity);
  EXPECT_EQ(registry->size(), 2u);
  // b lingers without streams: c takes its place.
  std::get<Lease>(b).reset();
  auto c2 = take("c");
  ASSERT_TRUE(std::holds_alternative<Lease>(c2));
  EXPECT_EQ(registry->size(), 2u);
  EXPECT_EQ(std::get<Lease>(c2)->informer().key().namespace_name, "c");
  registry->stop();
  EXPECT_EQ(std::get<informer::AcquireRefusal>(take("d")), informer::AcquireRefusal::kShuttingDown);
}

}  // namespace
}  // namespace watchfilter::proxy

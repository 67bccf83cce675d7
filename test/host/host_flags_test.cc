#include "host/host_flags.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "host/proxy_watch.h"
#include "proxy/base/config_error.h"

namespace watchfilter::host {
namespace {

HostFlags parse(std::vector<std::string> args) {
  args.insert(args.begin(), "watchfilter-host");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  return parse_host_flags(static_cast<int>(argv.size()), argv.data(), FlagsFlavor::kHost);
}

TEST(HostFlagsTest, RequeuesAndWatchesGoToTheProxyByDefault) {
  HostFlags f = parse({"--children", "c.yaml", "--kubeconfig", "k"});
  EXPECT_EQ(f.requeue, RequeueMode::kProxy);
  EXPECT_EQ(f.watch_from, WatchSource::kProxy);
}

TEST(HostFlagsTest, TheSeedsWayIsALocalTimerAndPlainWatches) {
  HostFlags f = parse({"--children", "c.yaml", "--kubeconfig", "k", "--requeue", "local",
                       "--watch-from=kube-apiserver"});
  EXPECT_EQ(f.requeue, RequeueMode::kLocal);
  EXPECT_EQ(f.watch_from, WatchSource::kKubeApiserver);
  EXPECT_EQ(parse({"--children", "c.yaml", "--requeue=local"}).watch_from, WatchSource::kProxy);
  // Without the proxy nobody could deliver a Wakeup.
  EXPECT_THROW(parse({"--children", "c.yaml", "--watch-from", "kube-apiserver"}),
               proxy::ConfigError);
  EXPECT_THROW(parse({"--children", "c.yaml", "--requeue", "timer"}), proxy::ConfigError);
  EXPECT_THROW(parse({"--children", "c.yaml", "--watch-from", "etcd"}), proxy::ConfigError);
}

TEST(HostFlagsTest, APlainWatchOfKubeApiserverKeepsItsSelectorsOnly) {
  WatchSpec watch;
  watch.resource = "/apis/example.watchfilter.io/v1/namespaces/db/clusters";
  watch.field_selector = "metadata.name=c-1";
  watch.label_selector = "tier=edge";
  EXPECT_EQ(direct_watch_target(watch, ""),
            "/apis/example.watchfilter.io/v1/namespaces/db/clusters?watch=true"
            "&allowWatchBookmarks=true&labelSelector=tier%3Dedge"
            "&fieldSelector=metadata.name%3Dc-1");
  EXPECT_EQ(direct_watch_target(WatchSpec{"/api/v1/configmaps", "", "", "", "", ""}, "17"),
            "/api/v1/configmaps?watch=true&allowWatchBookmarks=true&resourceVersion=17");
}

}  // namespace
}  // namespace watchfilter::host

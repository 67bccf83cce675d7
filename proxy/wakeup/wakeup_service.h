#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "proxy/kube/reply.h"
#include "proxy/kube/status.h"
#include "proxy/kube/user_info.h"
#include "proxy/telemetry/metrics.h"
#include "proxy/wakeup/wakeup_registry.h"

namespace watchfilter::proxy {

// A request path of the `wakeups` resource:
//   /apis/stream.watchfilter.io/v1alpha1/namespaces/<ns>/wakeups[/<name>]
//   /apis/stream.watchfilter.io/v1alpha1/wakeups                (list across namespaces)
// nullopt for any other path (also for a subresource or a malformed namespace/name segment).
struct WakeupPath {
  std::string namespace_name;  // "" only for the cluster-wide list
  std::string name;            // "" for the collection
};
std::optional<WakeupPath> parse_wakeup_path(std::string_view path);

// Serves the `wakeups` resource (docs/proxy.md, "Wake-ups"), after the handler chain has
// authenticated the caller and authorized the verb (create, list, get, delete) on
// wakeups.stream.watchfilter.io in the namespace:
//   POST   .../namespaces/<ns>/wakeups          201 + the stored Wakeup, once it is persisted
//   GET    .../namespaces/<ns>/wakeups, .../wakeups   200 WakeupList
//   GET    .../namespaces/<ns>/wakeups/<name>   200 Wakeup, 404
//   DELETE .../namespaces/<ns>/wakeups/<name>   200 + the deleted Wakeup, 404
// Every refusal is a Kubernetes Status (Reply); a creation past a limit is
// counted in watchfilter_limit_refusals_total (metrics may be null). Thread-safe.
class WakeupService {
 public:
  using Response = boost::beast::http::response<boost::beast::http::string_body>;
  using Request = boost::beast::http::request<boost::beast::http::string_body>;
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  WakeupService(
      std::shared_ptr<WakeupRegistry> registry, std::shared_ptr<StatusCounters> counters,
      std::shared_ptr<Metrics> metrics = nullptr,
      Clock clock = [] { return std::chrono::system_clock::now(); },
      std::uint64_t seed = std::random_device{}());

  // `request` must stay alive until `done`, which runs once, on `executor`. `caller` (the
  // authenticated user) becomes the creator of a new Wakeup (spec.username).
  void handle(const Request& request, const WakeupPath& path, const UserInfo& caller,
              boost::asio::any_io_executor executor, std::function<void(Response)> done);

  WakeupRegistry& registry() const { return *registry_; }

 private:
  void create(const Request& request, const WakeupPath& path, const UserInfo& caller,
              boost::asio::any_io_executor executor, std::function<void(Response)> done);
  // One creation on its way to the registry.
  struct Creation {
    WakeupObject object;
    bool name_generated = false;
    int retries_left = 0;  // fresh names to try when a generated one is taken
    std::vector<std::string> warnings;
    Reply reply;
  };
  void store(Creation creation, boost::asio::any_io_executor executor,
             std::function<void(Response)> done);
  std::uint64_t random();

  std::shared_ptr<WakeupRegistry> registry_;
  std::shared_ptr<StatusCounters> counters_;
  std::shared_ptr<Metrics> metrics_;
  Clock clock_;
  std::mutex random_mutex_;
  std::mt19937_64 random_;
};

}  // namespace watchfilter::proxy

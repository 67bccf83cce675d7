#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/kube/group_version_resource.h"
#include "proxy/kube/result.h"
#include "proxy/upstream/upstream_client.h"

namespace watchfilter::proxy {

// One entry of an APIResourceList (kube-apiserver's /api/v1, /apis/<group>/<version>).
struct ApiResource {
  std::string name;  // plural, e.g. "configmaps"
  std::string kind;
  bool namespaced = false;
  std::vector<std::string> verbs;

  bool has_verb(std::string_view verb) const;
};

// The top-level resources of an APIResourceList (subresources like "pods/status" are left
// out), or a 503 saying why the body is not one.
Result<std::vector<ApiResource>> parse_api_resource_list(std::string_view body);

// What the upstream serves, read from its discovery documents, so that any resource, custom
// resources included, can be watched without a built-in table. Cached per group version and
// fetched again when a resource is asked for that the cached document does not list (a CRD
// created since), at most once per second per group version. Thread-safe: everything runs on
// its own strand.
class Discovery : public std::enable_shared_from_this<Discovery> {
 public:
  // The resource, or 404 NotFound (unknown resource or group version) or 503 (upstream failed
  // or answered no discovery document).
  using Found = Result<ApiResource>;
  using Handler = std::function<void(Found)>;

  Discovery(boost::asio::any_io_executor strand, std::shared_ptr<UpstreamClient> client,
            std::chrono::steady_clock::duration refresh_limit = std::chrono::seconds(1));

  // The handler runs on the discovery strand; post from there to your own.
  void lookup(const kube::GroupVersionResource& gvr, Handler handler);

 private:
  struct GroupVersion {
    std::vector<ApiResource> resources;
    std::chrono::steady_clock::time_point fetched{};
    bool exists = false;
    bool fetching = false;
    std::vector<std::pair<std::string, Handler>> waiting;
  };
  void do_lookup(const kube::GroupVersionResource& gvr, Handler handler);
  void fetch(const std::string& discovery_path);
  static Found answer(const GroupVersion& gv, const std::string& resource);

  boost::asio::any_io_executor strand_;
  std::shared_ptr<UpstreamClient> client_;
  std::chrono::steady_clock::duration refresh_limit_;
  std::map<std::string, GroupVersion> cache_;  // by discovery path
};

}  // namespace watchfilter::proxy

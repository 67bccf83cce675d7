#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "host/child_permissions.h"
#include "host/host_config.h"
#include "host/host_services.h"
#include "proxy/base/log.h"

namespace watchfilter::host {

// The HostServices that children see: each kube_request is checked against the child's
// ChildPermissions before it reaches `inner` (the host's identity). A refusal is a 403 with a
// Kubernetes Status body, never sent upstream, logged and counted per child.
class PermittedHostServices : public HostServices {
 public:
  // Grants come from the children file as written: call before the modules' declared watches
  // are resolved into `config`, so that a module cannot grant itself a watch.
  PermittedHostServices(HostServices& inner, const HostConfig& config,
                        std::shared_ptr<const proxy::Logger> logger);

  KubeResponse kube_request(const std::string& child, const KubeRequest& request) override;
  void child_log(const std::string& child, int level, std::string_view message) override;

  // Throws ConfigError for a watch of `config` (declared by a module) that its child's grants do
  // not cover.
  void check_watches(const HostConfig& config) const;

  // Requests refused so far, per child in the order of the children file.
  std::uint64_t refused(std::size_t child_index) const;

 private:
  struct Entry {
    std::size_t index = 0;
    ChildPermissions permissions;
  };
  HostServices& inner_;
  std::shared_ptr<const proxy::Logger> logger_;
  std::map<std::string, Entry, std::less<>> children_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> refused_;
};

}  // namespace watchfilter::host

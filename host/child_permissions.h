#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "host/host_config.h"
#include "host/host_services.h"

namespace watchfilter::host {

struct PermissionDecision {
  bool allowed = false;
  std::string reason;  // for a refusal: what was asked, in RBAC terms
};

// What one child may ask the host to send with the host's identity. The host's credentials
// usually reach far more than any one child needs; without this, every child of a host could
// read and write whatever the host can (another child's Secrets included). The default is deny:
// a child may use only what its entry in the children file grants -- its `rbac:` rules and
// get/list/watch of the collections its `watches:` name.
class ChildPermissions {
 public:
  ChildPermissions() = default;
  ChildPermissions(std::vector<PolicyRule> rules, const std::vector<WatchSpec>& watches);

  // `method` as in docs/abi.md; `path` an API path with its query (already through
  // allowed_request). Parsed as kube-apiserver's RequestInfo does, so that the check and the
  // request kube-apiserver authorizes are the same.
  PermissionDecision check(int method, std::string_view path) const;

  const std::vector<PolicyRule>& rules() const { return rules_; }

 private:
  std::vector<PolicyRule> rules_;
};

// The Status body of a refusal (kube-apiserver's Forbidden shape), so that the SDK's error
// handling and a client-go RoundTripper read it as any 403.
KubeResponse forbidden_response(const std::string& child, const PermissionDecision& decision);

}  // namespace watchfilter::host

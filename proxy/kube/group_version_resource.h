#pragma once

#include <compare>
#include <string>
#include <string_view>

namespace watchfilter::proxy::kube {

// A resource without its version (schema.GroupResource): what RBAC, quota and kube-apiserver's
// messages name.
struct GroupResource {
  std::string group;     // "" for the core group
  std::string resource;  // plural, as in the URL

  // "configmaps", "deployments.apps": GroupResource.String(), the subject of a 403 message and
  // the resource label of the metrics.
  std::string to_string() const;
  auto operator<=>(const GroupResource&) const = default;
};

// A resource of one API version (schema.GroupVersionResource): which collection a request,
// an informer or a WatchFilter reads.
struct GroupVersionResource {
  std::string group;  // "" for the core group
  std::string version;
  std::string resource;  // plural, as in the URL

  // "v1", "apps/v1": an object's apiVersion.
  std::string group_version() const;
  // "/api/v1", "/apis/apps/v1": the group version's discovery document, and the prefix of every
  // path of its resources.
  std::string api_path() const;
  // "/api/v1/namespaces/ops/configmaps/app", "/apis/apps/v1/deployments": the path of an object
  // (name given) or a collection, in a namespace or (namespace_name empty) cluster-scoped or
  // across all namespaces (kube::resource_path).
  std::string path(std::string_view namespace_name = {}, std::string_view name = {}) const;
  GroupResource group_resource() const { return {group, resource}; }
  // "v1/configmaps", "apps/v1/deployments": how the proxy's messages and logs name it.
  std::string to_string() const;
  auto operator<=>(const GroupVersionResource&) const = default;
};

}  // namespace watchfilter::proxy::kube

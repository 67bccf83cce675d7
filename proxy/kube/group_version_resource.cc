#include "proxy/kube/group_version_resource.h"

#include "proxy/kube/api_path.h"

namespace watchfilter::proxy::kube {

std::string GroupResource::to_string() const {
  return group.empty() ? resource : resource + "." + group;
}

std::string GroupVersionResource::group_version() const {
  return group.empty() ? version : group + "/" + version;
}

std::string GroupVersionResource::api_path() const { return group_version_path(group, version); }

std::string GroupVersionResource::path(std::string_view namespace_name,
                                       std::string_view name) const {
  return resource_path(group, version, resource, namespace_name, name);
}

std::string GroupVersionResource::to_string() const { return group_version() + "/" + resource; }

}  // namespace watchfilter::proxy::kube

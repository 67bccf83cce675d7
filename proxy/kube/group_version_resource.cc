#include "proxy/kube/group_version_resource.h"

namespace watchfilter::proxy::kube {

std::string GroupResource::to_string() const {
  return group.empty() ? resource : resource + "." + group;
}

std::string GroupVersionResource::group_version() const {
  return group.empty() ? version : group + "/" + version;
}

std::string GroupVersionResource::api_path() const {
  return group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
}

std::string GroupVersionResource::to_string() const { return group_version() + "/" + resource; }

}  // namespace watchfilter::proxy::kube

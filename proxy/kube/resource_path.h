#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/kube/group_version_resource.h"

namespace watchfilter::proxy {

// A Kubernetes resource URL path, taken apart:
//   /api/v1/[watch/][namespaces/<ns>/]<resource>[/<name>]
//   /apis/<group>/<version>/[watch/][namespaces/<ns>/]<resource>[/<name>]
// `/api/v1/namespaces[/<name>]` is the cluster-scoped resource "namespaces". Subresources
// (`.../pods/x/status`) and discovery paths are not resource paths.
struct ResourcePath {
  kube::GroupVersionResource gvr;
  std::string namespace_name;  // empty: cluster-scoped or all namespaces
  std::string name;            // empty: the collection
  bool legacy_watch = false;   // the deprecated /watch/ path segment was present

  // The upstream path of the collection this path lies in (no /watch/ segment, no name).
  std::string collection_path() const;
};

std::optional<ResourcePath> parse_resource_path(std::string_view path);

// The segments of a decoded absolute path (`/api/v1/pods/` is api, v1, pods), or nullopt when it
// does not start with `/` or has a `.`, `..` or empty segment (a single trailing `/` aside): the
// one spelling of a path the proxy accepts, authorizes and serves.
std::optional<std::vector<std::string_view>> split_path_segments(std::string_view path);

}  // namespace watchfilter::proxy

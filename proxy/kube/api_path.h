#pragma once

#include <string>
#include <string_view>

// Header-only and standard-library-only: the child SDK (sdk/), built for wasm32-wasi apart from
// the proxy's libraries, spells its API paths with these too.

namespace watchfilter::proxy::kube {

// "/api/v1", "/apis/apps/v1": a group version's discovery document, and the prefix of every path
// of its resources. An empty group is the core group.
inline std::string group_version_path(std::string_view group, std::string_view version) {
  std::string out = group.empty() ? "/api/" : "/apis/";
  if (!group.empty()) {
    out += group;
    out += "/";
  }
  out += version;
  return out;
}

// "/api/v1/namespaces/ops/configmaps/app", "/apis/apps/v1/deployments": the path of an object
// (name given) or a collection, in a namespace or (namespace_name empty) cluster-scoped or across
// all namespaces.
inline std::string resource_path(std::string_view group, std::string_view version,
                                 std::string_view resource, std::string_view namespace_name = {},
                                 std::string_view name = {}) {
  std::string out = group_version_path(group, version);
  if (!namespace_name.empty()) {
    out += "/namespaces/";
    out += namespace_name;
  }
  out += "/";
  out += resource;
  if (!name.empty()) {
    out += "/";
    out += name;
  }
  return out;
}

}  // namespace watchfilter::proxy::kube

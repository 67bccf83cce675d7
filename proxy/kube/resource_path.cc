#include "proxy/kube/resource_path.h"

#include <vector>

namespace watchfilter::proxy {

std::optional<std::vector<std::string_view>> split_path_segments(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.starts_with('/')) return std::nullopt;
  path.remove_prefix(1);
  if (path.ends_with('/')) path.remove_suffix(1);
  while (!path.empty()) {
    const auto slash = path.find('/');
    const std::string_view seg = path.substr(0, slash);
    if (seg.empty() || seg == "." || seg == "..") return std::nullopt;
    out.push_back(seg);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

std::string ResourcePath::collection_path() const { return gvr.path(namespace_name); }

std::optional<ResourcePath> parse_resource_path(std::string_view path) {
  auto segments = split_path_segments(path);
  if (!segments) return std::nullopt;
  const auto& s = *segments;
  ResourcePath out;
  std::size_t i = 0;
  if (s.size() >= 2 && s[0] == "api") {
    out.gvr.version = s[1];
    i = 2;
  } else if (s.size() >= 3 && s[0] == "apis") {
    out.gvr.group = s[1];
    out.gvr.version = s[2];
    i = 3;
  } else {
    return std::nullopt;
  }
  if (i < s.size() && s[i] == "watch") {
    out.legacy_watch = true;
    ++i;
  }
  const std::size_t rest = s.size() - i;
  if (rest == 0) return std::nullopt;
  if (s[i] == "namespaces" && rest >= 3) {
    if (rest > 4) return std::nullopt;  // a subresource
    out.namespace_name = s[i + 1];
    out.gvr.resource = s[i + 2];
    if (rest == 4) out.name = s[i + 3];
  } else {
    if (rest > 2) return std::nullopt;
    out.gvr.resource = s[i];
    if (rest == 2) out.name = s[i + 1];
  }
  return out;
}

}  // namespace watchfilter::proxy

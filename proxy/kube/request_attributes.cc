#include "proxy/kube/request_attributes.h"

#include <vector>

#include "proxy/kube/url_query.h"

namespace watchfilter::proxy {
namespace {

namespace http = boost::beast::http;

std::vector<std::string> split_path(std::string_view path) {
  while (path.starts_with('/')) path.remove_prefix(1);
  while (path.ends_with('/')) path.remove_suffix(1);
  std::vector<std::string> parts;
  while (!path.empty()) {
    auto slash = path.find('/');
    parts.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// fields.Selector.RequiresExactMatch("metadata.name") for a selector of one requirement.
std::optional<std::string> exact_name(std::string_view selector) {
  if (selector.find(',') != std::string_view::npos) return std::nullopt;
  auto op = selector.find('=');
  if (op == std::string_view::npos || (op > 0 && selector[op - 1] == '!')) return std::nullopt;
  std::string_view key = trim(selector.substr(0, op));
  std::string_view value = selector.substr(op + 1);
  if (value.starts_with('=')) value.remove_prefix(1);
  value = trim(value);
  if (key != "metadata.name" || value.empty() || value.find('\\') != std::string_view::npos ||
      value.find('/') != std::string_view::npos || value == "." || value == ".." ||
      value.find('%') != std::string_view::npos) {
    return std::nullopt;
  }
  return std::string(value);
}

std::string method_verb(http::verb method) {
  switch (method) {
    case http::verb::get:
    case http::verb::head:
      return "get";
    case http::verb::post:
      return "create";
    case http::verb::put:
      return "update";
    case http::verb::patch:
      return "patch";
    case http::verb::delete_:
      return "delete";
    case http::verb::options:
      return "options";
    default:
      return "";
  }
}

}  // namespace

RequestAttributes request_attributes(http::verb method, const RequestTarget& target) {
  const std::vector<QueryParam>& params = target.params;
  RequestAttributes a;
  a.path = target.upstream_path;
  a.verb = method_verb(method);
  std::vector<std::string> parts = split_path(target.upstream_path);
  if (parts.size() < 3) return a;  // /api, /api/v1, /apis/<g>, /healthz...: non-resource
  std::size_t i = 0;
  if (parts[0] == "api") {
    i = 1;
  } else if (parts[0] == "apis") {
    if (parts.size() < 4) return a;  // /apis/<g>/<v>: discovery, non-resource
    a.gvr.group = parts[1];
    i = 2;
  } else {
    return a;
  }
  a.resource_request = true;
  a.gvr.version = parts[i++];
  if (parts[i] == "watch" || parts[i] == "proxy") {
    if (parts.size() - i < 2) {
      a.resource_request = false;  // kube-apiserver: "unable to determine kind and namespace"
      return a;
    }
    a.verb = parts[i++];
  }
  std::vector<std::string> rest(parts.begin() + static_cast<std::ptrdiff_t>(i), parts.end());
  if (rest[0] == "namespaces" && rest.size() > 1) {
    a.namespace_name = rest[1];
    if (rest.size() > 2 && rest[2] != "status" && rest[2] != "finalize") {
      rest.erase(rest.begin(), rest.begin() + 2);
    }
  }
  if (rest.size() >= 3 && a.verb != "proxy") a.subresource = rest[2];
  if (rest.size() >= 2) a.name = rest[1];
  a.gvr.resource = rest[0];

  const std::string* watch = find_param(params, "watch");
  const bool watch_param = watch != nullptr && parse_bool_true(*watch);
  if (a.verb == "get") {
    if (a.name.empty()) {
      a.verb = watch_param ? "watch" : "list";
      if (const std::string* fs = find_param(params, "fieldSelector")) {
        if (auto n = exact_name(*fs)) a.name = *n;
      }
    } else if (watch_param && a.subresource.empty()) {
      a.verb = "watch";
    }
  }
  return a;
}

std::optional<RequestAttributes> request_attributes(http::verb method, std::string_view target) {
  auto parsed = parse_request_target(target);
  if (parsed) return request_attributes(method, *parsed);
  return std::nullopt;
}

RequestAttributes get_attributes(const kube::GroupVersionResource& gvr,
                                 std::string_view namespace_name, std::string_view name) {
  RequestAttributes a;
  a.resource_request = true;
  a.verb = "get";
  a.gvr = gvr;
  a.namespace_name = namespace_name;
  a.name = name;
  a.path = gvr.path(namespace_name, name);
  return a;
}

std::string forbidden_message(const UserInfo& user, const RequestAttributes& a,
                              std::string_view reason) {
  auto quote = [](std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    return out + "\"";
  };
  std::string why;
  if (!a.resource_request) {
    why = "User " + quote(user.name) + " cannot " + a.verb + " path " + quote(a.path);
  } else {
    std::string resource = a.gvr.resource;
    if (!a.subresource.empty()) resource += "/" + a.subresource;
    why = "User " + quote(user.name) + " cannot " + a.verb + " resource " + quote(resource) +
          " in API group " + quote(a.gvr.group) +
          (a.namespace_name.empty() ? std::string(" at the cluster scope")
                                    : " in the namespace " + quote(a.namespace_name));
  }
  if (!reason.empty()) why += ": " + std::string(reason);
  if (!a.resource_request || a.gvr.resource.empty()) return "forbidden: " + why;
  if (a.name.empty()) return a.gvr.group_resource().to_string() + " is forbidden: " + why;
  return a.gvr.group_resource().to_string() + " " + quote(a.name) + " is forbidden: " + why;
}

StatusDetails forbidden_details(const RequestAttributes& a) {
  if (!a.resource_request) return {};
  return StatusDetails{a.name, a.gvr.group, a.gvr.resource};
}

}  // namespace watchfilter::proxy

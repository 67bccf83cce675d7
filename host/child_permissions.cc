#include "host/child_permissions.h"

#include <algorithm>

#include "host/kube_client.h"
#include "proxy/kube/request_attributes.h"
#include "proxy/kube/status.h"

namespace watchfilter::host {
namespace {

bool contains_or_all(const std::vector<std::string>& list, std::string_view value) {
  return std::any_of(list.begin(), list.end(),
                     [&](const std::string& item) { return item == "*" || item == value; });
}

// rbac/v1 ResourceMatches: `*`, the exact resource or resource/subresource, or `*/subresource`.
bool resource_matches(const PolicyRule& rule, const std::string& combined,
                      const std::string& subresource) {
  for (const auto& r : rule.resources) {
    if (r == "*" || r == combined) return true;
    if (!subresource.empty() && r.size() == subresource.size() + 2 && r.starts_with("*/") &&
        r.ends_with(subresource))
      return true;
  }
  return false;
}

// rbac/v1 NonResourceURLMatches: `*`, the exact path, or a prefix ending in `*`.
bool url_matches(const PolicyRule& rule, std::string_view path) {
  return std::any_of(
      rule.non_resource_urls.begin(), rule.non_resource_urls.end(), [&](const std::string& u) {
        if (u == "*" || u == path) return true;
        return u.ends_with('*') && path.starts_with(std::string_view(u).substr(0, u.size() - 1));
      });
}

bool rule_allows(const PolicyRule& rule, const proxy::RequestAttributes& a) {
  if (!contains_or_all(rule.verbs, a.verb)) return false;
  if (!a.resource_request) return url_matches(rule, a.path);
  if (!contains_or_all(rule.api_groups, a.gvr.group)) return false;
  const std::string combined =
      a.subresource.empty() ? a.gvr.resource : a.gvr.resource + "/" + a.subresource;
  if (!resource_matches(rule, combined, a.subresource)) return false;
  if (!rule.namespaces.empty() &&
      (a.namespace_name.empty() || !contains_or_all(rule.namespaces, a.namespace_name)))
    return false;
  return rule.resource_names.empty() ||
         (!a.name.empty() && std::find(rule.resource_names.begin(), rule.resource_names.end(),
                                       a.name) != rule.resource_names.end());
}

std::string describe(const proxy::RequestAttributes& a) {
  if (!a.resource_request) return a.verb + " path \"" + a.path + "\"";
  std::string what = a.verb + " " + a.gvr.group_resource().to_string();
  if (!a.subresource.empty()) what += "/" + a.subresource;
  if (!a.name.empty()) what += " \"" + a.name + "\"";
  what += a.namespace_name.empty() ? " at the cluster scope"
                                   : " in the namespace \"" + a.namespace_name + "\"";
  return what;
}

}  // namespace

ChildPermissions::ChildPermissions(std::vector<PolicyRule> rules,
                                   const std::vector<WatchSpec>& watches)
    : rules_(std::move(rules)) {
  // A watch listed in the file is a grant to read that collection (what the host's stream of it
  // on the proxy reads anyway); a watch the module declares grants nothing by itself.
  for (const WatchSpec& watch : watches) {
    auto a = proxy::request_attributes(boost::beast::http::verb::get, watch.resource);
    if (!a || !a->resource_request) continue;
    PolicyRule read;
    read.api_groups = {a->gvr.group};
    read.resources = {a->gvr.resource};
    read.verbs = {"get", "list", "watch"};
    if (!a->namespace_name.empty()) read.namespaces = {a->namespace_name};
    rules_.push_back(std::move(read));
  }
}

PermissionDecision ChildPermissions::check(int method, std::string_view path) const {
  auto a = proxy::request_attributes(kube_request_verb(method), path);
  if (!a) return {false, "malformed path \"" + std::string(path) + "\""};
  // RequestInfo's verb for a DELETE of a collection.
  if (a->resource_request && a->verb == "delete" && a->name.empty()) a->verb = "deletecollection";
  for (const PolicyRule& rule : rules_) {
    if (rule_allows(rule, *a)) return {true, {}};
  }
  return {false, describe(*a)};
}

KubeResponse forbidden_response(const std::string& child, const PermissionDecision& decision) {
  return KubeResponse{
      403,
      proxy::status_json(proxy::StatusReason::kForbidden,
                         "watchfilter-host: child \"" + child + "\" may not " + decision.reason +
                             ": not granted by its rbac or watches in the children file")};
}

}  // namespace watchfilter::host

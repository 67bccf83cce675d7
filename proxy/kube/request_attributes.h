#pragma once

#include <boost/beast/http/verb.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "proxy/kube/group_version_resource.h"
#include "proxy/kube/request_target.h"
#include "proxy/kube/status.h"
#include "proxy/kube/user_info.h"

namespace watchfilter::proxy {

// What a request does, in the terms of Kubernetes authorization (k8s.io/apiserver's RequestInfo
// and authorizer.Attributes): a resource request (verb, group, version, resource, subresource,
// namespace, name) or a non-resource request (verb, path). Built from the upstream path, so a
// request under the stream.watchfilter.io/v1alpha1/proxy prefix is authorized as the request to
// the underlying resource it reads.
struct RequestAttributes {
  bool resource_request = false;
  std::string verb;  // get, list, watch (and, for methods the proxy refuses anyway, others)
  kube::GroupVersionResource gvr;  // apiGroup, apiVersion, resource
  std::string subresource;
  std::string namespace_name;
  std::string name;
  std::string path;  // the decoded URL path (what a non-resource request is checked on)
};

// Reads the target like RequestInfoFactory: `/api/<v>/...` and `/apis/<g>/<v>/...` of its
// upstream path (the proxy prefix stripped), the `watch/` path segment,
// `namespaces/<ns>/<resource>[/<name>[/<subresource>]]`. For GET/HEAD: `get` for a named
// object, `list` for a collection, `watch` when `watch` is true (also on a named object: the
// proxy serves that as a watch of one object, so it is authorized as one). A collection request
// whose fieldSelector is exactly `metadata.name=<n>` carries that name, as upstream, so RBAC
// resourceNames apply. The same RequestTarget is what the chain then serves, so authorization
// and serving cannot read one request differently.
RequestAttributes request_attributes(boost::beast::http::verb method, const RequestTarget& target);
// The same for a raw target (parse_request_target first); nullopt when that refuses it.
std::optional<RequestAttributes> request_attributes(boost::beast::http::verb method,
                                                    std::string_view target);

// A `get` of one named object (namespace_name empty: a cluster-scoped one), as
// request_attributes reads a GET of its path: what a request needs besides its own verb when the
// proxy reads an object for it (a WatchFilter, a WatchView).
RequestAttributes get_attributes(const kube::GroupVersionResource& gvr,
                                 std::string_view namespace_name, std::string_view name);

// kube-apiserver's 403 message: `configmaps is forbidden: User "u" cannot watch resource
// "configmaps" in API group "" in the namespace "b"` (cluster scope: `at the cluster scope`;
// named: `configmaps "x" is forbidden: ...`; non-resource: `forbidden: User "u" cannot get
// path "/metrics"`), followed by `: <reason>` when the authorizer gave one.
std::string forbidden_message(const UserInfo& user, const RequestAttributes& attributes,
                              std::string_view reason);

// The 403's Status details, as kube-apiserver fills them: {kind: <resource>, group, name} for
// a resource request, none for a non-resource one.
StatusDetails forbidden_details(const RequestAttributes& attributes);

}  // namespace watchfilter::proxy

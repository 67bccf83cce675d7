#pragma once

#include <boost/beast/http/verb.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "proxy/status.h"
#include "proxy/user_info.h"

namespace watchfilter::proxy {

// What a request does, in the terms of Kubernetes authorization (k8s.io/apiserver's RequestInfo
// and authorizer.Attributes): a resource request (verb, group, version, resource, subresource,
// namespace, name) or a non-resource request (verb, path). Built from the upstream path, so a
// request under the stream.watchfilter.io/v1alpha1/proxy prefix is authorized as the request to
// the underlying resource it reads.
struct RequestAttributes {
  bool resource_request = false;
  std::string verb;  // get, list, watch (and, for methods the proxy refuses anyway, others)
  std::string api_group;
  std::string api_version;
  std::string resource;
  std::string subresource;
  std::string namespace_name;
  std::string name;
  std::string path;  // the decoded URL path (what a non-resource request is checked on)

  // "configmaps", "deployments.apps": GroupResource.String(), the subject of a 403 message.
  std::string qualified_resource() const;
};

// Parses like RequestInfoFactory: `/api/<v>/...` and `/apis/<g>/<v>/...`, the `watch/`
// path segment, `namespaces/<ns>/<resource>[/<name>[/<subresource>]]`. For GET/HEAD: `get` for a
// named object, `list` for a collection, `watch` when `watch` is true (also on a named object:
// the proxy serves that as a watch of one object, so it is authorized as one). A collection
// request whose fieldSelector is exactly `metadata.name=<n>` carries that name, as upstream, so
// RBAC resourceNames apply. nullopt when the path has a malformed %-escape.
std::optional<RequestAttributes> request_attributes(boost::beast::http::verb method,
                                                    std::string_view upstream_target);

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

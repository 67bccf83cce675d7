#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace watchfilter::proxy {

inline constexpr std::string_view kApiGroup = "stream.watchfilter.io";
inline constexpr std::string_view kApiVersion = "v1alpha1";
inline constexpr std::string_view kGroupPath = "/apis/stream.watchfilter.io";
inline constexpr std::string_view kGroupVersionPath = "/apis/stream.watchfilter.io/v1alpha1";

// The proxy's own discovery and OpenAPI documents (JSON), as an aggregated API server serves them.
// The group version has two resources:
// - `proxy` (kind FilteredStream, verb get): everything below
//   `/apis/stream.watchfilter.io/v1alpha1/proxy/` is a GET of it. It has no list verb, so no
//   controller (garbage collector, namespace deletion, quota) tries to enumerate it.
// - `wakeups` (kind Wakeup, namespaced, verbs create, delete, get, list; WakeupService). The
//   namespace controller lists and deletes them when their namespace goes (it needs list and
//   delete); without a watch verb the garbage collector and the quota controller ignore them.

// /apis: an APIGroupList with our group. The aggregator asks /apis for aggregated discovery (v2)
// first; an APIGroupList (Content-Type application/json) makes it fall back to the group version
// document, which is the path kube-aggregator 1.36 takes for any answer that is not 200 with the
// apidiscovery content type (a 503 there would count as an error instead).
std::string api_group_list_json();
// /apis/stream.watchfilter.io: an APIGroup.
std::string api_group_json();
// /apis/stream.watchfilter.io/v1alpha1: an APIResourceList.
std::string api_resource_list_json();
// /openapi/v2: a Swagger 2.0 document for our paths (the aggregator merges it into its own).
std::string openapi_v2_json();
// /openapi/v3: the index of group versions; /openapi/v3/apis/stream.watchfilter.io/v1alpha1: an
// OpenAPI 3.0 document.
std::string openapi_v3_index_json();
std::string openapi_v3_group_version_json();

// The document for `path` (no query), or nullopt when `path` is not one of ours.
// `aggregated` selects the root documents (/apis, /openapi/...), which are ours only when the
// request came through the aggregator; in standalone mode those paths are kube-apiserver's.
std::optional<std::string> api_document(std::string_view path, bool aggregated);

}  // namespace watchfilter::proxy

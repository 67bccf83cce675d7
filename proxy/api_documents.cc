#include "proxy/api_documents.h"

namespace watchfilter::proxy {

std::string api_group_list_json() {
  return R"json({"kind":"APIGroupList","apiVersion":"v1","groups":[{"name":"stream.watchfilter.io","versions":[{"groupVersion":"stream.watchfilter.io/v1alpha1","version":"v1alpha1"}],"preferredVersion":{"groupVersion":"stream.watchfilter.io/v1alpha1","version":"v1alpha1"}}]})json";
}

std::string api_group_json() {
  return R"json({"kind":"APIGroup","apiVersion":"v1","name":"stream.watchfilter.io","versions":[{"groupVersion":"stream.watchfilter.io/v1alpha1","version":"v1alpha1"}],"preferredVersion":{"groupVersion":"stream.watchfilter.io/v1alpha1","version":"v1alpha1"}})json";
}

std::string api_resource_list_json() {
  return R"json({"kind":"APIResourceList","apiVersion":"v1","groupVersion":"stream.watchfilter.io/v1alpha1","resources":[{"name":"proxy","singularName":"proxy","namespaced":false,"kind":"FilteredStream","verbs":["get"]}]})json";
}

std::string openapi_v2_json() {
  return R"json({"swagger":"2.0","info":{"title":"watchfilter","version":"v1alpha1"},"paths":{"/apis/stream.watchfilter.io/v1alpha1/proxy/{path}":{"get":{"description":"a filtered watch or list of the Kubernetes resource at {path} (see docs/proxy.md)","produces":["application/json"],"schemes":["https"],"operationId":"getStreamWatchfilterIoV1alpha1Proxy","responses":{"200":{"description":"OK"},"401":{"description":"Unauthorized"}}},"parameters":[{"uniqueItems":true,"type":"string","description":"the upstream path","name":"path","in":"path","required":true}]}},"definitions":{}})json";
}

std::string openapi_v3_index_json() {
  return R"json({"paths":{"apis/stream.watchfilter.io/v1alpha1":{"serverRelativeURL":"/openapi/v3/apis/stream.watchfilter.io/v1alpha1"}}})json";
}

std::string openapi_v3_group_version_json() {
  return R"json({"openapi":"3.0.0","info":{"title":"watchfilter","version":"v1alpha1"},"paths":{"/apis/stream.watchfilter.io/v1alpha1/proxy/{path}":{"get":{"description":"a filtered watch or list of the Kubernetes resource at {path} (see docs/proxy.md)","operationId":"getStreamWatchfilterIoV1alpha1Proxy","responses":{"200":{"description":"OK"},"401":{"description":"Unauthorized"}}},"parameters":[{"name":"path","in":"path","description":"the upstream path","required":true,"schema":{"type":"string"}}]}},"components":{}})json";
}

std::optional<std::string> api_document(std::string_view path, bool aggregated) {
  while (path.size() > 1 && path.ends_with('/')) path.remove_suffix(1);
  if (path == kGroupPath) return api_group_json();
  if (path == kGroupVersionPath) return api_resource_list_json();
  if (!aggregated) return std::nullopt;
  if (path == "/apis") return api_group_list_json();
  if (path == "/openapi/v2") return openapi_v2_json();
  if (path == "/openapi/v3") return openapi_v3_index_json();
  if (path == "/openapi/v3/apis/stream.watchfilter.io/v1alpha1") {
    return openapi_v3_group_version_json();
  }
  return std::nullopt;
}

}  // namespace watchfilter::proxy

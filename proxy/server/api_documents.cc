#include "proxy/server/api_documents.h"

namespace watchfilter::proxy {
namespace {

// The Wakeup and WakeupList schemas, for the definitions (v2) or components (v3) under
// `ref_prefix`. Field types only, no `required`: kubectl validates types before it sends, and
// the server's 422 names every missing field at once. metadata is a plain object so that the
// document needs none of kube-apiserver's own definitions.
std::string wakeup_schemas(std::string_view ref_prefix) {
  return R"json("io.watchfilter.stream.v1alpha1.Wakeup":{"description":"A server-side RequeueAfter: the object is delivered again (a MODIFIED event with its current state) on the stream of the named watcher when the wake-up is due, once.","type":"object","properties":{"apiVersion":{"type":"string"},"kind":{"type":"string"},"metadata":{"type":"object"},"spec":{"type":"object","properties":{"watcher":{"description":"the watcher id of the stream (watcher=<id>)","type":"string"},"object":{"description":"the name of the object to deliver again","type":"string"},"resource":{"description":"optional: only the stream of this resource (configmaps, deployments.apps)","type":"string"},"clusterScoped":{"description":"the object is cluster-scoped (its namespace is not the Wakeup's)","type":"boolean"},"after":{"description":"a Go duration (30s, 5m, 5000ms) from creation; or spec.at","type":"string"},"at":{"description":"an RFC 3339 time; or spec.after","type":"string"}}},"status":{"type":"object","properties":{"due":{"description":"when the wake-up is delivered (RFC 3339)","type":"string"}}}},"x-kubernetes-group-version-kind":[{"group":"stream.watchfilter.io","kind":"Wakeup","version":"v1alpha1"}]},"io.watchfilter.stream.v1alpha1.WakeupList":{"type":"object","properties":{"apiVersion":{"type":"string"},"kind":{"type":"string"},"metadata":{"type":"object"},"items":{"type":"array","items":{"$ref":")json" +
         std::string(ref_prefix) +
         R"json(io.watchfilter.stream.v1alpha1.Wakeup"}}},"x-kubernetes-group-version-kind":[{"group":"stream.watchfilter.io","kind":"WakeupList","version":"v1alpha1"}]})json";
}

}  // namespace

std::string api_group_list_json() {
  return R"json({"kind":"APIGroupList","apiVersion":"v1","groups":[{"name":"stream.watchfilter.io","versions":[{"groupVersion":"stream.watchfilter.io/v1alpha1","version":"v1alpha1"}],"preferredVersion":{"groupVersion":"stream.watchfilter.io/v1alpha1","version":"v1alpha1"}}]})json";
}

std::string api_group_json() {
  return R"json({"kind":"APIGroup","apiVersion":"v1","name":"stream.watchfilter.io","versions":[{"groupVersion":"stream.watchfilter.io/v1alpha1","version":"v1alpha1"}],"preferredVersion":{"groupVersion":"stream.watchfilter.io/v1alpha1","version":"v1alpha1"}})json";
}

std::string api_resource_list_json() {
  return R"json({"kind":"APIResourceList","apiVersion":"v1","groupVersion":"stream.watchfilter.io/v1alpha1","resources":[{"name":"proxy","singularName":"proxy","namespaced":false,"kind":"FilteredStream","verbs":["get"]},{"name":"wakeups","singularName":"wakeup","namespaced":true,"kind":"Wakeup","verbs":["create","delete","get","list"]}]})json";
}

std::string openapi_v2_json() {
  return std::string(
             R"json({"swagger":"2.0","info":{"title":"watchfilter","version":"v1alpha1"},"paths":{"/apis/stream.watchfilter.io/v1alpha1/proxy/{path}":{"get":{"description":"a filtered watch or list of the Kubernetes resource at {path} (see docs/proxy.md)","produces":["application/json"],"schemes":["https"],"operationId":"getStreamWatchfilterIoV1alpha1Proxy","responses":{"200":{"description":"OK"},"401":{"description":"Unauthorized"}}},"parameters":[{"uniqueItems":true,"type":"string","description":"the upstream path","name":"path","in":"path","required":true}]},)json") +
         R"json("/apis/stream.watchfilter.io/v1alpha1/namespaces/{namespace}/wakeups":{"get":{"description":"list the pending wake-ups of a namespace","produces":["application/json"],"schemes":["https"],"operationId":"listStreamWatchfilterIoV1alpha1NamespacedWakeup","responses":{"200":{"description":"OK","schema":{"$ref":"#/definitions/io.watchfilter.stream.v1alpha1.WakeupList"}},"401":{"description":"Unauthorized"}},"x-kubernetes-action":"list","x-kubernetes-group-version-kind":{"group":"stream.watchfilter.io","version":"v1alpha1","kind":"Wakeup"}},"post":{"description":"create a wake-up: deliver the object again on the watcher's stream when it is due","consumes":["application/json"],"produces":["application/json"],"schemes":["https"],"operationId":"createStreamWatchfilterIoV1alpha1NamespacedWakeup","parameters":[{"name":"body","in":"body","required":true,"schema":{"$ref":"#/definitions/io.watchfilter.stream.v1alpha1.Wakeup"}},{"uniqueItems":true,"type":"string","name":"dryRun","in":"query"},{"uniqueItems":true,"type":"string","name":"fieldManager","in":"query"},{"uniqueItems":true,"type":"string","name":"fieldValidation","in":"query"}],"responses":{"201":{"description":"Created","schema":{"$ref":"#/definitions/io.watchfilter.stream.v1alpha1.Wakeup"}},"401":{"description":"Unauthorized"}},"x-kubernetes-action":"post","x-kubernetes-group-version-kind":{"group":"stream.watchfilter.io","version":"v1alpha1","kind":"Wakeup"}},"parameters":[{"uniqueItems":true,"type":"string","description":"object name and auth scope, such as for teams and projects","name":"namespace","in":"path","required":true}]},)json"
         R"json("/apis/stream.watchfilter.io/v1alpha1/namespaces/{namespace}/wakeups/{name}":{"get":{"description":"read a pending wake-up","produces":["application/json"],"schemes":["https"],"operationId":"readStreamWatchfilterIoV1alpha1NamespacedWakeup","responses":{"200":{"description":"OK","schema":{"$ref":"#/definitions/io.watchfilter.stream.v1alpha1.Wakeup"}},"401":{"description":"Unauthorized"}},"x-kubernetes-action":"get","x-kubernetes-group-version-kind":{"group":"stream.watchfilter.io","version":"v1alpha1","kind":"Wakeup"}},"delete":{"description":"delete a pending wake-up","produces":["application/json"],"schemes":["https"],"operationId":"deleteStreamWatchfilterIoV1alpha1NamespacedWakeup","responses":{"200":{"description":"OK","schema":{"$ref":"#/definitions/io.watchfilter.stream.v1alpha1.Wakeup"}},"401":{"description":"Unauthorized"}},"x-kubernetes-action":"delete","x-kubernetes-group-version-kind":{"group":"stream.watchfilter.io","version":"v1alpha1","kind":"Wakeup"}},"parameters":[{"uniqueItems":true,"type":"string","description":"name of the Wakeup","name":"name","in":"path","required":true},{"uniqueItems":true,"type":"string","description":"object name and auth scope, such as for teams and projects","name":"namespace","in":"path","required":true}]},)json"
         R"json("/apis/stream.watchfilter.io/v1alpha1/wakeups":{"get":{"description":"list the pending wake-ups of every namespace","produces":["application/json"],"schemes":["https"],"operationId":"listStreamWatchfilterIoV1alpha1WakeupForAllNamespaces","responses":{"200":{"description":"OK","schema":{"$ref":"#/definitions/io.watchfilter.stream.v1alpha1.WakeupList"}},"401":{"description":"Unauthorized"}},"x-kubernetes-action":"list","x-kubernetes-group-version-kind":{"group":"stream.watchfilter.io","version":"v1alpha1","kind":"Wakeup"}}}},"definitions":{)json" +
         wakeup_schemas("#/definitions/") + "}}";
}

std::string openapi_v3_index_json() {
  return R"json({"paths":{"apis/stream.watchfilter.io/v1alpha1":{"serverRelativeURL":"/openapi/v3/apis/stream.watchfilter.io/v1alpha1"}}})json";
}

std::string openapi_v3_group_version_json() {
  // The same operations as openapi_v2_json, in OpenAPI 3 shape.
  constexpr std::string_view gvk =
      R"json("x-kubernetes-group-version-kind":{"group":"stream.watchfilter.io","version":"v1alpha1","kind":"Wakeup"})json";
  auto ok = [](std::string_view schema, std::string_view code = "200") {
    return "\"responses\":{\"" + std::string(code) +
           "\":{\"description\":\"OK\",\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/"
           "components/schemas/io.watchfilter.stream.v1alpha1." +
           std::string(schema) + "\"}}}},\"401\":{\"description\":\"Unauthorized\"}}";
  };
  const std::string ns_param =
      R"json({"name":"namespace","in":"path","description":"object name and auth scope, such as for teams and projects","required":true,"schema":{"type":"string","uniqueItems":true}})json";
  const std::string name_param =
      R"json({"name":"name","in":"path","description":"name of the Wakeup","required":true,"schema":{"type":"string","uniqueItems":true}})json";
  std::string out =
      R"json({"openapi":"3.0.0","info":{"title":"watchfilter","version":"v1alpha1"},"paths":{"/apis/stream.watchfilter.io/v1alpha1/proxy/{path}":{"get":{"description":"a filtered watch or list of the Kubernetes resource at {path} (see docs/proxy.md)","operationId":"getStreamWatchfilterIoV1alpha1Proxy","responses":{"200":{"description":"OK"},"401":{"description":"Unauthorized"}}},"parameters":[{"name":"path","in":"path","description":"the upstream path","required":true,"schema":{"type":"string"}}]},)json";
  out +=
      R"json("/apis/stream.watchfilter.io/v1alpha1/namespaces/{namespace}/wakeups":{"get":{"description":"list the pending wake-ups of a namespace","operationId":"listStreamWatchfilterIoV1alpha1NamespacedWakeup",)json" +
      ok("WakeupList") + ",\"x-kubernetes-action\":\"list\"," + std::string(gvk) + "},";
  out +=
      R"json("post":{"description":"create a wake-up: deliver the object again on the watcher's stream when it is due","operationId":"createStreamWatchfilterIoV1alpha1NamespacedWakeup","parameters":[{"name":"dryRun","in":"query","schema":{"type":"string","uniqueItems":true}},{"name":"fieldManager","in":"query","schema":{"type":"string","uniqueItems":true}},{"name":"fieldValidation","in":"query","schema":{"type":"string","uniqueItems":true}}],"requestBody":{"required":true,"content":{"application/json":{"schema":{"$ref":"#/components/schemas/io.watchfilter.stream.v1alpha1.Wakeup"}}}},)json" +
      ok("Wakeup", "201") + ",\"x-kubernetes-action\":\"post\"," + std::string(gvk) +
      "},\"parameters\":[" + ns_param + "]},";
  out +=
      R"json("/apis/stream.watchfilter.io/v1alpha1/namespaces/{namespace}/wakeups/{name}":{"get":{"description":"read a pending wake-up","operationId":"readStreamWatchfilterIoV1alpha1NamespacedWakeup",)json" +
      ok("Wakeup") + ",\"x-kubernetes-action\":\"get\"," + std::string(gvk) + "},";
  out +=
      R"json("delete":{"description":"delete a pending wake-up","operationId":"deleteStreamWatchfilterIoV1alpha1NamespacedWakeup",)json" +
      ok("Wakeup") + ",\"x-kubernetes-action\":\"delete\"," + std::string(gvk) +
      "},\"parameters\":[" + name_param + "," + ns_param + "]},";
  out +=
      R"json("/apis/stream.watchfilter.io/v1alpha1/wakeups":{"get":{"description":"list the pending wake-ups of every namespace","operationId":"listStreamWatchfilterIoV1alpha1WakeupForAllNamespaces",)json" +
      ok("WakeupList") + ",\"x-kubernetes-action\":\"list\"," + std::string(gvk) + "}}},";
  out += "\"components\":{\"schemas\":{" + wakeup_schemas("#/components/schemas/") + "}}}";
  return out;
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

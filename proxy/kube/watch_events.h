#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace watchfilter::proxy {

// The only JSON the proxy writes into a watch stream. Everything else is upstream's bytes.
// Every line ends with '\n', as kube-apiserver frames watch events.

// {"type":"BOOKMARK","object":{"kind":K,"apiVersion":V,"metadata":{"resourceVersion":"rv"}}},
// with metadata.annotations {"k8s.io/initial-events-end":"true"} when `initial_events_end`.
std::string bookmark_line(std::string_view kind, std::string_view api_version, std::uint64_t rv,
                          bool initial_events_end = false);

// kube-apiserver's answer to a watch from a resourceVersion its cache no longer holds:
// {"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
//  "message":"too old resource version: X (Y)","reason":"Expired","code":410}}
std::string expired_line(std::uint64_t requested, std::uint64_t oldest);

// An ERROR event carrying a Status with `reason` and `code`.
std::string error_line(std::string_view reason, int code, std::string_view message);

// {"type":T,"object":<object>}\n — an envelope around upstream's object bytes.
std::string event_line(std::string_view type, std::string_view object);

// A LIST item as the watch would carry it: list items of built-in types lack kind and
// apiVersion, which kube-apiserver writes first in a watch event's object; custom resources
// already have them. `{"metadata":...}` becomes `{"kind":K,"apiVersion":V,"metadata":...}`.
std::string with_type_meta(std::string_view item, std::string_view kind,
                           std::string_view api_version);

// `object` (an object's JSON bytes) with the value of its metadata.resourceVersion replaced by
// `rv`, every other byte unchanged. One of the two places the proxy writes into an object
// (with_annotation is the other): a DELETED
// synthesized after a relist carries the last known object at the LIST's resourceVersion, so
// that resourceVersions in a stream never go down. Returns the bytes unchanged when the object
// has no metadata.resourceVersion string.
std::string with_resource_version(std::string_view object, std::uint64_t rv);

// `object` with metadata.annotations[`key`] set to the string `value` (replacing the key's value,
// adding the key, or creating metadata.annotations); every other byte unchanged. For owner
// events of owned resources (watchfilter.io/owned). Returns the bytes unchanged when the object
// has no metadata object.
std::string with_annotation(std::string_view object, std::string_view key, std::string_view value);

// JSON string literal for `s` (quotes included).
std::string json_string(std::string_view s);

}  // namespace watchfilter::proxy

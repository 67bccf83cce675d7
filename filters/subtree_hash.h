#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "filters/compile_error.h"

namespace watchfilter::filters {

// The fingerprint changed() keeps for `path` (written as in a filter: "spec",
// `metadata.labels["app"]`, "status.conditions[0]") of a bare object's JSON: the 64-bit hash of
// the raw JSON text of that subtree, or nullopt when the path is absent. changed() relies on
// kube-apiserver serializing an unchanged object to identical bytes; the e2e test pins that
// assumption by hashing the same subtree across updates of other fields.
struct SubtreeHash {
  std::optional<std::uint64_t> hash;  // nullopt: the path is absent from the object
};

std::variant<SubtreeHash, CompileError> hash_subtree(std::string_view object_json,
                                                     std::string_view path);

}  // namespace watchfilter::filters

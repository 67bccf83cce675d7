#include "proxy/kube/owner_reference.h"

#include <simdjson.h>

#include "filters/path.h"

namespace watchfilter::proxy {
namespace {

const filters::CompiledPath& owner_references_path() {
  static const filters::CompiledPath path = filters::CompiledPath::make(filters::Path{
      {filters::PathSegment::field("metadata"), filters::PathSegment::field("ownerReferences")}});
  return path;
}

// metadata.ownerReferences of the object: the view finds the array without reading spec or
// status, and only the array's bytes are parsed, with a parser reused by the thread (no
// allocation per call in steady state). An error when absent or not an array.
simdjson::simdjson_result<simdjson::dom::array> owner_references(const filters::EventView& object) {
  const filters::Value refs = object.lookup(owner_references_path());
  if (refs.kind != filters::Kind::kArray) return simdjson::INCORRECT_TYPE;
  thread_local simdjson::dom::parser parser;
  return parser.parse(refs.text.data(), refs.text.size()).get_array();
}

// A view of bare object bytes, for callers that hold no parsed event (one parser per thread).
filters::EventView parse_object(std::string_view object_json) {
  thread_local filters::EventParser parser;
  return parser.parse_object(object_json, filters::EventType::kModified);
}

std::string_view group_of(std::string_view api_version) {
  const auto slash = api_version.find('/');
  return slash == std::string_view::npos ? std::string_view{} : api_version.substr(0, slash);
}

}  // namespace

std::optional<OwnerRef> pick_owner(const filters::EventView& object, std::string_view group,
                                   std::string_view kind) {
  simdjson::dom::array refs;
  if (owner_references(object).get(refs)) return std::nullopt;
  std::optional<OwnerRef> first;
  for (simdjson::dom::element ref : refs) {
    std::string_view api_version, ref_kind, name, uid;
    if (ref["apiVersion"].get(api_version) || ref["kind"].get(ref_kind) || ref["name"].get(name) ||
        ref["uid"].get(uid)) {
      continue;
    }
    if (ref_kind != kind || group_of(api_version) != group || name.empty()) continue;
    bool controller = false;
    if (!ref["controller"].get(controller) && controller) {
      return OwnerRef{std::string(name), std::string(uid)};
    }
    if (!first) first = OwnerRef{std::string(name), std::string(uid)};
  }
  return first;
}

std::optional<OwnerRef> pick_owner(std::string_view object_json, std::string_view group,
                                   std::string_view kind) {
  return pick_owner(parse_object(object_json), group, kind);
}

bool is_owned_by(std::string_view object_json, std::string_view uid) {
  simdjson::dom::array refs;
  if (owner_references(parse_object(object_json)).get(refs)) return false;
  for (simdjson::dom::element ref : refs) {
    std::string_view ref_uid;
    if (!ref["uid"].get(ref_uid) && ref_uid == uid) return true;
  }
  return false;
}

}  // namespace watchfilter::proxy

#include "proxy/owner_reference.h"

#include <simdjson.h>

namespace watchfilter::proxy {
namespace {

// metadata.ownerReferences of the object; an error when absent or not JSON.
simdjson::simdjson_result<simdjson::dom::array> owner_references(simdjson::dom::parser& parser,
                                                                  std::string_view object_json) {
  return parser.parse(object_json.data(), object_json.size())["metadata"]["ownerReferences"]
      .get_array();
}

std::string_view group_of(std::string_view api_version) {
  const auto slash = api_version.find('/');
  return slash == std::string_view::npos ? std::string_view{} : api_version.substr(0, slash);
}

}  // namespace

std::optional<OwnerRef> pick_owner(std::string_view object_json, std::string_view group,
                                   std::string_view kind) {
  simdjson::dom::parser parser;
  simdjson::dom::array refs;
  if (owner_references(parser, object_json).get(refs)) return std::nullopt;
  std::optional<OwnerRef> first;
  for (simdjson::dom::element ref : refs) {
    std::string_view api_version, ref_kind, name, uid;
    if (ref["apiVersion"].get(api_version) || ref["kind"].get(ref_kind) ||
        ref["name"].get(name) || ref["uid"].get(uid)) {
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

bool is_owned_by(std::string_view object_json, std::string_view uid) {
  simdjson::dom::parser parser;
  simdjson::dom::array refs;
  if (owner_references(parser, object_json).get(refs)) return false;
  for (simdjson::dom::element ref : refs) {
    std::string_view ref_uid;
    if (!ref["uid"].get(ref_uid) && ref_uid == uid) return true;
  }
  return false;
}

}  // namespace watchfilter::proxy

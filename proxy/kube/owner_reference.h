#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "filters/event_view.h"

namespace watchfilter::proxy {

// The annotation in which an owner event carries the current objects it owns (a JSON array,
// WatchFilter spec.includeOwned).
inline constexpr std::string_view kOwnedAnnotation = "watchfilter.io/owned";

// The owner an object names in metadata.ownerReferences (owned resources, WatchFilter
// spec.owned). The owner lives in the object's own namespace (or is cluster-scoped): Kubernetes
// allows no cross-namespace owners.
struct OwnerRef {
  std::string name;
  std::string uid;
};

// The owner of `object` of group `group` ("" for the core group; the version of a reference's
// apiVersion is ignored, it may name any served version) and kind `kind`: among the matching
// references the one with controller=true, else the first. nullopt when none matches or the
// object is not JSON. Reads only metadata.ownerReferences of the view (an event already parsed
// is not parsed again).
std::optional<OwnerRef> pick_owner(const filters::EventView& object, std::string_view group,
                                   std::string_view kind);
// The same for an object's bytes.
std::optional<OwnerRef> pick_owner(std::string_view object_json, std::string_view group,
                                   std::string_view kind);

// Whether one of `object_json`'s ownerReferences has uid `uid`.
bool is_owned_by(std::string_view object_json, std::string_view uid);

}  // namespace watchfilter::proxy

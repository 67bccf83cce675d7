#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "proxy/informer/object_cache.h"

namespace watchfilter::proxy::informer {

// One object of a LIST, its bytes already carrying kind and apiVersion.
struct ListedObject {
  std::string key;  // namespace/name
  std::uint64_t rv = 0;
  std::string object;
};

struct DiffEvent {
  std::uint64_t rv = 0;
  std::shared_ptr<const std::string> line;
};

// What changed between the cache and a fresh LIST at `list_rv` (after upstream's 410 Gone), as
// watch events: MODIFIED for objects whose resourceVersion changed, ADDED for new ones (both
// ordered by resourceVersion, carrying the listed bytes), then DELETED for vanished ones
// carrying the last known object with its metadata.resourceVersion rewritten to `list_rv`
// (with_resource_version), at `list_rv`: every event's rv is its object's resourceVersion and
// they never go down. Unchanged objects produce nothing, so streams
// never see a storm of duplicate ADDED events.
std::vector<DiffEvent> relist_diff(const ObjectCache& cache,
                                   const std::vector<ListedObject>& listed, std::uint64_t list_rv);

}  // namespace watchfilter::proxy::informer

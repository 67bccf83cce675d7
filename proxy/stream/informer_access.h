#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

#include "proxy/informer/informer_registry.h"
#include "proxy/kube/group_version_resource.h"
#include "proxy/kube/result.h"
#include "proxy/upstream/discovery.h"

namespace watchfilter::proxy {

// The steps from a resource to its shared informer, the same for a stream's own resource
// (FilteredService) and for the owned resources of its WatchFilter (OwnedWatches), so that both
// refuse in the same words and count the same limits.

// Step 1: what discovery found for `gvr`, as the informer's ResourceInfo. Discovery's own
// refusals are answered as they are (404 unknown resource, 503 upstream failure); a resource
// without one of `verbs` is upstream's 405 MethodNotAllowed for the first verb it lacks.
Result<informer::ResourceInfo> served_resource(const kube::GroupVersionResource& gvr,
                                               const Discovery::Found& found,
                                               std::initializer_list<std::string_view> verbs);

// Step 2: a lease on the informer of `key`. When --max-informers are all in use, a 429 with
// Retry-After whose StatusError carries limit "max-informers" (the caller counts it) and names
// the informer that would be needed ("configmaps in namespace x"), and `owned_by`, the
// WatchFilter whose owned resource it is, if any. When the registry has stopped, the 503 of
// shutdown. The message is built only for a refusal: this runs for every filtered request.
Result<std::shared_ptr<informer::InformerLease>> acquire_informer(
    informer::InformerRegistry& registry, const informer::InformerKey& key,
    const informer::ResourceInfo& info, std::string_view owned_by = {});

}  // namespace watchfilter::proxy

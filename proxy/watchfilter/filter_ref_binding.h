#pragma once

#include "proxy/kube/result.h"
#include "proxy/request/watch_request.h"
#include "proxy/watchfilter/watchfilter_catalog.h"

namespace watchfilter::proxy {

// Applies what the catalog answered for `request.filter_ref` to the request: a copy carrying
// the WatchFilter's binding, current filter, resync and debounce (and its labelSelector when
// the request has none), or the refusal:
//   not found -> 404 NotFound `watchfilters.watchfilter.io "x" not found` (kube-apiserver's
//     wording and details); CRD not installed -> 404 saying so; catalog not synced -> 503;
//   the WatchFilter is invalid -> 400 with its error ("col N: ..." for an expression);
//   its spec.resource is not the request's resource, or its labelSelector, resync or
//   debounce differ from the request's -> 400 naming both values.
Result<WatchRequest> bind_filter_ref(const WatchRequest& request,
                                     const WatchFilterCatalog::Resolution& resolution);

}  // namespace watchfilter::proxy

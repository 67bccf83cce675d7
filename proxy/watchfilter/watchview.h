#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "proxy/kube/result.h"
#include "proxy/request/watchfilter_ref.h"
#include "proxy/request/watchview_ref.h"

namespace watchfilter::proxy {

// At most this many WatchFilters in one view (the CRD's maxItems): routing a request resolves
// each of them.
inline constexpr std::size_t kMaxViewFilters = 32;

// A WatchView (docs/views.md) as the proxy uses it: the WatchFilters it names, in its own
// namespace, in the order of spec.filters.
struct WatchView {
  WatchViewRef ref;
  std::vector<WatchFilterRef> filters;
};

// Reads a WatchView object (kube-apiserver's JSON for `ref`); a 400 when its spec is not one (the
// CRD's schema keeps such objects out; the proxy checks again rather than trust it): `WatchView
// ns/x is invalid: spec.filters[1].name: Invalid value: "A": must be a DNS-1123 subdomain`.
Result<WatchView> parse_watchview(const WatchViewRef& ref, std::string_view json);

}  // namespace watchfilter::proxy

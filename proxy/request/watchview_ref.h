#pragma once

#include <string>
#include <string_view>

#include "proxy/kube/request_attributes.h"

namespace watchfilter::proxy {

// The name of a WatchView object (watchviews.watchfilter.io), as a view's URL spells it:
// /views/<namespace>/<name> (docs/views.md).
struct WatchViewRef {
  std::string namespace_name;
  std::string name;

  std::string to_string() const { return namespace_name + "/" + name; }
  // `/apis/watchfilter.io/v1alpha1/namespaces/<ns>/watchviews/<name>`.
  std::string path() const;
  auto operator<=>(const WatchViewRef&) const = default;
};

inline constexpr std::string_view kWatchViewResource = "watchviews";

// Who may use a view: `get` on its WatchView, for every request under it.
RequestAttributes watchview_get_attributes(const WatchViewRef& ref);

// kube-apiserver's NotFound message for it: `watchviews.watchfilter.io "x" not found`.
std::string watchview_not_found_message(const WatchViewRef& ref);

}  // namespace watchfilter::proxy

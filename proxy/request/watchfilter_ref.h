#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "proxy/kube/request_attributes.h"

namespace watchfilter::proxy {

// The name of a WatchFilter object (watchfilters.watchfilter.io), as `filterRef=<ns>/<name>`
// spells it.
struct WatchFilterRef {
  std::string namespace_name;
  std::string name;

  std::string to_string() const { return namespace_name + "/" + name; }
  // `/apis/watchfilter.io/v1alpha1/namespaces/<ns>/watchfilters/<name>`.
  std::string path() const;
  auto operator<=>(const WatchFilterRef&) const = default;
};

inline constexpr std::string_view kWatchFilterGroup = "watchfilter.io";
inline constexpr std::string_view kWatchFilterVersion = "v1alpha1";
inline constexpr std::string_view kWatchFilterResource = "watchfilters";

// `<namespace>/<name>`: the namespace a DNS-1123 label, the name a DNS-1123 subdomain (what
// kube-apiserver accepts for them), so a ref that cannot exist is a 400, not a 404.
std::optional<WatchFilterRef> parse_watchfilter_ref(std::string_view text);

// What a filterRef stream needs besides `watch` on its resource: `get` on the WatchFilter
// (so a WatchFilter in a namespace the caller cannot read cannot be used, or probed).
RequestAttributes watchfilter_get_attributes(const WatchFilterRef& ref);

// kube-apiserver's NotFound message for it: `watchfilters.watchfilter.io "x" not found`.
std::string watchfilter_not_found_message(const WatchFilterRef& ref);

}  // namespace watchfilter::proxy

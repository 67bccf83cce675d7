#include "proxy/request/watchfilter_ref.h"

#include "proxy/base/dns_names.h"
#include "proxy/kube/group_version_resource.h"

namespace watchfilter::proxy {
namespace {

kube::GroupVersionResource watchfilters() {
  return {std::string(kWatchFilterGroup), std::string(kWatchFilterVersion),
          std::string(kWatchFilterResource)};
}

}  // namespace

std::optional<WatchFilterRef> parse_watchfilter_ref(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const std::string_view ns = text.substr(0, slash);
  const std::string_view name = text.substr(slash + 1);
  if (!is_dns_label(ns) || !is_dns_subdomain(name)) return std::nullopt;
  return WatchFilterRef{std::string(ns), std::string(name)};
}

std::string WatchFilterRef::path() const { return watchfilters().path(namespace_name, name); }

RequestAttributes watchfilter_get_attributes(const WatchFilterRef& ref) {
  return get_attributes(watchfilters(), ref.namespace_name, ref.name);
}

std::string watchfilter_not_found_message(const WatchFilterRef& ref) {
  return watchfilters().group_resource().to_string() + " \"" + ref.name + "\" not found";
}

}  // namespace watchfilter::proxy

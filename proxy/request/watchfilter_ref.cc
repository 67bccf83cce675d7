#include "proxy/request/watchfilter_ref.h"

#include "proxy/base/dns_names.h"

namespace watchfilter::proxy {

std::optional<WatchFilterRef> parse_watchfilter_ref(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const std::string_view ns = text.substr(0, slash);
  const std::string_view name = text.substr(slash + 1);
  if (!is_dns_label(ns) || !is_dns_subdomain(name)) return std::nullopt;
  return WatchFilterRef{std::string(ns), std::string(name)};
}

std::string WatchFilterRef::path() const {
  return "/apis/" + std::string(kWatchFilterGroup) + "/" + std::string(kWatchFilterVersion) +
         "/namespaces/" + namespace_name + "/" + std::string(kWatchFilterResource) + "/" + name;
}

RequestAttributes watchfilter_get_attributes(const WatchFilterRef& ref) {
  RequestAttributes a;
  a.resource_request = true;
  a.verb = "get";
  a.gvr = {std::string(kWatchFilterGroup), std::string(kWatchFilterVersion),
           std::string(kWatchFilterResource)};
  a.namespace_name = ref.namespace_name;
  a.name = ref.name;
  a.path = ref.path();
  return a;
}

std::string watchfilter_not_found_message(const WatchFilterRef& ref) {
  return std::string(kWatchFilterResource) + "." + std::string(kWatchFilterGroup) + " \"" +
         ref.name + "\" not found";
}

}  // namespace watchfilter::proxy

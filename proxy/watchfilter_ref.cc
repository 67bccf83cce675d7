#include "proxy/watchfilter_ref.h"

namespace watchfilter::proxy {
namespace {

bool lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// k8s.io/apimachinery validation.IsDNS1123Label.
bool dns1123_label(std::string_view s) {
  if (s.empty() || s.size() > 63 || !lower_alnum(s.front()) || !lower_alnum(s.back())) {
    return false;
  }
  for (char c : s) {
    if (!lower_alnum(c) && c != '-') return false;
  }
  return true;
}

// IsDNS1123Subdomain: dot-separated labels, 253 characters at most.
bool dns1123_subdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  while (true) {
    const auto dot = s.find('.');
    if (!dns1123_label(s.substr(0, dot))) return false;
    if (dot == std::string_view::npos) return true;
    s.remove_prefix(dot + 1);
  }
}

}  // namespace

std::optional<WatchFilterRef> parse_watchfilter_ref(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const std::string_view ns = text.substr(0, slash);
  const std::string_view name = text.substr(slash + 1);
  if (!dns1123_label(ns) || !dns1123_subdomain(name)) return std::nullopt;
  return WatchFilterRef{std::string(ns), std::string(name)};
}

RequestAttributes watchfilter_get_attributes(const WatchFilterRef& ref) {
  RequestAttributes a;
  a.resource_request = true;
  a.verb = "get";
  a.api_group = std::string(kWatchFilterGroup);
  a.api_version = std::string(kWatchFilterVersion);
  a.resource = std::string(kWatchFilterResource);
  a.namespace_name = ref.namespace_name;
  a.name = ref.name;
  a.path = "/apis/" + a.api_group + "/" + a.api_version + "/namespaces/" + ref.namespace_name +
           "/" + a.resource + "/" + ref.name;
  return a;
}

std::string watchfilter_not_found_message(const WatchFilterRef& ref) {
  return std::string(kWatchFilterResource) + "." + std::string(kWatchFilterGroup) + " \"" +
         ref.name + "\" not found";
}

}  // namespace watchfilter::proxy

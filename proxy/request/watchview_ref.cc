#include "proxy/request/watchview_ref.h"

#include "proxy/request/watchfilter_ref.h"

namespace watchfilter::proxy {

std::string WatchViewRef::path() const {
  return "/apis/" + std::string(kWatchFilterGroup) + "/" + std::string(kWatchFilterVersion) +
         "/namespaces/" + namespace_name + "/" + std::string(kWatchViewResource) + "/" + name;
}

RequestAttributes watchview_get_attributes(const WatchViewRef& ref) {
  RequestAttributes a;
  a.resource_request = true;
  a.verb = "get";
  a.gvr = {std::string(kWatchFilterGroup), std::string(kWatchFilterVersion),
           std::string(kWatchViewResource)};
  a.namespace_name = ref.namespace_name;
  a.name = ref.name;
  a.path = ref.path();
  return a;
}

std::string watchview_not_found_message(const WatchViewRef& ref) {
  return std::string(kWatchViewResource) + "." + std::string(kWatchFilterGroup) + " \"" + ref.name +
         "\" not found";
}

}  // namespace watchfilter::proxy

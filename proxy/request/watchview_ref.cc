#include "proxy/request/watchview_ref.h"

#include "proxy/kube/group_version_resource.h"
#include "proxy/request/watchfilter_ref.h"

namespace watchfilter::proxy {
namespace {

kube::GroupVersionResource watchviews() {
  return {std::string(kWatchFilterGroup), std::string(kWatchFilterVersion),
          std::string(kWatchViewResource)};
}

}  // namespace

std::string WatchViewRef::path() const { return watchviews().path(namespace_name, name); }

RequestAttributes watchview_get_attributes(const WatchViewRef& ref) {
  return get_attributes(watchviews(), ref.namespace_name, ref.name);
}

std::string watchview_not_found_message(const WatchViewRef& ref) {
  return watchviews().group_resource().to_string() + " \"" + ref.name + "\" not found";
}

}  // namespace watchfilter::proxy

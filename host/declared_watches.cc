#include "host/declared_watches.h"

#include "proxy/base/config_error.h"

namespace watchfilter::host {

void resolve_declared_watches(HostConfig& config, ChildBackend& backend) {
  for (ChildSpec& child : config.children) {
    if (!child.watches.empty()) continue;
    std::optional<std::string> json = backend.declared_watches(child, settings_for(config, child));
    if (!json)
      throw proxy::ConfigError(child.name +
                               ": no watches in the children file and the module declares none "
                               "(watchfilter_watches)");
    child.watches = parse_declared_watches(*json, child.name);
  }
}

}  // namespace watchfilter::host

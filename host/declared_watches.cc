#include "host/declared_watches.h"

#include "host/child_instance.h"
#include "proxy/config_error.h"

namespace watchfilter::host {

void resolve_declared_watches(HostConfig& config, WasmRuntime& runtime, HostServices& services) {
  for (ChildSpec& child : config.children) {
    if (!child.watches.empty()) continue;
    ChildSettings settings;
    settings.name = child.name;
    settings.env = child.env;
    settings.memory_limit_bytes =
        child.memory_limit_bytes ? child.memory_limit_bytes : config.memory_limit_bytes;
    settings.call_timeout = config.call_timeout;
    ChildInstance instance(runtime, runtime.load_module(child.wasm), settings, services);
    std::optional<std::string> json = instance.declared_watches();
    if (!json)
      throw proxy::ConfigError(child.name +
                               ": no watches in the children file and the module declares none "
                               "(watchfilter_watches)");
    child.watches = parse_declared_watches(*json, child.name);
  }
}

}  // namespace watchfilter::host

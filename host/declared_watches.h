#pragma once

#include "host/host_config.h"
#include "host/host_services.h"
#include "host/wasm_runtime.h"

namespace watchfilter::host {

// Fills the watches of every child that has none in the children file from its module's
// watchfilter_watches export, called once on a throwaway instance at startup (after
// _initialize, so the module may build them from its environment). Throws LoadError or
// proxy::ConfigError naming the child.
void resolve_declared_watches(HostConfig& config, WasmRuntime& runtime, HostServices& services);

}  // namespace watchfilter::host

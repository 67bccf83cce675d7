#pragma once

#include "host/child_backend.h"
#include "host/host_config.h"

namespace watchfilter::host {

// Fills the watches of every child that has none in the children file from what the child
// declares (the watchfilter_watches export, called once at startup after _initialize, so the
// child may build them from its environment). Throws LoadError or proxy::ConfigError naming the
// child.
void resolve_declared_watches(HostConfig& config, ChildBackend& backend);

}  // namespace watchfilter::host

#pragma once

#include <functional>
#include <memory>

#include "host/child_backend.h"
#include "host/host_config.h"
#include "host/host_flags.h"
#include "host/host_services.h"

namespace watchfilter::host {

// Makes the backend once the services (children's requests and logs) exist.
using BackendFactory = std::function<std::unique_ptr<ChildBackend>(HostServices& services)>;

// Runs the children of `config` until SIGINT/SIGTERM (docs/host.md, "How it runs"): fills the
// watches they declare, one ProxyWatch per watch, the supervisor's worker, requeues as wake-ups
// on the proxy, /metrics, and the summary at exit. Shared by watchfilter-host (wasm backend)
// and natively built children (in-process backend). Returns the exit code: 2 for a bad
// configuration, 1 for a failure at run time.
int run_host(const HostFlags& flags, HostConfig config, const BackendFactory& make_backend);

}  // namespace watchfilter::host

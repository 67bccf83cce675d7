#pragma once

#include <memory>
#include <vector>

#include "host/child_backend.h"
#include "host/host_services.h"
#include "host/wasm_runtime.h"

namespace watchfilter::host {

// Children as wasm modules on `runtime` (the host's backend): prepare() compiles each .wasm
// once (or maps it from the module cache), and children sharing a .wasm share the module.
class WasmBackend : public ChildBackend {
 public:
  WasmBackend(WasmRuntime& runtime, HostServices& services)
      : runtime_(runtime), services_(services) {}

  void prepare(const HostConfig& config, const proxy::Logger& logger) override;
  std::unique_ptr<LoadedChild> instantiate(std::size_t index,
                                           const ChildSettings& settings) override;
  std::optional<std::string> declared_watches(const ChildSpec& child,
                                              const ChildSettings& settings) override;

 private:
  WasmRuntime& runtime_;
  HostServices& services_;
  std::vector<std::shared_ptr<const ChildModule>> modules_;  // per child, after prepare()
};

}  // namespace watchfilter::host

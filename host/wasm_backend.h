#pragma once

#include <map>
#include <memory>
#include <vector>

#include "host/child_backend.h"
#include "host/host_services.h"
#include "host/wasm_runtime.h"

namespace watchfilter::host {

// Children as wasm modules on `runtime` (the host's backend): each .wasm is compiled once (or
// mapped from the module cache) by whichever comes first, declared_watches() or prepare(), and
// children sharing a .wasm share the module.
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
  struct Loaded {
    std::shared_ptr<const ChildModule> module;
    ModuleSource source = ModuleSource::kCompiled;
    double load_ms = 0;
  };
  const Loaded& module_for(const std::filesystem::path& wasm);

  WasmRuntime& runtime_;
  HostServices& services_;
  std::map<std::filesystem::path, Loaded> by_path_;
  std::vector<std::shared_ptr<const ChildModule>> modules_;  // per child, after prepare()
};

}  // namespace watchfilter::host

#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "host/child_backend.h"
#include "host/host_services.h"
#include "host/wasm_runtime.h"

struct wasmtime_store;
struct wasmtime_context;

namespace watchfilter::host {

// One live instance of a child: its own store (WASI context, memory limit) and instance.
// Dropping it frees the pool slot; memory images are copy-on-write, so re-instantiating costs
// page faults, not copies.
class ChildInstance : public LoadedChild {
 public:
  // Throws LoadError when instantiation or the reactor's _initialize fails.
  ChildInstance(WasmRuntime& runtime, std::shared_ptr<const ChildModule> module,
                ChildSettings settings, HostServices& services);
  ~ChildInstance() override;
  ChildInstance(const ChildInstance&) = delete;
  ChildInstance& operator=(const ChildInstance&) = delete;

  // Passes `event_json` ({"watch":N,"event":{...}}) to watchfilter_reconcile.
  CallOutcome reconcile(std::string_view event_json) override;

  // The JSON the module's optional watchfilter_watches export returns; nullopt when it has none.
  // Throws LoadError when the call fails.
  std::optional<std::string> declared_watches();

  std::uint64_t memory_bytes() const override;
  const ChildSettings& settings() const { return settings_; }

  // Used by the ABI imports (abi_imports.cc).
  HostServices& services() { return services_; }

 private:
  WasmRuntime& runtime_;
  std::shared_ptr<const ChildModule> module_;
  const ChildSettings settings_;
  HostServices& services_;
  wasmtime_store* store_ = nullptr;
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace watchfilter::host

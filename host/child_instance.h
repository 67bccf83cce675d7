#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "host/host_services.h"
#include "host/wasm_runtime.h"

struct wasmtime_store;
struct wasmtime_context;

namespace watchfilter::host {

struct ChildSettings {
  std::string name;
  std::vector<std::pair<std::string, std::string>> env;  // WASI environment
  std::uint64_t memory_limit_bytes = 32ull << 20;        // <= RuntimeOptions::max_memory_bytes
  std::chrono::milliseconds call_timeout{5000};  // wall time of one reconcile, requests included
};

// What one call into a child came to. A stopped() outcome means the instance is unusable and
// must be dropped; the child may be instantiated again for a later event.
struct CallOutcome {
  enum class Status {
    kDone,         // reconcile returned 0
    kRequeue,      // reconcile asked for a wake-up after requeue_after
    kFailed,       // reconcile returned < 0 (the child's own error)
    kTrapped,      // a wasm trap (unreachable, out-of-bounds, abort(), proc_exit, ...)
    kTimedOut,     // interrupted at the call deadline (endless loop)
    kMemoryLimit,  // trapped while its memory was at the limit (allocation failed)
  };
  Status status = Status::kDone;
  std::chrono::milliseconds requeue_after{0};
  std::string message;

  bool stopped() const { return status >= Status::kTrapped; }
};

const char* to_string(CallOutcome::Status status);

// One live instance of a child: its own store (WASI context, memory limit) and instance.
// Dropping it frees the pool slot; memory images are copy-on-write, so re-instantiating costs
// page faults, not copies.
class ChildInstance {
 public:
  // Throws LoadError when instantiation or the reactor's _initialize fails.
  ChildInstance(WasmRuntime& runtime, std::shared_ptr<const ChildModule> module,
                ChildSettings settings, HostServices& services);
  ~ChildInstance();
  ChildInstance(const ChildInstance&) = delete;
  ChildInstance& operator=(const ChildInstance&) = delete;

  // Passes `event_json` ({"watch":N,"event":{...}}) to watchfilter_reconcile.
  CallOutcome reconcile(std::string_view event_json);

  // The JSON the module's optional watchfilter_watches export returns; nullopt when it has none.
  // Throws LoadError when the call fails.
  std::optional<std::string> declared_watches();

  std::uint64_t memory_bytes() const;
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

#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "host/child_backend.h"

struct wasm_engine_t;
struct wasmtime_linker;
struct wasmtime_module;
struct wasmtime_instance_pre;

namespace watchfilter::host {

struct RuntimeOptions {
  // Precompiled modules (<sha256>.cwasm); empty: compile every module at every start.
  std::filesystem::path module_cache_dir;
  // Upper bound of one child's linear memory, and the size of a pool slot.
  std::uint64_t max_memory_bytes = 64ull << 20;
  // Children loaded at the same time (pool slots). Virtual address space only until used.
  std::uint32_t max_instances = 256;
  // Largest function table of a child (pool slot, 8 bytes an element, virtual until used). A Go
  // child has one element per function: ~29k with client-go's typed clients (wasmtime's default,
  // 20000, refuses it).
  std::uint32_t max_table_elements = 100000;
};

// How a module was obtained, for metrics and tests.
enum class ModuleSource { kCompiled, kCache };

class ChildModule;

// The wasmtime engine (pooling allocator, copy-on-write memory images, epoch interruption),
// the linker holding the ABI imports, and the watchdog that interrupts calls past their
// deadline. One per host; calls into children are serialized on one thread.
class WasmRuntime {
 public:
  explicit WasmRuntime(RuntimeOptions options);  // throws LoadError
  ~WasmRuntime();
  WasmRuntime(const WasmRuntime&) = delete;
  WasmRuntime& operator=(const WasmRuntime&) = delete;

  // Compiles `wasm` (or loads its precompiled form from the cache) and prepares instantiation.
  // Throws LoadError naming the file.
  std::shared_ptr<const ChildModule> load_module(const std::filesystem::path& wasm,
                                                 ModuleSource* source = nullptr);

  const RuntimeOptions& options() const { return options_; }
  wasm_engine_t* engine() const { return engine_; }

  // Interrupts the running call (epoch increment) if it is still running at the deadline.
  class CallDeadline {
   public:
    CallDeadline(WasmRuntime& runtime, std::chrono::steady_clock::duration budget);
    ~CallDeadline();
    CallDeadline(const CallDeadline&) = delete;
    CallDeadline& operator=(const CallDeadline&) = delete;

   private:
    WasmRuntime& runtime_;
  };

 private:
  void watchdog_loop();

  const RuntimeOptions options_;
  wasm_engine_t* engine_ = nullptr;
  wasmtime_linker* linker_ = nullptr;

  std::mutex mutex_;
  std::condition_variable cv_;
  bool armed_ = false;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point deadline_;
  std::thread watchdog_;
};

// A compiled module ready to instantiate (InstancePre). Immutable; shared by the child's
// successive instances.
class ChildModule {
 public:
  ChildModule(wasmtime_module* module, wasmtime_instance_pre* pre, std::filesystem::path path,
              std::filesystem::path cached_path = {});
  ~ChildModule();
  ChildModule(const ChildModule&) = delete;
  ChildModule& operator=(const ChildModule&) = delete;

  wasmtime_instance_pre* instance_pre() const { return pre_; }
  const std::filesystem::path& path() const { return path_; }
  // Its precompiled form in the module cache (empty without a cache).
  const std::filesystem::path& cached_path() const { return cached_path_; }
  // Size of the exported memory at instantiation (its minimum), before the child grows it.
  std::uint64_t initial_memory_bytes() const { return initial_memory_bytes_; }

 private:
  wasmtime_module* module_;
  wasmtime_instance_pre* pre_;
  std::filesystem::path path_;
  std::filesystem::path cached_path_;
  std::uint64_t initial_memory_bytes_ = 0;
};

}  // namespace watchfilter::host

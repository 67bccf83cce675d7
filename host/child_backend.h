#pragma once
// What the supervisor needs from a way of running children: the wasm runtime
// (host/wasm_backend.h, the product) or the child's own code linked into the process
// (host/in_process_backend.h, the native build for debugging). The supervisor, the watches, the
// wake-ups and the metrics are the same for both, so a child debugged natively sees the events
// and makes the requests it would make as wasm.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "host/host_config.h"
#include "proxy/base/log.h"

namespace watchfilter::host {

// The ABI version the host speaks (docs/abi.md, "Versioning"); a child that returns another from
// watchfilter_abi_version is refused.
inline constexpr int kAbiVersion = 1;

// A child that cannot be loaded (missing file, invalid wasm, wrong ABI version), or an engine
// that cannot be created. Only thrown while loading.
class LoadError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct ChildSettings {
  std::string name;
  std::vector<std::pair<std::string, std::string>> env;  // WASI environment
  std::uint64_t memory_limit_bytes = 32ull << 20;        // <= RuntimeOptions::max_memory_bytes
  std::chrono::milliseconds call_timeout{5000};  // wall time of one reconcile, requests included
};

// The settings of `child` under `config`'s defaults.
inline ChildSettings settings_for(const HostConfig& config, const ChildSpec& child) {
  ChildSettings s;
  s.name = child.name;
  s.env = child.env;
  s.memory_limit_bytes =
      child.memory_limit_bytes ? child.memory_limit_bytes : config.memory_limit_bytes;
  s.call_timeout = config.call_timeout;
  return s;
}

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

  // The outcome of watchfilter_reconcile's return value (docs/abi.md, "The result").
  static CallOutcome of_result(std::int64_t r) {
    CallOutcome out;
    if (r < 0) {
      out.status = Status::kFailed;
      out.message = "reconcile returned " + std::to_string(r);
    } else if (r > 0) {
      out.status = Status::kRequeue;
      out.requeue_after = std::chrono::milliseconds(r);
    }
    return out;
  }
};

const char* to_string(CallOutcome::Status status);

// One loaded child. Dropping it unloads the child.
class LoadedChild {
 public:
  virtual ~LoadedChild() = default;
  // Passes `event_json` ({"watch":N,"event":{...}}) to the child's reconcile.
  virtual CallOutcome reconcile(std::string_view event_json) = 0;
  // The child's linear memory now (0 when the backend cannot tell).
  virtual std::uint64_t memory_bytes() const = 0;
};

// Creates instances of the children of one HostConfig. Used from one thread at a time.
class ChildBackend {
 public:
  virtual ~ChildBackend() = default;
  // Once, before any instantiate(): compiles or maps what the children need. Throws LoadError.
  virtual void prepare(const HostConfig& config, const proxy::Logger& logger) = 0;
  // A fresh instance of config.children[index]. Throws LoadError.
  virtual std::unique_ptr<LoadedChild> instantiate(std::size_t index,
                                                   const ChildSettings& settings) = 0;
  // The JSON array the child declares (watchfilter_watches), nullopt when it declares none.
  // Called at startup, before prepare(), for children without watches in the file. Throws
  // LoadError.
  virtual std::optional<std::string> declared_watches(const ChildSpec& child,
                                                      const ChildSettings& settings) = 0;
};

}  // namespace watchfilter::host

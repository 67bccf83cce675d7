#pragma once

#include <cstdint>
#include <string>

#include "host/child_backend.h"
#include "host/host_services.h"

namespace watchfilter::host {

// The exports of a child linked into this process (the SDK's WATCHFILTER_CONTROLLER and
// WATCHFILTER_WATCHES, compiled natively; sdk/native/).
struct ChildEntryPoints {
  std::int32_t (*abi_version)() = nullptr;
  void* (*allocate)(std::uint32_t size) = nullptr;
  std::int64_t (*reconcile)(char* event, std::uint32_t len) = nullptr;
  const char* (*watches_json)() = nullptr;  // null: the child declares no watches
};

// Runs a child compiled natively in this process: the supervisor, watches, wake-ups and metrics
// are the host's, only the call is a plain function call (so gdb sees the child's frames). What
// the wasm host enforces is not enforced here: a crash ends the process, an endless loop blocks
// the worker (a call over its timeout is only logged), memory is not limited (and reads as 0),
// and the child's globals survive an "unload" because there is one copy of them. One child per
// process: its exports have fixed C names.
class InProcessBackend : public ChildBackend {
 public:
  InProcessBackend(ChildEntryPoints entry, HostServices& services);

  void prepare(const HostConfig& config, const proxy::Logger& logger) override;
  std::unique_ptr<LoadedChild> instantiate(std::size_t index,
                                           const ChildSettings& settings) override;
  std::optional<std::string> declared_watches(const ChildSpec& child,
                                              const ChildSettings& settings) override;

 private:
  const ChildEntryPoints entry_;
  HostServices& services_;
};

// The child being called on this thread, for the ABI functions of the native shim
// (sdk/native/native_abi.cc): they have the wasm imports' C signatures, which carry no context,
// so the backend publishes it for the duration of each call. Null outside a call.
struct InProcessCall {
  HostServices& services;
  const std::string& child;
};
const InProcessCall* current_in_process_call();

}  // namespace watchfilter::host

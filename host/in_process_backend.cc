#include "host/in_process_backend.h"

#include <chrono>
#include <cstring>

namespace watchfilter::host {
namespace {

// Set while a child's function runs on this thread (see InProcessCall). thread_local, not a
// plain global: only the worker thread calls children, and a request made from any other thread
// must not be attributed to one.
thread_local const InProcessCall* current_call = nullptr;

class CallScope {
 public:
  explicit CallScope(const InProcessCall& call) : previous_(current_call) { current_call = &call; }
  ~CallScope() { current_call = previous_; }
  CallScope(const CallScope&) = delete;
  CallScope& operator=(const CallScope&) = delete;

 private:
  const InProcessCall* previous_;
};

class InProcessChild : public LoadedChild {
 public:
  InProcessChild(const ChildEntryPoints& entry, HostServices& services, ChildSettings settings)
      : entry_(entry), services_(services), settings_(std::move(settings)) {}

  CallOutcome reconcile(std::string_view event_json) override {
    // As through the ABI: the event is in a buffer from the child's allocator, owned by it.
    auto* buffer =
        static_cast<char*>(entry_.allocate(static_cast<std::uint32_t>(event_json.size())));
    if (buffer == nullptr) {
      CallOutcome out;
      out.status = CallOutcome::Status::kMemoryLimit;
      out.message = "watchfilter_allocate(" + std::to_string(event_json.size()) + ") failed";
      return out;
    }
    std::memcpy(buffer, event_json.data(), event_json.size());
    InProcessCall call{services_, settings_.name};
    CallScope scope(call);
    auto start = std::chrono::steady_clock::now();
    std::int64_t r = entry_.reconcile(buffer, static_cast<std::uint32_t>(event_json.size()));
    auto took = std::chrono::steady_clock::now() - start;
    if (took > settings_.call_timeout)
      services_.child_log(
          settings_.name, 2,
          "reconcile took " +
              std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()) +
              " ms, over its call timeout (the wasm host would have stopped it)");
    return CallOutcome::of_result(r);
  }

  std::uint64_t memory_bytes() const override { return 0; }

 private:
  const ChildEntryPoints& entry_;
  HostServices& services_;
  const ChildSettings settings_;
};

}  // namespace

const InProcessCall* current_in_process_call() { return current_call; }

InProcessBackend::InProcessBackend(ChildEntryPoints entry, HostServices& services)
    : entry_(entry), services_(services) {}

void InProcessBackend::prepare(const HostConfig& config, const proxy::Logger& logger) {
  if (config.children.size() != 1)
    throw LoadError("a native child runs alone: " + std::to_string(config.children.size()) +
                    " children configured");
  if (entry_.abi_version() != kAbiVersion)
    throw LoadError(config.children[0].name + ": ABI version " +
                    std::to_string(entry_.abi_version()) + ", the shim speaks " +
                    std::to_string(kAbiVersion));
  logger.info("child " + config.children[0].name + " runs natively in this process");
}

std::unique_ptr<LoadedChild> InProcessBackend::instantiate(std::size_t,
                                                           const ChildSettings& settings) {
  return std::make_unique<InProcessChild>(entry_, services_, settings);
}

std::optional<std::string> InProcessBackend::declared_watches(const ChildSpec& child,
                                                              const ChildSettings&) {
  if (entry_.watches_json == nullptr) return std::nullopt;
  std::string name = child.name;
  InProcessCall call{services_, name};
  CallScope scope(call);
  return std::string(entry_.watches_json());
}

}  // namespace watchfilter::host

#include "host/wasm_backend.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <utility>

#include "host/child_instance.h"
#include "proxy/base/config_error.h"

namespace watchfilter::host {

const WasmBackend::Loaded& WasmBackend::module_for(const std::filesystem::path& wasm) {
  if (auto it = by_path_.find(wasm); it != by_path_.end()) return it->second;
  Loaded loaded;
  const auto start = std::chrono::steady_clock::now();
  loaded.module = runtime_.load_module(wasm, &loaded.source);
  loaded.load_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return by_path_.emplace(wasm, std::move(loaded)).first->second;
}

void WasmBackend::prepare(const HostConfig& config, const proxy::Logger& logger) {
  const std::uint64_t slot = runtime_.options().max_memory_bytes;
  modules_.assign(config.children.size(), nullptr);
  for (std::size_t i = 0; i < config.children.size(); ++i) {
    const ChildSpec& spec = config.children[i];
    // A pool slot is the most memory any instance can have: a larger limit would be a promise the
    // runtime cannot keep (the child would fail to grow below its limit).
    if (settings_for(config, spec).memory_limit_bytes > slot)
      throw proxy::ConfigError(spec.name + ": memoryLimit " +
                               std::to_string(settings_for(config, spec).memory_limit_bytes) +
                               " bytes is above --max-memory (" + std::to_string(slot) + ")");
    modules_[i] = module_for(spec.wasm).module;
  }
  for (const auto& [path, loaded] : by_path_) {
    char took[32];
    std::snprintf(took, sizeof took, "%.1f ms", loaded.load_ms);
    logger.info("module " + path.string() +
                (loaded.source == ModuleSource::kCache ? " loaded from the module cache in "
                                                       : " compiled in ") +
                took);
  }
}

std::unique_ptr<LoadedChild> WasmBackend::instantiate(std::size_t index,
                                                      const ChildSettings& settings) {
  return std::make_unique<ChildInstance>(runtime_, modules_.at(index), settings, services_);
}

std::optional<std::string> WasmBackend::declared_watches(const ChildSpec& child,
                                                         const ChildSettings& settings) {
  ChildInstance instance(runtime_, module_for(child.wasm).module, settings, services_);
  return instance.declared_watches();
}

}  // namespace watchfilter::host

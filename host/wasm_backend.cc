#include "host/wasm_backend.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <utility>

#include "host/child_instance.h"

namespace watchfilter::host {

void WasmBackend::prepare(const HostConfig& config, const proxy::Logger& logger) {
  std::vector<std::pair<std::filesystem::path, std::shared_ptr<const ChildModule>>> loaded;
  modules_.assign(config.children.size(), nullptr);
  for (std::size_t i = 0; i < config.children.size(); ++i) {
    const ChildSpec& spec = config.children[i];
    for (const auto& [path, module] : loaded)
      if (path == spec.wasm) modules_[i] = module;
    if (modules_[i]) continue;
    ModuleSource source;
    auto start = std::chrono::steady_clock::now();
    modules_[i] = runtime_.load_module(spec.wasm, &source);
    loaded.emplace_back(spec.wasm, modules_[i]);
    char took[32];
    std::snprintf(
        took, sizeof took, "%.1f ms",
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
    logger.info(
        "module " + spec.wasm.string() +
        (source == ModuleSource::kCache ? " loaded from the module cache in " : " compiled in ") +
        took);
  }
}

std::unique_ptr<LoadedChild> WasmBackend::instantiate(std::size_t index,
                                                      const ChildSettings& settings) {
  return std::make_unique<ChildInstance>(runtime_, modules_.at(index), settings, services_);
}

std::optional<std::string> WasmBackend::declared_watches(const ChildSpec& child,
                                                         const ChildSettings& settings) {
  ChildInstance instance(runtime_, runtime_.load_module(child.wasm), settings, services_);
  return instance.declared_watches();
}

}  // namespace watchfilter::host

// watchfilter-host: runs wasm child operators on filtered watch streams of watchfilter-proxy
// (docs/host.md).
#include <iostream>
#include <memory>

#include "host/host_config.h"
#include "host/host_flags.h"
#include "host/host_runner.h"
#include "host/wasm_backend.h"
#include "host/wasm_runtime.h"

using namespace watchfilter;

int main(int argc, char** argv) {
  host::HostFlags flags;
  host::HostConfig config;
  try {
    flags = host::parse_host_flags(argc, argv, host::FlagsFlavor::kHost);
    config = host::load_host_config(flags.children);
  } catch (const std::exception& e) {
    std::cerr << "watchfilter-host: " << e.what() << "\n";
    return 2;
  }
  // The runtime outlives the backend that run_host makes and drops.
  std::unique_ptr<host::WasmRuntime> runtime;
  try {
    host::RuntimeOptions options;
    options.module_cache_dir = flags.module_cache;
    options.max_instances = flags.max_instances;
    options.max_memory_bytes = flags.max_memory;
    options.max_table_elements = flags.max_table_elements;
    runtime = std::make_unique<host::WasmRuntime>(options);
  } catch (const std::exception& e) {
    std::cerr << "watchfilter-host: " << e.what() << "\n";
    return 1;
  }
  return host::run_host(flags, std::move(config), [&](host::HostServices& services) {
    return std::make_unique<host::WasmBackend>(*runtime, services);
  });
}

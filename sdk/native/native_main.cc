// main() of a child built natively (watchfilter_add_native_child, sdk/CMakeLists.txt): the
// child's own sources, the SDK and this shim make one executable that connects to the proxy and
// kube-apiserver itself and runs the child on the host's supervisor through the in-process
// backend (host/in_process_backend.h): same watches and watcher ids, same event JSON, same
// requests, requeues as wake-ups on the proxy. For debugging (docs/host.md).
#include <cstdlib>
#include <iostream>
#include <string>

#include "host/host_config.h"
#include "host/host_flags.h"
#include "host/host_runner.h"
#include "host/in_process_backend.h"
#include "proxy/base/config_error.h"
#include "watchfilter/sdk/abi.h"

// Defined only by children that use WATCHFILTER_WATCHES; weak so that the others link too.
extern "C" __attribute__((weak)) const char* watchfilter_watches_json();

namespace {

using namespace watchfilter;

// The child of the run: an entry of a children file, or one named on the command line.
host::HostConfig native_config(const host::HostFlags& flags) {
  host::HostConfig config;
  if (!flags.children.empty()) {
    host::HostConfig file = host::load_host_config(flags.children);
    for (host::ChildSpec& child : file.children)
      if (child.name == flags.child) {
        config = file;
        config.children = {child};
        return config;
      }
    throw proxy::ConfigError(flags.children + ": no child named \"" + flags.child + "\"");
  }
  if (!flags.host_name.empty()) config.host_name = flags.host_name;
  host::ChildSpec child;
  child.name = flags.name;
  if (child.name.empty()) {
    child.name = flags.program;
    constexpr std::string_view kSuffix = "-native";
    if (child.name.size() > kSuffix.size() && child.name.ends_with(kSuffix))
      child.name.resize(child.name.size() - kSuffix.size());
  }
  if (!host::valid_child_name(child.name))
    throw proxy::ConfigError("child name \"" + child.name + "\" must be 1-63 of a-z0-9- (--name)");
  child.wasm = "(native)";
  // Without a children file nothing grants anything, and natively the child shares the process
  // and its credentials anyway: it may ask for whatever the host's identity allows. With a file
  // (above) the entry's grants apply, as in the wasm host.
  host::PolicyRule everything;
  everything.api_groups = everything.resources = everything.verbs = {"*"};
  host::PolicyRule every_path;
  every_path.verbs = every_path.non_resource_urls = {"*"};
  child.rbac = {everything, every_path};
  config.children.push_back(child);
  return config;
}

}  // namespace

int main(int argc, char** argv) {
  host::HostFlags flags;
  host::HostConfig config;
  try {
    flags = host::parse_host_flags(argc, argv, host::FlagsFlavor::kNative);
    config = native_config(flags);
  } catch (const std::exception& e) {
    std::cerr << (flags.program.empty() ? "native child" : flags.program) << ": " << e.what()
              << "\n";
    return 2;
  }
  // The entry's env is the WASI environment of the wasm child; natively it is the process's.
  // Set before the first call (so the child's getenv and its declared watches see it), though
  // after static constructors, which a wasm child runs in _initialize with the env already set.
  for (const auto& [key, value] : config.children[0].env) ::setenv(key.c_str(), value.c_str(), 1);

  host::ChildEntryPoints entry;
  entry.abi_version = &watchfilter_abi_version;
  entry.allocate = &watchfilter_allocate;
  entry.reconcile = &watchfilter_reconcile;
  entry.watches_json = watchfilter_watches_json;  // null when the child declares none
  return host::run_host(flags, std::move(config), [&](host::HostServices& services) {
    return std::make_unique<host::InProcessBackend>(entry, services);
  });
}

#pragma once

#include "host/child_backend.h"

struct wasmtime_linker;

namespace watchfilter::host {

inline constexpr char kAbiModule[] = "watchfilter";

// Defines the imports of module "watchfilter" (docs/abi.md) in `linker`. The store data of every
// store instantiated from it must be the ChildInstance. Throws LoadError.
void define_abi_imports(wasmtime_linker* linker);

}  // namespace watchfilter::host

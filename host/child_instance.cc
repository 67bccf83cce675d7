#include "host/child_instance.h"

#include <wasi.h>
#include <wasmtime.h>

#include <algorithm>
#include <cstring>

#include "host/abi_imports.h"
#include "host/wasm_errors.h"

namespace watchfilter::host {

struct ChildInstance::State {
  wasmtime_instance_t instance;
  wasmtime_func_t allocate;
  wasmtime_func_t reconcile;
  wasmtime_memory_t memory;
};

namespace {

bool get_export(wasmtime_context_t* cx, const wasmtime_instance_t& instance, std::string_view name,
                wasmtime_extern_t& out) {
  return wasmtime_instance_export_get(cx, &instance, name.data(), name.size(), &out);
}

wasmtime_func_t require_func(wasmtime_context_t* cx, const wasmtime_instance_t& instance,
                             std::string_view name, const std::string& child) {
  wasmtime_extern_t item;
  if (!get_export(cx, instance, name, item) || item.kind != WASMTIME_EXTERN_FUNC)
    throw LoadError(child + ": missing export " + std::string(name));
  return item.of.func;
}

}  // namespace

ChildInstance::ChildInstance(WasmRuntime& runtime, std::shared_ptr<const ChildModule> module,
                             ChildSettings settings, HostServices& services)
    : runtime_(runtime),
      module_(std::move(module)),
      settings_(std::move(settings)),
      services_(services),
      state_(std::make_unique<State>()) {
  store_ = wasmtime_store_new(runtime_.engine(), this, nullptr);
  // One memory and one table: what a wasi-libc child has; anything beyond the limit fails to grow.
  wasmtime_store_limiter(store_, static_cast<int64_t>(settings_.memory_limit_bytes),
                         static_cast<int64_t>(runtime_.options().max_table_elements), 1, 1, 1);
  wasmtime_context_t* cx = wasmtime_store_context(store_);

  wasi_config_t* wasi = wasi_config_new();
  std::vector<const char*> names, values;
  for (const auto& [k, v] : settings_.env) {
    names.push_back(k.c_str());
    values.push_back(v.c_str());
  }
  // A Go child's collector works harder as its heap nears the limit instead of dying at it:
  // GOMEMLIMIT (read by the Go runtime in _initialize, ignored by others) is the memory limit
  // less what the module starts with (its data, which Go does not count), unless the entry sets
  // it.
  std::string go_memory_limit;
  bool entry_sets_it = std::any_of(settings_.env.begin(), settings_.env.end(),
                                   [](const auto& kv) { return kv.first == "GOMEMLIMIT"; });
  if (!entry_sets_it && settings_.memory_limit_bytes > module_->initial_memory_bytes()) {
    go_memory_limit =
        std::to_string(settings_.memory_limit_bytes - module_->initial_memory_bytes());
    names.push_back("GOMEMLIMIT");
    values.push_back(go_memory_limit.c_str());
  }
  wasi_config_set_env(wasi, names.size(), names.data(), values.data());
  // argv = [the child's name]: runtimes read argv[0] at init (Go's klog, via client-go, indexes
  // os.Args[0] and panics on an empty argv).
  const char* argv0 = settings_.name.c_str();
  wasi_config_set_argv(wasi, 1, &argv0);
  wasi_config_inherit_stdout(wasi);
  wasi_config_inherit_stderr(wasi);
  wasmtime_error_t* error = wasmtime_context_set_wasi(cx, wasi);  // takes the config
  if (error != nullptr) {
    wasmtime_store_delete(store_);
    throw LoadError(settings_.name + ": WASI: " + take_message(error));
  }

  WasmRuntime::CallDeadline deadline(runtime_, settings_.call_timeout);
  wasmtime_context_set_epoch_deadline(cx, 1);
  wasm_trap_t* trap = nullptr;
  error = wasmtime_instance_pre_instantiate(module_->instance_pre(), cx, &state_->instance, &trap);
  std::string failure;
  if (error != nullptr) failure = take_message(error);
  if (trap != nullptr) failure = take_message(trap);
  if (failure.empty()) {
    try {
      wasmtime_extern_t item;
      if (!get_export(cx, state_->instance, "memory", item) || item.kind != WASMTIME_EXTERN_MEMORY)
        throw LoadError(settings_.name + ": missing export memory");
      state_->memory = item.of.memory;
      wasmtime_func_t version =
          require_func(cx, state_->instance, "watchfilter_abi_version", settings_.name);
      state_->allocate = require_func(cx, state_->instance, "watchfilter_allocate", settings_.name);
      state_->reconcile =
          require_func(cx, state_->instance, "watchfilter_reconcile", settings_.name);
      // A WASI reactor runs its constructors in _initialize, once, before any other export.
      if (get_export(cx, state_->instance, "_initialize", item) &&
          item.kind == WASMTIME_EXTERN_FUNC) {
        error = wasmtime_func_call(cx, &item.of.func, nullptr, 0, nullptr, 0, &trap);
        if (error != nullptr)
          throw LoadError(settings_.name + ": _initialize: " + take_message(error));
        if (trap != nullptr)
          throw LoadError(settings_.name + ": _initialize: " + take_message(trap));
      }
      wasmtime_val_t result;
      error = wasmtime_func_call(cx, &version, nullptr, 0, &result, 1, &trap);
      if (error != nullptr)
        throw LoadError(settings_.name + ": abi version: " + take_message(error));
      if (trap != nullptr) throw LoadError(settings_.name + ": abi version: " + take_message(trap));
      if (result.kind != WASMTIME_I32 || result.of.i32 != kAbiVersion)
        throw LoadError(settings_.name + ": ABI version " + std::to_string(result.of.i32) +
                        ", the host speaks " + std::to_string(kAbiVersion));
    } catch (const LoadError&) {
      wasmtime_store_delete(store_);
      throw;
    }
    return;
  }
  wasmtime_store_delete(store_);
  throw LoadError(settings_.name + ": instantiate: " + failure);
}

ChildInstance::~ChildInstance() { wasmtime_store_delete(store_); }

std::optional<std::string> ChildInstance::declared_watches() {
  wasmtime_context_t* cx = wasmtime_store_context(store_);
  wasmtime_extern_t item;
  if (!get_export(cx, state_->instance, "watchfilter_watches", item) ||
      item.kind != WASMTIME_EXTERN_FUNC)
    return std::nullopt;
  WasmRuntime::CallDeadline deadline(runtime_, settings_.call_timeout);
  wasmtime_context_set_epoch_deadline(cx, 1);
  wasmtime_val_t result;
  wasm_trap_t* trap = nullptr;
  wasmtime_error_t* error = wasmtime_func_call(cx, &item.of.func, nullptr, 0, &result, 1, &trap);
  if (error != nullptr)
    throw LoadError(settings_.name + ": watchfilter_watches: " + one_line(take_message(error)));
  if (trap != nullptr)
    throw LoadError(settings_.name + ": watchfilter_watches: " + one_line(take_message(trap)));
  if (result.kind != WASMTIME_I64)
    throw LoadError(settings_.name + ": watchfilter_watches must return i64");
  auto packed = static_cast<std::uint64_t>(result.of.i64);
  std::uint64_t ptr = packed >> 32;
  std::uint64_t len = packed & 0xffffffffu;
  std::size_t size = wasmtime_memory_data_size(cx, &state_->memory);
  if (ptr + len > size) throw LoadError(settings_.name + ": watchfilter_watches out of bounds");
  const auto* data = wasmtime_memory_data(cx, &state_->memory);
  return std::string(reinterpret_cast<const char*>(data) + ptr, len);
}

std::uint64_t ChildInstance::memory_bytes() const {
  return wasmtime_memory_data_size(wasmtime_store_context(store_), &state_->memory);
}

CallOutcome ChildInstance::reconcile(std::string_view event_json) {
  wasmtime_context_t* cx = wasmtime_store_context(store_);
  WasmRuntime::CallDeadline deadline(runtime_, settings_.call_timeout);
  wasmtime_context_set_epoch_deadline(cx, 1);

  auto failed = [&](wasmtime_error_t* error, wasm_trap_t* trap) {
    CallOutcome out;
    out.status = CallOutcome::Status::kTrapped;
    wasmtime_trap_code_t code;
    if (trap != nullptr && wasmtime_trap_code(trap, &code) &&
        code == WASMTIME_TRAP_CODE_INTERRUPT) {
      out.status = CallOutcome::Status::kTimedOut;
      out.message = "interrupted after " + std::to_string(settings_.call_timeout.count()) + " ms";
      wasm_trap_delete(trap);
      return out;
    }
    int exit_status = 0;
    if (error != nullptr && wasmtime_error_exit_status(error, &exit_status)) {
      out.message = "proc_exit(" + std::to_string(exit_status) + ")";
      wasmtime_error_delete(error);
    } else {
      out.message = one_line(error != nullptr ? take_message(error) : take_message(trap));
    }
    // Growth past the limit fails (memory.grow returns -1) rather than trapping; a child whose
    // allocation failed then aborts. Memory within one growth step of the limit says so.
    if (memory_bytes() + (1u << 20) > settings_.memory_limit_bytes) {
      out.status = CallOutcome::Status::kMemoryLimit;
      out.message = "memory limit " + std::to_string(settings_.memory_limit_bytes >> 20) +
                    " MiB reached: " + out.message;
    }
    return out;
  };

  wasmtime_val_t arg;
  arg.kind = WASMTIME_I32;
  arg.of.i32 = static_cast<int32_t>(event_json.size());
  wasmtime_val_t ptr;
  wasm_trap_t* trap = nullptr;
  wasmtime_error_t* error = wasmtime_func_call(cx, &state_->allocate, &arg, 1, &ptr, 1, &trap);
  if (error != nullptr || trap != nullptr) return failed(error, trap);
  uint32_t offset = static_cast<uint32_t>(ptr.of.i32);
  std::size_t size = wasmtime_memory_data_size(cx, &state_->memory);
  if (offset == 0 || offset + event_json.size() > size) {
    CallOutcome out;
    out.status = memory_bytes() + (1u << 20) > settings_.memory_limit_bytes
                     ? CallOutcome::Status::kMemoryLimit
                     : CallOutcome::Status::kTrapped;
    out.message = "watchfilter_allocate(" + std::to_string(event_json.size()) + ") returned " +
                  std::to_string(offset);
    return out;
  }
  std::memcpy(wasmtime_memory_data(cx, &state_->memory) + offset, event_json.data(),
              event_json.size());

  wasmtime_val_t args[2];
  args[0].kind = WASMTIME_I32;
  args[0].of.i32 = static_cast<int32_t>(offset);
  args[1].kind = WASMTIME_I32;
  args[1].of.i32 = static_cast<int32_t>(event_json.size());
  wasmtime_val_t result;
  error = wasmtime_func_call(cx, &state_->reconcile, args, 2, &result, 1, &trap);
  if (error != nullptr || trap != nullptr) return failed(error, trap);
  return CallOutcome::of_result(result.of.i64);
}

}  // namespace watchfilter::host

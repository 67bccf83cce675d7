#include "host/abi_imports.h"

#include <wasmtime.h>

#include <cstring>
#include <string>
#include <string_view>

#include "host/child_instance.h"
#include "host/wasm_errors.h"
#include "host/wasm_runtime.h"

namespace watchfilter::host {
namespace {

ChildInstance& child_of(wasmtime_caller_t* caller) {
  return *static_cast<ChildInstance*>(wasmtime_context_get_data(wasmtime_caller_context(caller)));
}

wasm_trap_t* trap(std::string_view msg) { return wasmtime_trap_new(msg.data(), msg.size()); }

// The caller's memory as a span; a child without an exported memory cannot use the ABI.
bool memory_of(wasmtime_caller_t* caller, std::uint8_t*& data, std::size_t& size) {
  wasmtime_extern_t item;
  if (!wasmtime_caller_export_get(caller, "memory", 6, &item) ||
      item.kind != WASMTIME_EXTERN_MEMORY)
    return false;
  wasmtime_context_t* cx = wasmtime_caller_context(caller);
  data = wasmtime_memory_data(cx, &item.of.memory);
  size = wasmtime_memory_data_size(cx, &item.of.memory);
  wasmtime_extern_delete(&item);
  return true;
}

// Copies [ptr, ptr+len) out of the child's memory; false when out of bounds.
bool read_span(wasmtime_caller_t* caller, std::uint32_t ptr, std::uint32_t len, std::string& out) {
  std::uint8_t* data;
  std::size_t size;
  if (!memory_of(caller, data, size) || std::uint64_t{ptr} + len > size) return false;
  out.assign(reinterpret_cast<const char*>(data) + ptr, len);
  return true;
}

// log(level i32, ptr i32, len i32)
wasm_trap_t* log_import(void*, wasmtime_caller_t* caller, const wasmtime_val_t* args, size_t,
                        wasmtime_val_t*, size_t) {
  std::uint32_t len =
      std::min<std::uint32_t>(static_cast<std::uint32_t>(args[2].of.i32), kMaxLogBytes);
  std::string msg;
  if (!read_span(caller, static_cast<std::uint32_t>(args[1].of.i32), len, msg))
    return trap("watchfilter.log: message out of bounds");
  ChildInstance& child = child_of(caller);
  child.services().child_log(child.settings().name, args[0].of.i32, msg);
  return nullptr;
}

// kube_request(method, path_ptr, path_len, body_ptr, body_len, response_out) -> status
wasm_trap_t* kube_request_import(void*, wasmtime_caller_t* caller, const wasmtime_val_t* args,
                                 size_t, wasmtime_val_t* results, size_t) {
  ChildInstance& child = child_of(caller);
  auto u32 = [&](int i) { return static_cast<std::uint32_t>(args[i].of.i32); };
  KubeRequest request;
  request.method = args[0].of.i32;
  std::uint32_t out_ptr = u32(5);
  if (!request_within_limits(u32(2), u32(4)))
    return trap("watchfilter.kube_request: request too large");
  if (!read_span(caller, u32(1), u32(2), request.path) ||
      !read_span(caller, u32(3), u32(4), request.body))
    return trap("watchfilter.kube_request: request out of bounds");
  results[0].kind = WASMTIME_I32;
  KubeResponse response;
  if (!allowed_request(request.method, request.path)) {
    response.status = -2;
  } else {
    response = child.services().kube_request(child.settings().name, request);
  }
  results[0].of.i32 = response.status;

  std::uint32_t body_ptr = 0;
  std::uint32_t body_len = 0;
  if (!response.body.empty() && response.body.size() <= kMaxBodyBytes) {
    wasmtime_extern_t item;
    if (!wasmtime_caller_export_get(caller, "watchfilter_allocate", 20, &item) ||
        item.kind != WASMTIME_EXTERN_FUNC)
      return trap("watchfilter.kube_request: missing export watchfilter_allocate");
    wasmtime_val_t arg;
    arg.kind = WASMTIME_I32;
    arg.of.i32 = static_cast<int32_t>(response.body.size());
    wasmtime_val_t ptr;
    wasm_trap_t* inner_trap = nullptr;
    wasmtime_error_t* error = wasmtime_func_call(wasmtime_caller_context(caller), &item.of.func,
                                                 &arg, 1, &ptr, 1, &inner_trap);
    if (inner_trap != nullptr) return inner_trap;  // e.g. interrupted: propagate as is
    if (error != nullptr) return trap("watchfilter_allocate: " + take_message(error));
    body_ptr = static_cast<std::uint32_t>(ptr.of.i32);
    body_len = static_cast<std::uint32_t>(response.body.size());
    std::uint8_t* data;
    std::size_t size;
    if (body_ptr == 0 || !memory_of(caller, data, size) ||
        std::uint64_t{body_ptr} + body_len > size) {
      body_ptr = 0;  // allocation failed: the child sees the status without a body
      body_len = 0;
    } else {
      std::memcpy(data + body_ptr, response.body.data(), body_len);
    }
  }
  std::uint8_t* data;
  std::size_t size;
  if (!memory_of(caller, data, size) || std::uint64_t{out_ptr} + 8 > size)
    return trap("watchfilter.kube_request: response buffer out of bounds");
  std::memcpy(data + out_ptr, &body_ptr, 4);  // wasm is little-endian, like every host we run on
  std::memcpy(data + out_ptr + 4, &body_len, 4);
  return nullptr;
}

void define(wasmtime_linker_t* linker, std::string_view name,
            std::initializer_list<wasm_valkind_t> params,
            std::initializer_list<wasm_valkind_t> results, wasmtime_func_callback_t callback) {
  wasm_valtype_vec_t p, r;
  wasm_valtype_vec_new_uninitialized(&p, params.size());
  wasm_valtype_vec_new_uninitialized(&r, results.size());
  std::size_t i = 0;
  for (auto k : params) p.data[i++] = wasm_valtype_new(k);
  i = 0;
  for (auto k : results) r.data[i++] = wasm_valtype_new(k);
  wasm_functype_t* type = wasm_functype_new(&p, &r);
  wasmtime_error_t* error =
      wasmtime_linker_define_func(linker, kAbiModule, std::strlen(kAbiModule), name.data(),
                                  name.size(), type, callback, nullptr, nullptr);
  wasm_functype_delete(type);
  if (error != nullptr)
    throw LoadError("define watchfilter." + std::string(name) + ": " + take_message(error));
}

}  // namespace

void define_abi_imports(wasmtime_linker_t* linker) {
  define(linker, "log", {WASM_I32, WASM_I32, WASM_I32}, {}, log_import);
  define(linker, "kube_request", {WASM_I32, WASM_I32, WASM_I32, WASM_I32, WASM_I32, WASM_I32},
         {WASM_I32}, kube_request_import);
}

}  // namespace watchfilter::host

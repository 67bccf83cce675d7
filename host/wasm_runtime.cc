#include "host/wasm_runtime.h"

#include <openssl/evp.h>
#include <wasi.h>
#include <wasmtime.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <system_error>
#include <vector>

#include "host/abi_imports.h"
#include "host/wasm_errors.h"

namespace watchfilter::host {
namespace {

// Part of the cache key: a .cwasm is only valid for the wasmtime version and the engine settings
// that produced it (wasmtime also checks, and a mismatch just recompiles).
constexpr char kWasmtimeVersion[] = WASMTIME_VERSION;

std::vector<std::uint8_t> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw LoadError("cannot read " + path.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string sha256_hex(const std::vector<std::uint8_t>& bytes, const std::string& salt) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  EVP_DigestUpdate(ctx, bytes.data(), bytes.size());
  EVP_DigestUpdate(ctx, salt.data(), salt.size());
  EVP_DigestFinal_ex(ctx, digest, &len);
  EVP_MD_CTX_free(ctx);
  std::string hex;
  char buf[3];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", digest[i]);
    hex += buf;
  }
  return hex;
}

void write_atomically(const std::filesystem::path& path, const wasm_byte_vec_t& bytes) {
  std::filesystem::path tmp = path;
  tmp += ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data, static_cast<std::streamsize>(bytes.size));
    if (!out) return;  // a cache that cannot be written only costs a recompile next start
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) std::filesystem::remove(tmp, ec);
}

}  // namespace

WasmRuntime::WasmRuntime(RuntimeOptions options) : options_(std::move(options)) {
  wasm_config_t* config = wasm_config_new();
  wasmtime_config_epoch_interruption_set(config, true);
  wasmtime_config_memory_init_cow_set(config, true);
  // A reservation of exactly the memory limit keeps the pool's virtual footprint at
  // max_instances * (limit + guard) instead of 4 GiB + guard per slot; the price is explicit
  // bounds checks in compiled code.
  wasmtime_config_memory_reservation_set(config, options_.max_memory_bytes);
  wasmtime_config_memory_guard_size_set(config, 64 << 10);
  wasmtime_config_memory_reservation_for_growth_set(config, 0);
  wasmtime_config_cranelift_opt_level_set(config, WASMTIME_OPT_LEVEL_SPEED);

  wasmtime_pooling_allocation_config_t* pool = wasmtime_pooling_allocation_config_new();
  wasmtime_pooling_allocation_config_total_core_instances_set(pool, options_.max_instances);
  wasmtime_pooling_allocation_config_total_memories_set(pool, options_.max_instances);
  wasmtime_pooling_allocation_config_total_tables_set(pool, options_.max_instances);
  wasmtime_pooling_allocation_config_max_memory_size_set(pool, options_.max_memory_bytes);
  wasmtime_pooling_allocation_config_max_memories_per_module_set(pool, 1);
  wasmtime_pooling_allocation_config_max_tables_per_module_set(pool, 1);
  wasmtime_pooling_allocation_config_table_elements_set(pool, options_.max_table_elements);
  // Slots keep their pages between instances of the same module only while warm; an idle host
  // should give memory back, so keep few warm slots.
  wasmtime_pooling_allocation_config_max_unused_warm_slots_set(pool, 4);
  wasmtime_pooling_allocation_strategy_set(config, pool);
  wasmtime_pooling_allocation_config_delete(pool);

  engine_ = wasm_engine_new_with_config(config);  // takes the config
  if (engine_ == nullptr) throw LoadError("cannot create the wasmtime engine");
  linker_ = wasmtime_linker_new(engine_);
  wasmtime_error_t* error = wasmtime_linker_define_wasi(linker_);
  if (error != nullptr) throw LoadError("cannot define WASI imports: " + take_message(error));
  define_abi_imports(linker_);
  if (!options_.module_cache_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(options_.module_cache_dir, ec);
  }
  watchdog_ = std::thread([this] { watchdog_loop(); });
}

WasmRuntime::~WasmRuntime() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  watchdog_.join();
  wasmtime_linker_delete(linker_);
  wasm_engine_delete(engine_);
}

std::shared_ptr<const ChildModule> WasmRuntime::load_module(const std::filesystem::path& wasm,
                                                            ModuleSource* source) {
  std::vector<std::uint8_t> bytes = read_file(wasm);
  wasmtime_module_t* module = nullptr;
  std::filesystem::path cached;
  if (!options_.module_cache_dir.empty()) {
    std::string salt = std::string("wasmtime-") + kWasmtimeVersion +
                       " mem=" + std::to_string(options_.max_memory_bytes) +
                       " tables=" + std::to_string(options_.max_table_elements);
    cached = options_.module_cache_dir / (sha256_hex(bytes, salt) + ".cwasm");
    if (std::filesystem::exists(cached)) {
      // Maps the file: code pages are shared with the page cache, not copied.
      wasmtime_error_t* error = wasmtime_module_deserialize_file(engine_, cached.c_str(), &module);
      if (error != nullptr) {
        wasmtime_error_delete(error);  // stale or foreign: recompile below and overwrite
        module = nullptr;
      } else if (source != nullptr) {
        *source = ModuleSource::kCache;
      }
    }
  }
  if (module == nullptr) {
    wasmtime_error_t* error = wasmtime_module_new(engine_, bytes.data(), bytes.size(), &module);
    if (error != nullptr) throw LoadError(wasm.string() + ": " + take_message(error));
    if (source != nullptr) *source = ModuleSource::kCompiled;
    if (!cached.empty()) {
      wasm_byte_vec_t serialized;
      error = wasmtime_module_serialize(module, &serialized);
      if (error == nullptr) {
        write_atomically(cached, serialized);
        wasm_byte_vec_delete(&serialized);
      } else {
        wasmtime_error_delete(error);
      }
    }
  }
  wasmtime_instance_pre_t* pre = nullptr;
  wasmtime_error_t* error = wasmtime_linker_instantiate_pre(linker_, module, &pre);
  if (error != nullptr) {
    wasmtime_module_delete(module);
    throw LoadError(wasm.string() + ": unresolved imports: " + take_message(error));
  }
  return std::make_shared<const ChildModule>(module, pre, wasm, cached);
}

void WasmRuntime::watchdog_loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (!armed_) {
      cv_.wait(lock);
      continue;
    }
    if (cv_.wait_until(lock, deadline_) == std::cv_status::timeout && armed_ &&
        std::chrono::steady_clock::now() >= deadline_) {
      // Every store's deadline is "one tick past the epoch when its call started", so one
      // increment interrupts the running call; stores that are not running reset their
      // deadline before their next call.
      wasmtime_engine_increment_epoch(engine_);
      armed_ = false;
    }
  }
}

WasmRuntime::CallDeadline::CallDeadline(WasmRuntime& runtime,
                                        std::chrono::steady_clock::duration budget)
    : runtime_(runtime) {
  {
    std::lock_guard lock(runtime_.mutex_);
    runtime_.armed_ = true;
    runtime_.deadline_ = std::chrono::steady_clock::now() + budget;
  }
  runtime_.cv_.notify_all();
}

WasmRuntime::CallDeadline::~CallDeadline() {
  {
    std::lock_guard lock(runtime_.mutex_);
    runtime_.armed_ = false;
  }
  runtime_.cv_.notify_all();
}

ChildModule::ChildModule(wasmtime_module_t* module, wasmtime_instance_pre_t* pre,
                         std::filesystem::path path, std::filesystem::path cached_path)
    : module_(module), pre_(pre), path_(std::move(path)), cached_path_(std::move(cached_path)) {
  wasm_exporttype_vec_t exports;
  wasmtime_module_exports(module_, &exports);
  for (std::size_t i = 0; i < exports.size; ++i) {
    const wasm_name_t* name = wasm_exporttype_name(exports.data[i]);
    const wasm_memorytype_t* memory =
        wasm_externtype_as_memorytype_const(wasm_exporttype_type(exports.data[i]));
    if (memory != nullptr && std::string_view(name->data, name->size) == "memory")
      initial_memory_bytes_ = wasmtime_memorytype_minimum(memory) * 65536;
  }
  wasm_exporttype_vec_delete(&exports);
}

ChildModule::~ChildModule() {
  wasmtime_instance_pre_delete(pre_);
  wasmtime_module_delete(module_);
}

}  // namespace watchfilter::host

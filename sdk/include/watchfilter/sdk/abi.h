#pragma once
// The raw host ABI, version 1 (docs/abi.md). Children normally use controller.h instead.
// Compiles for wasm32-wasi (imports from module "watchfilter") and natively, where the shim in
// sdk/native/ provides the same functions in-process (docs/host.md, "Debugging a child
// natively").

#include <cstdint>

namespace watchfilter::sdk::abi {

inline constexpr std::int32_t kVersion = 1;

enum class Method : std::int32_t {
  kGet = 0,         // GET a single object or a collection (list)
  kCreate = 1,      // POST
  kUpdate = 2,      // PUT
  kMergePatch = 3,  // PATCH, application/merge-patch+json
  kJsonPatch = 4,   // PATCH, application/json-patch+json
  kDelete = 5,      // DELETE
};

enum class LogLevel : std::int32_t { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// Where kube_request puts the response body: allocated with the child's watchfilter_allocate,
// owned by the child afterwards (free() it).
// In wasm32 a pointer is the u32 offset the host writes, so the layout is {u32 ptr, u32 len};
// natively it is a real pointer.
struct Buffer {
  char* ptr;
  std::uint32_t len;
};
#if defined(__wasm__)
static_assert(sizeof(Buffer) == 8, "the host writes {u32 ptr, u32 len}");
#endif

}  // namespace watchfilter::sdk::abi

#if defined(__wasm__)
#define WATCHFILTER_IMPORT(name) __attribute__((import_module("watchfilter"), import_name(name)))
#define WATCHFILTER_EXPORT(name) __attribute__((export_name(name)))
#else
#define WATCHFILTER_IMPORT(name)
#define WATCHFILTER_EXPORT(name)
#endif

extern "C" {
// Imports.
WATCHFILTER_IMPORT("log")
void watchfilter_log(std::int32_t level, const char* msg, std::uint32_t len);
// Returns the HTTP status, or a negative number when the request could not be sent (-1 transport
// error, -2 path refused by the host). The body is written to *response.
WATCHFILTER_IMPORT("kube_request")
std::int32_t watchfilter_kube_request(std::int32_t method, const char* path, std::uint32_t path_len,
                                      const char* body, std::uint32_t body_len,
                                      watchfilter::sdk::abi::Buffer* response);

// Exports (defined by WATCHFILTER_CONTROLLER in controller.h).
WATCHFILTER_EXPORT("watchfilter_abi_version") std::int32_t watchfilter_abi_version();
WATCHFILTER_EXPORT("watchfilter_allocate") void* watchfilter_allocate(std::uint32_t size);
// The event is {"watch":<index>,"event":<the watch event line>}, in a buffer from
// watchfilter_allocate that the child owns. Returns 0 (done), > 0 (requeue after that many
// milliseconds) or < 0 (reconcile failed).
WATCHFILTER_EXPORT("watchfilter_reconcile")
std::int64_t watchfilter_reconcile(char* event, std::uint32_t len);
// Optional (WATCHFILTER_WATCHES in controller.h): the child's watches as a JSON array, packed as
// (ptr << 32) | len; called once on a throwaway instance when the children file lists none.
#if defined(__wasm__)
WATCHFILTER_EXPORT("watchfilter_watches") std::int64_t watchfilter_watches();
#else
// Natively a pointer does not fit in that packing: the same JSON, NUL-terminated.
const char* watchfilter_watches_json();
#endif
}

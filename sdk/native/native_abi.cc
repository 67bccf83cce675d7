// The ABI imports (docs/abi.md) for a child built natively: what wasmtime links to the module
// "watchfilter" in the host is a plain function here, served by the host's HostServices of the
// call in progress (host/in_process_backend.h). Same checks and limits as host/abi_imports.cc,
// so that a child behaves the same in both builds (the limits and the path check are the host's,
// host/host_services.h).
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "host/host_services.h"
#include "host/in_process_backend.h"
#include "watchfilter/sdk/abi.h"

namespace {

std::string copy(const char* data, std::uint32_t len) {
  return len == 0 || data == nullptr ? std::string() : std::string(data, len);
}

}  // namespace

extern "C" void watchfilter_log(std::int32_t level, const char* msg, std::uint32_t len) {
  using watchfilter::host::kMaxLogBytes;
  std::string text = copy(msg, len < kMaxLogBytes ? len : kMaxLogBytes);
  const auto* call = watchfilter::host::current_in_process_call();
  if (call == nullptr) {
    // A static constructor or another thread of the child: no call to attribute it to.
    std::fprintf(stderr, "[native child] %s\n", text.c_str());
    return;
  }
  call->services.child_log(call->child, level, text);
}

extern "C" std::int32_t watchfilter_kube_request(std::int32_t method, const char* path,
                                                 std::uint32_t path_len, const char* body,
                                                 std::uint32_t body_len,
                                                 watchfilter::sdk::abi::Buffer* response) {
  using namespace watchfilter::host;
  response->ptr = nullptr;
  response->len = 0;
  const auto* call = current_in_process_call();
  if (call == nullptr) {
    std::fprintf(stderr, "[native child] kube_request outside a reconcile: not sent\n");
    return -1;
  }
  // The wasm host traps the child on these; natively the child goes on, so say it loudly.
  if (!request_within_limits(path_len, body_len)) {
    call->services.child_log(call->child, 3,
                             "kube_request: request too large (the wasm host would trap)");
    return -2;
  }
  KubeRequest request;
  request.method = method;
  request.path = copy(path, path_len);
  request.body = copy(body, body_len);
  if (!allowed_request(request.method, request.path)) return -2;
  KubeResponse r = call->services.kube_request(call->child, request);
  if (!r.body.empty() && r.body.size() <= kMaxBodyBytes) {
    // Owned by the child afterwards (the SDK frees it), as with the wasm host.
    auto* p = static_cast<char*>(watchfilter_allocate(static_cast<std::uint32_t>(r.body.size())));
    if (p != nullptr) {
      std::memcpy(p, r.body.data(), r.body.size());
      response->ptr = p;
      response->len = static_cast<std::uint32_t>(r.body.size());
    }
  }
  return r.status;
}

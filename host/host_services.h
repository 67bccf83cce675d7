#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace watchfilter::host {

// A child's Kubernetes request (ABI import kube_request); method numbers as in docs/abi.md.
struct KubeRequest {
  int method = 0;
  std::string path;  // already checked to start with /api/ or /apis/
  std::string body;
};

struct KubeResponse {
  int status = -1;  // HTTP status, or -1 when the request could not be sent
  std::string body;
};

inline constexpr int kRequestMethodCount = 6;  // GET .. DELETE (docs/abi.md)

// Sizes the ABI imports accept (docs/abi.md), the same for the wasm host (host/abi_imports.cc)
// and the native shim (sdk/native/native_abi.cc). A longer log message is cut; a larger request
// is refused (the wasm host traps); a larger response reaches the child as its status without a
// body.
inline constexpr std::uint32_t kMaxPathBytes = 8u << 10;
inline constexpr std::uint32_t kMaxBodyBytes = 3u << 20;  // each way
inline constexpr std::uint32_t kMaxLogBytes = 16u << 10;

inline bool request_within_limits(std::uint32_t path_len, std::uint32_t body_len) {
  return path_len <= kMaxPathBytes && body_len <= kMaxBodyBytes;
}

// What a child may ask for (docs/abi.md, kube_request): a known method and an API path relative
// to the host's server -- no scheme, no host, no traversal -- so that a child cannot send the
// host's credentials elsewhere. Anything else is refused (-2) before it reaches HostServices.
inline bool allowed_request(int method, std::string_view path) {
  return method >= 0 && method < kRequestMethodCount &&
         (path.rfind("/api/", 0) == 0 || path.rfind("/apis/", 0) == 0) &&
         path.find("/../") == std::string_view::npos &&
         path.find_first_of(" \r\n#") == std::string_view::npos;
}

// What children reach through the ABI imports. Implemented by the host (the upstream client and
// its logger) and by tests (fakes). Called on the thread that called into the child.
class HostServices {
 public:
  virtual ~HostServices() = default;
  virtual KubeResponse kube_request(const std::string& child, const KubeRequest& request) = 0;
  virtual void child_log(const std::string& child, int level, std::string_view message) = 0;
};

}  // namespace watchfilter::host

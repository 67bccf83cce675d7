#pragma once

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

// What children reach through the ABI imports. Implemented by the host (the upstream client and
// its logger) and by tests (fakes). Called on the thread that called into the child.
class HostServices {
 public:
  virtual ~HostServices() = default;
  virtual KubeResponse kube_request(const std::string& child, const KubeRequest& request) = 0;
  virtual void child_log(const std::string& child, int level, std::string_view message) = 0;
};

}  // namespace watchfilter::host

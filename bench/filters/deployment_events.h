#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace watchfilter::filters::bench {

// A reproducible stream of ~2 KiB Deployment-like watch events over `objects` Deployments: most
// events only bump status (readyReplicas wobbling, latency with noise and rare spikes), some
// change spec, so that changed/delta/outlier all do real work. Each string carries
// EventParser::kPadding zero bytes after `sizes[i]` bytes of JSON.
struct DeploymentEvents {
  std::vector<std::string> padded;
  std::vector<std::size_t> sizes;
  std::size_t average_bytes() const;
};

DeploymentEvents make_deployment_events(std::size_t count, std::size_t objects, unsigned seed = 42);

}  // namespace watchfilter::filters::bench

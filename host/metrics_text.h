#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "host/child_metrics.h"
#include "host/host_config.h"

namespace watchfilter::host {

// The host's /metrics in the Prometheus text format 0.0.4 (docs/host.md, "Metrics"):
// `children[i]` are the metrics of `config.children[i]`; `queued` the events waiting for the
// worker; `rss_bytes` the process's resident memory.
std::string render_host_metrics(const HostConfig& config, const std::vector<ChildMetrics>& children,
                                std::size_t queued, std::uint64_t rss_bytes);

}  // namespace watchfilter::host

#pragma once

#include <string>
#include <string_view>

namespace watchfilter::proxy {

// The pieces of the Prometheus text exposition format 0.0.4 that the proxy's /metrics and the
// host's share.

// Prometheus label value escaping: backslash, double quote and newline.
std::string escape_label_value(std::string_view v);
// The "# HELP" and "# TYPE" lines of one metric family (Prometheus text format 0.0.4).
void append_metric_header(std::string& out, std::string_view name, std::string_view type,
                          std::string_view help);

}  // namespace watchfilter::proxy

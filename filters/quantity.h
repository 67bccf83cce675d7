#pragma once

#include <optional>
#include <string_view>

namespace watchfilter::filters {

// Parses a Kubernetes resource quantity ("500m", "1.5Gi", "2e3", "128974848") into a number in
// base units. Follows k8s.io/apimachinery/pkg/api/resource: an optionally signed decimal number
// followed by a binary suffix (Ki..Ei), a decimal SI suffix (n u m "" k M G T P E) or a decimal
// exponent (e3/E-2). Returns nullopt for anything else. Precision is that of a double, which is
// exact for every quantity a filter threshold realistically compares against.
std::optional<double> parse_quantity(std::string_view text) noexcept;

}  // namespace watchfilter::filters

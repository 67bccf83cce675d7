#pragma once

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string_view>

namespace watchfilter::proxy {

// One flag's value, read the way every flag of the proxy and the host reads it. Used only while
// loading configuration: errors are exceptions.

// A flag error; what() is one line naming the flag and what is wrong.
class FlagError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An integer in [min, max]; throws FlagError naming `flag`.
long long parse_int(std::string_view flag, std::string_view value, long long min, long long max);

// Go-style duration ("500ms", "10s", "5m", "1h30m"); throws FlagError naming `flag`.
std::chrono::milliseconds parse_duration(std::string_view flag, std::string_view value);
// Byte quantity: an integer with an optional Kubernetes suffix (Ki Mi Gi, k M G); throws.
std::uint64_t parse_bytes(std::string_view flag, std::string_view value);

}  // namespace watchfilter::proxy

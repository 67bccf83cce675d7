#pragma once

#include <cstdint>
#include <string_view>

namespace watchfilter::filters {

// 64-bit non-cryptographic hash (wyhash-style 128-bit multiply mixing). `changed()` compares
// these fingerprints of raw JSON instead of keeping objects, so the only requirements are speed
// and a collision rate far below the rate of real changes; the value is stable across runs and
// builds on the same byte order, but it is not a persisted format.
std::uint64_t hash64(std::string_view bytes, std::uint64_t seed = 0) noexcept;

}  // namespace watchfilter::filters

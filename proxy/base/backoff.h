#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

namespace watchfilter::proxy {

// Exponential backoff with jitter for upstream retries: the n-th consecutive failure waits a
// random time in [d/2, d] with d = min(max, initial * 2^n), so that informers that lost
// kube-apiserver together do not come back in lockstep.
class Backoff {
 public:
  using duration = std::chrono::steady_clock::duration;
  Backoff(duration initial, duration max, std::uint64_t seed = std::random_device{}())
      : initial_(initial), max_(max), rng_(seed) {}

  duration next() {
    duration d = initial_;
    for (unsigned i = 0; i < attempts_ && d < max_; ++i) d *= 2;
    d = std::min(d, max_);
    ++attempts_;
    std::uniform_int_distribution<std::int64_t> jitter(0, d.count() / 2);
    return duration(d.count() - d.count() / 2 + jitter(rng_));
  }
  void reset() { attempts_ = 0; }
  unsigned attempts() const { return attempts_; }

 private:
  duration initial_;
  duration max_;
  unsigned attempts_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace watchfilter::proxy

#pragma once

#include <array>
#include <atomic>
#include <boost/beast/http/status.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace watchfilter::proxy {

// The Kubernetes Status reasons the proxy itself produces (metav1.StatusReason); each maps to
// exactly one HTTP code, so a reply cannot pair a reason with the wrong code.
enum class StatusReason : std::uint8_t {
  kBadRequest,             // 400
  kUnauthorized,           // 401
  kForbidden,              // 403
  kNotFound,               // 404
  kMethodNotAllowed,       // 405
  kRequestEntityTooLarge,  // 413
  kInternalError,          // 500
  kServiceUnavailable,     // 503
  kTimeout,                // 504
  // The API's own resources (wakeups); appended so that earlier values keep their index.
  kAlreadyExists,         // 409
  kUnsupportedMediaType,  // 415
  kInvalid,               // 422
  kTooManyRequests,       // 429
};
inline constexpr std::size_t kStatusReasonCount = 13;

std::string_view reason_name(StatusReason reason);
boost::beast::http::status reason_code(StatusReason reason);

// Counts of proxy-generated error replies per reason, for /metrics later. Lock-free.
class StatusCounters {
 public:
  void increment(StatusReason reason) {
    counts_[static_cast<std::size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
  }
  std::uint64_t count(StatusReason reason) const {
    return counts_[static_cast<std::size_t>(reason)].load(std::memory_order_relaxed);
  }

 private:
  std::array<std::atomic<std::uint64_t>, kStatusReasonCount> counts_{};
};

// metav1.StatusCause: one field error of a 422 Invalid (reason "FieldValueRequired", message
// "Required value", field "spec.watcher"), which clients show per field.
struct StatusCause {
  std::string reason;
  std::string message;
  std::string field;
};

// metav1.StatusDetails (the fields the proxy sets; empty ones are left out, as upstream does).
struct StatusDetails {
  std::string name;
  std::string group;
  std::string kind;
  std::vector<StatusCause> causes = {};  // default: aggregate initializers may leave it out
  // details.retryAfterSeconds and the Retry-After header (0: none), for a 429 that a later retry
  // can pass (client-go waits that long before it retries).
  int retry_after_seconds = 0;
};

// `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":...,
//   "reason":...,"details":{...},"code":...}` with the message JSON-escaped; details only when
// given.
std::string status_json(StatusReason reason, std::string_view message,
                        const StatusDetails* details = nullptr);

}  // namespace watchfilter::proxy

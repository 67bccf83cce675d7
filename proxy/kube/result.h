#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "proxy/kube/status.h"

namespace watchfilter::proxy {

// Why a request, a body or an object is refused, as the Status its caller gets: every parser and
// check of the proxy answers in these terms, so that a refusal reaches the client with the reason
// and code kube-apiserver would give, whichever layer found it.
struct StatusError {
  StatusReason reason = StatusReason::kBadRequest;
  std::string message;
  std::optional<StatusDetails> details = std::nullopt;
  // The flag of the limit this refusal enforces ("" when none), for
  // watchfilter_limit_refusals_total{limit}; counting is the caller's, which holds the metrics.
  std::string_view limit = {};

  const StatusDetails* details_or_null() const { return details ? &*details : nullptr; }
};

inline StatusError bad_request(std::string message) {
  return StatusError{StatusReason::kBadRequest, std::move(message)};
}

// A value or the StatusError that explains its absence: what every parser returns. Explicit about
// which side it holds, so that a caller cannot read a value that is not there unnoticed (value()
// and error() assert through std::get).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(StatusError error) : v_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const StatusError& error() const { return std::get<1>(v_); }
  // The error's message ("" when ok): what most tests and logs want.
  std::string_view message() const { return ok() ? std::string_view{} : error().message; }

 private:
  std::variant<T, StatusError> v_;
};

}  // namespace watchfilter::proxy

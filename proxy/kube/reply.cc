#include "proxy/kube/reply.h"

#include <boost/beast/http/field.hpp>

namespace watchfilter::proxy {

namespace http = boost::beast::http;
using Response = Reply::Response;

namespace {

// A JSON answer of the proxy's own (Content-Type application/json, Cache-Control no-cache,
// private, as kube-apiserver's): objects it serves and upstream bodies it relays.
Response json_response(http::status status, std::string body, unsigned http_version,
                       bool keep_alive) {
  Response res{status, http_version};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-cache, private");
  res.body() = std::move(body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

}  // namespace

Response Reply::error(const StatusError& error) const {
  return status(error.reason, error.message, error.details_or_null());
}

// Every proxy-made Status is counted here; with details->retry_after_seconds, a Retry-After
// header goes with it. Upstream's errors are relayed as upstream sent them (json()).
Response Reply::status(StatusReason reason, std::string_view message,
                       const StatusDetails* details) const {
  counters_->increment(reason);
  auto res = json_response(reason_code(reason), status_json(reason, message, details), version_,
                           keep_alive_);
  if (details != nullptr && details->retry_after_seconds > 0) {
    res.set(http::field::retry_after, std::to_string(details->retry_after_seconds));
  }
  return res;
}

Response Reply::bad_request(std::string_view message) const {
  return status(StatusReason::kBadRequest, message);
}

Response Reply::not_found(std::string_view message, const StatusDetails* details) const {
  return status(StatusReason::kNotFound, message, details);
}

Response Reply::forbidden(std::string_view message, const StatusDetails& details) const {
  return status(StatusReason::kForbidden, message, &details);
}

Response Reply::unavailable(std::string_view message) const {
  return status(StatusReason::kServiceUnavailable, message);
}

Response Reply::shutting_down() const { return unavailable("watchfilter-proxy is shutting down"); }

Response Reply::too_many_requests(std::string_view message, int retry_after_seconds) const {
  StatusDetails details;
  details.retry_after_seconds = retry_after_seconds;
  return status(StatusReason::kTooManyRequests, message, &details);
}

Response Reply::too_large(std::string_view message) const {
  return status(StatusReason::kRequestEntityTooLarge, message);
}

Response Reply::json(boost::beast::http::status code, std::string body) const {
  return json_response(code, std::move(body), version_, keep_alive_);
}

}  // namespace watchfilter::proxy

#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <string>
#include <string_view>

#include "proxy/kube/result.h"
#include "proxy/kube/status.h"

namespace watchfilter::proxy {

// The replies the proxy itself makes to one request, bound to that request's HTTP version and
// keep-alive and to the counters every proxy-made Status goes through: a call site says what it
// answers (`reply.not_found(...)`), never how a Status is framed. Cheap to copy into the
// continuations of an asynchronous request; `counters` must outlive it.
class Reply {
 public:
  using Response = boost::beast::http::response<boost::beast::http::string_body>;

  Reply(unsigned http_version, bool keep_alive, StatusCounters& counters)
      : version_(http_version), keep_alive_(keep_alive), counters_(&counters) {}

  // The same request's replies on a connection that closes after them (refusals whose body
  // was not read, shutdown).
  Reply closing() const { return Reply(version_, false, *counters_); }

  Response error(const StatusError& error) const;
  Response status(StatusReason reason, std::string_view message,
                  const StatusDetails* details = nullptr) const;
  Response bad_request(std::string_view message) const;
  Response not_found(std::string_view message, const StatusDetails* details = nullptr) const;
  Response forbidden(std::string_view message, const StatusDetails& details) const;
  Response unavailable(std::string_view message) const;
  // 503 "watchfilter-proxy is shutting down": what any request gets once shutdown has begun.
  Response shutting_down() const;
  // 429 with Retry-After (details.retryAfterSeconds too, which client-go honours).
  Response too_many_requests(std::string_view message, int retry_after_seconds) const;
  Response too_large(std::string_view message) const;
  // A JSON body the proxy serves or relays (objects, lists, upstream's own Status).
  Response json(boost::beast::http::status status, std::string body) const;

  unsigned version() const { return version_; }
  bool keep_alive() const { return keep_alive_; }

 private:
  unsigned version_;
  bool keep_alive_;
  StatusCounters* counters_;  // not owned
};

}  // namespace watchfilter::proxy

#pragma once

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <string>
#include <string_view>

#include "proxy/kube/client_request.h"
#include "proxy/upstream/kubeconfig.h"

namespace watchfilter::proxy {

namespace http = boost::beast::http;

// A string body so that the proxy's own POSTs (TokenReview, SubjectAccessReview) and the writes
// forwarded under a view use the same exchange.
using UpstreamRequest = http::request<http::string_body>;

// The request sent to kube-apiserver for a client request (or, with an empty client request, for
// the proxy's own reads). Copies only Accept and User-Agent from the client, and a body with its
// Content-Type (a write forwarded under a view, docs/views.md): never its
// Authorization, impersonation or X-Remote-* headers, and never Accept-Encoding, so upstream
// answers in identity encoding and the bytes relayed are the JSON the filter engine will read
// later. `token`, when not empty, is the one credential the request carries: the caller's own
// bearer token for a forwarded request, the proxy's for its own reads (whose client certificate,
// if any, is presented in the TLS handshake instead; see UpstreamIdentity).
UpstreamRequest build_upstream_request(const ClientRequest& client, const std::string& target,
                                       const UpstreamConfig& upstream, const std::string& token);

// Copies the upstream response's status and end-to-end headers to the client response:
// everything except hop-by-hop headers (RFC 9110 7.6.1: Connection, Keep-Alive,
// Transfer-Encoding, TE, Trailer, Upgrade, Proxy-*, and any listed in Connection) and
// Content-Length, which the relay sets itself.
void copy_response_header(const http::fields& upstream, http::fields& downstream);

}  // namespace watchfilter::proxy

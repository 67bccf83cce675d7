#pragma once

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <string>
#include <string_view>

#include "proxy/handler_chain.h"
#include "proxy/kubeconfig.h"

namespace watchfilter::proxy {

// A string body so that the proxy's own POSTs (TokenReview, SubjectAccessReview) use the same
// exchange; forwarded requests (GET/HEAD) leave it empty.
using UpstreamRequest = http::request<http::string_body>;

// The request sent to kube-apiserver for a client request. Forwards only Accept and User-Agent
// from the client: never its Authorization or impersonation headers (the proxy authenticates
// with its own identity), and never Accept-Encoding, so upstream answers in identity encoding and
// the bytes relayed are the JSON the filter engine will read later. Adds the bearer token when
// there is one (client certificates are presented in the TLS handshake instead).
UpstreamRequest build_upstream_request(const ClientRequest& client, const std::string& target,
                                       const UpstreamConfig& upstream, const std::string& token);

// Copies the upstream response's status and end-to-end headers to the client response:
// everything except hop-by-hop headers (RFC 9110 7.6.1: Connection, Keep-Alive,
// Transfer-Encoding, TE, Trailer, Upgrade, Proxy-*, and any listed in Connection) and
// Content-Length, which the relay sets itself.
void copy_response_header(const http::fields& upstream, http::fields& downstream);

}  // namespace watchfilter::proxy

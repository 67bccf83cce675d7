#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace watchfilter::proxy {

namespace http = boost::beast::http;

// A request as a client sent it to the proxy, header and body, read within the limits of
// --max-request-header-bytes and --max-request-body-bytes. The handler chain reads it; a
// forwarded one is rebuilt for upstream from it (upstream/forwarding.h), never sent as it is.
using ClientRequest = http::request<http::string_body>;

}  // namespace watchfilter::proxy

#pragma once

#include <boost/beast/http/fields.hpp>
#include <optional>
#include <string>

#include "proxy/auth/authentication_config.h"
#include "proxy/auth/peer_certificate.h"
#include "proxy/kube/user_info.h"

namespace watchfilter::proxy {

// The two authenticators that need no network call, as k8s.io/apiserver builds them from
// extension-apiserver-authentication. Both return nullopt when they have no opinion; `why`
// (optional) gets the reason a presented certificate was not accepted, for logs.

// Front-proxy (requestheader): the client certificate chains to the requestheader CA (client
// auth usage), its CN is one of the allowed names (any when the list is empty), and a username
// header is set. The user is then taken from the headers: the first non-empty username header,
// the first non-empty uid header, every value of every group header (one group per header line,
// no comma splitting), and `<prefix><key>` extra headers, the key lower-cased then
// percent-unescaped (`X-Remote-Extra-Example.com%2fteam` -> `example.com/team`).
std::optional<AuthenticatedUser> authenticate_request_header(
    const AuthenticationConfig& config, const PeerCertificate& peer,
    const boost::beast::http::fields& headers, std::string* why = nullptr);

// Client certificates signed by the cluster's client CA: user = CN, groups = O, as
// kube-apiserver's x509 authenticator.
std::optional<AuthenticatedUser> authenticate_client_certificate(const AuthenticationConfig& config,
                                                                 const PeerCertificate& peer,
                                                                 std::string* why = nullptr);

// `%XX` escapes decoded as Go's url.PathUnescape; an invalid escape leaves the key unchanged
// (k8s.io/apiserver's unescapeExtraKey).
std::string unescape_extra_key(std::string_view key);

// True when `name` is one of the credential headers the request-header authenticator reads
// (username, uid, group, extra prefixes): stripped before anything is forwarded.
bool is_request_header_credential(const AuthenticationConfig& config, std::string_view name);

}  // namespace watchfilter::proxy

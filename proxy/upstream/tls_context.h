#pragma once

#include <openssl/ssl.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>
#include <string>
#include <vector>

#include "proxy/upstream/kubeconfig.h"

namespace watchfilter::proxy {

struct CertificateAndKey {
  std::string cert_pem;  // leaf first, then intermediates
  std::string key_pem;
};

// A self-signed serving certificate (EC P-256, one year) for the given names and IPs, generated
// in memory, as Kubernetes extension servers do when no --tls-cert-file is given.
// Throws ConfigError when OpenSSL fails.
CertificateAndKey generate_self_signed_certificate(
    const std::vector<std::string>& dns_names, const std::vector<boost::asio::ip::address>& ips);

// Reads --tls-cert-file/--tls-private-key-file. Throws ConfigError naming the unreadable file.
CertificateAndKey load_certificate_files(const std::string& cert_file, const std::string& key_file);

// TLS 1.2+ server context with that certificate; it requests (does not require or verify) a
// client certificate, which the session captures for the authenticators. Throws ConfigError
// (e.g. key does not match).
boost::asio::ssl::context make_server_tls_context(const CertificateAndKey& cert);

// Client context for kube-apiserver: trust store (CA or system), client certificate, ALPN
// http/1.1. Per-connection name checks are set by configure_upstream_verification.
// Throws ConfigError.
boost::asio::ssl::context make_upstream_tls_context(const UpstreamConfig& config);

// Sets SNI (for DNS names only: SNI must not carry an IP) and the name the peer certificate must
// match: X509_VERIFY_PARAM host for DNS names, IP for IP literals. No-op checks when
// insecure-skip-tls-verify is set.
boost::system::error_code configure_upstream_verification(SSL* ssl, const UpstreamConfig& config);

// Human-readable reason of a failed peer verification on `ssl`, or empty.
std::string verify_failure_reason(SSL* ssl);

}  // namespace watchfilter::proxy

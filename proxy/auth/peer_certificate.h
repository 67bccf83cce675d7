#pragma once

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace watchfilter::proxy {

// The certificate chain a client presented in the TLS handshake (leaf first), captured once per
// connection. The handshake accepts any certificate (the server requests one but does not
// require or verify it, because the CAs to check against come from a ConfigMap that changes);
// authenticators verify it against their CA per request. Empty when the client sent none.
class PeerCertificate {
 public:
  PeerCertificate() = default;
  // Reads the peer chain of a completed handshake on `ssl`.
  static PeerCertificate from_ssl(SSL* ssl);
  // From PEM (leaf first), for tests. Empty on a parse error.
  static PeerCertificate from_pem(std::string_view pem);

  bool empty() const { return !leaf_; }
  X509* leaf() const { return leaf_.get(); }
  // Intermediates the client sent after the leaf.
  STACK_OF(X509) * intermediates() const { return chain_.get(); }

  // The subject's last CN, as Go's x509 (and so kube-apiserver) reads it.
  std::string common_name() const;
  // Subject O values, in order (the groups of a Kubernetes client certificate).
  std::vector<std::string> organizations() const;

 private:
  struct X509Free {
    void operator()(X509* x) const { X509_free(x); }
  };
  struct StackFree {
    void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
  };
  std::shared_ptr<X509> leaf_;
  std::shared_ptr<STACK_OF(X509)> chain_;
};

// A set of trusted CA certificates (one PEM bundle), immutable once built; verification is
// thread-safe.
class CaBundle {
 public:
  // Throws ConfigError when the PEM holds no certificate.
  static std::shared_ptr<const CaBundle> from_pem(std::string_view pem);

  // True when `peer` chains to one of the CAs and may be used for client authentication
  // (extended key usage clientAuth, or none). `why` gets OpenSSL's reason otherwise.
  bool verify_client(const PeerCertificate& peer, std::string* why = nullptr) const;

 private:
  struct StoreFree {
    void operator()(X509_STORE* s) const { X509_STORE_free(s); }
  };
  std::unique_ptr<X509_STORE, StoreFree> store_;
};

}  // namespace watchfilter::proxy

#include "proxy/auth/peer_certificate.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "proxy/base/config_error.h"

namespace watchfilter::proxy {
namespace {

// The values of one subject attribute, in certificate order; returns the last one, which is what
// Go's pkix.Name keeps for a single-valued field such as CommonName (FillFromRDNSequence
// overwrites it for each occurrence), and so what kube-apiserver takes as the user name.
std::string name_entries(X509* cert, int nid, std::vector<std::string>* all) {
  X509_NAME* subject = X509_get_subject_name(cert);
  std::string last;
  for (int i = X509_NAME_get_index_by_NID(subject, nid, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(subject, nid, i)) {
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i));
    unsigned char* utf8 = nullptr;
    const int n = ASN1_STRING_to_UTF8(&utf8, data);
    if (n < 0) {  // Go refuses such a certificate; an empty name is refused here
      last.clear();
      continue;
    }
    std::string value(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(n));
    OPENSSL_free(utf8);
    if (all) all->push_back(value);
    last = std::move(value);
  }
  return last;
}

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};

}  // namespace

PeerCertificate PeerCertificate::from_ssl(SSL* ssl) {
  PeerCertificate p;
  X509* leaf = SSL_get1_peer_certificate(ssl);
  if (leaf == nullptr) return p;
  p.leaf_.reset(leaf, X509Free{});
  // On the server side the stack excludes the leaf.
  if (STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl)) {
    STACK_OF(X509)* copy = sk_X509_new_null();
    for (int i = 0; i < sk_X509_num(chain); ++i) {
      X509* c = sk_X509_value(chain, i);
      X509_up_ref(c);
      sk_X509_push(copy, c);
    }
    p.chain_.reset(copy, StackFree{});
  }
  return p;
}

PeerCertificate PeerCertificate::from_pem(std::string_view pem) {
  PeerCertificate p;
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509* leaf = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
  if (leaf == nullptr) return p;
  p.leaf_.reset(leaf, X509Free{});
  STACK_OF(X509)* chain = sk_X509_new_null();
  while (X509* c = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) sk_X509_push(chain, c);
  ERR_clear_error();
  p.chain_.reset(chain, StackFree{});
  return p;
}

std::string PeerCertificate::common_name() const {
  return leaf_ ? name_entries(leaf_.get(), NID_commonName, nullptr) : std::string();
}

std::vector<std::string> PeerCertificate::organizations() const {
  std::vector<std::string> out;
  if (leaf_) name_entries(leaf_.get(), NID_organizationName, &out);
  return out;
}

std::shared_ptr<const CaBundle> CaBundle::from_pem(std::string_view pem) {
  auto bundle = std::make_shared<CaBundle>();
  bundle->store_.reset(X509_STORE_new());
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  int added = 0;
  while (X509* c = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    X509_STORE_add_cert(bundle->store_.get(), c);
    X509_free(c);
    ++added;
  }
  ERR_clear_error();
  if (added == 0) throw ConfigError("CA bundle holds no PEM certificate");
  return bundle;
}

bool CaBundle::verify_client(const PeerCertificate& peer, std::string* why) const {
  if (peer.empty()) {
    if (why) *why = "no client certificate";
    return false;
  }
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  if (ctx == nullptr) return false;
  bool ok = false;
  if (X509_STORE_CTX_init(ctx, store_.get(), peer.leaf(), peer.intermediates()) == 1) {
    // As Go's x509 verification with ExtKeyUsageClientAuth, which kube-apiserver uses.
    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT);
    ok = X509_verify_cert(ctx) == 1;
    if (!ok && why) *why = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
  }
  X509_STORE_CTX_free(ctx);
  ERR_clear_error();
  return ok;
}

}  // namespace watchfilter::proxy

#include "proxy/upstream/tls_context.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <fstream>
#include <memory>
#include <sstream>

#include "proxy/base/config_error.h"

namespace watchfilter::proxy {
namespace {

namespace ssl = boost::asio::ssl;

template <auto Fn>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Fn(p);
  }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;

std::string openssl_error() {
  unsigned long code = ERR_get_error();
  if (code == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

void check(bool ok, const char* what) {
  if (!ok)
    throw ConfigError(std::string("self-signed certificate: ") + what + ": " + openssl_error());
}

std::string bio_to_string(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(len));
}

void add_extension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  check(ext != nullptr, "build extension");
  check(X509_add_ext(cert, ext.get(), -1) == 1, "add extension");
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

bool is_ip_literal(const std::string& name) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(name, ec);
  return !ec;
}

}  // namespace

CertificateAndKey generate_self_signed_certificate(
    const std::vector<std::string>& dns_names, const std::vector<boost::asio::ip::address>& ips) {
  PkeyPtr key(EVP_EC_gen("P-256"));
  check(key != nullptr, "generate key");
  X509Ptr cert(X509_new());
  check(cert != nullptr, "allocate certificate");
  check(X509_set_version(cert.get(), 2) == 1, "set version");
  unsigned char serial_bytes[16];
  check(RAND_bytes(serial_bytes, sizeof serial_bytes) == 1, "random serial");
  serial_bytes[0] &= 0x7F;  // keep the serial positive
  std::unique_ptr<BIGNUM, Deleter<BN_free>> serial(
      BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr));
  check(serial && BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) != nullptr,
        "set serial");
  // Back-date by an hour to tolerate clock skew between proxy and client.
  check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr, "set notBefore");
  check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365L * 24 * 3600) != nullptr,
        "set notAfter");
  check(X509_set_pubkey(cert.get(), key.get()) == 1, "set public key");
  // Same naming as k8s.io/client-go/util/cert: "<host>@<unix time>".
  const std::string cn = (dns_names.empty() ? std::string("localhost") : dns_names.front()) + "@" +
                         std::to_string(std::time(nullptr));
  X509_NAME* name = X509_get_subject_name(cert.get());
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                   0) == 1,
        "set subject");
  check(X509_set_issuer_name(cert.get(), name) == 1, "set issuer");
  std::string san;
  for (const auto& dns : dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + dns;
  for (const auto& ip : ips) san += (san.empty() ? "IP:" : ",IP:") + ip.to_string();
  if (!san.empty()) add_extension(cert.get(), NID_subject_alt_name, san);
  // CA:TRUE with keyCertSign lets clients trust this certificate directly as their root
  // (e.g. a kubeconfig certificate-authority pointing at it), like client-go's self-signed pair.
  add_extension(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_extension(cert.get(), NID_key_usage, "critical,digitalSignature,keyEncipherment,keyCertSign");
  add_extension(cert.get(), NID_ext_key_usage, "serverAuth");
  check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "sign");

  BioPtr cert_bio(BIO_new(BIO_s_mem()));
  BioPtr key_bio(BIO_new(BIO_s_mem()));
  check(cert_bio && key_bio, "allocate BIO");
  check(PEM_write_bio_X509(cert_bio.get(), cert.get()) == 1, "encode certificate");
  check(PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) ==
            1,
        "encode key");
  return {bio_to_string(cert_bio.get()), bio_to_string(key_bio.get())};
}

CertificateAndKey load_certificate_files(const std::string& cert_file,
                                         const std::string& key_file) {
  if (cert_file.empty() != key_file.empty()) {
    throw ConfigError("--tls-cert-file and --tls-private-key-file must be given together");
  }
  auto cert = read_file(cert_file);
  if (!cert) throw ConfigError("--tls-cert-file: cannot read " + cert_file);
  auto key = read_file(key_file);
  if (!key) throw ConfigError("--tls-private-key-file: cannot read " + key_file);
  return {*cert, *key};
}

ssl::context make_server_tls_context(const CertificateAndKey& cert) {
  ssl::context ctx(ssl::context::tls_server);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_compression);
  // A watch stream is idle between events: OpenSSL then frees its ~34 KiB of record buffers
  // (read and write) instead of holding them for every open stream (issue 14).
  SSL_CTX_set_mode(ctx.native_handle(), SSL_MODE_RELEASE_BUFFERS);
  boost::system::error_code ec;
  ctx.use_certificate_chain(boost::asio::buffer(cert.cert_pem), ec);
  if (ec) throw ConfigError("serving certificate: not a valid PEM certificate: " + ec.message());
  ctx.use_private_key(boost::asio::buffer(cert.key_pem), ssl::context::pem, ec);
  if (ec) throw ConfigError("serving key: not a valid PEM private key: " + ec.message());
  if (SSL_CTX_check_private_key(ctx.native_handle()) != 1) {
    throw ConfigError("serving key does not match the serving certificate");
  }
  // Request, but neither require nor verify, a client certificate: the aggregator's front-proxy
  // certificate and client-CA certificates are checked per request against the CAs of
  // kube-system/extension-apiserver-authentication, which can change while connections live.
  SSL_CTX_set_verify(ctx.native_handle(), SSL_VERIFY_PEER,
                     [](int, X509_STORE_CTX*) -> int { return 1; });
  static constexpr unsigned char kSessionContext[] = "watchfilter-proxy";
  SSL_CTX_set_session_id_context(ctx.native_handle(), kSessionContext, sizeof(kSessionContext) - 1);
  return ctx;
}

ssl::context make_upstream_tls_context(const UpstreamConfig& config) {
  ssl::context ctx(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_compression);
  boost::system::error_code ec;
  if (!config.ca_pem.empty()) {
    // Like client-go: a configured CA replaces the system roots.
    ctx.add_certificate_authority(boost::asio::buffer(config.ca_pem), ec);
    if (ec) throw ConfigError(config.description + ": certificate authority is not valid PEM");
  } else {
    ctx.set_default_verify_paths(ec);
    if (ec) throw ConfigError("cannot load the system trust store: " + ec.message());
  }
  if (!config.client_cert_pem.empty()) {
    ctx.use_certificate_chain(boost::asio::buffer(config.client_cert_pem), ec);
    if (ec) throw ConfigError(config.description + ": client certificate is not valid PEM");
    ctx.use_private_key(boost::asio::buffer(config.client_key_pem), ssl::context::pem, ec);
    if (ec) throw ConfigError(config.description + ": client key is not valid PEM");
    if (SSL_CTX_check_private_key(ctx.native_handle()) != 1) {
      throw ConfigError(config.description + ": client key does not match client certificate");
    }
  }
  // kube-apiserver prefers h2 when offered; the relay speaks HTTP/1.1 only.
  static constexpr unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_CTX_set_alpn_protos(ctx.native_handle(), kAlpn, sizeof kAlpn);
  ctx.set_verify_mode(config.insecure_skip_tls_verify ? ssl::verify_none : ssl::verify_peer);
  return ctx;
}

boost::system::error_code configure_upstream_verification(SSL* ssl, const UpstreamConfig& config) {
  const bool ip = is_ip_literal(config.server_name);
  if (!ip && SSL_set_tlsext_host_name(ssl, config.server_name.c_str()) != 1) {
    return {static_cast<int>(ERR_get_error()), boost::asio::error::get_ssl_category()};
  }
  if (config.insecure_skip_tls_verify) return {};
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  int ok = 0;
  if (ip) {
    ok = X509_VERIFY_PARAM_set1_ip_asc(param, config.server_name.c_str());
  } else {
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    ok = X509_VERIFY_PARAM_set1_host(param, config.server_name.c_str(), 0);
  }
  if (ok != 1) return {static_cast<int>(ERR_get_error()), boost::asio::error::get_ssl_category()};
  SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
  return {};
}

std::string verify_failure_reason(SSL* ssl) {
  long result = SSL_get_verify_result(ssl);
  if (result == X509_V_OK) return {};
  return X509_verify_cert_error_string(result);
}

}  // namespace watchfilter::proxy

#include "proxy/upstream/tls_context.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <memory>

#include "proxy/base/config_error.h"
#include "test/proxy/support/test_certs.h"

namespace watchfilter::proxy {
namespace {

TEST(TlsContextTest, SelfSignedCertificateHasNamesAndMatchesKey) {
  const auto& cert = testing::loopback_certificate();
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(cert.cert_pem.data(), static_cast<int>(cert.cert_pem.size())), &BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> x509(
      PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), &X509_free);
  ASSERT_TRUE(x509);
  EXPECT_EQ(X509_check_host(x509.get(), "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(x509.get(), "127.0.0.1", 0), 1);
  EXPECT_NE(X509_check_host(x509.get(), "example.com", 0, 0, nullptr), 1);
  EXPECT_NO_THROW(make_server_tls_context(cert));
}

TEST(TlsContextTest, MismatchedKeyIsAStartupError) {
  auto a = generate_self_signed_certificate({"a"}, {});
  auto b = generate_self_signed_certificate({"b"}, {});
  EXPECT_THROW(make_server_tls_context({a.cert_pem, b.key_pem}), ConfigError);
  EXPECT_THROW(make_server_tls_context({"not pem", a.key_pem}), ConfigError);
}

TEST(TlsContextTest, UnreadableCertFilesNameTheFile) {
  try {
    load_certificate_files("/nonexistent/tls.crt", "/nonexistent/tls.key");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/tls.crt"), std::string::npos);
  }
  EXPECT_THROW(load_certificate_files("/x", ""), ConfigError);
}

TEST(TlsContextTest, UpstreamContextRejectsBadCa) {
  UpstreamConfig c;
  c.host = c.server_name = "127.0.0.1";
  c.ca_pem = "garbage";
  EXPECT_THROW(make_upstream_tls_context(c), ConfigError);
  c.ca_pem = testing::loopback_certificate().cert_pem;
  EXPECT_NO_THROW(make_upstream_tls_context(c));
}

}  // namespace
}  // namespace watchfilter::proxy

#include "proxy/auth/certificate_authenticator.h"

#include <gtest/gtest.h>

#include <boost/beast/http/fields.hpp>

#include "proxy/auth/authentication_config.h"
#include "proxy/base/config_error.h"
#include "test/proxy/support/test_pki.h"

namespace watchfilter::proxy {
namespace {

namespace http = boost::beast::http;
using testing::make_client_cert;
using testing::make_client_cert_cns;
using testing::make_test_ca;

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out + "\"";
}

// A ConfigMap as kube-apiserver publishes it.
std::string configmap(const std::string& client_ca, const std::string& rh_ca,
                      const std::string& allowed = R"(["front-proxy-client"])") {
  return R"({"kind":"ConfigMap","metadata":{"name":"extension-apiserver-authentication","resourceVersion":"42"},"data":{)"
         R"("client-ca-file":)" +
         json_string(client_ca) + R"(,"requestheader-client-ca-file":)" + json_string(rh_ca) +
         R"(,"requestheader-allowed-names":)" + json_string(allowed) +
         R"(,"requestheader-username-headers":"[\"X-Remote-User\"]")"
         R"(,"requestheader-group-headers":"[\"X-Remote-Group\"]")"
         R"(,"requestheader-extra-headers-prefix":"[\"X-Remote-Extra-\"]"}})";
}

class CertificateAuthTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    client_ca_ = new testing::TestCa(make_test_ca("client-ca"));
    front_ca_ = new testing::TestCa(make_test_ca("front-proxy-ca"));
  }
  std::shared_ptr<const AuthenticationConfig> config(
      const std::string& allowed = R"(["front-proxy-client"])") {
    return parse_authentication_configmap(
        configmap(client_ca_->cert_pem, front_ca_->cert_pem, allowed));
  }
  static testing::TestCa* client_ca_;
  static testing::TestCa* front_ca_;
};
testing::TestCa* CertificateAuthTest::client_ca_ = nullptr;
testing::TestCa* CertificateAuthTest::front_ca_ = nullptr;

TEST_F(CertificateAuthTest, ConfigMapIsParsed) {
  auto c = config();
  EXPECT_EQ(c->resource_version, "42");
  EXPECT_TRUE(c->client_ca && c->requestheader_ca);
  EXPECT_EQ(c->allowed_names, std::vector<std::string>{"front-proxy-client"});
  EXPECT_EQ(c->username_headers, std::vector<std::string>{"X-Remote-User"});
  EXPECT_EQ(c->group_headers, std::vector<std::string>{"X-Remote-Group"});
  EXPECT_EQ(c->extra_header_prefixes, std::vector<std::string>{"X-Remote-Extra-"});
  EXPECT_THROW(parse_authentication_configmap(
                   R"({"data":{"requestheader-allowed-names":"front-proxy-client"}})"),
               ConfigError);
}

TEST_F(CertificateAuthTest, FrontProxyUserGroupsAndEscapedExtras) {
  auto peer = PeerCertificate::from_pem(make_client_cert(*front_ca_, "front-proxy-client", {}));
  http::fields h;
  h.insert("X-Remote-User", "alice");
  h.insert("x-remote-group", "team-a");
  h.insert("X-Remote-Group", "system:authenticated");
  h.insert("X-Remote-Group", "with,comma");
  h.insert("X-Remote-Extra-Scopes", "read");
  h.insert("X-Remote-Extra-Scopes", "write");
  h.insert("X-Remote-Extra-Example.com%2fTeam", "blue");
  h.insert("X-Remote-Extra-Bad%zz", "kept");
  std::string why;
  auto u = authenticate_request_header(*config(), peer, h, &why);
  ASSERT_TRUE(u) << why;
  EXPECT_EQ(u->method, AuthenticationMethod::kRequestHeader);
  EXPECT_EQ(u->user.name, "alice");
  // One group per header line, never split on commas; system:authenticated not duplicated.
  EXPECT_EQ(u->user.groups,
            (std::vector<std::string>{"team-a", "system:authenticated", "with,comma"}));
  EXPECT_EQ(u->user.extra["scopes"], (std::vector<std::string>{"read", "write"}));
  EXPECT_EQ(u->user.extra["example.com/team"], std::vector<std::string>{"blue"});
  EXPECT_EQ(u->user.extra["bad%zz"], std::vector<std::string>{"kept"});
}

TEST_F(CertificateAuthTest, FrontProxyNeedsAllowedNameCaAndUser) {
  http::fields h;
  h.insert("X-Remote-User", "mallory");
  h.insert("X-Remote-Group", "system:masters");
  std::string why;
  // Forged headers without a certificate.
  EXPECT_FALSE(authenticate_request_header(*config(), PeerCertificate{}, h, &why));
  // A certificate of the right CA with a name that is not allowed.
  auto other = PeerCertificate::from_pem(make_client_cert(*front_ca_, "someone-else", {}));
  EXPECT_FALSE(authenticate_request_header(*config(), other, h, &why));
  EXPECT_NE(why.find("not an allowed"), std::string::npos) << why;
  // Any name when the allowed list is empty.
  EXPECT_TRUE(authenticate_request_header(*config("[]"), other, h));
  // The allowed name, signed by the client CA instead of the requestheader CA.
  auto wrong_ca =
      PeerCertificate::from_pem(make_client_cert(*client_ca_, "front-proxy-client", {}));
  EXPECT_FALSE(authenticate_request_header(*config(), wrong_ca, h, &why));
  // A server-only certificate (no clientAuth usage).
  auto server =
      PeerCertificate::from_pem(make_client_cert(*front_ca_, "front-proxy-client", {}, true));
  EXPECT_FALSE(authenticate_request_header(*config(), server, h, &why));
  // The right certificate but no username header: no opinion.
  auto good = PeerCertificate::from_pem(make_client_cert(*front_ca_, "front-proxy-client", {}));
  http::fields no_user;
  no_user.insert("X-Remote-Group", "system:masters");
  EXPECT_FALSE(authenticate_request_header(*config(), good, no_user, &why));
}

TEST_F(CertificateAuthTest, ClientCertificateIsCnAndOrganizations) {
  auto peer =
      PeerCertificate::from_pem(make_client_cert(*client_ca_, "admin", {"system:masters", "ops"}));
  auto u = authenticate_client_certificate(*config(), peer);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->method, AuthenticationMethod::kClientCertificate);
  EXPECT_EQ(u->user.name, "admin");
  EXPECT_EQ(u->user.groups,
            (std::vector<std::string>{"system:masters", "ops", "system:authenticated"}));
  // The front-proxy certificate is not a user certificate.
  auto front = PeerCertificate::from_pem(make_client_cert(*front_ca_, "front-proxy-client", {}));
  EXPECT_FALSE(authenticate_client_certificate(*config(), front));
  // A self-made CA is not trusted.
  auto stranger = make_test_ca("stranger");
  EXPECT_FALSE(authenticate_client_certificate(
      *config(),
      PeerCertificate::from_pem(make_client_cert(stranger, "admin", {"system:masters"}))));
}

TEST_F(CertificateAuthTest, TheLastCommonNameIsTheUserAsInGo) {
  // Go's pkix.Name keeps the last CN of the subject; kube-apiserver's user is that one.
  auto peer = PeerCertificate::from_pem(
      make_client_cert_cns(*client_ca_, {"system:admin", "mallory"}, {"dev"}));
  EXPECT_EQ(peer.common_name(), "mallory");
  auto u = authenticate_client_certificate(*config(), peer);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->user.name, "mallory");
  // The front-proxy's allowed names are checked on the same CN.
  auto front = PeerCertificate::from_pem(
      make_client_cert_cns(*front_ca_, {"front-proxy-client", "other"}, {}));
  http::fields h;
  h.insert("X-Remote-User", "alice");
  EXPECT_FALSE(authenticate_request_header(*config(), front, h));
  front = PeerCertificate::from_pem(
      make_client_cert_cns(*front_ca_, {"other", "front-proxy-client"}, {}));
  EXPECT_TRUE(authenticate_request_header(*config(), front, h));
}

TEST_F(CertificateAuthTest, AnonymousIsNeverAuthenticated) {
  auto front = PeerCertificate::from_pem(make_client_cert(*front_ca_, "front-proxy-client", {}));
  http::fields h;
  h.insert("X-Remote-User", "system:anonymous");
  h.insert("X-Remote-Group", "system:unauthenticated");
  auto u = authenticate_request_header(*config(), front, h);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->user.groups, std::vector<std::string>{"system:unauthenticated"});
  // Not even without a group: the name alone keeps system:authenticated away.
  http::fields bare;
  bare.insert("X-Remote-User", "system:anonymous");
  u = authenticate_request_header(*config(), front, bare);
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->user.groups.empty());
  UserInfo other{"bob", "", {"system:unauthenticated"}, {}};
  add_authenticated_group(other);
  EXPECT_EQ(other.groups, std::vector<std::string>{"system:unauthenticated"});
}

TEST(RequestHeaderTest, CredentialHeadersAreRecognised) {
  AuthenticationConfig c;
  c.username_headers = {"X-Remote-User"};
  c.group_headers = {"X-Remote-Group"};
  c.extra_header_prefixes = {"X-Remote-Extra-"};
  EXPECT_TRUE(is_request_header_credential(c, "x-remote-user"));
  EXPECT_TRUE(is_request_header_credential(c, "X-Remote-Extra-Foo"));
  EXPECT_FALSE(is_request_header_credential(c, "Accept"));
  EXPECT_EQ(unescape_extra_key("a%2fb%2Fc"), "a/b/c");
  EXPECT_EQ(unescape_extra_key("trailing%2"), "trailing%2");
}

}  // namespace
}  // namespace watchfilter::proxy

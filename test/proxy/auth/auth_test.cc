// Authentication and authorization pieces: requestheader and client-certificate authentication,
// TokenReview caching, SubjectAccessReview attributes and 403 wording.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <boost/beast/http/fields.hpp>

#include "proxy/auth/authentication_config.h"
#include "proxy/auth/certificate_authenticator.h"
#include "proxy/auth/delegating_auth.h"
#include "proxy/auth/subject_access_review.h"
#include "proxy/auth/token_review.h"
#include "proxy/base/config_error.h"
#include "proxy/kube/request_attributes.h"
#include "proxy/kube/status.h"
#include "test/proxy/support/fake_auth.h"
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

TEST(TokenReviewTest, RequestAndResponse) {
  EXPECT_EQ(
      token_review_request("abc"),
      R"({"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"abc"}})");
  std::string error;
  auto u = parse_token_review_response(
      R"({"status":{"authenticated":true,"user":{"username":"system:serviceaccount:a:r","uid":"u1","groups":["system:serviceaccounts","system:serviceaccounts:a","system:authenticated"],"extra":{"authentication.kubernetes.io/pod-name":["p"]}}}})",
      error);
  ASSERT_TRUE(u) << error;
  EXPECT_EQ(u->name, "system:serviceaccount:a:r");
  EXPECT_EQ(u->uid, "u1");
  EXPECT_EQ(u->groups.size(), 3u);
  EXPECT_EQ(u->extra["authentication.kubernetes.io/pod-name"], std::vector<std::string>{"p"});
  EXPECT_FALSE(parse_token_review_response(
      R"({"status":{"authenticated":false,"error":"service account deleted"}})", error));
  EXPECT_EQ(error, "service account deleted");
  EXPECT_EQ(bearer_token_of("Bearer xyz"), "xyz");
  EXPECT_EQ(bearer_token_of("bearer  xyz "), "xyz");
  EXPECT_EQ(bearer_token_of("Basic xyz"), "");
}

TEST(TokenReviewTest, AnswersAreCachedTenSecondsAllowedAndDenied) {
  auto now = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  auto logger = std::make_shared<const Logger>(0);
  DelegatingAuthenticator authn(nullptr, nullptr, logger, {}, [&] { return now; });
  std::string error;
  const std::string ok =
      R"({"status":{"authenticated":true,"user":{"username":"bob","groups":["g"]}}})";
  ASSERT_TRUE(authn.remember_token_review("good", 201, ok, error));
  ASSERT_FALSE(
      authn.remember_token_review("bad", 201, R"({"status":{"authenticated":false}})", error));
  // A failed review (not an answer about the token) is not cached.
  ASSERT_FALSE(authn.remember_token_review("unknown", 403, "{}", error));
  EXPECT_FALSE(authn.cached_token("unknown"));
  auto good = authn.cached_token("good");
  ASSERT_TRUE(good && *good);
  EXPECT_EQ((*good)->name, "bob");
  EXPECT_EQ((*good)->groups, (std::vector<std::string>{"g", "system:authenticated"}));
  auto bad = authn.cached_token("bad");
  ASSERT_TRUE(bad);
  EXPECT_FALSE(*bad);
  now += std::chrono::seconds(9);
  EXPECT_TRUE(authn.cached_token("good"));
  now += std::chrono::seconds(2);
  EXPECT_FALSE(authn.cached_token("good"));
  EXPECT_FALSE(authn.cached_token("bad"));
}

RequestAttributes attrs(http::verb m, std::string_view target) {
  auto a = request_attributes(m, target);
  EXPECT_TRUE(a) << target;
  return a.value_or(RequestAttributes{});
}

TEST(RequestAttributesTest, VerbsFromPathsAndQuery) {
  auto w = attrs(http::verb::get, "/api/v1/namespaces/b/configmaps?watch=true&filter=x");
  EXPECT_TRUE(w.resource_request);
  EXPECT_EQ(w.verb, "watch");
  EXPECT_EQ(w.gvr.group, "");
  EXPECT_EQ(w.gvr.version, "v1");
  EXPECT_EQ(w.gvr.resource, "configmaps");
  EXPECT_EQ(w.namespace_name, "b");
  EXPECT_EQ(w.name, "");

  auto l = attrs(http::verb::get, "/apis/apps/v1/deployments");
  EXPECT_EQ(l.verb, "list");
  EXPECT_EQ(l.gvr.group, "apps");
  EXPECT_EQ(l.namespace_name, "");

  auto g = attrs(http::verb::head, "/apis/apps/v1/namespaces/a/deployments/web");
  EXPECT_EQ(g.verb, "get");
  EXPECT_EQ(g.name, "web");

  auto named_watch = attrs(http::verb::get, "/api/v1/namespaces/a/configmaps/cm?watch=1");
  EXPECT_EQ(named_watch.verb, "watch");
  EXPECT_EQ(named_watch.name, "cm");

  auto legacy = attrs(http::verb::get, "/api/v1/watch/namespaces/a/pods/p");
  EXPECT_EQ(legacy.verb, "watch");
  EXPECT_EQ(legacy.gvr.resource, "pods");
  EXPECT_EQ(legacy.name, "p");

  auto by_field = attrs(http::verb::get,
                        "/api/v1/namespaces/a/secrets?watch=true&fieldSelector=metadata.name%3Ds1");
  EXPECT_EQ(by_field.verb, "watch");
  EXPECT_EQ(by_field.name, "s1");
  auto two_fields =
      attrs(http::verb::get, "/api/v1/secrets?fieldSelector=metadata.name%3Ds1,type%3Dx");
  EXPECT_EQ(two_fields.name, "");

  auto sub = attrs(http::verb::get, "/api/v1/namespaces/a/pods/p/log");
  EXPECT_EQ(sub.verb, "get");
  EXPECT_EQ(sub.subresource, "log");

  auto ns = attrs(http::verb::get, "/api/v1/namespaces/a");
  EXPECT_EQ(ns.gvr.resource, "namespaces");
  EXPECT_EQ(ns.name, "a");
  EXPECT_EQ(ns.namespace_name, "a");

  auto cluster = attrs(http::verb::get, "/api/v1/configmaps?watch=true");
  EXPECT_EQ(cluster.verb, "watch");
  EXPECT_EQ(cluster.namespace_name, "");

  for (const char* p : {"/metrics", "/api", "/api/v1", "/apis", "/apis/apps/v1", "/version"}) {
    auto n = attrs(http::verb::get, p);
    EXPECT_FALSE(n.resource_request) << p;
    EXPECT_EQ(n.verb, "get") << p;
    EXPECT_EQ(n.path, p);
  }
  EXPECT_FALSE(request_attributes(http::verb::get, "/api/v1/namespaces/%zz/pods"));
}

TEST(ForbiddenMessageTest, KubernetesWording) {
  UserInfo u{"u", "", {}, {}};
  EXPECT_EQ(
      forbidden_message(u, attrs(http::verb::get, "/api/v1/namespaces/b/configmaps?watch=true"),
                        ""),
      R"(configmaps is forbidden: User "u" cannot watch resource "configmaps" in API group "" in the namespace "b")");
  EXPECT_EQ(
      forbidden_message(u, attrs(http::verb::get, "/apis/apps/v1/deployments"), ""),
      R"(deployments.apps is forbidden: User "u" cannot list resource "deployments" in API group "apps" at the cluster scope)");
  EXPECT_EQ(
      forbidden_message(u, attrs(http::verb::get, "/api/v1/namespaces/a/secrets/s"), "no RBAC"),
      R"(secrets "s" is forbidden: User "u" cannot get resource "secrets" in API group "" in the namespace "a": no RBAC)");
  EXPECT_EQ(forbidden_message(u, attrs(http::verb::get, "/metrics"), ""),
            R"(forbidden: User "u" cannot get path "/metrics")");
}

TEST(ForbiddenMessageTest, ChainAnswers403StatusWithDetails) {
  auto authn = std::make_shared<testing::FakeAuthenticator>();
  authn->user->user.name = "u";
  auto authz = std::make_shared<testing::FakeAuthorizer>();
  authz->decision = AuthorizationDecision{false, "", ""};
  HandlerChain chain(std::make_shared<HealthState>(), std::make_shared<StatusCounters>(), nullptr,
                     authn, authz);
  ClientRequest r{http::verb::get,
                  "/apis/stream.watchfilter.io/v1alpha1/proxy/api/v1/namespaces/b/"
                  "configmaps?watch=true&filter=true",
                  11};
  auto d = testing::decide(chain, r);
  auto* reply = std::get_if<LocalReply>(&d);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->response.result_int(), 403u);
  rapidjson::Document doc;
  doc.Parse(reply->response.body().c_str());
  EXPECT_STREQ(doc["reason"].GetString(), "Forbidden");
  EXPECT_EQ(doc["code"].GetInt(), 403);
  EXPECT_STREQ(
      doc["message"].GetString(),
      R"(configmaps is forbidden: User "u" cannot watch resource "configmaps" in API group "" in the namespace "b")");
  EXPECT_STREQ(doc["details"]["kind"].GetString(), "configmaps");
  EXPECT_FALSE(doc["details"].HasMember("group"));
  // The attributes asked about are the underlying resource's.
  ASSERT_EQ(authz->asked.size(), 1u);
  EXPECT_EQ(authz->asked[0].gvr.resource, "configmaps");
  EXPECT_EQ(authz->asked[0].verb, "watch");
  EXPECT_EQ(authz->asked[0].namespace_name, "b");

  // No user: 401, Status reason Unauthorized, and no authorization asked.
  authn->user.reset();
  d = testing::decide(chain, r);
  reply = std::get_if<LocalReply>(&d);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->response.result_int(), 401u);
  EXPECT_NE(reply->response.body().find(R"("reason":"Unauthorized")"), std::string::npos);
  EXPECT_EQ(authz->asked.size(), 1u);

  // A failed review is a 500, never an allow.
  authn->user = AuthenticatedUser{UserInfo{"u", "", {}, {}}, AuthenticationMethod::kBearerToken};
  authz->decision = AuthorizationDecision{false, "", "connection refused"};
  d = testing::decide(chain, r);
  EXPECT_EQ(std::get<LocalReply>(d).response.result_int(), 500u);
}

TEST(ForbiddenMessageTest, NoAuthenticatorOrAuthorizerRefusesEverything) {
  HandlerChain no_authn(std::make_shared<HealthState>(), std::make_shared<StatusCounters>());
  ClientRequest r{http::verb::get, "/api/v1/pods?filter=true", 11};
  EXPECT_EQ(std::get<LocalReply>(testing::decide(no_authn, r)).response.result_int(), 401u);
  HandlerChain no_authz(std::make_shared<HealthState>(), std::make_shared<StatusCounters>(),
                        nullptr, std::make_shared<testing::FakeAuthenticator>());
  EXPECT_EQ(std::get<LocalReply>(testing::decide(no_authz, r)).response.result_int(), 403u);
}

TEST(SubjectAccessReviewTest, SpecShape) {
  UserInfo u{"alice", "uid-1", {"g1", "system:authenticated"}, {{"scopes", {"read"}}}};
  EXPECT_EQ(
      subject_access_review_request(
          u, attrs(http::verb::get, "/apis/apps/v1/namespaces/a/deployments?watch=true")),
      R"({"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"resourceAttributes":{"namespace":"a","verb":"watch","group":"apps","version":"v1","resource":"deployments"},"user":"alice","groups":["g1","system:authenticated"],"extra":{"scopes":["read"]},"uid":"uid-1"}})");
  EXPECT_EQ(
      subject_access_review_request(UserInfo{"bob", "", {}, {}},
                                    attrs(http::verb::get, "/metrics")),
      R"({"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"nonResourceAttributes":{"path":"/metrics","verb":"get"},"user":"bob"}})");
  auto d = parse_subject_access_review_response(R"({"status":{"allowed":true}})");
  EXPECT_TRUE(d.allowed);
  d = parse_subject_access_review_response(R"({"status":{"allowed":false,"reason":"nope"}})");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason, "nope");
  d = parse_subject_access_review_response(R"({"status":{"allowed":true,"denied":true}})");
  EXPECT_FALSE(d.allowed);
  d = parse_subject_access_review_response("<html>");
  EXPECT_FALSE(d.allowed);
  EXPECT_FALSE(d.error.empty());
}

}  // namespace
}  // namespace watchfilter::proxy

#include "host/child_permissions.h"

#include <gtest/gtest.h>

#include "host/host_config.h"
#include "proxy/base/config_error.h"

namespace watchfilter::host {
namespace {

constexpr int kGet = 0, kCreate = 1, kUpdate = 2, kMergePatch = 3, kDelete = 5;

ChildPermissions permissions_of(const std::string& entry) {
  HostConfig config = parse_host_config("children:\n- name: c\n  wasm: c.wasm\n" + entry, "/");
  return ChildPermissions(config.children[0].rbac, config.children[0].watches);
}

TEST(ChildPermissionsTest, NothingGrantedRefusesEverything) {
  ChildPermissions none = permissions_of("");
  EXPECT_FALSE(none.check(kGet, "/api/v1/namespaces/db/configmaps/x").allowed);
  EXPECT_FALSE(none.check(kGet, "/api/v1").allowed);
  auto d = none.check(kGet, "/api/v1/namespaces/kube-system/secrets/token");
  EXPECT_EQ(d.reason, "get secrets \"token\" in the namespace \"kube-system\"");
}

TEST(ChildPermissionsTest, AWatchInTheFileGrantsReadingItsCollectionOnly) {
  ChildPermissions p = permissions_of(
      "  watches: [{resource: /apis/example.watchfilter.io/v1/namespaces/db/clusters}]\n");
  EXPECT_TRUE(p.check(kGet, "/apis/example.watchfilter.io/v1/namespaces/db/clusters").allowed);
  EXPECT_TRUE(p.check(kGet, "/apis/example.watchfilter.io/v1/namespaces/db/clusters/c1").allowed);
  EXPECT_TRUE(
      p.check(kGet, "/apis/example.watchfilter.io/v1/namespaces/db/clusters?watch=true").allowed);
  EXPECT_FALSE(
      p.check(kUpdate, "/apis/example.watchfilter.io/v1/namespaces/db/clusters/c1").allowed);
  EXPECT_FALSE(p.check(kGet, "/apis/example.watchfilter.io/v1/namespaces/other/clusters").allowed);
  EXPECT_FALSE(
      p.check(kGet, "/apis/example.watchfilter.io/v1/clusters").allowed);  // all namespaces
  EXPECT_FALSE(p.check(kGet, "/apis/other.io/v1/namespaces/db/clusters").allowed);
  EXPECT_FALSE(
      p.check(kGet, "/apis/example.watchfilter.io/v1/namespaces/db/clusters/c1/status").allowed);
}

TEST(ChildPermissionsTest, RulesMatchAsKubernetesRbacDoes) {
  ChildPermissions p = permissions_of(R"(  rbac:
  - {apiGroups: [""], resources: [configmaps], verbs: [get, create, patch], namespaces: [db]}
  - {apiGroups: [apps], resources: [deployments, "*/scale"], verbs: ["*"]}
  - {apiGroups: [""], resources: [secrets], verbs: [get], namespaces: [db], resourceNames: [tls]}
  - {nonResourceURLs: ["/apis/*", /api/v1], verbs: [get]}
)");
  EXPECT_TRUE(p.check(kGet, "/api/v1/namespaces/db/configmaps/x").allowed);
  EXPECT_TRUE(p.check(kCreate, "/api/v1/namespaces/db/configmaps").allowed);
  EXPECT_TRUE(p.check(kMergePatch, "/api/v1/namespaces/db/configmaps/x").allowed);
  EXPECT_FALSE(p.check(kDelete, "/api/v1/namespaces/db/configmaps/x").allowed);
  EXPECT_FALSE(p.check(kGet, "/api/v1/namespaces/db/configmaps?watch=1").allowed);  // watch
  EXPECT_FALSE(p.check(kGet, "/api/v1/namespaces/web/configmaps/x").allowed);
  // Every namespace and the cluster scope when the rule names none.
  EXPECT_TRUE(p.check(kDelete, "/apis/apps/v1/namespaces/web/deployments/d").allowed);
  EXPECT_TRUE(p.check(kGet, "/apis/apps/v1/deployments").allowed);
  // */scale matches any resource's scale subresource, not the resource itself.
  EXPECT_TRUE(p.check(kUpdate, "/apis/apps/v1/namespaces/web/statefulsets/s/scale").allowed);
  EXPECT_FALSE(p.check(kGet, "/apis/apps/v1/namespaces/web/statefulsets/s").allowed);
  EXPECT_FALSE(p.check(kGet, "/apis/apps/v1/namespaces/web/deployments/d/status").allowed);
  // resourceNames: only that name; a list is not a get of one name.
  EXPECT_TRUE(p.check(kGet, "/api/v1/namespaces/db/secrets/tls").allowed);
  EXPECT_FALSE(p.check(kGet, "/api/v1/namespaces/db/secrets/other").allowed);
  EXPECT_FALSE(p.check(kGet, "/api/v1/namespaces/db/secrets").allowed);
  // A DELETE of a collection is deletecollection, as kube-apiserver names it.
  EXPECT_TRUE(p.check(kDelete, "/apis/apps/v1/namespaces/web/deployments").allowed);
  EXPECT_EQ(permissions_of("  rbac: [{apiGroups: [\"\"], resources: [pods], verbs: [delete]}]\n")
                .check(kDelete, "/api/v1/namespaces/x/pods")
                .reason,
            "deletecollection pods in the namespace \"x\"");
  // Discovery documents are non-resource paths.
  EXPECT_TRUE(p.check(kGet, "/apis/apps/v1").allowed);
  EXPECT_TRUE(p.check(kGet, "/api/v1").allowed);
  EXPECT_FALSE(p.check(kGet, "/api").allowed);
}

TEST(ChildPermissionsTest, EscapesAreDecodedBeforeTheCheck) {
  ChildPermissions p = permissions_of(
      "  rbac: [{apiGroups: [\"\"], resources: [configmaps], verbs: [get], namespaces: [db]}]\n");
  // kube-apiserver decodes the path before it authorizes: so does the check.
  EXPECT_TRUE(p.check(kGet, "/api/v1/namespaces/%64b/configmaps/x").allowed);
  EXPECT_FALSE(p.check(kGet, "/api/v1/namespaces/db/%73ecrets/x").allowed);
  EXPECT_FALSE(p.check(kGet, "/api/v1/namespaces/db/configmaps/x%zz").allowed);  // malformed
  // Dot segments, plain or escaped, and empty segments are refused, never normalized: the check
  // and kube-apiserver must not read one path two ways.
  EXPECT_FALSE(p.check(kGet, "/api/v1/namespaces/db/configmaps/x/..%2F..%2Fsecrets/s").allowed);
  EXPECT_FALSE(p.check(kGet, "/api/v1/namespaces/db/configmaps/%2E%2E/x").allowed);
  EXPECT_FALSE(p.check(kGet, "/api/v1/namespaces/db/configmaps/./x").allowed);
  EXPECT_FALSE(p.check(kGet, "/api/v1/namespaces/db//configmaps/x").allowed);
}

TEST(ChildPermissionsTest, RbacEntriesAreValidatedAtLoad) {
  auto bad = [](const std::string& rbac) {
    EXPECT_THROW(parse_host_config("children:\n- name: c\n  wasm: c.wasm\n  rbac: " + rbac, "/"),
                 proxy::ConfigError)
        << rbac;
  };
  bad("{apiGroups: [\"\"]}");                       // not a list
  bad("[{apiGroups: [\"\"], resources: [pods]}]");  // no verbs
  bad("[{resources: [pods], verbs: [get]}]");       // no apiGroups
  bad("[{apiGroups: [\"\"], resources: [pods], verbs: [get], nonResourceURLs: [/x]}]");
  bad("[{apiGroups: [\"\"], resources: [pods], verbs: [get], namespace: [x]}]");  // typo
  bad("[{apiGroups: [\"\"], resources: pods, verbs: [get]}]");  // a string, not a list
}

TEST(ChildPermissionsTest, ForbiddenResponseIsAKubernetesStatus) {
  KubeResponse r = forbidden_response("c", PermissionDecision{false, "get secrets \"x\""});
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find(R"("kind":"Status")"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("reason":"Forbidden")"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("code":403)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"(child \"c\" may not get secrets \"x\")"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace watchfilter::host

// Owned resources, the parts without I/O: picking an object's owner from its ownerReferences.

#include "proxy/kube/owner_reference.h"

#include <gtest/gtest.h>

#include <string>

namespace watchfilter::proxy {
namespace {

std::string with_refs(const std::string& refs) {
  return R"({"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"d","namespace":"n",)"
         R"("ownerReferences":)" +
         refs + R"(},"spec":{"replicas":1}})";
}

std::string ref(const std::string& api_version, const std::string& kind, const std::string& name,
                const std::string& controller = "") {
  std::string out = R"({"apiVersion":")" + api_version + R"(","kind":")" + kind + R"(","name":")" +
                    name + R"(","uid":"uid-)" + name + '"';
  if (!controller.empty()) out += R"(,"controller":)" + controller;
  return out + "}";
}

TEST(PickOwner, TakesTheControllerAmongMatchingReferences) {
  const auto object = with_refs("[" + ref("e2e.io/v1", "Database", "first") + "," +
                                ref("e2e.io/v1", "Database", "ctl", "true") + "]");
  auto owner = pick_owner(object, "e2e.io", "Database");
  ASSERT_TRUE(owner);
  EXPECT_EQ(owner->name, "ctl");
  EXPECT_EQ(owner->uid, "uid-ctl");
}

TEST(PickOwner, ElseTheFirstMatchingReference) {
  const auto object = with_refs("[" + ref("other.io/v1", "Database", "x", "true") + "," +
                                ref("e2e.io/v1beta1", "Database", "first", "false") + "," +
                                ref("e2e.io/v1", "Database", "second") + "]");
  auto owner = pick_owner(object, "e2e.io", "Database");
  ASSERT_TRUE(owner);
  EXPECT_EQ(owner->name, "first");  // any version of the group
}

TEST(PickOwner, GroupAndKindMustBothMatch) {
  const auto object = with_refs("[" + ref("e2e.io/v1", "Cache", "a", "true") + "," +
                                ref("other.io/v1", "Database", "b", "true") + "]");
  EXPECT_FALSE(pick_owner(object, "e2e.io", "Database"));
  // The core group: apiVersion "v1".
  const auto core = with_refs("[" + ref("v1", "ConfigMap", "cm") + "]");
  ASSERT_TRUE(pick_owner(core, "", "ConfigMap"));
  EXPECT_EQ(pick_owner(core, "", "ConfigMap")->name, "cm");
  EXPECT_FALSE(pick_owner(core, "apps", "ConfigMap"));
}

TEST(PickOwner, NoReferencesOrMalformedIsNoOwner) {
  EXPECT_FALSE(pick_owner(R"({"metadata":{"name":"d"}})", "e2e.io", "Database"));
  EXPECT_FALSE(pick_owner(with_refs("[]"), "e2e.io", "Database"));
  EXPECT_FALSE(pick_owner(with_refs("null"), "e2e.io", "Database"));
  EXPECT_FALSE(pick_owner(with_refs(R"({"kind":"Database"})"), "e2e.io", "Database"));
  EXPECT_FALSE(pick_owner(R"({"metadata":{"ownerReferences":[)", "e2e.io", "Database"));
  EXPECT_FALSE(pick_owner("not json", "e2e.io", "Database"));
  // A reference without a uid or name is skipped, the next one taken.
  const auto partial = with_refs(R"([{"apiVersion":"e2e.io/v1","kind":"Database","name":"x"},)" +
                                 ref("e2e.io/v1", "Database", "ok") + "]");
  ASSERT_TRUE(pick_owner(partial, "e2e.io", "Database"));
  EXPECT_EQ(pick_owner(partial, "e2e.io", "Database")->name, "ok");
}

TEST(IsOwnedBy, MatchesAnyReferenceByUid) {
  const auto object = with_refs("[" + ref("e2e.io/v1", "Database", "a") + "," +
                                ref("apps/v1", "ReplicaSet", "b", "true") + "]");
  EXPECT_TRUE(is_owned_by(object, "uid-a"));
  EXPECT_TRUE(is_owned_by(object, "uid-b"));
  EXPECT_FALSE(is_owned_by(object, "uid-c"));
  EXPECT_FALSE(is_owned_by(R"({"metadata":{"name":"x","uid":"uid-a"}})", "uid-a"));
  EXPECT_FALSE(is_owned_by("{", "uid-a"));
}

}  // namespace
}  // namespace watchfilter::proxy

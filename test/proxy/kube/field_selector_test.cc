// Field selectors on metadata and paths of an object.

#include "proxy/kube/field_selector.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <variant>

#include "filters/event_view.h"

namespace watchfilter::proxy {
namespace {

const char* kPod =
    R"({"kind":"Pod","apiVersion":"v1","metadata":{"name":"p1","namespace":"ns"},)"
    R"("spec":{"nodeName":"n1","replicas":3,"paused":false},"status":{"phase":"Running"}})";

bool matches(std::string_view selector, const char* object = kPod) {
  auto parsed = FieldSelector::parse(selector);
  EXPECT_TRUE(parsed.ok()) << parsed.error().message;
  filters::EventParser parser;
  auto view = parser.parse_object(object, filters::EventType::kAdded);
  return parsed.value().matches(view);
}

TEST(FieldSelectorTest, MetadataAndPaths) {
  EXPECT_TRUE(matches(""));
  EXPECT_TRUE(matches("metadata.name=p1"));
  EXPECT_TRUE(matches("metadata.name==p1,metadata.namespace=ns"));
  EXPECT_FALSE(matches("metadata.name!=p1"));
  EXPECT_TRUE(matches("spec.nodeName=n1,status.phase!=Pending"));
  EXPECT_FALSE(matches("status.phase=Pending"));
  EXPECT_TRUE(matches("spec.replicas=3"));
  EXPECT_TRUE(matches("spec.paused=false"));
  EXPECT_TRUE(matches("spec.missing="));  // missing is ""
  EXPECT_FALSE(matches("spec.missing=x"));
  EXPECT_TRUE(matches(" metadata.name = p1 "));
}

TEST(FieldSelectorTest, IdentityOnlyAndErrors) {
  auto a = FieldSelector::parse("metadata.name=a,metadata.namespace!=b").value();
  EXPECT_TRUE(a.identity_only());
  auto b = FieldSelector::parse("metadata.name=a,spec.x=1").value();
  EXPECT_FALSE(b.identity_only());
  EXPECT_FALSE(FieldSelector::parse("novalue").ok());
  EXPECT_FALSE(FieldSelector::parse("=x").ok());
  EXPECT_FALSE(FieldSelector::parse("spec..x=1").ok());
  auto escaped = FieldSelector::parse(R"(metadata.name=a\,b)").value();
  filters::EventParser parser;
  auto view = parser.parse_object(R"({"metadata":{"name":"a,b"}})", filters::EventType::kAdded);
  EXPECT_TRUE(escaped.matches(view));
}

}  // namespace
}  // namespace watchfilter::proxy

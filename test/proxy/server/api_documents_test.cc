// The API's own documents: discovery and OpenAPI, and which paths serve them.

#include "proxy/server/api_documents.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

namespace watchfilter::proxy {
namespace {

TEST(DiscoveryDocumentsTest, JsonShapes) {
  rapidjson::Document d;
  d.Parse(api_group_list_json().c_str());
  ASSERT_FALSE(d.HasParseError());
  EXPECT_STREQ(d["kind"].GetString(), "APIGroupList");
  EXPECT_STREQ(d["groups"][0]["name"].GetString(), "stream.watchfilter.io");
  EXPECT_STREQ(d["groups"][0]["preferredVersion"]["groupVersion"].GetString(),
               "stream.watchfilter.io/v1alpha1");
  d.Parse(api_group_json().c_str());
  ASSERT_FALSE(d.HasParseError());
  EXPECT_STREQ(d["kind"].GetString(), "APIGroup");
  EXPECT_STREQ(d["versions"][0]["version"].GetString(), "v1alpha1");
  d.Parse(api_resource_list_json().c_str());
  ASSERT_FALSE(d.HasParseError());
  EXPECT_STREQ(d["kind"].GetString(), "APIResourceList");
  EXPECT_STREQ(d["groupVersion"].GetString(), "stream.watchfilter.io/v1alpha1");
  const auto& r = d["resources"][0];
  EXPECT_STREQ(r["name"].GetString(), "proxy");
  EXPECT_FALSE(r["namespaced"].GetBool());
  EXPECT_STREQ(r["kind"].GetString(), "FilteredStream");
  ASSERT_EQ(r["verbs"].Size(), 1u);  // get only: nothing lists or deletes it
  for (const auto& doc :
       {openapi_v2_json(), openapi_v3_index_json(), openapi_v3_group_version_json()}) {
    d.Parse(doc.c_str());
    EXPECT_FALSE(d.HasParseError()) << doc;
  }
  // Root documents only for the aggregator; the group's own documents always.
  EXPECT_TRUE(api_document("/apis", true));
  EXPECT_FALSE(api_document("/apis", false));
  EXPECT_FALSE(api_document("/openapi/v2", false));
  EXPECT_TRUE(api_document("/apis/stream.watchfilter.io/v1alpha1", false));
  EXPECT_TRUE(api_document("/apis/stream.watchfilter.io/", false));
  EXPECT_FALSE(api_document("/apis/stream.watchfilter.io/v1alpha1/proxy", true));
}

}  // namespace
}  // namespace watchfilter::proxy

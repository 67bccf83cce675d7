// Watch event lines as kube-apiserver writes them, and the annotation an owner event carries its
// secondaries in.

#include "proxy/kube/watch_events.h"

#include <gtest/gtest.h>

namespace watchfilter::proxy {
namespace {

TEST(WatchEventsTest, WithResourceVersionRewritesOnlyMetadataResourceVersion) {
  EXPECT_EQ(with_resource_version(
                R"({"kind":"X","spec":{"resourceVersion":"1","a":[{"b":"}"}]},)"
                R"( "metadata" : {"name":"n\"","resourceVersion" : "12","uid":"u"},"z":1})",
                345),
            R"({"kind":"X","spec":{"resourceVersion":"1","a":[{"b":"}"}]},)"
            R"( "metadata" : {"name":"n\"","resourceVersion" : "345","uid":"u"},"z":1})");
  EXPECT_EQ(with_resource_version(R"({"metadata":{"name":"n"}})", 7),
            R"({"metadata":{"name":"n"}})");
  EXPECT_EQ(with_resource_version("not json", 7), "not json");
}

TEST(WatchEventsTest, ShapesMatchKubeApiserver) {
  EXPECT_EQ(
      bookmark_line("ConfigMap", "v1", 42),
      R"({"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":"42"}}})"
      "\n");
  EXPECT_EQ(
      bookmark_line("Widget", "e2e.io/v1", 7, true),
      R"({"type":"BOOKMARK","object":{"kind":"Widget","apiVersion":"e2e.io/v1","metadata":{"resourceVersion":"7","annotations":{"k8s.io/initial-events-end":"true"}}}})"
      "\n");
  EXPECT_EQ(
      expired_line(5, 9),
      R"j({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 5 (9)","reason":"Expired","code":410}})j"
      "\n");
  EXPECT_EQ(with_type_meta(R"({"metadata":{}})", "Pod", "v1"),
            R"({"kind":"Pod","apiVersion":"v1","metadata":{}})");
  // Custom resources are listed with their kind and apiVersion already.
  EXPECT_EQ(with_type_meta(R"({"apiVersion":"x/v1","kind":"W"})", "W", "x/v1"),
            R"({"apiVersion":"x/v1","kind":"W"})");
}

TEST(WithAnnotation, AddsToExistingAnnotations) {
  EXPECT_EQ(
      with_annotation(R"({"kind":"D","metadata":{"name":"a","annotations":{"x":"1"}},"spec":{}})",
                      "watchfilter.io/owned", "[]"),
      R"({"kind":"D","metadata":{"name":"a","annotations":{"watchfilter.io/owned":"[]","x":"1"}},"spec":{}})");
  EXPECT_EQ(with_annotation(R"({"metadata":{"annotations":{}}})", "k", "v"),
            R"({"metadata":{"annotations":{"k":"v"}}})");
}

TEST(WithAnnotation, CreatesAnnotationsWhenAbsentOrNull) {
  EXPECT_EQ(
      with_annotation(R"({"kind":"D","metadata":{"name":"a"},"spec":{"x":{"annotations":1}}})", "k",
                      "v"),
      R"({"kind":"D","metadata":{"annotations":{"k":"v"},"name":"a"},"spec":{"x":{"annotations":1}}})");
  EXPECT_EQ(with_annotation(R"({"metadata":{}})", "k", "v"),
            R"({"metadata":{"annotations":{"k":"v"}}})");
  EXPECT_EQ(with_annotation(R"({"metadata":{"name":"a","annotations":null}})", "k", "v"),
            R"({"metadata":{"name":"a","annotations":{"k":"v"}}})");
}

TEST(WithAnnotation, ReplacesTheKeysValueAndEscapesJson) {
  EXPECT_EQ(
      with_annotation(R"({"metadata":{"annotations":{"a":"1","k":"old","z":"2"}}})", "k",
                      R"([{"kind":"Deployment","metadata":{"name":"d"}}])"),
      R"({"metadata":{"annotations":{"a":"1","k":"[{\"kind\":\"Deployment\",\"metadata\":{\"name\":\"d\"}}]","z":"2"}}})");
}

TEST(WithAnnotation, ObjectWithoutMetadataIsUnchanged) {
  EXPECT_EQ(with_annotation(R"({"kind":"D"})", "k", "v"), R"({"kind":"D"})");
  EXPECT_EQ(with_annotation(R"({"metadata":"x"})", "k", "v"), R"({"metadata":"x"})");
  EXPECT_EQ(with_annotation("[]", "k", "v"), "[]");
}

}  // namespace
}  // namespace watchfilter::proxy

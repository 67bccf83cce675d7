#include "filters/event_view.h"

#include <gtest/gtest.h>

#include "filters/hash.h"
#include "filters/subtree_hash.h"

namespace watchfilter::filters {
namespace {

CompiledPath path(std::initializer_list<const char*> keys) {
  Path p;
  for (const char* k : keys) p.segments.push_back(PathSegment::field(k));
  return CompiledPath::make(std::move(p));
}

constexpr std::string_view kEvent =
    R"({"type":"MODIFIED","object":{"kind":"Pod","metadata":{"name":"web","namespace":"prod",)"
    R"("uid":"1f2e","resourceVersion":"42"},"spec":{"a": [1, 2] ,"s":"t"}}})";

TEST(EventViewTest, ExposesEnvelopeAndMetadata) {
  EventParser parser;
  const EventView v = parser.parse_event(kEvent);
  ASSERT_TRUE(v.valid());
  EXPECT_EQ(v.type(), EventType::kModified);
  EXPECT_EQ(v.uid(), "1f2e");
  EXPECT_EQ(v.resource_version(), "42");
  EXPECT_EQ(v.namespace_name(), "prod");
  EXPECT_EQ(v.name(), "web");
  EXPECT_EQ(v.object_key(), "1f2e");
  EXPECT_EQ(v.raw_object().substr(0, 13), R"({"kind":"Pod")");
}

TEST(EventViewTest, LookupsAndRawSubtrees) {
  EventParser parser;
  const EventView v = parser.parse_event(kEvent);
  EXPECT_EQ(v.lookup(path({"spec", "s"})).text, "t");
  EXPECT_EQ(v.lookup(path({"spec", "a"})).text, "[1, 2]");
  EXPECT_EQ(v.lookup(path({"spec", "nope"})).kind, Kind::kMissing);
  EXPECT_EQ(v.lookup(path({"spec", "s", "deeper"})).kind, Kind::kMissing);
  EXPECT_EQ(v.fingerprint(path({"spec", "a"})), hash64("[1, 2]"));
  EXPECT_EQ(v.fingerprint(path({"spec", "nope"})), EventView::kMissingFingerprint);
  // Memoized lookups return the same thing the second time.
  EXPECT_EQ(v.lookup(path({"spec", "s"})).text, "t");
}

TEST(EventViewTest, PrefetchResolvesSharedPrefixesInOnePass) {
  EventParser parser;
  const EventView v = parser.parse_event(
      R"({"type":"ADDED","object":{"spec":{"a":1,"b":{"c":"d"},"l":[5,6]},"status":{"x":2,"y":3}}})");
  const CompiledPath spec = path({"spec"}), spec_a = path({"spec", "a"}),
                     spec_bc = path({"spec", "b", "c"});
  const CompiledPath sx = path({"status", "x"}), sy = path({"status", "y"}),
                     nope = path({"status", "nope"});
  Path l1;
  l1.segments = {PathSegment::field("spec"), PathSegment::field("l"), PathSegment::at(1)};
  const CompiledPath list = CompiledPath::make(l1);
  v.prefetch({&spec, &spec_a, &spec_bc, &sx, &sy, &nope, &list});
  EXPECT_EQ(v.lookup(spec).kind, Kind::kObject);  // whole and below: settled by resolve()
  EXPECT_EQ(v.lookup(spec_a).number, 1);
  EXPECT_EQ(v.lookup(spec_bc).text, "d");
  EXPECT_EQ(v.lookup(sx).number, 2);
  EXPECT_EQ(v.lookup(sy).number, 3);
  EXPECT_EQ(v.lookup(nope).kind, Kind::kMissing);
  EXPECT_EQ(v.lookup(list).number, 6);
}

TEST(EventViewTest, BareObjectsAndInvalidInput) {
  EventParser parser;
  EventView v = parser.parse_object(R"({"metadata":{"uid":"x"}})", EventType::kAdded);
  EXPECT_TRUE(v.valid());
  EXPECT_EQ(v.type(), EventType::kAdded);
  EXPECT_EQ(v.uid(), "x");
  v = parser.parse_event("not json");
  EXPECT_FALSE(v.valid());
  EXPECT_EQ(v.uid(), "");
  v = parser.parse_event(R"({"object":{}})");
  EXPECT_TRUE(v.valid());
  EXPECT_EQ(v.type(), EventType::kUnknown);
}

TEST(EventViewTest, PaddedInputIsNotCopied) {
  std::string buffer(kEvent);
  buffer.append(EventParser::kPadding, '\0');
  EventParser parser;
  const EventView v =
      parser.parse_event_padded(std::string_view(buffer.data(), kEvent.size()), buffer.size());
  EXPECT_EQ(v.lookup(path({"spec", "s"})).text.data(), buffer.data() + buffer.find("\"t\"") + 1);
}

TEST(SubtreeHashTest, HashesTheRawJsonAtAPath) {
  const std::string_view object = R"({"metadata":{"labels":{"a/b":"c"}},"spec":{"x":[1,{"y":2}]}})";
  auto h = hash_subtree(object, "spec");
  ASSERT_TRUE(std::holds_alternative<SubtreeHash>(h));
  EXPECT_EQ(std::get<SubtreeHash>(h).hash, hash64(R"({"x":[1,{"y":2}]})"));
  h = hash_subtree(object, R"(metadata.labels["a/b"])");
  EXPECT_EQ(std::get<SubtreeHash>(h).hash, hash64(R"("c")"));
  h = hash_subtree(object, "spec.x[1].y");
  EXPECT_EQ(std::get<SubtreeHash>(h).hash, hash64("2"));
  h = hash_subtree(object, "spec.z");
  EXPECT_FALSE(std::get<SubtreeHash>(h).hash.has_value());
  h = hash_subtree(object, "spec.x[");
  ASSERT_TRUE(std::holds_alternative<CompileError>(h));
}

}  // namespace
}  // namespace watchfilter::filters

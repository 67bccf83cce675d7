// Creating a Wakeup: what a client sees for each body (status, reason, the fields named), the
// generated names, and the stored JSON read back.

#include "proxy/wakeup/wakeup_create.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "proxy/base/dns_names.h"
#include "proxy/kube/rfc3339.h"

namespace watchfilter::proxy {
namespace {

using std::chrono::system_clock;

const system_clock::time_point kNow = system_clock::time_point(std::chrono::seconds(1'800'000'000));

Result<WakeupCreated> create(std::string_view body,
                             std::string_view content_type = "application/json",
                             bool strict = false) {
  WakeupCreateInput in;
  in.content_type = content_type;
  in.body = body;
  in.namespace_name = "team-a";
  in.strict = strict;
  in.now = kNow;
  in.uid = "0b9b7e39-6c0e-4f37-9d6a-2f3c1e0a4b5c";
  in.username = "system:serviceaccount:team-a:op";
  in.generate_name = [](std::string_view prefix) { return std::string(prefix) + "x7k2p"; };
  return parse_wakeup_create(in);
}

StatusError error_of(const Result<WakeupCreated>& r) {
  return r.ok() ? StatusError{StatusReason::kInternalError, "<created>"} : r.error();
}

// The fields a 422 names, in order.
std::vector<std::string> fields(const StatusError& e) {
  std::vector<std::string> out;
  for (const auto& c : e.details->causes) out.push_back(c.field);
  return out;
}

TEST(WakeupCreateTest, ValidBodyWithGenerateName) {
  auto r = create(
      R"({"apiVersion":"stream.watchfilter.io/v1alpha1","kind":"Wakeup","metadata":{"generateName":"wakeup-"},"spec":{"watcher":"h.ring.0","object":"cm-1","resource":"configmaps","after":"5000ms"}})");
  ASSERT_TRUE(r.ok()) << error_of(r).message;
  const WakeupObject& o = r.value().object;
  EXPECT_EQ(o.wakeup.name, "wakeup-x7k2p");
  EXPECT_EQ(o.generate_name, "wakeup-");
  EXPECT_EQ(o.namespace_name, "team-a");
  EXPECT_EQ(o.wakeup.namespace_name, "team-a");
  EXPECT_EQ(o.wakeup.object_key(), "team-a/cm-1");
  EXPECT_EQ(o.wakeup.watcher, "h.ring.0");
  EXPECT_EQ(o.wakeup.resource, "configmaps");
  EXPECT_EQ(o.wakeup.due, kNow + std::chrono::seconds(5));
  EXPECT_EQ(o.wakeup.created, kNow);
  EXPECT_EQ(o.uid, "0b9b7e39-6c0e-4f37-9d6a-2f3c1e0a4b5c");
  EXPECT_EQ(o.wakeup.owner, "system:serviceaccount:team-a:op");
  EXPECT_TRUE(r.value().unknown_fields.empty());
}

// spec.username is the creator, set by the server: a body cannot make a wake-up for another
// user's watcher.
TEST(WakeupCreateTest, UsernameIsTheCallerWhateverTheBodySays) {
  auto r = create(
      R"({"metadata":{"name":"w"},"spec":{"watcher":"w","object":"cm-1","after":"1s","username":"system:serviceaccount:team-a:victim"}})");
  ASSERT_TRUE(r.ok()) << error_of(r).message;
  EXPECT_EQ(r.value().object.wakeup.owner, "system:serviceaccount:team-a:op");
  EXPECT_TRUE(r.value().unknown_fields.empty());
  EXPECT_NE(wakeup_json(r.value().object).find(R"("username":"system:serviceaccount:team-a:op")"),
            std::string::npos);
}

// spec.at is bounded on both sides; years the clock cannot hold are refused, not overflowed.
TEST(WakeupCreateTest, AtIsBoundedInThePastAndTheFuture) {
  auto at = [](const std::string& t) {
    return create(R"({"metadata":{"name":"w"},"spec":{"watcher":"w","object":"o","at":")" + t +
                  R"("}})");
  };
  // kNow is 2027-01-15T08:00:00Z.
  auto ok = at("2027-01-01T00:00:00Z");  // in the past, within 720h: due at once
  ASSERT_TRUE(ok.ok()) << error_of(ok).message;
  EXPECT_EQ(ok.value().object.wakeup.due, kNow - std::chrono::hours(24 * 14 + 8));
  for (const char* t : {"0001-01-01T00:00:00Z", "1000-01-01T00:00:00Z", "1677-09-21T00:12:43Z",
                        "1970-01-01T00:00:00Z", "2026-12-01T00:00:00Z"}) {
    const auto r = at(t);
    const auto& e = error_of(r);
    EXPECT_EQ(e.reason, StatusReason::kInvalid) << t;
    EXPECT_EQ(fields(e), std::vector<std::string>{"spec.at"}) << t;
    EXPECT_NE(e.message.find("must be at most 720h ago"), std::string::npos) << e.message;
  }
  for (const char* t : {"9999-12-31T23:59:59Z", "2262-04-12T00:00:00Z", "2027-03-01T00:00:00Z"}) {
    const auto r = at(t);
    const auto& e = error_of(r);
    EXPECT_EQ(e.reason, StatusReason::kInvalid) << t;
    EXPECT_EQ(fields(e), std::vector<std::string>{"spec.at"}) << t;
    EXPECT_NE(e.message.find("must be at most 720h ahead"), std::string::npos) << e.message;
  }
}

TEST(WakeupCreateTest, AtAndClusterScopedAndMissingTypeMeta) {
  // apiVersion and kind may be left out (the endpoint says what it is), as upstream.
  auto r = create(
      R"({"metadata":{"name":"nightly","namespace":"team-a"},"spec":{"watcher":"w","object":"node-1","clusterScoped":true,"at":"2027-01-15T08:00:00+01:00"}})");
  ASSERT_TRUE(r.ok()) << error_of(r).message;
  const WakeupObject& o = r.value().object;
  EXPECT_EQ(o.wakeup.name, "nightly");
  EXPECT_EQ(o.wakeup.namespace_name, "");
  EXPECT_EQ(o.wakeup.object_key(), "/node-1");
  EXPECT_EQ(format_rfc3339(o.wakeup.due, false), "2027-01-15T07:00:00Z");
}

TEST(WakeupCreateTest, MissingFieldsAreOne422NamingEach) {
  auto r = create(R"({"metadata":{"generateName":"wakeup-"},"spec":{}})");
  const auto& e = error_of(r);
  EXPECT_EQ(e.reason, StatusReason::kInvalid);
  EXPECT_EQ(reason_code(e.reason), boost::beast::http::status::unprocessable_entity);
  EXPECT_EQ(fields(e), (std::vector<std::string>{"spec.watcher", "spec.object", "spec.after"}));
  EXPECT_TRUE(e.message.starts_with(
      "Wakeup.stream.watchfilter.io \"wakeup-x7k2p\" is invalid: [spec.watcher: Required value"))
      << e.message;
  EXPECT_EQ(e.details->kind, "Wakeup");
  EXPECT_EQ(e.details->group, "stream.watchfilter.io");
  EXPECT_EQ(e.details->causes[0].reason, "FieldValueRequired");
  // A body without spec at all says the same.
  EXPECT_EQ(fields(error_of(create(R"({"metadata":{"name":"a"}})"))),
            (std::vector<std::string>{"spec.watcher", "spec.object", "spec.after"}));
}

TEST(WakeupCreateTest, OneErrorIsNotBracketed) {
  auto e = error_of(create(R"({"metadata":{"name":"a"},"spec":{"watcher":"w","after":"1s"}})"));
  EXPECT_EQ(e.message,
            "Wakeup.stream.watchfilter.io \"a\" is invalid: spec.object: Required value: the "
            "name of the object to deliver again");
}

TEST(WakeupCreateTest, NameRules) {
  EXPECT_EQ(fields(error_of(create(R"({"spec":{"watcher":"w","object":"o","after":"1s"}})"))),
            std::vector<std::string>{"metadata.name"});
  EXPECT_EQ(
      fields(error_of(create(
          R"({"metadata":{"name":"Bad_Name"},"spec":{"watcher":"w","object":"o","after":"1s"}})"))),
      std::vector<std::string>{"metadata.name"});
  EXPECT_EQ(
      fields(error_of(create(
          R"({"metadata":{"generateName":"UP-"},"spec":{"watcher":"w","object":"o","after":"1s"}})"))),
      std::vector<std::string>{"metadata.generateName"});
}

TEST(WakeupCreateTest, FieldValues) {
  auto one = [](std::string_view spec) {
    return error_of(create(R"({"metadata":{"name":"a"},"spec":)" + std::string(spec) + "}"));
  };
  EXPECT_EQ(fields(one(R"({"watcher":"a b","object":"o","after":"1s"})")),
            std::vector<std::string>{"spec.watcher"});
  EXPECT_EQ(fields(one(R"({"watcher":"w","object":"a/b","after":"1s"})")),
            std::vector<std::string>{"spec.object"});
  EXPECT_EQ(fields(one(R"({"watcher":"w","object":"..","after":"1s"})")),
            std::vector<std::string>{"spec.object"});
  EXPECT_EQ(fields(one(R"({"watcher":"w","object":"o","resource":"Deployments","after":"1s"})")),
            std::vector<std::string>{"spec.resource"});
  EXPECT_EQ(fields(one(R"({"watcher":"w","object":"o","after":"soon"})")),
            std::vector<std::string>{"spec.after"});
  EXPECT_EQ(fields(one(R"({"watcher":"w","object":"o","after":"-5s"})")),
            std::vector<std::string>{"spec.after"});
  EXPECT_EQ(fields(one(R"({"watcher":"w","object":"o","after":"721h"})")),
            std::vector<std::string>{"spec.after"});
  EXPECT_EQ(fields(one(R"({"watcher":"w","object":"o","at":"tomorrow"})")),
            std::vector<std::string>{"spec.at"});
  const auto both = one(R"({"watcher":"w","object":"o","after":"1s","at":"2027-01-01T00:00:00Z"})");
  EXPECT_EQ(fields(both), std::vector<std::string>{"spec.at"});
  EXPECT_EQ(both.details->causes[0].reason, "FieldValueForbidden");
  // Wrong JSON types are field errors too, worded as a custom resource's schema validation.
  const auto typed = one(R"({"watcher":5,"object":"o","after":"1s","clusterScoped":"yes"})");
  EXPECT_EQ(fields(typed), (std::vector<std::string>{"spec.watcher", "spec.clusterScoped"}));
  EXPECT_EQ(typed.details->causes[0].message,
            "Invalid value: \"integer\": spec.watcher in body must be of type string: \"integer\"");
}

TEST(WakeupCreateTest, BadRequests) {
  EXPECT_EQ(error_of(create("{not json")).reason, StatusReason::kBadRequest);
  EXPECT_EQ(error_of(create("[1,2]")).reason, StatusReason::kBadRequest);
  auto ns = error_of(create(
      R"({"metadata":{"name":"a","namespace":"team-b"},"spec":{"watcher":"w","object":"o","after":"1s"}})"));
  EXPECT_EQ(ns.reason, StatusReason::kBadRequest);
  EXPECT_EQ(ns.message,
            "the namespace of the provided object does not match the namespace sent on the "
            "request");
  EXPECT_EQ(error_of(create(R"({"apiVersion":"v1","metadata":{"name":"a"}})")).reason,
            StatusReason::kBadRequest);
  EXPECT_EQ(error_of(create(R"({"kind":"ConfigMap","metadata":{"name":"a"}})")).reason,
            StatusReason::kBadRequest);
}

TEST(WakeupCreateTest, MediaTypeAndSize) {
  const std::string ok =
      R"({"metadata":{"name":"a"},"spec":{"watcher":"w","object":"o","after":"1s"}})";
  EXPECT_EQ(error_of(create(ok, "application/yaml")).reason, StatusReason::kUnsupportedMediaType);
  EXPECT_EQ(reason_code(StatusReason::kUnsupportedMediaType),
            boost::beast::http::status::unsupported_media_type);
  EXPECT_TRUE(create(ok, "").ok());
  EXPECT_TRUE(create(ok, "Application/JSON; charset=utf-8").ok());
  std::string big = R"({"metadata":{"name":"a","annotations":{"x":")" +
                    std::string(kMaxWakeupBodyBytes, 'x') + R"("}}})";
  EXPECT_EQ(error_of(create(big)).reason, StatusReason::kRequestEntityTooLarge);
}

TEST(WakeupCreateTest, UnknownFieldsWarnOrFailWhenStrict) {
  const std::string body =
      R"({"metadata":{"name":"a"},"spec":{"watcher":"w","object":"o","after":"1s","every":"5m"},"extra":1})";
  auto warn = create(body);
  ASSERT_TRUE(warn.ok());
  EXPECT_EQ(warn.value().unknown_fields, (std::vector<std::string>{"extra", "spec.every"}));
  auto strict = error_of(create(body, "application/json", true));
  EXPECT_EQ(strict.reason, StatusReason::kBadRequest);
  EXPECT_EQ(strict.message,
            "strict decoding error: unknown field \"extra\", unknown field \"spec.every\"");
}

TEST(WakeupNameTest, GeneratedLikeKubeApiserver) {
  std::uint64_t n = 0;
  auto counter = [&n] { return n++; };
  EXPECT_EQ(generate_wakeup_name("wakeup-", counter), "wakeup-bcdfg");
  const std::string long_prefix(70, 'a');
  const std::string name = generate_wakeup_name(long_prefix, counter);
  EXPECT_EQ(name.size(), 63u);  // prefix cut to 58 + 5
  EXPECT_TRUE(is_dns_subdomain(name));
  const std::string uid = random_uid(counter);
  EXPECT_EQ(uid.size(), 36u);
  EXPECT_EQ(uid[14], '4');  // version 4
}

TEST(WakeupObjectTest, JsonRoundTripKeepsTheDueMillisecond) {
  WakeupObject o;
  o.wakeup.name = "wakeup-x7k2p";
  o.wakeup.watcher = "w1";
  o.wakeup.owner = "alice";
  o.wakeup.object = "cm-1";
  o.wakeup.namespace_name = "team-a";
  o.namespace_name = "team-a";
  o.generate_name = "wakeup-";
  o.uid = "u";
  o.after = "3s";
  o.wakeup.created = kNow;
  o.wakeup.due = kNow + std::chrono::milliseconds(3250);
  const std::string json = wakeup_json(o);
  EXPECT_EQ(
      json,
      R"({"apiVersion":"stream.watchfilter.io/v1alpha1","kind":"Wakeup","metadata":{"name":"wakeup-x7k2p","generateName":"wakeup-","namespace":"team-a","uid":"u","creationTimestamp":"2027-01-15T08:00:00Z"},"spec":{"watcher":"w1","object":"cm-1","after":"3s","username":"alice"},"status":{"due":"2027-01-15T08:00:03.250Z"}})");
  auto back = wakeup_from_json(json);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->wakeup.due, o.wakeup.due);
  EXPECT_EQ(back->wakeup.object_key(), "team-a/cm-1");
  EXPECT_EQ(wakeup_json(*back), json);
  EXPECT_FALSE(wakeup_from_json(R"({"metadata":{"name":"x"}})"));
  rapidjson::Document list;
  list.Parse(wakeup_list_json({o, o}).c_str());
  EXPECT_STREQ(list["kind"].GetString(), "WakeupList");
  EXPECT_EQ(list["items"].Size(), 2u);
}

TEST(WakeupObjectTest, Rfc3339) {
  EXPECT_EQ(parse_rfc3339("2027-01-15T08:00:00Z"), kNow);
  EXPECT_EQ(parse_rfc3339("2027-01-15T09:30:00.5+01:30"), kNow + std::chrono::milliseconds(500));
  EXPECT_FALSE(parse_rfc3339("2027-02-30T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2027-01-15 08:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2027-01-15T08:00:00"));
  // Outside what the system clock holds (int64 nanoseconds): refused, not wrapped around.
  EXPECT_FALSE(parse_rfc3339("0001-01-01T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("9999-12-31T23:59:59Z"));
  EXPECT_FALSE(parse_rfc3339("1677-09-21T00:00:00Z"));
  EXPECT_TRUE(parse_rfc3339("1678-01-01T00:00:00Z"));
  EXPECT_TRUE(parse_rfc3339("2262-01-01T00:00:00Z"));
  auto parts = parse_rfc3339_parts("0001-01-01T00:00:00Z");
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->seconds, -62135596800LL);
  // A stored due time the clock cannot hold makes the entry unreadable (dropped at load).
  EXPECT_FALSE(wakeup_from_json(
      R"({"metadata":{"name":"x","namespace":"a"},"spec":{"watcher":"w","object":"o","username":"u"},"status":{"due":"0001-01-01T00:00:00.000Z"}})"));
  EXPECT_TRUE(wakeup_from_json(
      R"({"metadata":{"name":"x","namespace":"a"},"spec":{"watcher":"w","object":"o","username":"u"},"status":{"due":"2027-01-01T00:00:00.000Z"}})"));
}

}  // namespace
}  // namespace watchfilter::proxy

// The SDK's JSON DOM, compiled natively (it is plain C++20 without exceptions).
#include <gtest/gtest.h>

#include "watchfilter/sdk/json.h"

namespace watchfilter::sdk::json {
namespace {

TEST(SdkJsonTest, RoundTripsAKubernetesObject) {
  const std::string text =
      R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","labels":{"app":"x"},"generation":12},"data":{"k":"v"},"list":[1,2.5,-3,true,false,null,"s"]})";
  std::string error;
  Value v = parse(text, &error);
  ASSERT_TRUE(error.empty()) << error;
  EXPECT_EQ(v.dump(), text);
  EXPECT_EQ(v.at_path("metadata.name").as_string(), "a");
  EXPECT_EQ(v.at_path("metadata.generation").as_number(), 12);
  EXPECT_EQ(v["list"][1].as_number(), 2.5);
  EXPECT_TRUE(v.at_path("metadata.missing.deeper").is_null());
  EXPECT_EQ(v.at_path("metadata.name.x").as_string(), "");
}

TEST(SdkJsonTest, StringsAndEscapes) {
  Value v = parse(R"(["a\"b\\c\/d\n\t", "\u00e9\u20ac", "\ud83d\ude00", "\u0001"])");
  ASSERT_TRUE(v.is_array());
  EXPECT_EQ(v[0].as_string(), "a\"b\\c/d\n\t");
  EXPECT_EQ(v[1].as_string(), "\xc3\xa9\xe2\x82\xac");
  EXPECT_EQ(v[2].as_string(), "\xf0\x9f\x98\x80");
  EXPECT_EQ(v.dump(), R"(["a\"b\\c/d\n\t","é€","😀","\u0001"])");
}

TEST(SdkJsonTest, BuildsObjects) {
  Value obj = Value::object();
  obj.set("b", 1);
  obj.set("a", "x");
  obj.set("b", 2);  // replaces, keeps the position
  obj.set("nested", Value::object()).set("n", nullptr);
  Value moved = obj.take("a");
  EXPECT_EQ(moved.as_string(), "x");
  EXPECT_EQ(obj.dump(), R"({"b":2,"a":null,"nested":{"n":null}})");
  EXPECT_TRUE(obj.erase("a"));
  EXPECT_EQ(obj.dump(), R"({"b":2,"nested":{"n":null}})");
  EXPECT_EQ(Value(1e20).dump(), "1e+20");
  EXPECT_EQ(Value(0.1).dump(), "0.10000000000000001");
}

TEST(SdkJsonTest, RejectsMalformedInput) {
  for (const char* bad : {"", "{", "[1,]", R"({"a" 1})", R"({"a":1,})", "tru", R"("abc)", R"("\x")",
                          "1 2", R"("\ud800\u0041")", "[-]"}) {
    std::string error;
    Value v = parse(bad, &error);
    EXPECT_FALSE(error.empty()) << bad;
    EXPECT_TRUE(v.is_null()) << bad;
  }
  std::string deep(200, '[');
  std::string error;
  parse(deep + std::string(200, ']'), &error);
  EXPECT_NE(error.find("too deep"), std::string::npos) << error;
}

}  // namespace
}  // namespace watchfilter::sdk::json

#include "proxy/kube/label_selector.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <sstream>
#include <string>

namespace watchfilter::proxy {
namespace {

// [selector, error] pairs: what k8s.io/apimachinery v0.36.3 labels.Parse (kube-apiserver's
// parser for ?labelSelector=) says of each; "" is accepted. Produced by running labels.Parse on
// the first column, so that a refusal by the proxy reads exactly as kube-apiserver's.
constexpr std::string_view kApimachineryCases = R"jsonl(
["",""]
["a=b",""]
["a==b",""]
["a!=b",""]
["a in (x,y)",""]
["a notin (x)",""]
["a",""]
["!a",""]
["a,b=c",""]
[" a = b , c ",""]
["a b","unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"]
["a=b=c","found '=', expected: ',' or 'end of string'"]
["a in x","unable to parse requirement: found 'x' expected: '('"]
["a in (x","unable to parse requirement: found '', expected: ',' or ')'"]
["a in ()",""]
["a in (,)",""]
["a in (x,,y)",""]
["a\u003e5",""]
["a\u003c5",""]
["a\u003ex","unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the value must be an integer"]
["a\u003e-1","unable to parse requirement: values[0][a]: Invalid value: \"-1\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"]
["!a=b","found '=', expected: ',' or 'end of string'"]
["a/b/c=d","unable to parse requirement: \u003cnil\u003e: Invalid value: \"a/b/c\": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
["/a=b","unable to parse requirement: \u003cnil\u003e: Invalid value: \"/a\": prefix part must be non-empty"]
["A.B/c=d","unable to parse requirement: \u003cnil\u003e: Invalid value: \"A.B/c\": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"]
["xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx=a","unable to parse requirement: \u003cnil\u003e: Invalid value: \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\": name part must be no more than 63 bytes"]
["a=vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv","unable to parse requirement: values[0][a]: Invalid value: \"vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv\": must be no more than 63 bytes"]
["a=-x","unable to parse requirement: values[0][a]: Invalid value: \"-x\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"]
["a in (x y)","unable to parse requirement: found 'y', expected: ',' or ')'"]
[",a","found ',', expected: !, identifier, or 'end of string'"]
["a,","found '', expected: identifier after ','"]
["a,,b","found ',', expected: identifier after ','"]
["(a)","found '(', expected: !, identifier, or 'end of string'"]
["a=(b)","unable to parse requirement: found '(', expected: identifier"]
["in=x",""]
["x in (in,notin)",""]
["notin",""]
["a notin","unable to parse requirement: found '' expected: '('"]
["a!","unable to parse requirement: found '!', expected: in, notin, =, ==, !=, gt, lt"]
["a!!=b","unable to parse requirement: found '!', expected: in, notin, =, ==, !=, gt, lt"]
["a==",""]
["a=",""]
["a in (-x,-y)","unable to parse requirement: [values[0][a]: Invalid value: \"-x\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?'), values[1][a]: Invalid value: \"-y\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')]"]
["a\u003e5,b\u003c3",""]
["a=b,!c",""]
["a\tb","unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"]
["\u0000a",""]
["a\u0000b","unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"]
["a=b\u0000c","found 'c', expected: ',' or 'end of string'"]
["!","unable to parse requirement: found '', expected: identifier"]
["!!a","unable to parse requirement: found '!', expected: identifier"]
["a=\"b\"","unable to parse requirement: values[0][a]: Invalid value: \"\\\"b\\\"\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"]
["example.com/a=b",""]
["exa_mple.com/a=b","unable to parse requirement: \u003cnil\u003e: Invalid value: \"exa_mple.com/a\": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"]
["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/b=c","unable to parse requirement: \u003cnil\u003e: Invalid value: \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/b\": prefix part must be no more than 253 bytes"]
["a\u003e99999999999999999999","unable to parse requirement: values[0]: Invalid value: \"99999999999999999999\": for 'Gt', 'Lt' operators, the value must be an integer"]
["a\u003e+5","unable to parse requirement: values[0][a]: Invalid value: \"+5\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"]
["a\u003c=5","unable to parse requirement: found '=', expected: identifier"]
["a\u003e=5","unable to parse requirement: found '=', expected: identifier"]
["a=\u003e5","unable to parse requirement: found '\u003e', expected: identifier"]
["a ! = b","unable to parse requirement: found '!', expected: in, notin, =, ==, !=, gt, lt"]
)jsonl";

TEST(LabelSelectorTest, AcceptsAndRefusesAsKubeApiserver) {
  std::istringstream lines{std::string(kApimachineryCases)};
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    rapidjson::Document d;
    d.Parse(line.c_str());
    ASSERT_FALSE(d.HasParseError()) << line;
    const std::string selector(d[0].GetString(), d[0].GetStringLength());
    const std::string want(d[1].GetString(), d[1].GetStringLength());
    auto parsed = LabelSelector::parse(selector);
    if (want.empty()) {
      EXPECT_TRUE(parsed.ok()) << selector << ": " << parsed.error().message;
    } else {
      ASSERT_TRUE(!parsed.ok()) << selector;
      EXPECT_EQ(parsed.error().message, want) << selector;
    }
    ++n;
  }
  EXPECT_GT(n, 50);
}

bool matches(std::string_view selector, std::string_view labels_json) {
  auto parsed = LabelSelector::parse(selector);
  EXPECT_TRUE(parsed.ok()) << selector;
  const std::string object = labels_json.empty() ? std::string(R"({"metadata":{"name":"x"}})")
                                                 : R"({"metadata":{"name":"x","labels":)" +
                                                       std::string(labels_json) + "}}";
  filters::EventParser parser;
  auto view = parser.parse_object(object, filters::EventType::kModified);
  return parsed.value().matches(view);
}

TEST(LabelSelectorTest, MatchesAsKubernetesRequirementsDo) {
  const std::string_view ab = R"({"a":"b","app.kubernetes.io/name":"web","n":"7","e":""})";
  EXPECT_TRUE(matches("", ab));
  EXPECT_TRUE(matches("", ""));
  EXPECT_TRUE(matches("a=b", ab));
  EXPECT_TRUE(matches("a==b", ab));
  EXPECT_FALSE(matches("a=c", ab));
  EXPECT_FALSE(matches("a=b", ""));  // no labels at all
  EXPECT_TRUE(matches("a!=c", ab));
  EXPECT_TRUE(matches("z!=c", ab));  // != and notin hold when the label is absent
  EXPECT_FALSE(matches("a!=b", ab));
  EXPECT_TRUE(matches("a in (x,b)", ab));
  EXPECT_FALSE(matches("z in (x,b)", ab));
  EXPECT_TRUE(matches("a notin (x,y)", ab));
  EXPECT_TRUE(matches("z notin (x,y)", ab));
  EXPECT_FALSE(matches("a notin (b)", ab));
  EXPECT_TRUE(matches("a", ab));
  EXPECT_FALSE(matches("z", ab));
  EXPECT_TRUE(matches("!z", ab));
  EXPECT_FALSE(matches("!a", ab));
  EXPECT_TRUE(matches("app.kubernetes.io/name=web,a", ab));
  EXPECT_FALSE(matches("app.kubernetes.io/name=web,!a", ab));  // commas are AND
  EXPECT_TRUE(matches("n>6,n<8", ab));
  EXPECT_FALSE(matches("n>7", ab));
  EXPECT_FALSE(matches("a>1", ab));  // not a number: no match
  EXPECT_FALSE(matches("z<1", ab));  // absent: no match
  EXPECT_TRUE(matches("e=", ab));    // the empty value
  EXPECT_TRUE(matches("e in ()", ab));
  EXPECT_FALSE(matches("a in ()", ab));
}

TEST(LabelSelectorTest, KeepsItsText) {
  auto parsed = LabelSelector::parse(" a = b ");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed.value().text(), " a = b ");
  EXPECT_FALSE(parsed.value().empty());
  EXPECT_TRUE(LabelSelector().empty());
  EXPECT_TRUE(LabelSelector::parse("  ").value().empty());
}

}  // namespace
}  // namespace watchfilter::proxy

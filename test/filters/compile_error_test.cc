#include <gtest/gtest.h>

#include "filters/compile.h"

namespace watchfilter::filters {
namespace {

std::string error_of(std::string_view source) {
  const CompileResult r = compile(source);
  EXPECT_FALSE(r.ok()) << source;
  return r.ok() ? std::string() : r.error->to_string();
}

TEST(CompileErrorTest, NamesColumnAndWhatWasExpected) {
  EXPECT_EQ(error_of("changed(spec, status"),
            "col 21: expected ')' after arguments of changed, found end of expression");
  EXPECT_EQ(error_of("spec.replicas >"),
            "col 16: expected a value, path or function call, found end of expression");
  EXPECT_EQ(error_of("(spec.x == 1"), "col 13: expected ')' to close '(', found end of expression");
  EXPECT_EQ(error_of("spec.x = 1"), "col 8: expected '==' (single '=' is not an operator)");
  EXPECT_EQ(error_of("spec.x == 'abc"), "col 11: expected closing quote of string");
  EXPECT_EQ(error_of("spec.x == 1 spec.y"),
            "col 13: expected an operator or end of expression, found 'spec'");
  EXPECT_EQ(error_of("spec.x # 1"), "col 8: unexpected character '#'");
}

TEST(CompileErrorTest, ColumnsCountCodePoints) {
  EXPECT_EQ(error_of("metadata.labels[\"é\"] == 1 )"),
            "col 27: expected an operator or end of expression, found ')'");
}

TEST(CompileErrorTest, TypeErrors) {
  EXPECT_EQ(
      error_of("frobnicate(spec)"),
      "col 1: unknown function 'frobnicate' (known: changed, delta, reldelta, outlier, has, size, "
      "quantity, valueOr, startsWith, endsWith, contains)");
  EXPECT_EQ(error_of("changed(1)"), "col 9: expected a path as argument of changed");
  EXPECT_EQ(error_of("changed(oldObject.spec)"),
            "col 9: expected a path of object as argument of changed");
  EXPECT_EQ(error_of("1 + 2"), "col 1: expected a bool expression, found number");
  EXPECT_EQ(error_of("\"a\" < 3"), "col 5: '<' compares string with number");
  EXPECT_EQ(error_of("1 == \"a\""), "col 3: '==' compares number with string (always false)");
  EXPECT_EQ(error_of("!5"), "col 1: expected bool operand of '!', found number");
  EXPECT_EQ(error_of("spec.x && 3"), "col 11: expected bool operand of '&&', found number");
  EXPECT_EQ(
      error_of("outlier(spec.x)"),
      "col 1: expected outlier(path, z), outlier(path, z, window), outlier(path, z, \"mode\") or "
      "outlier(path, z, window, \"mode\")");
  EXPECT_EQ(error_of("outlier(spec.x, 3, 32, 5)"),
            "col 24: expected a string literal as mode of outlier");
  EXPECT_EQ(error_of("outlier(spec.x, 3, \"median\")"),
            "col 20: unknown word 'median' in the mode of outlier (known: seasonal, ewma, mean, "
            "mad; once, "
            "recovery, every)");
  EXPECT_EQ(error_of("outlier(spec.x, 3, 16, \"mean ewma\")"),
            "col 24: expected one statistic in the mode of outlier, found a second: 'ewma'");
  EXPECT_EQ(error_of("outlier(spec.x, 3, \" \")"),
            "col 20: expected a statistic or a report in the mode of outlier");
  EXPECT_EQ(error_of("outlier(spec.x, spec.z)"),
            "col 17: expected a number literal as z of outlier");
  EXPECT_EQ(error_of("outlier(spec.x, 3, 2)"),
            "col 20: expected an integer window between 4 and 4096 in outlier");
  EXPECT_EQ(error_of("delta(changed(spec)) > 1"),
            "col 7: expected number argument of delta, found bool");
  EXPECT_EQ(error_of("delta(delta(spec.x)) > 1"),
            "col 7: expected an argument of delta without changed/delta/reldelta/outlier");
  EXPECT_EQ(error_of("spec.items[spec.i] == 1"),
            "col 12: expected a string or non-negative integer literal as index");
  EXPECT_EQ(error_of("quantity(\"12 apples\") > 1"),
            "col 10: expected a Kubernetes quantity such as \"500m\" or \"1Gi\"");
  EXPECT_EQ(error_of("[1, 2] == spec.x"),
            "col 1: list literals are only allowed on the right of 'in'");
  EXPECT_EQ(error_of("spec.x in 3"),
            "col 11: expected a list literal or a path on the right of 'in'");
  EXPECT_EQ(error_of("metadata.labels[\"a\\\"b\"] == 1"),
            "col 17: expected a key without quotes or backslashes");
  EXPECT_EQ(error_of("type.x == 1"), "col 6: expected a path before '.x'");
  EXPECT_EQ(error_of("spec.name.foo(1)"),
            "col 11: unknown method 'foo' (known: startsWith, endsWith, contains, size)");
}

TEST(CompileErrorTest, LimitsProtectTheServer) {
  std::string deep(100, '(');
  deep += "true" + std::string(100, ')');
  EXPECT_EQ(error_of(deep), "col 65: expression nested too deeply (limit 64)");
  std::string wide = "spec.a == 1";
  for (int i = 0; i < 300; ++i) wide += " || spec.a == 1";
  EXPECT_NE(error_of(wide).find("expression too large"), std::string::npos);
  EXPECT_NE(error_of(std::string(9000, ' ') + "true").find("longer than 8192 bytes"),
            std::string::npos);
}

TEST(CompileErrorTest, AcceptsTheDocumentedForms) {
  for (const char* ok : {
           "changed(spec) || delta(status.readyReplicas) >= 2 || outlier(status.observedLatencyMs, "
           "3)",
           "metadata.labels[\"app.kubernetes.io/name\"] == \"web\"",
           "status.conditions[0].type == 'Ready'",
           "object.spec.replicas != oldObject.spec.replicas",
           "has(metadata.deletionTimestamp) && type == \"MODIFIED\"",
           "size(metadata.finalizers) > 0 && \"foo\" in metadata.finalizers",
           "spec.phase in [\"Pending\", \"Running\"]",
           "quantity(spec.resources.limits.memory) >= quantity(\"1Gi\")",
           "metadata.name.startsWith(\"web-\") || endsWith(metadata.name, \"-db\")",
           "reldelta(status.replicas) >= 0.1 && -spec.x < 2 * 3 / 4 - 1 + .5e1",
           "valueOr(status.readyReplicas, 0) < 2",
           "oldObject == null",
           "outlier(quantity(status.cpu), 2.5, 64)",
           "outlier(status.latencyMs, 3, 32, \"mean every\")",
           "outlier(status.latencyMs, 3, \"recovery\") || outlier(status.cpu, 4, 'ewma')",
       }) {
    const CompileResult r = compile(ok);
    EXPECT_TRUE(r.ok()) << ok << ": " << (r.ok() ? "" : r.error->to_string());
  }
}

}  // namespace
}  // namespace watchfilter::filters

// Operators and functions of the language, evaluated on one event (stateless filters).
#include <gtest/gtest.h>

#include "test_events.h"

namespace watchfilter::filters {
namespace {

using testing::event;
using testing::Stream;

constexpr std::string_view kBody =
    R"("spec":{"replicas":3,"name":"web-1","paused":false,"ratio":0.25,"empty":null,)"
    R"("limits":{"cpu":"500m","memory":"1Gi"},"finalizers":["a","b\"q"],"esc":"x\u00e9\ny"},)"
    R"("metadata2":{"labels":{"app.kubernetes.io/name":"web","tier":"db"}},)"
    R"("status":{"conditions":[{"type":"Ready","status":"True"},{"type":"Synced","status":"False"}]})";

// Evaluates `expression` on the test event; returns the decision.
Decision eval(std::string_view expression) {
  Stream s(expression);
  return s.decide(event("MODIFIED", "u1", kBody));
}

bool yes(std::string_view expression) {
  const Decision d = eval(expression);
  EXPECT_FALSE(d.error.has_value()) << expression << ": " << d.error.value_or("");
  return d.deliver;
}

TEST(ExpressionTest, Literals) {
  EXPECT_TRUE(yes("true"));
  EXPECT_FALSE(yes("false"));
  EXPECT_TRUE(yes("1 == 1.0"));
  EXPECT_TRUE(yes("'a' == \"a\""));
  EXPECT_TRUE(yes("null == null"));
  EXPECT_TRUE(yes("\"\\u00e9\" == 'é'"));
}

TEST(ExpressionTest, Paths) {
  EXPECT_TRUE(yes("spec.replicas == 3"));
  EXPECT_TRUE(yes("object.spec.replicas == 3"));
  EXPECT_TRUE(yes("metadata2.labels[\"app.kubernetes.io/name\"] == \"web\""));
  EXPECT_TRUE(yes("status.conditions[0].type == \"Ready\""));
  EXPECT_TRUE(yes("status.conditions[1].status == \"False\""));
  EXPECT_TRUE(yes("status.conditions[2].status == null"));
  EXPECT_TRUE(yes("spec.esc == \"x\\u00e9\\ny\""));
  EXPECT_TRUE(yes("metadata.name == 'n-u1'"));
}

TEST(ExpressionTest, Comparisons) {
  EXPECT_TRUE(yes("spec.replicas != 4"));
  EXPECT_TRUE(
      yes("spec.replicas < 4 && spec.replicas <= 3 && spec.replicas > 2 && spec.replicas >= 3"));
  EXPECT_FALSE(yes("spec.replicas < 3"));
  EXPECT_TRUE(yes("spec.name < 'web-2' && spec.name >= 'web'"));
  EXPECT_TRUE(yes("spec.limits == spec.limits"));
  EXPECT_FALSE(yes("spec.limits == status"));
  EXPECT_FALSE(yes("spec.replicas == '3'"));  // different kinds are simply unequal
}

TEST(ExpressionTest, LogicAndArithmetic) {
  EXPECT_TRUE(yes("!spec.paused"));
  EXPECT_TRUE(yes("spec.paused || spec.replicas == 3"));
  EXPECT_FALSE(yes("spec.paused && spec.replicas == 3"));
  EXPECT_TRUE(yes("spec.replicas + 1 == 4 && spec.replicas - 1 == 2"));
  EXPECT_TRUE(yes("spec.replicas * 2 == 6 && spec.replicas / 2 == 1.5"));
  EXPECT_TRUE(yes("-spec.replicas == -3 && 1 + 2 * 3 == 7 && (1 + 2) * 3 == 9"));
  EXPECT_TRUE(yes("spec.name + '!' == 'web-1!'"));
}

TEST(ExpressionTest, InHasSize) {
  EXPECT_TRUE(yes("spec.replicas in [1, 2, 3]"));
  EXPECT_FALSE(yes("spec.replicas in [1, 2]"));
  EXPECT_TRUE(yes("'a' in spec.finalizers && 'b\"q' in spec.finalizers"));
  EXPECT_FALSE(yes("'c' in spec.finalizers"));
  EXPECT_TRUE(yes("'tier' in metadata2.labels"));
  EXPECT_FALSE(yes("'x' in metadata.finalizers"));  // absent list: empty
  EXPECT_TRUE(yes("has(spec.replicas) && !has(spec.missing) && has(spec.empty)"));
  EXPECT_TRUE(yes("has(metadata2.labels['tier'])"));
  EXPECT_TRUE(yes("size(spec.finalizers) == 2 && size(spec.limits) == 2"));
  EXPECT_TRUE(yes("size(spec.name) == 5 && spec.name.size() == 5 && size('é') == 1"));
  EXPECT_TRUE(yes("size(metadata.finalizers) == 0"));
}

TEST(ExpressionTest, StringsAndQuantities) {
  EXPECT_TRUE(
      yes("spec.name.startsWith('web') && spec.name.endsWith('-1') && spec.name.contains('b-')"));
  EXPECT_TRUE(yes("startsWith(spec.name, 'web')"));
  EXPECT_FALSE(yes("spec.name.startsWith('db')"));
  EXPECT_TRUE(yes("quantity(spec.limits.cpu) == 0.5"));
  EXPECT_TRUE(yes("quantity(spec.limits.memory) >= quantity('1024Mi')"));
  EXPECT_TRUE(yes("quantity(spec.replicas) == 3"));
}

TEST(ExpressionTest, TypeAndValueOr) {
  EXPECT_TRUE(yes("type == 'MODIFIED'"));
  EXPECT_TRUE(yes("valueOr(status.readyReplicas, 0) < 2"));
  EXPECT_TRUE(yes("valueOr(spec.replicas, 0) == 3"));
}

TEST(ExpressionTest, RuntimeErrorsAreAbsorbedLikeCel) {
  // status.readyReplicas is missing: `<` on it is an error...
  Decision d = eval("status.readyReplicas < 2");
  EXPECT_TRUE(d.deliver);  // ...which fails open
  EXPECT_EQ(d.error.value_or(""),
            "expected two numbers or two strings to compare: status.readyReplicas is missing");
  // ...unless && / || decide without it.
  EXPECT_FALSE(yes("spec.paused && status.readyReplicas < 2"));
  EXPECT_FALSE(yes("status.readyReplicas < 2 && spec.paused"));
  EXPECT_TRUE(yes("status.readyReplicas < 2 || spec.replicas == 3"));
  EXPECT_TRUE(yes("has(status.readyReplicas) && status.readyReplicas < 2 || true"));
  // A string where a number was expected.
  d = eval("spec.name > 2");
  EXPECT_TRUE(d.deliver);
  EXPECT_EQ(
      d.error.value_or(""),
      "expected two numbers or two strings to compare: spec.name is a string, value is a number");
  d = eval("spec.replicas / 0 == 1");
  EXPECT_EQ(d.error.value_or(""), "division by zero");
  d = eval("spec.replicas");
  EXPECT_EQ(d.error.value_or(""), "expected the filter to give a bool, got a number");
  d = eval("quantity(spec.name) > 1");
  EXPECT_EQ(d.error.value_or(""), "expected a quantity: \"web-1\" is not one");
  d = eval("!spec.name");
  EXPECT_EQ(d.error.value_or(""), "expected a bool: spec.name is a string");
}

TEST(ExpressionTest, ErrorsAreCounted) {
  Stream s("spec.name > 2");
  EXPECT_TRUE(s.deliver(event("ADDED", "u1", kBody)));
  EXPECT_TRUE(s.deliver(event("MODIFIED", "u1", kBody)));
  EXPECT_EQ(s.state().counters().errors, 2u);
  EXPECT_EQ(s.state().counters().delivered, 2u);
  EXPECT_EQ(s.state().counters().evaluated, 2u);
}

}  // namespace
}  // namespace watchfilter::filters

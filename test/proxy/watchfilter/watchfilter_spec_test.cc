// Reading WatchFilter objects: what a valid spec turns into, and the messages of invalid ones
// (the text of the Ready condition and of a filterRef 400).

#include "proxy/watchfilter/watchfilter_spec.h"

#include <gtest/gtest.h>

namespace watchfilter::proxy {
namespace {

using namespace std::chrono_literals;

std::string object(const std::string& spec, const std::string& status = "{}") {
  return R"j({"apiVersion":"watchfilter.io/v1alpha1","kind":"WatchFilter","metadata":{"name":"mongo","namespace":"db","uid":"u-1","generation":3},"spec":)j" +
         spec + R"j(,"status":)j" + status + "}";
}

WatchFilterSpec parse_ok(const std::string& json) {
  auto parsed = parse_watchfilter(json);
  EXPECT_TRUE(parsed.ok()) << parsed.error().message;
  return std::move(parsed).value();
}

TEST(WatchFilterSpecTest, ValidSpecWithEveryField) {
  auto s = parse_ok(object(R"j({
    "resource": {"group": "psmdb.percona.com", "version": "v1", "resource": "perconaservermongodbs"},
    "labelSelector": "app=mongo",
    "filter": "changed(spec) || delta(status.size) >= 2",
    "resync": "30m", "debounce": "1.5s",
    "owned": [{"resource": {"group": "apps", "version": "v1", "resource": "statefulsets"},
               "filter": "changed(status.readyReplicas)", "labelSelector": "app=mongo"},
              {"resource": {"version": "v1", "resource": "pods"}}],
    "includeOwned": true})j"));
  EXPECT_TRUE(s.valid()) << s.error;
  EXPECT_EQ(s.ref.to_string(), "db/mongo");
  EXPECT_EQ(s.uid, "u-1");
  EXPECT_EQ(s.generation, 3);
  EXPECT_EQ(s.resource.to_string(), "psmdb.percona.com/v1/perconaservermongodbs");
  EXPECT_EQ(s.label_selector->text(), "app=mongo");
  EXPECT_EQ(s.filter_source, "changed(spec) || delta(status.size) >= 2");
  EXPECT_NE(s.filter, nullptr);
  EXPECT_EQ(s.resync, 30min);
  EXPECT_EQ(s.debounce, 1500ms);
  EXPECT_TRUE(s.include_owned);
  ASSERT_EQ(s.owned.size(), 2u);
  EXPECT_EQ(s.owned[0].resource.to_string(), "apps/v1/statefulsets");
  EXPECT_EQ(s.owned[0].filter_source, "changed(status.readyReplicas)");
  EXPECT_EQ(s.owned[0].label_selector->text(), "app=mongo");
  EXPECT_NE(s.owned[0].filter, nullptr);
  EXPECT_EQ(s.owned[1].resource.to_string(), "v1/pods");
  EXPECT_EQ(s.owned[1].filter_source, "true");  // the CRD's default, also when absent
  EXPECT_NE(s.owned[1].filter, nullptr);
}

TEST(WatchFilterSpecTest, MinimalSpecHasNoOptionalParts) {
  auto s = parse_ok(object(
      R"j({"resource":{"version":"v1","resource":"configmaps"},"filter":"changed(data)"})j"));
  EXPECT_TRUE(s.valid());
  EXPECT_EQ(s.resource.to_string(), "v1/configmaps");
  EXPECT_FALSE(s.resync);
  EXPECT_FALSE(s.debounce);
  EXPECT_TRUE(s.owned.empty());
  EXPECT_FALSE(s.include_owned);
}

TEST(WatchFilterSpecTest, ExpressionErrorNamesTheColumn) {
  auto s = parse_ok(object(
      R"j({"resource":{"version":"v1","resource":"configmaps"},"filter":"changed(data) && nosuch(x)"})j"));
  EXPECT_FALSE(s.valid());
  EXPECT_EQ(s.invalid_reason, "InvalidFilter");
  EXPECT_TRUE(s.error.starts_with("col 18: ")) << s.error;
  EXPECT_EQ(s.filter, nullptr);
}

TEST(WatchFilterSpecTest, OwnedExpressionErrorNamesItsField) {
  auto s = parse_ok(object(R"j({"resource":{"version":"v1","resource":"configmaps"},"filter":"true",
      "owned":[{"resource":{"version":"v1","resource":"pods"},"filter":"changed(("}]})j"));
  EXPECT_EQ(s.invalid_reason, "InvalidFilter");
  EXPECT_TRUE(s.error.starts_with("spec.owned[0].filter: col ")) << s.error;
  EXPECT_EQ(s.filter, nullptr);  // an invalid WatchFilter runs no part of its spec
}

TEST(WatchFilterSpecTest, BadDurationIsInvalidSpec) {
  auto s = parse_ok(object(
      R"j({"resource":{"version":"v1","resource":"configmaps"},"filter":"true","resync":"5d"})j"));
  EXPECT_EQ(s.invalid_reason, "InvalidSpec");
  EXPECT_EQ(s.error,
            "spec.resync: Invalid value: \"5d\": not a duration (Go syntax, e.g. 500ms, 30s, 5m, "
            "1h30m)");
  auto d = parse_ok(object(
      R"j({"resource":{"version":"v1","resource":"configmaps"},"filter":"true","debounce":"-1s"})j"));
  EXPECT_EQ(d.invalid_reason, "InvalidSpec");
  EXPECT_TRUE(d.error.starts_with("spec.debounce: ")) << d.error;
}

TEST(WatchFilterSpecTest, BadLabelSelectorIsInvalidSpecInKubeApiserversWords) {
  auto s = parse_ok(object(
      R"j({"resource":{"version":"v1","resource":"configmaps"},"filter":"true","labelSelector":"a b"})j"));
  EXPECT_EQ(s.invalid_reason, "InvalidSpec");
  EXPECT_EQ(s.error,
            "spec.labelSelector: Invalid value: \"a b\": unable to parse requirement: found 'b', "
            "expected: in, notin, =, ==, !=, gt, lt");
  auto o = parse_ok(object(R"j({"resource":{"version":"v1","resource":"configmaps"},"filter":"true",
      "owned":[{"resource":{"version":"v1","resource":"pods"},"labelSelector":"x in (a"}]})j"));
  EXPECT_EQ(o.invalid_reason, "InvalidSpec");
  EXPECT_TRUE(o.error.starts_with("spec.owned[0].labelSelector: Invalid value: ")) << o.error;
}

// The proxy's budgets apply to WatchFilters as to filter= (docs/filters.md "Cost budget").
TEST(WatchFilterSpecTest, FilterOverBudgetIsInvalidFilterNamingTheLimit) {
  const std::string json = object(
      R"j({"resource":{"version":"v1","resource":"configmaps"},"filter":"outlier(data.a, 3, 64, \"mean\") || outlier(data.b, 3, 64, \"mean\")"})j");
  filters::CompileOptions budget;
  budget.max_state_bytes = 1000;
  auto parsed = parse_watchfilter(json, budget);
  ASSERT_TRUE(parsed.ok());
  const auto& s = parsed.value();
  EXPECT_EQ(s.invalid_reason, "InvalidFilter");
  EXPECT_EQ(s.error,
            "col 35: filter state too large: 1232 bytes per object (limit 1000, "
            "--max-filter-state-bytes; outlier() 2 calls 1232, changed() 0, delta() 0, "
            "oldObject 0)");
  EXPECT_EQ(s.filter, nullptr);
  EXPECT_TRUE(parse_ok(json).valid());  // inside the default budget
}

TEST(WatchFilterSpecTest, MissingFieldsAreInvalidSpecEvenWithABadExpression) {
  auto no_resource = parse_ok(object(R"j({"filter":"true"})j"));
  EXPECT_EQ(no_resource.invalid_reason, "InvalidSpec");
  EXPECT_EQ(no_resource.error, "spec.resource: Required value");
  auto no_version = parse_ok(object(R"j({"resource":{"resource":"configmaps"},"filter":"(("})j"));
  EXPECT_EQ(no_version.invalid_reason, "InvalidSpec");
  EXPECT_EQ(no_version.error, "spec.resource.version: Required value");
  auto no_filter = parse_ok(object(R"j({"resource":{"version":"v1","resource":"configmaps"}})j"));
  EXPECT_EQ(no_filter.error, "spec.filter: Required value");
  auto no_spec = parse_ok(R"j({"metadata":{"name":"a","namespace":"b"}})j");
  EXPECT_EQ(no_spec.error, "spec: Required value");
}

TEST(WatchFilterSpecTest, ReadsTheStatusItContinuesFrom) {
  auto s =
      parse_ok(object(R"j({"resource":{"version":"v1","resource":"configmaps"},"filter":"true"})j",
                      R"j({"observedEvents":1200,"deliveredEvents":37,"streams":2,
                               "conditions":[{"type":"Other","status":"True"},
                                             {"type":"Ready","status":"True","reason":"Valid","message":"m",
                                              "lastTransitionTime":"2026-01-02T03:04:05Z","observedGeneration":2}]})j"));
  EXPECT_EQ(s.status_observed_events, 1200u);
  EXPECT_EQ(s.status_delivered_events, 37u);
  ASSERT_TRUE(s.status_ready);
  EXPECT_EQ(s.status_ready->status, "True");
  EXPECT_EQ(s.status_ready->last_transition_time, "2026-01-02T03:04:05Z");
  EXPECT_EQ(s.status_ready->observed_generation, 2);
}

TEST(WatchFilterSpecTest, NotAWatchFilterAtAll) {
  EXPECT_FALSE(parse_watchfilter("{").ok());
  EXPECT_TRUE(!parse_watchfilter(R"j({"metadata":{"name":"x"}})j").ok());
}

TEST(WatchFilterSpecTest, WatchEvents) {
  auto added = parse_watchfilter_event(
      R"j({"type":"ADDED","object":)j" +
      object(R"j({"resource":{"version":"v1","resource":"configmaps"},"filter":"true"})j") + "}\n");
  ASSERT_TRUE(added);
  EXPECT_EQ(added->type, "ADDED");
  EXPECT_TRUE(added->object.ok());

  auto end = parse_watchfilter_event(
      R"j({"type":"BOOKMARK","object":{"kind":"WatchFilter","apiVersion":"watchfilter.io/v1alpha1","metadata":{"resourceVersion":"9","annotations":{"k8s.io/initial-events-end":"true"}}}})j");
  ASSERT_TRUE(end);
  EXPECT_TRUE(end->initial_events_end);
  auto plain = parse_watchfilter_event(
      R"j({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"9"}}})j");
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->initial_events_end);
  EXPECT_FALSE(parse_watchfilter_event("not json"));
}

}  // namespace
}  // namespace watchfilter::proxy

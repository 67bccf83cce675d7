#include "filters/filter_cost.h"

#include <gtest/gtest.h>

#include "filters/compile.h"
#include "filters/object_state.h"

namespace watchfilter::filters {
namespace {

// `n` outlier() calls on distinct paths (calls on one path with the same window, mode and z
// share their state).
std::string outliers(int n, int window, std::string_view mode = "") {
  std::string s;
  for (int i = 0; i < n; ++i) {
    if (i) s += " || ";
    s += "outlier(data.k" + std::to_string(i) + ", 3, " + std::to_string(window);
    if (!mode.empty()) s += ", \"" + std::string(mode) + "\"";
    s += ")";
  }
  return s;
}

FilterCost cost_of(std::string_view source) {
  CompileOptions unlimited;
  unlimited.max_state_bytes = 0;
  const CompileResult r = compile(source, unlimited);
  EXPECT_TRUE(r.ok()) << source << ": " << (r.ok() ? "" : r.error->to_string());
  return r.ok() ? filter_cost(r.filter->program()) : FilterCost{};
}

std::string error_of(std::string_view source, const CompileOptions& options = {}) {
  const CompileResult r = compile(source, options);
  EXPECT_FALSE(r.ok()) << source;
  return r.ok() ? std::string() : r.error->to_string();
}

TEST(FilterCostTest, CountsNodesAndTheStateOfEachSlot) {
  EXPECT_EQ(cost_of("true").state_bytes(), 0u);
  EXPECT_EQ(cost_of("true").nodes, 1u);
  // Identical uses share a slot: changed(spec) twice keeps one hash, delta/reldelta one number.
  const FilterCost c = cost_of(
      "changed(spec, status) || changed(spec) || delta(status.n) > 1 || reldelta(status.n) > 0.5 "
      "|| oldObject.spec.x == 1 || outlier(status.m, 3) || outlier(status.m, 3)");
  EXPECT_EQ(c.changed_bytes, 16u);
  EXPECT_EQ(c.delta_bytes, 8u);
  EXPECT_EQ(c.old_object_bytes, sizeof(RememberedValue));
  EXPECT_EQ(c.outlier_calls, 1u);
  EXPECT_EQ(c.state_bytes(), 16u + 8u + sizeof(RememberedValue) + c.outlier_bytes);
  // outlier(): each statistic's full state (docs/filters.md, the table of outlier() bytes).
  EXPECT_EQ(cost_of("outlier(x, 3)").outlier_bytes, 488u);  // seasonal: 24 hours
  EXPECT_EQ(cost_of("outlier(x, 3, 4096)").outlier_bytes, 488u);
  EXPECT_EQ(cost_of("outlier(x, 3, \"ewma\")").outlier_bytes, 104u);
  EXPECT_EQ(cost_of("outlier(x, 3, 100, \"mean\")").outlier_bytes, 104u + 8u * 100u);
  EXPECT_EQ(cost_of("outlier(x, 3, 4096, \"mad\")").outlier_bytes, 104u + 16u * 4096u);
}

// The finding of issue 11: 150 outlier(..., 3, 4096) calls were accepted (about 4.9 MB of state
// per object per stream with the windowed statistic they meant then).
TEST(FilterCostTest, RefusesAStateBudgetOverrunNamingTheLimitAndTheCost) {
  const std::string seasonal = outliers(150, 4096);
  const CompileResult r = compile(seasonal);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->limit, CompileError::Limit::kStateBytes);
  // It points at the call that went over: the 143rd (142 x 488 bytes fit in 68 KiB).
  const std::size_t col = seasonal.find("outlier(data.k142,") + 1;
  EXPECT_EQ(r.error->to_string(),
            "col " + std::to_string(col) +
                ": filter state too large: 73200 bytes per object (limit 69632, "
                "--max-filter-state-bytes; outlier() 150 calls 73200, changed() 0, delta() 0, "
                "oldObject 0)");
  const std::string windows = outliers(150, 4096, "mean every");
  EXPECT_EQ(error_of(windows),
            "col " + std::to_string(windows.find("outlier(data.k2,") + 1) +
                ": filter state too large: 4930800 bytes per object (limit 69632, "
                "--max-filter-state-bytes; outlier() 150 calls 4930800, changed() 0, delta() 0, "
                "oldObject 0)");
  // The default budget admits one call of the largest kind, and not two.
  EXPECT_TRUE(compile(outliers(1, 4096, "mad")).ok());
  EXPECT_EQ(compile(outliers(2, 4096, "mad")).error->limit, CompileError::Limit::kStateBytes);
  // 0: no limit.
  CompileOptions unlimited;
  unlimited.max_state_bytes = 0;
  EXPECT_TRUE(compile(windows, unlimited).ok());
}

TEST(FilterCostTest, RefusesANodeBudgetOverrunWithTheCount) {
  CompileOptions small;
  small.max_nodes = 10;
  const std::string source = "spec.a == 1 || spec.b == 2 || spec.c == 3 || spec.d == 4";
  const CompileResult r = compile(source, small);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->limit, CompileError::Limit::kNodes);
  EXPECT_EQ(r.error->to_string().substr(r.error->to_string().find(':')),
            ": expression too large: 15 nodes (limit 10, --max-filter-nodes)");
  small.max_nodes = 15;
  EXPECT_TRUE(compile(source, small).ok());
  EXPECT_EQ(compile(source).error, std::nullopt);  // the default: 1024
}

// Every filter the documentation and examples show is inside the default budgets.
TEST(FilterCostTest, DefaultsAdmitTheDocumentedFilters) {
  for (const char* ok : {
           "changed(spec) || delta(status.readyReplicas) >= 2 || outlier(status.observedLatencyMs, "
           "3)",
           "changed(spec) || delta(status.size) >= 2 || outlier(status.latencyMs, 3)",
           "outlier(status.latencyMs, 3, 4096, \"mean every\")",
           "outlier(status.latencyMs, 3, 4096, \"mad\")",
           "changed(spec, metadata.labels, metadata.annotations) || oldObject.status.phase != "
           "status.phase",
       }) {
    const CompileResult r = compile(ok);
    EXPECT_TRUE(r.ok()) << ok << ": " << (r.ok() ? "" : r.error->to_string());
  }
}

}  // namespace
}  // namespace watchfilter::filters

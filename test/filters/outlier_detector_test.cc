#include "filters/outlier_detector.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace watchfilter::filters {
namespace {

const ObservedAt kAt{std::chrono::seconds(1709510400)};

// Feeds `values` and returns, per value, whether outlier() would be true.
std::vector<bool> reports(OutlierDetector& d, const std::vector<double>& values) {
  std::vector<bool> out;
  for (double x : values) {
    const OutlierVerdict v = d.assess(x, kAt);
    out.push_back(v.report);
    d.observe(x, kAt, v);
  }
  return out;
}

// `n` observations of noise around 100 (100..104).
std::vector<double> noise(int n) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(100 + i % 5);
  return v;
}

OutlierDetector detector(std::string_view mode, std::uint32_t window = 16, double z = 3) {
  std::string error;
  OutlierSpec spec = *parse_outlier_mode(mode, OutlierSpec{}, error);
  spec.window = window;
  return OutlierDetector(spec, z);
}

int count(const std::vector<bool>& v) {
  int n = 0;
  for (bool b : v) n += b;
  return n;
}

TEST(OutlierDetectorTest, WarmUpIsNeverReported) {
  for (const char* mode : {"seasonal", "ewma", "mean", "mad"}) {
    OutlierDetector d = detector(mode);
    EXPECT_EQ(count(reports(d, {1, 1e6, 1, 1e6, 1, 1e6, 1, 1e6})), 0) << mode;
  }
}

TEST(OutlierDetectorTest, OnceReportsARunOnItsFirstObservation) {
  for (const char* mode : {"seasonal once", "ewma once", "mean once", "mad once"}) {
    OutlierDetector d = detector(mode);
    reports(d, noise(40));
    // A level shift: reported on entry only, then the baseline absorbs it.
    const std::vector<bool> run = reports(d, {400, 400, 400, 400, 400});
    EXPECT_EQ(run, (std::vector<bool>{true, false, false, false, false})) << mode;
  }
}

TEST(OutlierDetectorTest, OnceReportsARunAgainWhenItDeepens) {
  OutlierDetector d = detector("seasonal once");
  reports(d, noise(40));
  const OutlierVerdict first = d.assess(200, kAt);
  ASSERT_TRUE(first.report);
  d.observe(200, kAt, first);
  // The baseline has taken 200 in (its spread grew): 210 is still an outlier, but not 1.5 times
  // as far out as the report was, so it is part of the same run.
  const OutlierVerdict same = d.assess(210, kAt);
  EXPECT_GT(*same.score, 3);
  EXPECT_FALSE(same.report);
  // Far deeper, measured against the baseline as it is now: reported again.
  const OutlierVerdict deeper = d.assess(10000, kAt);
  EXPECT_GT(*deeper.score, OutlierDetector::kDeepening * *first.score);
  EXPECT_TRUE(deeper.report);
}

TEST(OutlierDetectorTest, OnceReportsANewRunAfterWindowCalmObservations) {
  OutlierDetector d = detector("seasonal once", 16);
  reports(d, noise(40));
  EXPECT_TRUE(reports(d, {300})[0]);
  reports(d, noise(15));  // one short of the window: still the same run
  EXPECT_FALSE(reports(d, {300})[0]);
  reports(d, noise(16));
  EXPECT_TRUE(reports(d, {300})[0]);
}

TEST(OutlierDetectorTest, RecoveryAlsoReportsTheEndOfARun) {
  OutlierDetector d = detector("seasonal recovery", 16);
  reports(d, noise(40));
  EXPECT_TRUE(reports(d, {300})[0]);
  const std::vector<bool> calm = reports(d, noise(16));
  EXPECT_EQ(count(calm), 1);
  EXPECT_TRUE(calm.back());  // the 16th calm observation ends the run
}

TEST(OutlierDetectorTest, EveryReportsEachOutlier) {
  OutlierDetector d = detector("mean every", 32);
  reports(d, noise(40));
  EXPECT_EQ(reports(d, {400, 102, 400}), (std::vector<bool>{true, false, true}));
}

TEST(OutlierDetectorTest, QuantizedSeriesDoesNotFlapAtEveryStep) {
  // An integer gauge that moves by one now and then: the robust spread floor keeps single
  // steps quiet under the EW statistics (the windowed MAD collapses to 0 and reports them).
  for (const char* mode : {"seasonal every", "ewma every"}) {
    OutlierDetector d = detector(mode, 32);
    std::vector<double> gauge;
    for (int i = 0; i < 300; ++i) gauge.push_back(i % 17 == 0 ? 4 : 3);
    EXPECT_EQ(count(reports(d, gauge)), 0) << mode;
  }
  // What the windowed statistics do with the same gauge: the MAD of a window of 3s is 0, so
  // each step to 4 is infinitely far (why "mad" is not the default).
  OutlierDetector mad = detector("mad every", 32);
  std::vector<double> gauge;
  for (int i = 0; i < 300; ++i) gauge.push_back(i % 17 == 0 ? 4 : 3);
  EXPECT_GE(count(reports(mad, gauge)), 15);
}

TEST(OutlierSpecTest, ParsesModes) {
  std::string error;
  const OutlierSpec base;
  EXPECT_EQ(base.statistic, OutlierStatistic::kSeasonal);
  EXPECT_EQ(base.report, OutlierReport::kOnce);
  const auto today = parse_outlier_mode("mean every", base, error);
  ASSERT_TRUE(today);
  EXPECT_EQ(today->statistic, OutlierStatistic::kMeanStddev);
  EXPECT_EQ(today->report, OutlierReport::kEvery);
  const auto only_report = parse_outlier_mode("  recovery ", base, error);
  ASSERT_TRUE(only_report);
  EXPECT_EQ(only_report->statistic, OutlierStatistic::kSeasonal);
  EXPECT_EQ(only_report->report, OutlierReport::kOnceRecovery);
  EXPECT_FALSE(parse_outlier_mode("every once", base, error));
  EXPECT_EQ(error, "expected one report in the mode of outlier, found a second: 'once'");
  EXPECT_FALSE(parse_outlier_mode("Mean", base, error));
}

TEST(OutlierSpecTest, StateBytesPerCall) {
  const std::size_t fixed = sizeof(OutlierDetector);
  EXPECT_EQ(outlier_state_bytes({OutlierStatistic::kSeasonal, OutlierReport::kOnce, 0}),
            fixed + 24 * 16);
  EXPECT_EQ(outlier_state_bytes({OutlierStatistic::kEwma, OutlierReport::kOnce, 0}), fixed);
  EXPECT_EQ(outlier_state_bytes({OutlierStatistic::kMeanStddev, OutlierReport::kEvery, 32}),
            fixed + 32 * 8);
  EXPECT_EQ(outlier_state_bytes({OutlierStatistic::kMedianMad, OutlierReport::kEvery, 0}),
            fixed + 2 * 32 * 8);
  EXPECT_LE(fixed, 112u);
}

}  // namespace
}  // namespace watchfilter::filters

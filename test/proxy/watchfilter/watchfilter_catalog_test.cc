// The WatchFilter catalog fed with watch lines (no cluster), and how a filterRef request is
// bound to what it resolves to.

#include "proxy/watchfilter/watchfilter_catalog.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "proxy/watchfilter/filter_ref_binding.h"
#include "test/proxy/support/watch_request_support.h"

namespace watchfilter::proxy {
namespace {

using namespace std::chrono_literals;

std::string event(const std::string& type, const std::string& name, int generation,
                  const std::string& filter, const std::string& uid = "u-1",
                  const std::string& extra_spec = "") {
  return R"({"type":")" + type +
         R"(","object":{"apiVersion":"watchfilter.io/v1alpha1","kind":"WatchFilter","metadata":{"name":")" +
         name + R"(","namespace":"db","uid":")" + uid + R"(","generation":)" +
         std::to_string(generation) +
         R"(},"spec":{"resource":{"version":"v1","resource":"configmaps"},"filter":")" + filter +
         "\"" + extra_spec + R"(},"status":{"observedEvents":100,"deliveredEvents":10}}})" + "\n";
}
const std::string kSynced =
    R"({"type":"BOOKMARK","object":{"kind":"WatchFilter","apiVersion":"watchfilter.io/v1alpha1","metadata":{"resourceVersion":"5","annotations":{"k8s.io/initial-events-end":"true"}}}})";

class CatalogTest : public ::testing::Test {
 protected:
  std::shared_ptr<WatchFilterCatalog> make(std::chrono::milliseconds sync_wait = 10s) {
    WatchFilterCatalog::Options o;
    o.sync_wait = sync_wait;
    auto c =
        std::make_shared<WatchFilterCatalog>(ioc_, nullptr, std::make_shared<const Logger>(0), o);
    return c;
  }
  // Stands in for the catalog's own informer stream: the initial events and the end marker.
  void sync(WatchFilterCatalog& c, const std::vector<std::string>& lines) {
    for (const auto& l : lines) c.apply_line(l);
    c.apply_line(kSynced);
  }
  WatchFilterCatalog::Resolution resolve(WatchFilterCatalog& c, const WatchFilterRef& ref) {
    std::optional<WatchFilterCatalog::Resolution> got;
    c.resolve(ref, ioc_.get_executor(), [&](WatchFilterCatalog::Resolution r) { got = r; });
    ioc_.restart();
    ioc_.run_for(2s);
    EXPECT_TRUE(got);
    return got.value_or(WatchFilterCatalog::Resolution{});
  }

  boost::asio::io_context ioc_;
};

TEST_F(CatalogTest, UnsyncedCatalogAnswersUnavailableAfterTheWait) {
  auto c = make(100ms);
  auto r = resolve(*c, {"db", "x"});
  EXPECT_EQ(r.failure, WatchFilterCatalog::Failure::kUnavailable);
  EXPECT_NE(r.message.find("has not synced"), std::string::npos) << r.message;
  c->stop();
  ioc_.restart();
  ioc_.run_for(1s);
}

TEST_F(CatalogTest, ResolvesAfterTheInitialEvents) {
  auto c = make();
  sync(*c, {event("ADDED", "a", 1, "changed(data)"), event("ADDED", "bad", 1, "changed((")});
  EXPECT_TRUE(c->synced());
  auto a = resolve(*c, {"db", "a"});
  ASSERT_EQ(a.failure, WatchFilterCatalog::Failure::kNone);
  EXPECT_EQ(a.entry.binding->ref(), "db/a");
  EXPECT_EQ(a.entry.base_observed, 100u);  // counts continue from the object's status
  EXPECT_EQ(a.entry.base_delivered, 10u);
  EXPECT_NE(a.entry.binding->current()->filter, nullptr);
  auto bad = resolve(*c, {"db", "bad"});
  ASSERT_EQ(bad.failure, WatchFilterCatalog::Failure::kNone);
  EXPECT_EQ(bad.entry.binding->current()->filter, nullptr);
  EXPECT_TRUE(bad.entry.binding->current()->error.starts_with("col "))
      << bad.entry.binding->current()->error;
  auto missing = resolve(*c, {"db", "nope"});
  EXPECT_EQ(missing.failure, WatchFilterCatalog::Failure::kNotFound);
  EXPECT_EQ(missing.message, "watchfilters.watchfilter.io \"nope\" not found");
}

TEST_F(CatalogTest, OnlySpecChangesPublishANewDefinition) {
  auto c = make();
  sync(*c, {event("ADDED", "a", 1, "changed(data)")});
  auto binding = resolve(*c, {"db", "a"}).entry.binding;
  const auto first = binding->current();
  const auto generation = binding->generation();

  // Our own status write (same metadata.generation): streams keep their filter and its state.
  c->apply_line(event("MODIFIED", "a", 1, "changed(data)"));
  EXPECT_EQ(binding->current(), first);

  c->apply_line(event("MODIFIED", "a", 2, "changed(metadata.labels)", "u-1", R"(,"resync":"1m")"));
  EXPECT_GT(binding->generation(), generation);
  EXPECT_EQ(binding->current()->source, "changed(metadata.labels)");
  EXPECT_EQ(binding->current()->resync, std::chrono::milliseconds(60000));
  EXPECT_EQ(resolve(*c, {"db", "a"}).entry.binding, binding);  // the same live link

  c->apply_line(event("DELETED", "a", 2, "changed(metadata.labels)"));
  EXPECT_EQ(binding->current()->filter, nullptr);
  EXPECT_EQ(binding->current()->error, "WatchFilter db/a was deleted");
  EXPECT_EQ(resolve(*c, {"db", "a"}).failure, WatchFilterCatalog::Failure::kNotFound);
}

TEST_F(CatalogTest, RecreatedUnderTheSameNameIsANewWatchFilter) {
  auto c = make();
  sync(*c, {event("ADDED", "a", 1, "true")});
  auto old_binding = resolve(*c, {"db", "a"}).entry.binding;
  c->apply_line(event("MODIFIED", "a", 1, "false", "u-2"));
  EXPECT_EQ(old_binding->current()->error, "WatchFilter db/a was deleted");
  auto fresh = resolve(*c, {"db", "a"}).entry;
  EXPECT_NE(fresh.binding, old_binding);
  EXPECT_EQ(fresh.binding->current()->source, "false");
}

// ---- bind_filter_ref ----

WatchRequest request(const std::string& query) {
  return std::get<WatchRequest>(testing::parse_target("/api/v1/namespaces/x/configmaps?" + query));
}

TEST_F(CatalogTest, BindingFillsTheRequestFromTheWatchFilter) {
  auto c = make();
  sync(*c, {event("ADDED", "a", 1, "changed(data)", "u-1",
                  R"(,"labelSelector":"app=x","debounce":"2s")")});
  auto resolution = resolve(*c, {"db", "a"});
  auto bound = bind_filter_ref(request("watch=1&filterRef=db/a"), resolution);
  ASSERT_TRUE(bound.ok());
  const auto& r = bound.value();
  EXPECT_EQ(r.binding, resolution.entry.binding);
  EXPECT_EQ(r.filter, resolution.entry.binding->current()->filter);
  EXPECT_EQ(r.label_selector->text(), "app=x");  // the WatchFilter's, as the request had none
  EXPECT_EQ(r.debounce, std::chrono::milliseconds(2000));
  EXPECT_EQ(r.filter_source, "filterRef=db/a");

  EXPECT_TRUE(
      bind_filter_ref(request("watch=1&filterRef=db/a&labelSelector=app%3Dx"), resolution).ok());
  auto other =
      bind_filter_ref(request("watch=1&filterRef=db/a&labelSelector=app%3Dy"), resolution).error();
  EXPECT_EQ(other.reason, StatusReason::kBadRequest);
  EXPECT_EQ(other.message,
            "labelSelector \"app=y\" differs from the spec.labelSelector \"app=x\" of "
            "WatchFilter db/a: leave it out to use the WatchFilter's");
}

TEST_F(CatalogTest, BindingRefusals) {
  auto c = make();
  sync(*c, {event("ADDED", "bad", 1, "changed(data) && nosuch(x)")});
  auto bad =
      bind_filter_ref(request("watch=1&filterRef=db/bad"), resolve(*c, {"db", "bad"})).error();
  EXPECT_EQ(bad.reason, StatusReason::kBadRequest);
  EXPECT_TRUE(bad.message.starts_with("WatchFilter db/bad is invalid (InvalidFilter): col 18: "))
      << bad.message;

  auto missing =
      bind_filter_ref(request("watch=1&filterRef=db/nope"), resolve(*c, {"db", "nope"})).error();
  EXPECT_EQ(missing.reason, StatusReason::kNotFound);
  EXPECT_EQ(missing.message, "watchfilters.watchfilter.io \"nope\" not found");
  ASSERT_TRUE(missing.details);
  EXPECT_EQ(missing.details->name, "nope");
  EXPECT_EQ(missing.details->group, "watchfilter.io");
  EXPECT_EQ(missing.details->kind, "watchfilters");

  WatchFilterCatalog::Resolution no_crd{
      WatchFilterCatalog::Failure::kCrdMissing, "the CRD is not installed", {}};
  EXPECT_EQ(bind_filter_ref(request("watch=1&filterRef=db/a"), no_crd).error().reason,
            StatusReason::kNotFound);
}

TEST_F(CatalogTest, BindingRefusesAnotherResource) {
  auto c = make();
  sync(*c, {event("ADDED", "a", 1, "true")});
  auto secrets = std::get<WatchRequest>(
      testing::parse_target("/api/v1/namespaces/x/secrets?watch=1&filterRef=db/a"));
  auto refusal = bind_filter_ref(secrets, resolve(*c, {"db", "a"})).error();
  EXPECT_EQ(refusal.reason, StatusReason::kBadRequest);
  EXPECT_EQ(refusal.message,
            "WatchFilter db/a filters v1/configmaps, not v1/secrets (its spec.resource)");
}

}  // namespace
}  // namespace watchfilter::proxy

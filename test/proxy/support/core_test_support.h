#pragma once
// Shared by the informer core's tests: a recording stream endpoint, ConfigMap objects and
// events, requests, and a core loaded from a LIST.

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "filters/compile.h"
#include "proxy/base/go_duration.h"
#include "proxy/informer/informer_core.h"
#include "proxy/kube/url_query.h"
#include "proxy/kube/watch_events.h"

namespace watchfilter::proxy::informer {
namespace {

struct FakeEndpoint : StreamEndpoint {
  std::vector<OutEvent> events;
  std::uint64_t progress = 0;
  int deliveries = 0;
  std::optional<EndCause> ended;
  std::string final_line;
  const CoreTime* clock = nullptr;  // when set, the time of each event is kept in `times`
  std::vector<std::chrono::steady_clock::time_point> times;

  void deliver(std::vector<OutEvent> e, std::uint64_t through) override {
    ++deliveries;
    for (auto& x : e) {
      events.push_back(std::move(x));
      if (clock) times.push_back(clock->steady);
    }
    progress = through;
  }
  void end(EndCause cause, std::shared_ptr<const std::string> line) override {
    ended = cause;
    if (line) final_line = *line;
  }
  std::vector<std::string> lines() const {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(*e.line);
    return out;
  }
  // "TYPE name data.k" per event, for readable expectations.
  std::vector<std::string> summary() const {
    std::vector<std::string> out;
    for (const auto& e : events) {
      filters::EventParser p;
      auto v = p.parse_event(*e.line);
      std::string s(filters::event_type_name(v.type()));
      s += " " + std::string(v.name());
      auto k = v.lookup(filters::CompiledPath::make(
          filters::Path{{filters::PathSegment::field("data"), filters::PathSegment::field("k")}}));
      if (k.kind == filters::Kind::kString) s += " " + std::string(k.text);
      out.push_back(s);
    }
    return out;
  }
};

std::string cm(const std::string& name, std::uint64_t rv, const std::string& k,
               const std::string& label = "a") {
  return R"({"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":")" + name +
         R"(","namespace":"default","uid":"uid-)" + name + R"(","resourceVersion":")" +
         std::to_string(rv) + R"(","labels":{"l":")" + label + R"("}},"data":{"k":")" + k +
         R"("}})";
}
// A LIST item: no kind/apiVersion, as kube-apiserver lists built-in types.
std::string item(const std::string& name, std::uint64_t rv, const std::string& k) {
  std::string o = cm(name, rv, k);
  return "{" + o.substr(o.find(R"("metadata")"));
}
std::shared_ptr<const std::string> ev(const std::string& type, const std::string& object) {
  return std::make_shared<const std::string>(event_line(type, object));
}

WatchRequest request(std::string filter, std::string query = "") {
  WatchRequest r;
  r.path.gvr.version = "v1";
  r.path.gvr.resource = "configmaps";
  r.watch = true;
  r.filter_source = filter;
  r.filter = filters::compile(filter.empty() ? "true" : filter).filter;
  EXPECT_TRUE(r.filter) << filter;
  const auto params = parse_query(query);
  auto fs = FieldSelector::parse(
      find_param(params, "fieldSelector") ? *find_param(params, "fieldSelector") : std::string());
  r.field_selector = std::make_shared<const FieldSelector>(fs.value());
  if (auto* ls = find_param(params, "labelSelector")) {
    auto parsed = LabelSelector::parse(*ls);
    EXPECT_TRUE(parsed.ok()) << *ls;
    r.label_selector = std::make_shared<const LabelSelector>(parsed.value());
  }
  if (auto* rv = find_param(params, "resourceVersion")) {
    r.rv_mode = RvMode::kExact;
    r.resource_version = std::stoull(*rv);
  }
  if (auto* w = find_param(params, "watcher")) r.watcher_id = *w;
  // The authenticated caller (the handler chain sets it); "as" is the tests' own parameter.
  r.owner = find_param(params, "as") ? *find_param(params, "as") : "alice";
  if (find_param(params, "sendInitialEvents")) r.send_initial_events = true;
  if (find_param(params, "allowWatchBookmarks")) r.allow_watch_bookmarks = true;
  if (auto* d = find_param(params, "resync")) r.resync = parse_go_duration(*d);
  if (auto* d = find_param(params, "debounce")) r.debounce = parse_go_duration(*d);
  return r;
}

// A core on a test clock: `now` moves only by advance(), and every call passes it.
class InformerCoreTest : public ::testing::Test {
 protected:
  explicit InformerCoreTest(CoreOptions o = options())
      : metrics(std::make_shared<Metrics>()), core(info(), o, metrics) {}
  static ResourceInfo info() { return {{"", "v1", "configmaps"}, "ConfigMap", true}; }
  static CoreOptions options() {
    CoreOptions o;
    o.window_events = 8;
    return o;
  }
  void load(std::vector<std::string> items, std::uint64_t rv) {
    core.load(core.to_listed(items), rv);
  }
  void apply(const std::string& type, const std::string& object) {
    auto r = core.apply_line(ev(type, object), now);
    ASSERT_EQ(r.kind, InformerCore::LineKind::kEvent) << r.message;
  }
  std::shared_ptr<FakeEndpoint> attach(const WatchRequest& r) {
    auto e = std::make_shared<FakeEndpoint>();
    e->clock = &now;
    core.attach(r, e, now);
    return e;
  }
  void advance(std::chrono::milliseconds d) {
    now.steady += d;
    now.system += d;
  }
  // What the informer's timer does: run_due() at each due time up to now + d.
  void run_for(std::chrono::milliseconds d) {
    using std::chrono::ceil;
    using std::chrono::milliseconds;
    const auto until = now.steady + d;
    for (int guard = 0; guard < 100000; ++guard) {
      auto due = core.next_due();
      if (!due || *due > until) break;
      if (*due > now.steady) advance(ceil<milliseconds>(*due - now.steady));
      core.run_due(now);
    }
    if (until > now.steady) advance(ceil<milliseconds>(until - now.steady));
  }
  std::shared_ptr<Metrics> metrics;
  InformerCore core;
  CoreTime now = CoreTime::current();
};

}  // namespace
}  // namespace watchfilter::proxy::informer

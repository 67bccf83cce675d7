#pragma once

#include <chrono>
#include <compare>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "filters/compile_options.h"
#include "filters/compiled_filter.h"
#include "proxy/kube/group_version_resource.h"
#include "proxy/kube/label_selector.h"
#include "proxy/kube/result.h"
#include "proxy/request/watchfilter_ref.h"

namespace watchfilter::proxy {

// One entry of spec.owned: a secondary resource whose admitted changes wake their owner's
// stream (proxy/stream/owned_watches.h).
struct OwnedResourceSpec {
  kube::GroupVersionResource resource;
  std::string filter_source = "true";  // spec.owned[i].filter, "true" when absent
  std::shared_ptr<const filters::CompiledFilter> filter;  // null when the spec is invalid
  std::shared_ptr<const LabelSelector> label_selector = std::make_shared<const LabelSelector>();
};

// The Ready condition's reasons (docs/watchfilter.md).
inline constexpr std::string_view kReasonValid = "Valid";
inline constexpr std::string_view kReasonInvalidFilter = "InvalidFilter";
inline constexpr std::string_view kReasonInvalidSpec = "InvalidSpec";

// A metav1.Condition as read from an object's status.
struct ConditionSnapshot {
  std::string status;  // "True", "False", "Unknown"
  std::string reason;
  std::string message;
  std::string last_transition_time;  // RFC 3339, as written
  std::int64_t observed_generation = 0;

  bool operator==(const ConditionSnapshot&) const = default;
};

// One WatchFilter object, read and validated once; immutable and shared by pointer afterwards.
// A WatchFilter whose spec is wrong is still a WatchFilter: it comes back with `invalid_reason`
// and `error` set (its Ready condition says so, filterRef to it is a 400).
struct WatchFilterSpec {
  WatchFilterRef ref;
  std::string uid;
  std::int64_t generation = 0;  // metadata.generation: bumped by kube-apiserver on spec changes

  kube::GroupVersionResource resource;  // spec.resource
  // spec.labelSelector (validated: a bad one makes the WatchFilter InvalidSpec).
  std::shared_ptr<const LabelSelector> label_selector = std::make_shared<const LabelSelector>();
  std::string filter_source;                              // spec.filter
  std::shared_ptr<const filters::CompiledFilter> filter;  // null when invalid
  std::optional<std::chrono::milliseconds> resync;        // spec.resync
  std::optional<std::chrono::milliseconds> debounce;      // spec.debounce
  std::vector<OwnedResourceSpec> owned;                   // spec.owned
  bool include_owned = false;                             // spec.includeOwned

  // Empty when valid; else kReasonInvalidSpec or kReasonInvalidFilter with the first problem:
  // "spec.resync: Invalid value: \"5d\": ..." or the compiler's "col 12: unknown function foo".
  std::string invalid_reason;
  std::string error;
  bool valid() const { return invalid_reason.empty(); }

  // What status said when read: event counts continue from here after a proxy restart, and
  // the Ready condition's lastTransitionTime is kept while its status does not change.
  std::uint64_t status_observed_events = 0;
  std::uint64_t status_delivered_events = 0;
  std::optional<ConditionSnapshot> status_ready;
};

// Reads one WatchFilter object (JSON). The error is for objects that cannot be a WatchFilter at
// all (not JSON, no metadata.namespace/name); spec problems are in the result.
// `compile`: the proxy's filter budgets; an expression over one makes the WatchFilter
// InvalidFilter with the compiler's message, naming the limit and the cost.
Result<WatchFilterSpec> parse_watchfilter(std::string_view object_json,
                                          const filters::CompileOptions& compile = {});

// One line of a watch of watchfilters: its type (ADDED, MODIFIED, DELETED, BOOKMARK, ERROR) and,
// for the object events, the parsed object. nullopt when the line is not a watch event.
struct WatchFilterEvent {
  std::string type;
  Result<WatchFilterSpec> object = bad_request("no object");
  // BOOKMARK: metadata.annotations["k8s.io/initial-events-end"] == "true".
  bool initial_events_end = false;
};
std::optional<WatchFilterEvent> parse_watchfilter_event(
    std::string_view line, const filters::CompileOptions& compile = {});

}  // namespace watchfilter::proxy

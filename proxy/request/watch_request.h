#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "filters/compile_error.h"
#include "filters/compile_options.h"
#include "filters/compiled_filter.h"
#include "proxy/kube/field_selector.h"
#include "proxy/kube/label_selector.h"
#include "proxy/kube/object_selector.h"
#include "proxy/kube/resource_path.h"
#include "proxy/kube/result.h"
#include "proxy/kube/url_query.h"
#include "proxy/request/filter_binding.h"

namespace watchfilter::proxy {

struct CallerAuthorization;  // proxy/stream/owned_authorization.h

// How a request chose its starting point (watch) or freshness (list).
enum class RvMode : std::uint8_t {
  kUnset,  // resourceVersion absent or ""
  kAny,    // "0": any state, served from the cache
  kExact,  // a specific resourceVersion
};

// A request served from a shared informer (it carries filter, filterRef or watcher): its query
// parameters, validated once into an immutable object that streams share by pointer.
struct WatchRequest {
  ResourcePath path;
  bool watch = false;
  std::string filter_source;  // "" when only `watcher` was given: every event passes
  std::shared_ptr<const filters::CompiledFilter> filter;
  std::string watcher_id;
  // The authenticated caller (owner_of, proxy/kube/user_info.h), set by the handler chain: a
  // watcher is (owner, watcher_id), and its streams count toward the owner's limits.
  std::string owner;
  // filterRef=<namespace>/<name>: FilteredService resolves it through the WatchFilter catalog
  // into `binding` (and `filter`, `resync`, `debounce` from the WatchFilter's current spec).
  std::string filter_ref;
  std::shared_ptr<FilterBinding> binding;
  // Set by the handler chain on filterRef requests: the WatchFilter's spec.owned resources are
  // authorized for the caller when the stream starts (FilteredService).
  std::shared_ptr<const CallerAuthorization> caller;
  // resync=<duration> / debounce=<duration> (Go duration syntax), or the WatchFilter's spec.
  std::optional<std::chrono::milliseconds> resync;
  std::optional<std::chrono::milliseconds> debounce;
  RvMode rv_mode = RvMode::kUnset;
  std::uint64_t resource_version = 0;  // kExact only
  std::string resource_version_match;  // "", "NotOlderThan", "Exact"
  // Evaluated in the proxy (the informer is shared by every selector); never null, may be empty.
  std::shared_ptr<const LabelSelector> label_selector = std::make_shared<const LabelSelector>();
  std::shared_ptr<const FieldSelector> field_selector = std::make_shared<const FieldSelector>();
  bool allow_watch_bookmarks = false;
  std::optional<std::chrono::seconds> timeout;  // timeoutSeconds
  std::optional<bool> send_initial_events;

  // sendInitialEvents=true, or resourceVersion unset/"0" (the legacy synthetic ADDED events).
  bool wants_initial_events() const;
  ObjectSelector selector() const { return {label_selector, field_selector}; }
};

// A `watcher` id: 1 to 253 letters, digits and -._:/ (it appears in metrics and wake-ups).
bool valid_watcher_id(std::string_view id);

// True when the query names one of the parameters that make the proxy serve the request from
// an informer (filter, filterRef, watcher); other requests are passed through unchanged.
bool has_informer_params(const std::vector<QueryParam>& params);

// The flag of a compile error's budget ("" when it is no budget).
std::string_view limit_flag(const filters::CompileError& error);

// The request, or why not: a 400 whose message passes a filter compile error verbatim
// ("col N: ..."). `compile` carries the proxy's budgets (--max-filter-nodes,
// --max-filter-state-bytes); a filter over one is refused with that flag as the error's limit,
// under which the caller counts it (watchfilter_limit_refusals_total{limit}).
Result<WatchRequest> parse_watch_request(const ResourcePath& path,
                                         const std::vector<QueryParam>& params,
                                         const filters::CompileOptions& compile = {});

}  // namespace watchfilter::proxy

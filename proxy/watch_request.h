#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "filters/compiled_filter.h"
#include "proxy/filter_binding.h"
#include "proxy/field_selector.h"
#include "proxy/resource_path.h"
#include "proxy/url_query.h"

namespace watchfilter::proxy {

struct CallerAuthorization;  // proxy/owned_authorization.h

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
  std::string label_selector;          // passed upstream verbatim (part of the informer key)
  std::shared_ptr<const FieldSelector> field_selector;  // never null; may be empty
  bool allow_watch_bookmarks = false;
  std::optional<std::chrono::seconds> timeout;  // timeoutSeconds
  std::optional<bool> send_initial_events;

  // sendInitialEvents=true, or resourceVersion unset/"0" (the legacy synthetic ADDED events).
  bool wants_initial_events() const;
};

// A `watcher` id: 1 to 253 letters, digits and -._:/ (it appears in metrics and wake-ups).
bool valid_watcher_id(std::string_view id);

// True when the query names one of the parameters that make the proxy serve the request from
// an informer (filter, filterRef, watcher); other requests are passed through unchanged.
bool has_informer_params(const std::vector<QueryParam>& params);

// The request, or the message of a 400 Status. A filter compile error is passed verbatim
// ("col N: ...").
std::variant<WatchRequest, std::string> parse_watch_request(
    const ResourcePath& path, const std::vector<QueryParam>& params);

}  // namespace watchfilter::proxy

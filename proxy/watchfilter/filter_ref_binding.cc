#include "proxy/watchfilter/filter_ref_binding.h"

#include <tuple>

namespace watchfilter::proxy {
namespace {

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

std::string duration_text(const std::optional<std::chrono::milliseconds>& d) {
  return d ? std::to_string(d->count()) + "ms" : "none";
}

}  // namespace

Result<WatchRequest> bind_filter_ref(const WatchRequest& request,
                                     const WatchFilterCatalog::Resolution& resolution) {
  using Failure = WatchFilterCatalog::Failure;
  const std::string& ref = request.filter_ref;
  switch (resolution.failure) {
    case Failure::kNone:
      break;
    case Failure::kNotFound: {
      const auto slash = ref.find('/');
      return StatusError{StatusReason::kNotFound, resolution.message,
                         StatusDetails{ref.substr(slash + 1), std::string(kWatchFilterGroup),
                                       std::string(kWatchFilterResource)}};
    }
    case Failure::kCrdMissing:
      return StatusError{StatusReason::kNotFound, "filterRef=" + ref + ": " + resolution.message,
                         std::nullopt};
    case Failure::kUnavailable:
      return StatusError{StatusReason::kServiceUnavailable,
                         "filterRef=" + ref + ": " + resolution.message, std::nullopt};
  }

  const WatchFilterSpec& spec = *resolution.entry.spec;
  const auto definition = resolution.entry.binding->current();
  if (!definition || !definition->filter) {
    const std::string why = definition ? definition->error : spec.error;
    return StatusError{StatusReason::kBadRequest,
                       "WatchFilter " + ref + " is invalid" +
                           (spec.invalid_reason.empty() ? "" : " (" + spec.invalid_reason + ")") +
                           ": " + why,
                       std::nullopt};
  }
  const kube::GroupVersionResource& requested = request.path.gvr;
  if (requested != spec.resource) {
    return StatusError{StatusReason::kBadRequest,
                       "WatchFilter " + ref + " filters " + spec.resource.to_string() + ", not " +
                           requested.to_string() + " (its spec.resource)",
                       std::nullopt};
  }
  WatchRequest bound = request;
  if (request.label_selector->text().empty()) {
    bound.label_selector = spec.label_selector;
  } else if (request.label_selector->text() != spec.label_selector->text()) {
    return StatusError{StatusReason::kBadRequest,
                       "labelSelector " + quoted(request.label_selector->text()) +
                           " differs from the spec.labelSelector " +
                           quoted(spec.label_selector->text()) + " of WatchFilter " + ref +
                           ": leave it out to use the WatchFilter's",
                       std::nullopt};
  }
  // The WatchFilter decides resync and debounce (and changes them for open streams); a request
  // may repeat them but not contradict them.
  for (const auto& [name, asked, configured] :
       {std::tuple{"resync", request.resync, definition->resync},
        std::tuple{"debounce", request.debounce, definition->debounce}}) {
    if (asked && asked != configured) {
      return StatusError{StatusReason::kBadRequest,
                         std::string(name) + "=" + duration_text(asked) + " differs from " +
                             "the spec." + name + " (" + duration_text(configured) +
                             ") of WatchFilter " + ref + ": leave it out",
                         std::nullopt};
    }
  }
  bound.binding = resolution.entry.binding;
  bound.filter = definition->filter;
  bound.resync = definition->resync;
  bound.debounce = definition->debounce;
  return bound;
}

}  // namespace watchfilter::proxy

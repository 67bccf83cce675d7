#include "proxy/request/watch_request.h"

#include <charconv>

#include "filters/compile.h"
#include "proxy/base/dns_names.h"
#include "proxy/base/go_duration.h"
#include "proxy/request/watchfilter_ref.h"

namespace watchfilter::proxy {
namespace {

std::optional<bool> parse_bool(std::string_view v) {
  // Go's strconv.ParseBool, which kube-apiserver's query decoding uses.
  if (v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" || v == "True") return true;
  if (v == "0" || v == "f" || v == "F" || v == "false" || v == "FALSE" || v == "False") {
    return false;
  }
  return std::nullopt;
}

std::optional<std::uint64_t> parse_uint(std::string_view v) {
  std::uint64_t out = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (v.empty() || ec != std::errc() || ptr != v.data() + v.size()) return std::nullopt;
  return out;
}

}  // namespace

bool valid_watcher_id(std::string_view id) {
  if (id.empty() || id.size() > 253) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_' || c == ':' || c == '/';
    if (!ok) return false;
  }
  return true;
}

bool WatchRequest::wants_initial_events() const {
  if (send_initial_events) return *send_initial_events;
  return rv_mode != RvMode::kExact;
}

bool has_informer_params(const std::vector<QueryParam>& params) {
  return find_param(params, "filter") || find_param(params, "filterRef") ||
         find_param(params, "watcher");
}

std::string_view limit_flag(const filters::CompileError& error) {
  switch (error.limit) {
    case filters::CompileError::Limit::kNodes:
      return "max-filter-nodes";
    case filters::CompileError::Limit::kStateBytes:
      return "max-filter-state-bytes";
    case filters::CompileError::Limit::kNone:
      break;
  }
  return {};
}

Result<WatchRequest> parse_watch_request(const ResourcePath& path,
                                         const std::vector<QueryParam>& params,
                                         const filters::CompileOptions& compile) {
  // The namespace names an informer: a name that cannot exist would make one per spelling.
  if (!path.namespace_name.empty() && !is_dns_label(path.namespace_name)) {
    return bad_request(
        "invalid namespace \"" + path.namespace_name +
        "\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or "
        "'-', and must start and end with an alphanumeric character (at most 63 characters)");
  }
  WatchRequest r;
  r.path = path;
  r.watch = path.legacy_watch;
  if (const auto* v = find_param(params, "watch")) {
    auto b = parse_bool(*v);
    if (!b) return bad_request("invalid watch \"" + *v + "\": want true or false");
    r.watch = r.watch || *b;
  }

  const auto* filter = find_param(params, "filter");
  const auto* filter_ref = find_param(params, "filterRef");
  if (filter && filter_ref) return bad_request("filter and filterRef are mutually exclusive");
  if (filter_ref) {
    auto ref = parse_watchfilter_ref(*filter_ref);
    if (!ref) {
      return bad_request(
          "invalid filterRef \"" + *filter_ref +
          "\": want <namespace>/<name> of a WatchFilter (watchfilters.watchfilter.io)");
    }
    r.filter_ref = ref->to_string();
    // The watcher-record identity of a named stream (the informer core resets a record whose
    // filter_source differs): the reference, not the expression, so that a watcher keeps its
    // state across reconnects even after the WatchFilter's expression changed (the binding
    // swaps the filter itself). `filter` stays null until FilteredService resolves the ref.
    r.filter_source = "filterRef=" + r.filter_ref;
  } else if (filter) {
    auto compiled = filters::compile(*filter, compile);
    if (!compiled) {
      return StatusError{StatusReason::kBadRequest, compiled.error->to_string(), std::nullopt,
                         limit_flag(*compiled.error)};
    }
    r.filter_source = *filter;
    r.filter = compiled.filter;
  } else {
    // `watcher` alone: a resumable stream of every event.
    auto compiled = filters::compile("true");
    r.filter = compiled.filter;
  }
  if (const auto* v = find_param(params, "watcher")) {
    if (!valid_watcher_id(*v)) {
      return bad_request("invalid watcher \"" + *v +
                         "\": want 1 to 253 characters of letters, digits and -._:/");
    }
    r.watcher_id = *v;
  }

  if (const auto* v = find_param(params, "resourceVersion"); v && !v->empty()) {
    if (*v == "0") {
      r.rv_mode = RvMode::kAny;
    } else if (auto rv = parse_uint(*v)) {
      r.rv_mode = RvMode::kExact;
      r.resource_version = *rv;
    } else {
      return bad_request("invalid resourceVersion \"" + *v +
                         "\": not a resource version of this server");
    }
  }
  if (const auto* v = find_param(params, "resourceVersionMatch"); v && !v->empty()) {
    if (*v != "NotOlderThan" && *v != "Exact") {
      return bad_request("resourceVersionMatch: Unsupported value: \"" + *v +
                         "\": supported values: \"Exact\", \"NotOlderThan\"");
    }
    r.resource_version_match = *v;
  }
  if (const auto* v = find_param(params, "labelSelector")) {
    auto parsed = LabelSelector::parse(*v);
    if (!parsed) return parsed.error();
    r.label_selector = std::make_shared<const LabelSelector>(std::move(parsed).value());
  }
  {
    const auto* v = find_param(params, "fieldSelector");
    auto parsed = FieldSelector::parse(v ? *v : std::string());
    if (!parsed) return parsed.error();
    r.field_selector = std::make_shared<const FieldSelector>(std::move(parsed).value());
  }
  // A named object is watched as kube-apiserver does it: the collection with
  // fieldSelector=metadata.name=<name>.
  if (!path.name.empty()) {
    std::string text = "metadata.name=" + path.name;
    if (!r.field_selector->empty()) text += "," + r.field_selector->text();
    auto parsed = FieldSelector::parse(text);
    if (!parsed) return parsed.error();
    r.field_selector = std::make_shared<const FieldSelector>(std::move(parsed).value());
  }
  if (const auto* v = find_param(params, "allowWatchBookmarks"); v && !v->empty()) {
    auto b = parse_bool(*v);
    if (!b) return bad_request("invalid allowWatchBookmarks \"" + *v + "\": want true or false");
    r.allow_watch_bookmarks = *b;
  }
  if (const auto* v = find_param(params, "timeoutSeconds"); v && !v->empty()) {
    auto t = parse_uint(*v);
    if (!t || *t > 1'000'000'000) {
      return bad_request("invalid timeoutSeconds \"" + *v + "\": want a non-negative integer");
    }
    r.timeout = std::chrono::seconds(*t);
  }
  if (const auto* v = find_param(params, "sendInitialEvents"); v && !v->empty()) {
    auto b = parse_bool(*v);
    if (!b) return bad_request("invalid sendInitialEvents \"" + *v + "\": want true or false");
    r.send_initial_events = *b;
  }
  // Periods and windows of the proxy's own events (docs/proxy.md "Resync, debounce, wake-ups").
  if (const auto* v = find_param(params, "resync"); v && !v->empty()) {
    auto d = parse_go_duration(*v);
    if (!d || *d < std::chrono::seconds(1)) {
      return bad_request("invalid resync \"" + *v +
                         "\": want a duration of at least 1s, like 30s or 5m");
    }
    r.resync = *d;
  }
  if (const auto* v = find_param(params, "debounce"); v && !v->empty()) {
    auto d = parse_go_duration(*v);
    if (!d || d->count() <= 0) {
      return bad_request("invalid debounce \"" + *v +
                         "\": want a positive duration, like 500ms or 2s");
    }
    r.debounce = *d;
  }

  // kube-apiserver's ValidateListOptions, for the combinations we serve.
  if (r.watch) {
    if (r.send_initial_events) {
      if (r.resource_version_match != "NotOlderThan") {
        return bad_request(
            "resourceVersionMatch: Forbidden: sendInitialEvents requires setting "
            "resourceVersionMatch to NotOlderThan");
      }
      if (*r.send_initial_events && !r.allow_watch_bookmarks) {
        return bad_request(
            "allowWatchBookmarks: Forbidden: sendInitialEvents requires setting "
            "allowWatchBookmarks to true");
      }
    } else if (!r.resource_version_match.empty()) {
      return bad_request(
          "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch "
          "unless sendInitialEvents is provided");
    }
  } else {
    if (r.send_initial_events) {
      return bad_request("sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list");
    }
    if (!r.resource_version_match.empty() && r.rv_mode == RvMode::kUnset) {
      return bad_request(
          "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless "
          "resourceVersion is provided");
    }
    if (r.resource_version_match == "Exact" && r.rv_mode == RvMode::kAny) {
      return bad_request(
          "resourceVersionMatch: Forbidden: resourceVersionMatch \"exact\" is forbidden for "
          "resourceVersion \"0\"");
    }
  }
  return r;
}

}  // namespace watchfilter::proxy

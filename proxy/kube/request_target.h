#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "proxy/kube/result.h"
#include "proxy/kube/url_query.h"

namespace watchfilter::proxy {

// Path prefix of the aggregated API under which upstream paths are also served.
inline constexpr std::string_view kProxyPrefix = "/apis/stream.watchfilter.io/v1alpha1/proxy";
// A view (docs/views.md): /views/<namespace>/<name>/<upstream path>, served at the root only.
inline constexpr std::string_view kViewsSegment = "views";
// Everything under this path is the proxy's own API: it is never sent to kube-apiserver, whose
// aggregator would route it back to the proxy with the sender's identity.
inline constexpr std::string_view kOwnGroupPath = "/apis/stream.watchfilter.io";

// A request target as every stage of the request chain reads it, decoded once: kube-apiserver
// reads Go's req.URL.Path (percent-decoded, `%2F` included) and req.URL.Query(), so the proxy
// authorizes, serves and forwards exactly what those give (no parser differential).
struct RequestTarget {
  std::string path;           // decoded, the proxy prefix kept: what the proxy's own paths match
  std::string upstream_path;  // decoded, the proxy prefix stripped ("/" for the bare prefix)
  bool proxy_prefix = false;  // the path was under kProxyPrefix
  // upstream_path lies under kOwnGroupPath (compared case-insensitively): the doubled prefix,
  // and every other path that would come back to the proxy through the aggregator.
  bool own_group = false;
  std::vector<QueryParam> params;  // Go's url.URL.Query(), in order
  QueryIssues query_issues;

  // The decoded path's first segment is `views`: a request under a view (docs/views.md). Then
  // `view_namespace` and `view_name` are its next two segments (both empty when the path has
  // fewer: no view is named), `view_error` says why they cannot name a view (not a DNS-1123
  // label and subdomain; empty when they can), and `upstream_path` is the rest.
  bool under_view = false;
  std::string view_namespace;
  std::string view_name;
  std::string view_error;
  // upstream_path, under a view or the proxy prefix, starts with another /views segment: a
  // doubled prefix, which is never sent upstream.
  bool nested_view = false;

  // kube-apiserver's reading: `watch` (first value) true for strconv.ParseBool, or the legacy
  // `/watch/` segment of /api/v1 and /apis/<group>/<version>.
  bool is_watch() const;
  // The origin-form target for kube-apiserver: upstream_path percent-encoded where needed and
  // the parameters re-encoded, so upstream decodes exactly `upstream_path` and `params`.
  std::string upstream_target() const;
};

// Parses an origin-form target (`/path?query`). The message of a 400 when the target is not an
// absolute path, has a malformed %-escape in its path, or a `.`, `..` or empty segment once
// decoded (only a single trailing `/` is accepted): such paths are refused rather than
// normalized, so that no two readings of one path exist.
Result<RequestTarget> parse_request_target(std::string_view target);

// Go's strconv.ParseBool true values ("1", "t", "T", "true", "TRUE", "True").
bool parse_bool_true(std::string_view v);

}  // namespace watchfilter::proxy

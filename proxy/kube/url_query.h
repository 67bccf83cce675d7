#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace watchfilter::proxy {

// Percent-decodes one query component the way Go's url.QueryUnescape does (kube-apiserver's
// parser): `+` is a space, `%XX` a byte. nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view in);
// The same for a URL path, as Go's url.PathUnescape (kube-apiserver's router): `+` stays `+`,
// `%2F` is a `/`.
std::optional<std::string> path_unescape(std::string_view in);

struct QueryParam {
  std::string key;
  std::string value;
};

// Go's url.ParseQuery limit (net/url defaultMaxParams, Go 1.26): a query with more `&`-separated
// pieces is no parameters at all for kube-apiserver.
inline constexpr std::size_t kMaxQueryParams = 10000;

// What url.ParseQuery reports but url.URL.Query() (what kube-apiserver reads) ignores.
struct QueryIssues {
  // The raw `key=value` pieces that were dropped: a malformed escape, or a `;` in the piece.
  std::vector<std::string> dropped;
  // More than kMaxQueryParams pieces: every parameter was dropped.
  bool too_many = false;
};

// Splits `a=1&b=2` into decoded parameters, in order, exactly as Go's url.URL.Query(): a piece
// without `=` has an empty value, empty pieces are skipped, a piece with a malformed escape or a
// `;` is dropped and the rest kept. `issues`, when given, says what was dropped.
std::vector<QueryParam> parse_query(std::string_view query, QueryIssues* issues = nullptr);

// The first value of `key`, as Go's url.Values.Get.
const std::string* find_param(const std::vector<QueryParam>& params, std::string_view key);

// Percent-encodes a value for a query string (unreserved characters kept).
std::string percent_encode(std::string_view in);

// `k=v&k2=v2` with every key and value percent-encoded, in the given order (duplicates kept):
// parse_query of the result gives `params` back.
std::string encode_query(const std::vector<QueryParam>& params);

}  // namespace watchfilter::proxy

#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace watchfilter::proxy {

// Percent-decodes one query component the way Go's url.ParseQuery does (kube-apiserver's
// parser): `+` is a space, `%XX` a byte. nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view in);

struct QueryParam {
  std::string key;
  std::string value;
};

// Splits `a=1&b=2` into decoded parameters, in order; a parameter without `=` has an empty
// value. nullopt when an escape is malformed.
std::optional<std::vector<QueryParam>> parse_query(std::string_view query);

// The first value of `key`, as Go's url.Values.Get.
const std::string* find_param(const std::vector<QueryParam>& params, std::string_view key);

// Percent-encodes a value for a query string (unreserved characters kept).
std::string percent_encode(std::string_view in);

}  // namespace watchfilter::proxy

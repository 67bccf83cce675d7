#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace watchfilter::proxy {

// The body of a List served from an informer's cache:
// {"kind":"<Kind>List","apiVersion":V,"metadata":{"resourceVersion":"rv"},"items":[...]}.
// Items are upstream's object bytes as cached (kind and apiVersion included).
std::string build_list(std::string_view kind, std::string_view api_version, std::uint64_t rv,
                       const std::vector<std::string_view>& items);

// What one page of an upstream LIST holds: the items' raw bytes (views into the body) and the
// list metadata. nullopt when the body is not a List.
struct ListPage {
  std::string kind;  // e.g. "ConfigMapList"
  std::string api_version;
  std::uint64_t resource_version = 0;
  std::string continue_token;
  std::vector<std::string> items;  // raw JSON of each item as upstream sent it
};
// `body` needs no padding: it is copied once into a padded buffer.
bool parse_list_page(std::string_view body, ListPage& out, std::string& error);

}  // namespace watchfilter::proxy

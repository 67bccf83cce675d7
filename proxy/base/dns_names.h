#pragma once

#include <string_view>

namespace watchfilter::proxy {

// k8s.io/apimachinery's name rules (validation.IsDNS1123Label, IsDNS1123Subdomain), so that a
// name that cannot exist is refused as kube-apiserver would refuse it.

namespace dns_names_detail {
// Lowercase letters, digits and '-', starting and ending with a letter or digit.
constexpr bool rfc1123_label_chars(std::string_view s) {
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (s.empty() || !alnum(s.front()) || !alnum(s.back())) return false;
  for (char c : s) {
    if (!alnum(c) && c != '-') return false;
  }
  return true;
}
}  // namespace dns_names_detail

// One such label of at most 63 characters: namespace names.
constexpr bool is_dns_label(std::string_view s) {
  return s.size() <= 63 && dns_names_detail::rfc1123_label_chars(s);
}

// Such labels joined by '.', at most 253 characters in all (a label may be longer than 63, as
// Go's regular expression allows): metadata.name of most resources, custom resources included.
constexpr bool is_dns_subdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  while (true) {
    const auto dot = s.find('.');
    if (!dns_names_detail::rfc1123_label_chars(s.substr(0, dot))) return false;
    if (dot == std::string_view::npos) return true;
    s.remove_prefix(dot + 1);
  }
}

}  // namespace watchfilter::proxy

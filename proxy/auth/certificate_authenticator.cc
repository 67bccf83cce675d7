#include "proxy/auth/certificate_authenticator.h"

#include <algorithm>
#include <boost/beast/core/string.hpp>
#include <cctype>

namespace watchfilter::proxy {
namespace {

bool iequals(std::string_view a, std::string_view b) { return boost::beast::iequals(a, b); }

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string unescape_extra_key(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (std::size_t i = 0; i < key.size(); ++i) {
    if (key[i] != '%') {
      out.push_back(key[i]);
      continue;
    }
    if (i + 2 >= key.size()) return std::string(key);
    const int hi = hex_value(key[i + 1]);
    const int lo = hex_value(key[i + 2]);
    if (hi < 0 || lo < 0) return std::string(key);
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

bool is_request_header_credential(const AuthenticationConfig& config, std::string_view name) {
  auto any = [&](const std::vector<std::string>& names) {
    return std::any_of(names.begin(), names.end(),
                       [&](const std::string& n) { return iequals(n, name); });
  };
  if (any(config.username_headers) || any(config.uid_headers) || any(config.group_headers)) {
    return true;
  }
  return std::any_of(config.extra_header_prefixes.begin(), config.extra_header_prefixes.end(),
                     [&](const std::string& p) { return istarts_with(name, p); });
}

std::optional<AuthenticatedUser> authenticate_request_header(
    const AuthenticationConfig& config, const PeerCertificate& peer,
    const boost::beast::http::fields& headers, std::string* why) {
  if (!config.requestheader_ca || peer.empty()) return std::nullopt;
  if (!config.requestheader_ca->verify_client(peer, why)) return std::nullopt;
  if (!config.allowed_names.empty()) {
    const std::string cn = peer.common_name();
    if (std::find(config.allowed_names.begin(), config.allowed_names.end(), cn) ==
        config.allowed_names.end()) {
      if (why) *why = "client certificate CN \"" + cn + "\" is not an allowed requestheader name";
      return std::nullopt;
    }
  }
  AuthenticatedUser out;
  out.method = AuthenticationMethod::kRequestHeader;
  auto first_value = [&](const std::vector<std::string>& names) -> std::string {
    for (const auto& n : names) {
      for (auto it = headers.find(n); it != headers.end() && iequals(it->name_string(), n); ++it) {
        if (!it->value().empty()) return std::string(it->value());
      }
    }
    return {};
  };
  out.user.name = first_value(config.username_headers);
  if (out.user.name.empty()) {
    if (why) *why = "front-proxy request without a username header";
    return std::nullopt;
  }
  out.user.uid = first_value(config.uid_headers);
  for (const auto& n : config.group_headers) {
    for (const auto& f : headers) {
      if (iequals(f.name_string(), n) && !trim(f.value()).empty()) {
        out.user.groups.emplace_back(f.value());
      }
    }
  }
  for (const auto& prefix : config.extra_header_prefixes) {
    for (const auto& f : headers) {
      const std::string_view name = f.name_string();
      if (!istarts_with(name, prefix) || name.size() == prefix.size()) continue;
      if (trim(f.value()).empty()) continue;
      out.user.extra[unescape_extra_key(lower(name.substr(prefix.size())))].emplace_back(f.value());
    }
  }
  add_authenticated_group(out.user);
  return out;
}

std::optional<AuthenticatedUser> authenticate_client_certificate(const AuthenticationConfig& config,
                                                                 const PeerCertificate& peer,
                                                                 std::string* why) {
  if (!config.client_ca || peer.empty()) return std::nullopt;
  if (!config.client_ca->verify_client(peer, why)) return std::nullopt;
  AuthenticatedUser out;
  out.method = AuthenticationMethod::kClientCertificate;
  out.user.name = peer.common_name();
  if (out.user.name.empty()) {
    if (why) *why = "client certificate without a CN";
    return std::nullopt;
  }
  out.user.groups = peer.organizations();
  add_authenticated_group(out.user);
  return out;
}

}  // namespace watchfilter::proxy

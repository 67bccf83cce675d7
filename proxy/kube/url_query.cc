#include "proxy/kube/url_query.h"

namespace watchfilter::proxy {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Go's url.unescape: `%XX` a byte; `+` a space in a query component, itself in a path.
std::optional<std::string> unescape(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '+' && plus_is_space) {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      const int hi = hex_value(in[i + 1]);
      const int lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view in) { return unescape(in, true); }

std::optional<std::string> path_unescape(std::string_view in) { return unescape(in, false); }

std::vector<QueryParam> parse_query(std::string_view query, QueryIssues* issues) {
  std::vector<QueryParam> params;
  std::size_t pieces = 1;
  for (char c : query) pieces += c == '&' ? 1 : 0;
  if (pieces > kMaxQueryParams) {
    if (issues) issues->too_many = true;
    return params;
  }
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view part = query.substr(0, amp);
    if (!part.empty()) {
      const auto eq = part.find('=');
      std::optional<std::string> key;
      std::optional<std::string> value;
      if (part.find(';') == std::string_view::npos) {
        key = percent_decode(part.substr(0, eq));
        value =
            percent_decode(eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1));
      }
      if (key && value) {
        params.push_back({std::move(*key), std::move(*value)});
      } else if (issues) {
        issues->dropped.emplace_back(part);
      }
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return params;
}

const std::string* find_param(const std::vector<QueryParam>& params, std::string_view key) {
  for (const auto& p : params) {
    if (p.key == key) return &p.value;
  }
  return nullptr;
}

std::string percent_encode(std::string_view in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(in.size());
  for (const unsigned char c : in) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string encode_query(const std::vector<QueryParam>& params) {
  std::string out;
  for (const auto& p : params) {
    if (!out.empty()) out += '&';
    out += percent_encode(p.key);
    out += '=';
    out += percent_encode(p.value);
  }
  return out;
}

}  // namespace watchfilter::proxy

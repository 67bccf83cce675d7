#include "filters/quantity.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <string>

namespace watchfilter::filters {
namespace {

std::optional<double> suffix_multiplier(std::string_view s) noexcept {
  struct Suffix {
    std::string_view name;
    double factor;
  };
  static constexpr Suffix kSuffixes[] = {
      {"", 1},        {"n", 1e-9},    {"u", 1e-6},    {"m", 1e-3},
      {"k", 1e3},     {"M", 1e6},     {"G", 1e9},     {"T", 1e12},
      {"P", 1e15},    {"E", 1e18},    {"Ki", 0x1p10}, {"Mi", 0x1p20},
      {"Gi", 0x1p30}, {"Ti", 0x1p40}, {"Pi", 0x1p50}, {"Ei", 0x1p60},
  };
  for (const Suffix& suffix : kSuffixes) {
    if (suffix.name == s) return suffix.factor;
  }
  if (s.size() >= 2 && (s[0] == 'e' || s[0] == 'E')) {
    int exponent = 0;
    std::string_view digits = s.substr(1);
    if (digits[0] == '+') digits.remove_prefix(1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), exponent);
    if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
    if (exponent < -300 || exponent > 300) return std::nullopt;
    return std::pow(10.0, exponent);
  }
  return std::nullopt;
}

}  // namespace

std::optional<double> parse_quantity(std::string_view text) noexcept {
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  const std::size_t number_start = i;
  bool seen_digit = false;
  bool seen_dot = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      seen_digit = true;
    } else if (c == '.' && !seen_dot) {
      seen_dot = true;
    } else {
      break;
    }
  }
  if (!seen_digit) return std::nullopt;
  // from_chars rejects a trailing '.', which Kubernetes accepts ("1."), so parse via a copy.
  std::string_view number = text.substr(number_start, i - number_start);
  if (number.back() == '.') number.remove_suffix(1);
  double value = 0;
  if (number.empty() || number.front() == '.') {
    // ".5" is valid in Kubernetes; from_chars needs a leading digit.
    std::string padded = "0";
    padded.append(number);
    const auto [end, ec] = std::from_chars(padded.data(), padded.data() + padded.size(), value);
    if (ec != std::errc() || end != padded.data() + padded.size()) return std::nullopt;
  } else {
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (ec != std::errc() || end != number.data() + number.size()) return std::nullopt;
  }
  const std::optional<double> factor = suffix_multiplier(text.substr(i));
  if (!factor) return std::nullopt;
  const double result = value * *factor;
  if (!std::isfinite(result)) return std::nullopt;
  return negative ? -result : result;
}

}  // namespace watchfilter::filters

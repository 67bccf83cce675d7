#include "proxy/base/go_duration.h"

#include <cstdint>
#include <limits>

namespace watchfilter::proxy {
namespace {

// Nanoseconds per unit; the longest unit names first so that "ms" is not read as "m".
struct Unit {
  std::string_view name;
  std::uint64_t nanos;
};
constexpr Unit kUnits[] = {
    {"ns", 1},
    {"us", 1'000},
    {"\xC2\xB5s", 1'000},  // U+00B5 micro sign
    {"\xCE\xBCs", 1'000},  // U+03BC Greek mu
    {"ms", 1'000'000},
    {"s", 1'000'000'000},
    {"m", 60'000'000'000},
    {"h", 3'600'000'000'000},
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<std::chrono::milliseconds> parse_go_duration(std::string_view text) {
  // Go's limit: the total must fit an int64 of nanoseconds.
  constexpr std::uint64_t kMax =
      static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text == "0") return std::chrono::milliseconds(0);
  if (text.empty()) return std::nullopt;

  std::uint64_t total = 0;
  while (!text.empty()) {
    // Integer part, kept exact; then up to 18 fraction digits scaled like Go's leadingFraction.
    std::uint64_t whole = 0;
    bool any_digit = false;
    bool whole_overflow = false;
    while (!text.empty() && is_digit(text.front())) {
      const std::uint64_t d = static_cast<std::uint64_t>(text.front() - '0');
      if (whole > (kMax - d) / 10)
        whole_overflow = true;
      else
        whole = whole * 10 + d;
      any_digit = true;
      text.remove_prefix(1);
    }
    if (whole_overflow) return std::nullopt;
    std::uint64_t frac = 0;
    std::uint64_t frac_scale = 1;
    if (!text.empty() && text.front() == '.') {
      text.remove_prefix(1);
      while (!text.empty() && is_digit(text.front())) {
        // Digits beyond what the scale can hold cannot change a millisecond result.
        if (frac_scale < 1'000'000'000'000'000'000ull) {
          frac = frac * 10 + static_cast<std::uint64_t>(text.front() - '0');
          frac_scale *= 10;
        }
        any_digit = true;
        text.remove_prefix(1);
      }
    }
    if (!any_digit) return std::nullopt;

    const Unit* unit = nullptr;
    for (const auto& u : kUnits) {
      if (text.starts_with(u.name) && (unit == nullptr || u.name.size() > unit->name.size())) {
        unit = &u;
      }
    }
    if (unit == nullptr) return std::nullopt;
    text.remove_prefix(unit->name.size());

    if (whole > kMax / unit->nanos) return std::nullopt;
    std::uint64_t value = whole * unit->nanos;
    // The fraction of a unit in floating point, as Go does (exact to well below a millisecond).
    const long double part = static_cast<long double>(frac) *
                             static_cast<long double>(unit->nanos) /
                             static_cast<long double>(frac_scale);
    value += static_cast<std::uint64_t>(part);
    if (value > kMax || total > kMax - value) return std::nullopt;
    total += value;
  }
  return std::chrono::milliseconds(total / 1'000'000);
}

}  // namespace watchfilter::proxy

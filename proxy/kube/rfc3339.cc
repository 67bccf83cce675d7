#include "proxy/kube/rfc3339.h"

#include <cstddef>
#include <cstdio>
#include <ctime>

namespace watchfilter::proxy {
namespace {

using std::chrono::system_clock;

// Parses exactly `n` digits at `s[pos]`.
std::optional<int> digits(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return std::nullopt;
  int out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    out = out * 10 + (s[i] - '0');
  }
  return out;
}

}  // namespace

std::string format_rfc3339(system_clock::time_point t, bool milliseconds) {
  const auto ms = std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[40];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out(buf, n);
  if (milliseconds) {
    const long long frac = ms - static_cast<long long>(seconds) * 1000;
    char f[8];
    std::snprintf(f, sizeof f, ".%03lld", frac);
    out += f;
  }
  return out + "Z";
}

std::optional<Rfc3339Time> parse_rfc3339_parts(std::string_view s) {
  // 2006-01-02T15:04:05
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':') {
    return std::nullopt;
  }
  auto year = digits(s, 0, 4), month = digits(s, 5, 2), day = digits(s, 8, 2);
  auto hour = digits(s, 11, 2), minute = digits(s, 14, 2), second = digits(s, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  if (*month < 1 || *month > 12 || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 ||
      *second > 59) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  long long nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t count = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (count < 9) nanos = nanos * 10 + (s[pos] - '0');
      ++count;
      ++pos;
    }
    if (count == 0) return std::nullopt;
    for (std::size_t i = count; i < 9; ++i) nanos *= 10;
  }
  long long offset_seconds = 0;
  if (pos < s.size() && s[pos] == 'Z') {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const int sign = s[pos] == '-' ? -1 : 1;
    auto oh = digits(s, pos + 1, 2), om = digits(s, pos + 4, 2);
    if (!oh || !om || s[pos + 3] != ':' || *oh > 23 || *om > 59) return std::nullopt;
    offset_seconds = sign * (*oh * 3600LL + *om * 60LL);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year(*year),
                                        std::chrono::month(static_cast<unsigned>(*month)),
                                        std::chrono::day(static_cast<unsigned>(*day))};
  if (!ymd.ok()) return std::nullopt;
  // In seconds, which hold every year 0000-9999; nanoseconds would not.
  const std::chrono::seconds local = std::chrono::sys_days(ymd).time_since_epoch() +
                                     std::chrono::hours(*hour) + std::chrono::minutes(*minute) +
                                     std::chrono::seconds(*second) -
                                     std::chrono::seconds(offset_seconds);
  return Rfc3339Time{local.count(), nanos};
}

std::optional<system_clock::time_point> parse_rfc3339(std::string_view s) {
  auto parts = parse_rfc3339_parts(s);
  if (!parts) return std::nullopt;
  // system_clock counts int64 nanoseconds (years 1677-2262): a time outside is not a time the
  // proxy can schedule or compare, so it is refused here rather than overflowing later.
  constexpr long long kLimit =
      std::chrono::duration_cast<std::chrono::seconds>(system_clock::duration::max()).count() - 1;
  if (parts->seconds < -kLimit || parts->seconds > kLimit) return std::nullopt;
  return system_clock::time_point(std::chrono::duration_cast<system_clock::duration>(
      std::chrono::seconds(parts->seconds) + std::chrono::nanoseconds(parts->nanos)));
}

}  // namespace watchfilter::proxy

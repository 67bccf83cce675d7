#include "proxy/base/flag_value.h"

#include <charconv>
#include <string>

#include "proxy/base/go_duration.h"

namespace watchfilter::proxy {

long long parse_int(std::string_view flag, std::string_view value, long long min, long long max) {
  long long out = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (ec != std::errc() || ptr != value.data() + value.size() || value.empty()) {
    throw FlagError("invalid value \"" + std::string(value) + "\" for flag --" + std::string(flag) +
                    ": not an integer");
  }
  if (out < min || out > max) {
    throw FlagError("invalid value \"" + std::string(value) + "\" for flag --" + std::string(flag) +
                    ": must be in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return out;
}

std::chrono::milliseconds parse_duration(std::string_view flag, std::string_view value) {
  if (auto d = parse_go_duration(value)) return *d;
  throw FlagError("invalid value \"" + std::string(value) + "\" for flag --" + std::string(flag) +
                  ": want a duration like 500ms, 10s, 5m or 1h30m");
}

std::uint64_t parse_bytes(std::string_view flag, std::string_view value) {
  std::size_t digits = 0;
  while (digits < value.size() && value[digits] >= '0' && value[digits] <= '9') ++digits;
  const std::string_view suffix = value.substr(digits);
  std::uint64_t scale = 0;
  if (suffix.empty())
    scale = 1;
  else if (suffix == "Ki")
    scale = 1ull << 10;
  else if (suffix == "Mi")
    scale = 1ull << 20;
  else if (suffix == "Gi")
    scale = 1ull << 30;
  else if (suffix == "k")
    scale = 1000;
  else if (suffix == "M")
    scale = 1000'000;
  else if (suffix == "G")
    scale = 1000'000'000;
  if (digits == 0 || scale == 0) {
    throw FlagError("invalid value \"" + std::string(value) + "\" for flag --" + std::string(flag) +
                    ": want bytes like 8Mi, 512Ki or 1048576");
  }
  return static_cast<std::uint64_t>(parse_int(flag, value.substr(0, digits), 0, (1ll << 40))) *
         scale;
}

}  // namespace watchfilter::proxy

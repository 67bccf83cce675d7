#include "nab_data.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace watchfilter::filters::bench {
namespace {

constexpr std::size_t kTimestampChars = 19;  // "2014-07-01 00:00:00"; windows add ".000000"

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::int64_t epoch_seconds(const std::string& ts) {
  if (ts.size() != kTimestampChars) throw std::runtime_error("bad timestamp '" + ts + "'");
  const auto num = [&](std::size_t at, std::size_t n) { return std::stoi(ts.substr(at, n)); };
  return days_from_civil(num(0, 4), static_cast<unsigned>(num(5, 2)),
                         static_cast<unsigned>(num(8, 2))) *
             86400 +
         num(11, 2) * 3600 + num(14, 2) * 60 + num(17, 2);
}

void read_csv(const std::filesystem::path& path, NabSeries& series) {
  std::istringstream in(read_file(path));
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    const auto comma = line.find(',');
    if (comma == std::string::npos) continue;
    series.timestamps.push_back(line.substr(0, std::min(comma, kTimestampChars)));
    series.seconds.push_back(epoch_seconds(series.timestamps.back()));
    series.values.push_back(std::stod(line.substr(comma + 1)));
  }
  if (series.values.empty()) throw std::runtime_error("no rows in " + path.string());
}

}  // namespace

std::vector<NabSeries> load_nab(const std::filesystem::path& root) {
  const std::string json = read_file(root / "combined_windows.json");
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) throw std::runtime_error("bad combined_windows.json");
  std::vector<NabSeries> all;
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    NabSeries series;
    series.name = it->name.GetString();
    if (!std::filesystem::exists(root / series.name)) continue;  // windows for files not shipped
    for (const auto& w : it->value.GetArray()) {
      series.windows.emplace_back(std::string(w[0].GetString()).substr(0, kTimestampChars),
                                  std::string(w[1].GetString()).substr(0, kTimestampChars));
    }
    read_csv(root / series.name, series);
    for (const auto& [first, last] : series.windows) {
      const auto row = [&](const std::string& ts) {
        const auto it = std::find(series.timestamps.begin(), series.timestamps.end(), ts);
        if (it == series.timestamps.end())
          throw std::runtime_error("window bound " + ts + " is no row of " + series.name);
        return static_cast<std::size_t>(it - series.timestamps.begin());
      };
      series.window_rows.emplace_back(row(first), row(last));
    }
    all.push_back(std::move(series));
  }
  return all;
}

}  // namespace watchfilter::filters::bench

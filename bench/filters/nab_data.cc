#include "nab_data.h"

#include <rapidjson/document.h>

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

void read_csv(const std::filesystem::path& path, NabSeries& series) {
  std::istringstream in(read_file(path));
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    const auto comma = line.find(',');
    if (comma == std::string::npos) continue;
    series.timestamps.push_back(line.substr(0, std::min(comma, kTimestampChars)));
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
    all.push_back(std::move(series));
  }
  return all;
}

}  // namespace watchfilter::filters::bench

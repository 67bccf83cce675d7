#include "proxy/wakeup_object.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdio>
#include <ctime>

namespace watchfilter::proxy {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
using std::chrono::system_clock;

void put(Writer& w, const char* key, std::string_view value) {
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}
void put_if(Writer& w, const char* key, std::string_view value) {
  if (!value.empty()) put(w, key, value);
}

void write_object(Writer& w, const WakeupObject& o) {
  w.StartObject();
  put(w, "apiVersion", "stream.watchfilter.io/v1alpha1");
  put(w, "kind", "Wakeup");
  w.Key("metadata");
  w.StartObject();
  put(w, "name", o.wakeup.name);
  put_if(w, "generateName", o.generate_name);
  put(w, "namespace", o.namespace_name);
  put_if(w, "uid", o.uid);
  put(w, "creationTimestamp", format_rfc3339(o.wakeup.created, false));
  w.EndObject();
  w.Key("spec");
  w.StartObject();
  put(w, "watcher", o.wakeup.watcher);
  put(w, "object", o.wakeup.object);
  put_if(w, "resource", o.wakeup.resource);
  if (o.cluster_scoped) {
    w.Key("clusterScoped");
    w.Bool(true);
  }
  put_if(w, "after", o.after);
  put_if(w, "at", o.at);
  w.EndObject();
  w.Key("status");
  w.StartObject();
  put(w, "due", format_rfc3339(o.wakeup.due, true));
  w.EndObject();
  w.EndObject();
}

std::string string_at(const rapidjson::Value& object, const char* key) {
  if (!object.IsObject()) return {};
  auto it = object.FindMember(key);
  if (it == object.MemberEnd() || !it->value.IsString()) return {};
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

const rapidjson::Value* member(const rapidjson::Value& object, const char* key) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(key);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

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

std::optional<system_clock::time_point> parse_rfc3339(std::string_view s) {
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
  const auto local = std::chrono::sys_days(ymd).time_since_epoch() + std::chrono::hours(*hour) +
                     std::chrono::minutes(*minute) + std::chrono::seconds(*second) -
                     std::chrono::seconds(offset_seconds);
  return system_clock::time_point(
      std::chrono::duration_cast<system_clock::duration>(local + std::chrono::nanoseconds(nanos)));
}

std::string wakeup_json(const WakeupObject& object) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  write_object(w, object);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string wakeup_list_json(const std::vector<WakeupObject>& items) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  put(w, "apiVersion", "stream.watchfilter.io/v1alpha1");
  put(w, "kind", "WakeupList");
  w.Key("metadata");
  w.StartObject();
  w.EndObject();
  w.Key("items");
  w.StartArray();
  for (const auto& item : items) write_object(w, item);
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::optional<WakeupObject> wakeup_from_json(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
  const rapidjson::Value* metadata = member(doc, "metadata");
  const rapidjson::Value* spec = member(doc, "spec");
  const rapidjson::Value* status = member(doc, "status");
  if (metadata == nullptr || spec == nullptr || status == nullptr) return std::nullopt;
  WakeupObject o;
  o.wakeup.name = string_at(*metadata, "name");
  o.generate_name = string_at(*metadata, "generateName");
  o.namespace_name = string_at(*metadata, "namespace");
  o.uid = string_at(*metadata, "uid");
  o.wakeup.watcher = string_at(*spec, "watcher");
  o.wakeup.object = string_at(*spec, "object");
  o.wakeup.resource = string_at(*spec, "resource");
  const rapidjson::Value* cluster = member(*spec, "clusterScoped");
  o.cluster_scoped = cluster != nullptr && cluster->IsBool() && cluster->GetBool();
  o.after = string_at(*spec, "after");
  o.at = string_at(*spec, "at");
  auto due = parse_rfc3339(string_at(*status, "due"));
  auto created = parse_rfc3339(string_at(*metadata, "creationTimestamp"));
  if (o.wakeup.name.empty() || o.namespace_name.empty() || o.wakeup.watcher.empty() ||
      o.wakeup.object.empty() || !due) {
    return std::nullopt;
  }
  o.wakeup.due = *due;
  o.wakeup.created = created ? *created : *due;
  o.wakeup.namespace_name = o.cluster_scoped ? std::string() : o.namespace_name;
  return o;
}

}  // namespace watchfilter::proxy

#include "proxy/watch_events.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace watchfilter::proxy {

std::string json_string(std::string_view s) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string bookmark_line(std::string_view kind, std::string_view api_version, std::uint64_t rv,
                          bool initial_events_end) {
  std::string out = R"({"type":"BOOKMARK","object":{"kind":)";
  out += json_string(kind);
  out += R"(,"apiVersion":)";
  out += json_string(api_version);
  out += R"(,"metadata":{"resourceVersion":")";
  out += std::to_string(rv);
  out += '"';
  if (initial_events_end) out += R"(,"annotations":{"k8s.io/initial-events-end":"true"})";
  out += "}}}\n";
  return out;
}

std::string error_line(std::string_view reason, int code, std::string_view message) {
  std::string out =
      R"({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":)";
  out += json_string(message);
  out += R"(,"reason":)";
  out += json_string(reason);
  out += R"(,"code":)";
  out += std::to_string(code);
  out += "}}\n";
  return out;
}

std::string expired_line(std::uint64_t requested, std::uint64_t oldest) {
  return error_line("Expired", 410,
                    "too old resource version: " + std::to_string(requested) + " (" +
                        std::to_string(oldest) + ")");
}

std::string event_line(std::string_view type, std::string_view object) {
  std::string out;
  out.reserve(object.size() + type.size() + 24);
  out += R"({"type":")";
  out += type;
  out += R"(","object":)";
  out += object;
  out += "}\n";
  return out;
}

std::string with_type_meta(std::string_view item, std::string_view kind,
                           std::string_view api_version) {
  if (item.starts_with(R"({"kind":)") || item.starts_with(R"({"apiVersion":)") ||
      !item.starts_with('{')) {
    return std::string(item);
  }
  std::string out = R"({"kind":)";
  out += json_string(kind);
  out += R"(,"apiVersion":)";
  out += json_string(api_version);
  item.remove_prefix(1);
  if (!item.starts_with('}')) out += ',';
  out += item;
  return out;
}

}  // namespace watchfilter::proxy

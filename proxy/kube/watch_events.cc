#include "proxy/kube/watch_events.h"

#include "proxy/base/json_writer.h"

namespace watchfilter::proxy {
namespace {

constexpr std::size_t npos = std::string_view::npos;

std::size_t skip_ws(std::string_view s, std::size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
  return i;
}

// s[i] == '"': the index after the closing quote (npos when unterminated).
std::size_t skip_string(std::string_view s, std::size_t i) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      return i + 1;
    }
  }
  return npos;
}

// The index after the JSON value starting at s[i] (npos when malformed).
std::size_t skip_value(std::string_view s, std::size_t i) {
  if (i >= s.size()) return npos;
  if (s[i] == '"') return skip_string(s, i);
  if (s[i] == '{' || s[i] == '[') {
    int depth = 0;
    while (i < s.size()) {
      const char c = s[i];
      if (c == '"') {
        i = skip_string(s, i);
        if (i == npos) return npos;
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') --depth;
      ++i;
      if (depth == 0) return i;
    }
    return npos;
  }
  while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' && s[i] != '\t' &&
         s[i] != '\n' && s[i] != '\r') {
    ++i;
  }
  return i;
}

// s[i] == '{': the index of the value of member `key` (whose name has no escapes), or npos.
std::size_t find_member(std::string_view s, std::size_t i, std::string_view key) {
  if (i >= s.size() || s[i] != '{') return npos;
  ++i;
  for (;;) {
    i = skip_ws(s, i);
    if (i >= s.size() || s[i] != '"') return npos;
    const std::size_t name_end = skip_string(s, i);
    if (name_end == npos) return npos;
    const std::string_view name = s.substr(i + 1, name_end - i - 2);
    i = skip_ws(s, name_end);
    if (i >= s.size() || s[i] != ':') return npos;
    i = skip_ws(s, i + 1);
    if (name == key) return i;
    i = skip_value(s, i);
    if (i == npos) return npos;
    i = skip_ws(s, i);
    if (i >= s.size() || s[i] != ',') return npos;
    ++i;
  }
}

}  // namespace

std::string with_resource_version(std::string_view object, std::uint64_t rv) {
  const std::size_t metadata = find_member(object, skip_ws(object, 0), "metadata");
  if (metadata == npos) return std::string(object);
  const std::size_t value = find_member(object, metadata, "resourceVersion");
  if (value == npos || object[value] != '"') return std::string(object);
  const std::size_t end = skip_string(object, value);
  if (end == npos) return std::string(object);
  std::string out;
  out.reserve(object.size() + 24);
  out.append(object.substr(0, value));
  out += '"';
  out += std::to_string(rv);
  out += '"';
  out.append(object.substr(end));
  return out;
}

std::string with_annotation(std::string_view object, std::string_view key, std::string_view value) {
  const std::size_t metadata = find_member(object, skip_ws(object, 0), "metadata");
  if (metadata == npos || object[metadata] != '{') return std::string(object);
  const std::string member = json_string(key) + ":" + json_string(value);
  auto splice = [&](std::size_t from, std::size_t to, std::string_view text) {
    std::string out;
    out.reserve(object.size() + text.size());
    out.append(object.substr(0, from));
    out += text;
    out.append(object.substr(to));
    return out;
  };
  // `key` without escapes finds the member (annotation keys are qualified names: no escapes).
  const std::size_t annotations = find_member(object, metadata, "annotations");
  if (annotations == npos || object[annotations] != '{') {
    if (annotations != npos) {  // null
      const std::size_t end = skip_value(object, annotations);
      if (end == npos) return std::string(object);
      return splice(annotations, end, "{" + member + "}");
    }
    // Absent: a new annotations object first in metadata.
    const std::size_t first = skip_ws(object, metadata + 1);
    const bool empty = first < object.size() && object[first] == '}';
    return splice(metadata + 1, metadata + 1,
                  "\"annotations\":{" + member + "}" + (empty ? "" : ","));
  }
  const std::size_t existing = find_member(object, annotations, key);
  if (existing != npos) {
    const std::size_t end = skip_value(object, existing);
    if (end == npos) return std::string(object);
    return splice(existing, end, json_string(value));
  }
  const std::size_t first = skip_ws(object, annotations + 1);
  const bool empty = first < object.size() && object[first] == '}';
  return splice(annotations + 1, annotations + 1, member + (empty ? "" : ","));
}

std::string json_string(std::string_view s) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  write_string(w, s);
  return json_text(buffer);
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

#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string>
#include <string_view>

namespace watchfilter::proxy {

// The JSON the proxy writes (Status, reviews, its own objects) goes through RapidJSON's writer,
// which escapes; these spell its string calls with string_view, whose sizes RapidJSON wants as
// SizeType.
using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

inline void write_string(JsonWriter& w, std::string_view value) {
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

inline void write_key(JsonWriter& w, std::string_view key) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
}

// `"key":"value"`.
inline void write_field(JsonWriter& w, std::string_view key, std::string_view value) {
  write_key(w, key);
  write_string(w, value);
}

// `"key":"value"`, or nothing when the value is empty (Kubernetes' omitempty).
inline void write_field_if(JsonWriter& w, std::string_view key, std::string_view value) {
  if (!value.empty()) write_field(w, key, value);
}

// A JSON document's text, once the writer has closed its outermost value.
inline std::string json_text(const rapidjson::StringBuffer& buffer) {
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace watchfilter::proxy

#include "proxy/kube/list_response.h"

#include <simdjson.h>

#include <charconv>

#include "proxy/kube/watch_events.h"

namespace watchfilter::proxy {

std::string build_list(std::string_view kind, std::string_view api_version, std::uint64_t rv,
                       const std::vector<std::string_view>& items) {
  std::size_t size = 128;
  for (auto i : items) size += i.size() + 1;
  std::string out;
  out.reserve(size);
  out += R"({"kind":)";
  out += json_string(std::string(kind) + "List");
  out += R"(,"apiVersion":)";
  out += json_string(api_version);
  out += R"(,"metadata":{"resourceVersion":")";
  out += std::to_string(rv);
  out += R"("},"items":[)";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i != 0) out += ',';
    out += items[i];
  }
  out += "]}";
  return out;
}

bool parse_list_page(std::string_view body, ListPage& out, std::string& error) {
  namespace od = simdjson::ondemand;
  simdjson::padded_string padded(body);
  od::parser parser;
  od::document doc;
  if (auto e = parser.iterate(padded).get(doc)) {
    error = simdjson::error_message(e);
    return false;
  }
  od::object root;
  if (auto e = doc.get_object().get(root)) {
    error = simdjson::error_message(e);
    return false;
  }
  bool have_items = false;
  // Fields in document order: kind, apiVersion, metadata, items (Go struct order).
  for (auto field : root) {
    std::string_view key;
    if (field.unescaped_key().get(key)) break;
    if (key == "kind") {
      std::string_view v;
      if (!field.value().get_string().get(v)) out.kind = std::string(v);
    } else if (key == "apiVersion") {
      std::string_view v;
      if (!field.value().get_string().get(v)) out.api_version = std::string(v);
    } else if (key == "metadata") {
      od::object meta;
      if (field.value().get_object().get(meta)) continue;
      for (auto m : meta) {
        std::string_view mk;
        if (m.unescaped_key().get(mk)) break;
        std::string_view v;
        if (mk == "resourceVersion" && !m.value().get_string().get(v)) {
          std::uint64_t rv = 0;
          auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), rv);
          if (ec == std::errc() && p == v.data() + v.size()) out.resource_version = rv;
        } else if (mk == "continue" && !m.value().get_string().get(v)) {
          out.continue_token = std::string(v);
        }
      }
    } else if (key == "items") {
      od::array items;
      auto value = field.value();
      bool is_null = false;
      if (!value.is_null().get(is_null) && is_null) {
        have_items = true;
        continue;
      }
      if (auto e = value.get_array().get(items)) {
        error = std::string("items: ") + simdjson::error_message(e);
        return false;
      }
      have_items = true;
      for (auto item : items) {
        od::object obj;
        std::string_view raw;
        if (item.get_object().get(obj) || obj.raw_json().get(raw)) {
          error = "items: an item is not an object";
          return false;
        }
        while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n')) raw.remove_suffix(1);
        out.items.emplace_back(raw);
      }
    }
  }
  if (!out.kind.ends_with("List") || !have_items) {
    error = "not a List (kind \"" + out.kind + "\")";
    return false;
  }
  return true;
}

}  // namespace watchfilter::proxy

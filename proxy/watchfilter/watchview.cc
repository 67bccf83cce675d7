#include "proxy/watchfilter/watchview.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "proxy/base/dns_names.h"

namespace watchfilter::proxy {

Result<WatchView> parse_watchview(const WatchViewRef& ref, std::string_view json) {
  const std::string invalid = "WatchView " + ref.to_string() + " is invalid: ";
  rapidjson::Document doc;
  // Iterative: the object comes from kube-apiserver, but no JSON is parsed recursively here.
  doc.Parse<rapidjson::kParseIterativeFlag>(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) return bad_request(invalid + "not a JSON object");
  auto spec = doc.FindMember("spec");
  if (spec == doc.MemberEnd() || !spec->value.IsObject()) {
    return bad_request(invalid + "spec: Required value");
  }
  auto filters = spec->value.FindMember("filters");
  if (filters == spec->value.MemberEnd() || !filters->value.IsArray()) {
    return bad_request(invalid + "spec.filters: Required value");
  }
  const auto& items = filters->value.GetArray();
  if (items.Size() > kMaxViewFilters) {
    return bad_request(invalid + "spec.filters: Too many: " + std::to_string(items.Size()) +
                       ": must have at most " + std::to_string(kMaxViewFilters) + " items");
  }
  WatchView view{ref, {}};
  for (rapidjson::SizeType i = 0; i < items.Size(); ++i) {
    const std::string field = "spec.filters[" + std::to_string(i) + "].name";
    auto name = items[i].IsObject() ? items[i].FindMember("name") : items[i].MemberEnd();
    if (!items[i].IsObject() || name == items[i].MemberEnd() || !name->value.IsString()) {
      return bad_request(invalid + field + ": Required value");
    }
    const std::string_view value(name->value.GetString(), name->value.GetStringLength());
    if (!is_dns_subdomain(value)) {
      return bad_request(invalid + field + ": Invalid value: \"" + std::string(value) +
                         "\": must be a DNS-1123 subdomain");
    }
    view.filters.push_back(WatchFilterRef{ref.namespace_name, std::string(value)});
  }
  return view;
}

}  // namespace watchfilter::proxy

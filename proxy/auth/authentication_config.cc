#include "proxy/auth/authentication_config.h"

#include <rapidjson/document.h>

#include "proxy/base/config_error.h"

namespace watchfilter::proxy {
namespace {

std::vector<std::string> string_array(const rapidjson::Value& data, const char* key) {
  std::vector<std::string> out;
  auto it = data.FindMember(key);
  if (it == data.MemberEnd()) return out;
  if (!it->value.IsString()) throw ConfigError(std::string(key) + " is not a string");
  rapidjson::Document list;
  list.Parse(it->value.GetString(), it->value.GetStringLength());
  if (list.HasParseError() || !list.IsArray()) {
    throw ConfigError(std::string(key) + " is not a JSON array of strings");
  }
  for (const auto& v : list.GetArray()) {
    if (!v.IsString()) throw ConfigError(std::string(key) + " is not a JSON array of strings");
    if (v.GetStringLength() > 0) out.emplace_back(v.GetString(), v.GetStringLength());
  }
  return out;
}

std::shared_ptr<const CaBundle> bundle(const rapidjson::Value& data, const char* key) {
  auto it = data.FindMember(key);
  if (it == data.MemberEnd() || !it->value.IsString() || it->value.GetStringLength() == 0) {
    return nullptr;
  }
  try {
    return CaBundle::from_pem({it->value.GetString(), it->value.GetStringLength()});
  } catch (const ConfigError& e) {
    throw ConfigError(std::string(key) + ": " + e.what());
  }
}

}  // namespace

std::shared_ptr<const AuthenticationConfig> parse_authentication_configmap(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) throw ConfigError("not a JSON object");
  auto config = std::make_shared<AuthenticationConfig>();
  if (auto md = doc.FindMember("metadata"); md != doc.MemberEnd() && md->value.IsObject()) {
    if (auto rv = md->value.FindMember("resourceVersion");
        rv != md->value.MemberEnd() && rv->value.IsString()) {
      config->resource_version = rv->value.GetString();
    }
  }
  auto data = doc.FindMember("data");
  if (data == doc.MemberEnd() || !data->value.IsObject()) return config;
  const auto& d = data->value;
  config->client_ca = bundle(d, "client-ca-file");
  config->requestheader_ca = bundle(d, "requestheader-client-ca-file");
  config->allowed_names = string_array(d, "requestheader-allowed-names");
  config->username_headers = string_array(d, "requestheader-username-headers");
  config->uid_headers = string_array(d, "requestheader-uid-headers");
  config->group_headers = string_array(d, "requestheader-group-headers");
  config->extra_header_prefixes = string_array(d, "requestheader-extra-headers-prefix");
  return config;
}

}  // namespace watchfilter::proxy

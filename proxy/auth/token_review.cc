#include "proxy/auth/token_review.h"

#include <rapidjson/document.h>

#include <boost/beast/core/string.hpp>

#include "proxy/base/json_writer.h"

namespace watchfilter::proxy {

std::string token_review_request(std::string_view token) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("apiVersion");
  w.String("authentication.k8s.io/v1");
  w.Key("kind");
  w.String("TokenReview");
  w.Key("spec");
  w.StartObject();
  w.Key("token");
  write_string(w, token);
  w.EndObject();
  w.EndObject();
  return json_text(buffer);
}

std::optional<UserInfo> parse_token_review_response(std::string_view body, std::string& error) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    error = "TokenReview answer is not JSON";
    return std::nullopt;
  }
  auto status = doc.FindMember("status");
  if (status == doc.MemberEnd() || !status->value.IsObject()) {
    error = "TokenReview answer has no status";
    return std::nullopt;
  }
  const auto& st = status->value;
  if (auto e = st.FindMember("error"); e != st.MemberEnd() && e->value.IsString()) {
    error = e->value.GetString();
  }
  auto authenticated = st.FindMember("authenticated");
  if (authenticated == st.MemberEnd() || !authenticated->value.IsBool() ||
      !authenticated->value.GetBool()) {
    if (error.empty()) error = "token not authenticated";
    return std::nullopt;
  }
  auto u = st.FindMember("user");
  if (u == st.MemberEnd() || !u->value.IsObject()) {
    error = "TokenReview answer has no user";
    return std::nullopt;
  }
  UserInfo user;
  const auto& uv = u->value;
  if (auto n = uv.FindMember("username"); n != uv.MemberEnd() && n->value.IsString()) {
    user.name = n->value.GetString();
  }
  if (auto n = uv.FindMember("uid"); n != uv.MemberEnd() && n->value.IsString()) {
    user.uid = n->value.GetString();
  }
  if (auto g = uv.FindMember("groups"); g != uv.MemberEnd() && g->value.IsArray()) {
    for (const auto& v : g->value.GetArray()) {
      if (v.IsString()) user.groups.emplace_back(v.GetString());
    }
  }
  if (auto x = uv.FindMember("extra"); x != uv.MemberEnd() && x->value.IsObject()) {
    for (const auto& m : x->value.GetObject()) {
      auto& values = user.extra[m.name.GetString()];
      if (!m.value.IsArray()) continue;
      for (const auto& v : m.value.GetArray()) {
        if (v.IsString()) values.emplace_back(v.GetString());
      }
    }
  }
  if (user.name.empty()) {
    error = "TokenReview answer has an empty username";
    return std::nullopt;
  }
  add_authenticated_group(user);
  return user;
}

std::string_view bearer_token_of(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size() ||
      !boost::beast::iequals(authorization.substr(0, kScheme.size()), kScheme)) {
    return {};
  }
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
  return token;
}

}  // namespace watchfilter::proxy

#include "proxy/auth/subject_access_review.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace watchfilter::proxy {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void string_field(Writer& w, const char* key, const std::string& value, bool omit_empty = true) {
  if (omit_empty && value.empty()) return;
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

}  // namespace

std::string subject_access_review_request(const UserInfo& user, const RequestAttributes& a) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("apiVersion");
  w.String("authorization.k8s.io/v1");
  w.Key("kind");
  w.String("SubjectAccessReview");
  w.Key("spec");
  w.StartObject();
  if (a.resource_request) {
    w.Key("resourceAttributes");
    w.StartObject();
    string_field(w, "namespace", a.namespace_name);
    string_field(w, "verb", a.verb);
    string_field(w, "group", a.gvr.group);
    string_field(w, "version", a.gvr.version);
    string_field(w, "resource", a.gvr.resource);
    string_field(w, "subresource", a.subresource);
    string_field(w, "name", a.name);
    w.EndObject();
  } else {
    w.Key("nonResourceAttributes");
    w.StartObject();
    string_field(w, "path", a.path);
    string_field(w, "verb", a.verb);
    w.EndObject();
  }
  string_field(w, "user", user.name);
  if (!user.groups.empty()) {
    w.Key("groups");
    w.StartArray();
    for (const auto& g : user.groups)
      w.String(g.data(), static_cast<rapidjson::SizeType>(g.size()));
    w.EndArray();
  }
  if (!user.extra.empty()) {
    w.Key("extra");
    w.StartObject();
    for (const auto& [key, values] : user.extra) {
      w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
      w.StartArray();
      for (const auto& v : values) w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
      w.EndArray();
    }
    w.EndObject();
  }
  string_field(w, "uid", user.uid);
  w.EndObject();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

AuthorizationDecision parse_subject_access_review_response(std::string_view body) {
  AuthorizationDecision d;
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    d.error = "SubjectAccessReview answer is not JSON";
    return d;
  }
  auto status = doc.FindMember("status");
  if (status == doc.MemberEnd() || !status->value.IsObject()) {
    d.error = "SubjectAccessReview answer has no status";
    return d;
  }
  const auto& st = status->value;
  if (auto a = st.FindMember("allowed"); a != st.MemberEnd() && a->value.IsBool()) {
    d.allowed = a->value.GetBool();
  }
  if (auto dn = st.FindMember("denied");
      dn != st.MemberEnd() && dn->value.IsBool() && dn->value.GetBool()) {
    d.allowed = false;
  }
  if (auto r = st.FindMember("reason"); r != st.MemberEnd() && r->value.IsString()) {
    d.reason = r->value.GetString();
  }
  // An evaluation error with allowed=true still allows (RBAC may allow despite a broken
  // binding); with allowed=false it is a plain denial, as k8s.io/apiserver's webhook
  // authorizer treats it.
  return d;
}

}  // namespace watchfilter::proxy

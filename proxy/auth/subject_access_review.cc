#include "proxy/auth/subject_access_review.h"

#include <rapidjson/document.h>

#include "proxy/base/json_writer.h"

namespace watchfilter::proxy {

std::string subject_access_review_request(const UserInfo& user, const RequestAttributes& a) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
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
    write_field_if(w, "namespace", a.namespace_name);
    write_field_if(w, "verb", a.verb);
    write_field_if(w, "group", a.gvr.group);
    write_field_if(w, "version", a.gvr.version);
    write_field_if(w, "resource", a.gvr.resource);
    write_field_if(w, "subresource", a.subresource);
    write_field_if(w, "name", a.name);
    w.EndObject();
  } else {
    w.Key("nonResourceAttributes");
    w.StartObject();
    write_field_if(w, "path", a.path);
    write_field_if(w, "verb", a.verb);
    w.EndObject();
  }
  write_field_if(w, "user", user.name);
  if (!user.groups.empty()) {
    w.Key("groups");
    w.StartArray();
    for (const auto& g : user.groups) write_string(w, g);
    w.EndArray();
  }
  if (!user.extra.empty()) {
    w.Key("extra");
    w.StartObject();
    for (const auto& [key, values] : user.extra) {
      write_key(w, key);
      w.StartArray();
      for (const auto& v : values) write_string(w, v);
      w.EndArray();
    }
    w.EndObject();
  }
  write_field_if(w, "uid", user.uid);
  w.EndObject();
  w.EndObject();
  return json_text(buffer);
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

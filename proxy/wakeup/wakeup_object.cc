#include "proxy/wakeup/wakeup_object.h"

#include <rapidjson/document.h>

#include "proxy/base/json_writer.h"
#include "proxy/kube/rfc3339.h"

namespace watchfilter::proxy {
namespace {

void write_object(JsonWriter& w, const WakeupObject& o) {
  w.StartObject();
  write_field(w, "apiVersion", "stream.watchfilter.io/v1alpha1");
  write_field(w, "kind", "Wakeup");
  w.Key("metadata");
  w.StartObject();
  write_field(w, "name", o.wakeup.name);
  write_field_if(w, "generateName", o.generate_name);
  write_field(w, "namespace", o.namespace_name);
  write_field_if(w, "uid", o.uid);
  write_field(w, "creationTimestamp", format_rfc3339(o.wakeup.created, false));
  w.EndObject();
  w.Key("spec");
  w.StartObject();
  write_field(w, "watcher", o.wakeup.watcher);
  write_field(w, "object", o.wakeup.object);
  write_field_if(w, "resource", o.wakeup.resource);
  if (o.cluster_scoped) {
    w.Key("clusterScoped");
    w.Bool(true);
  }
  write_field_if(w, "after", o.after);
  write_field_if(w, "at", o.at);
  write_field(w, "username", o.wakeup.owner);
  w.EndObject();
  w.Key("status");
  w.StartObject();
  write_field(w, "due", format_rfc3339(o.wakeup.due, true));
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

}  // namespace

std::string wakeup_json(const WakeupObject& object) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  write_object(w, object);
  return json_text(buffer);
}

std::string wakeup_list_json(const std::vector<WakeupObject>& items) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  write_field(w, "apiVersion", "stream.watchfilter.io/v1alpha1");
  write_field(w, "kind", "WakeupList");
  w.Key("metadata");
  w.StartObject();
  w.EndObject();
  w.Key("items");
  w.StartArray();
  for (const auto& item : items) write_object(w, item);
  w.EndArray();
  w.EndObject();
  return json_text(buffer);
}

std::optional<WakeupObject> wakeup_from_json(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(json.data(), json.size());
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
  o.wakeup.owner = string_at(*spec, "username");
  auto due = parse_rfc3339(string_at(*status, "due"));
  auto created = parse_rfc3339(string_at(*metadata, "creationTimestamp"));
  // Without its creator a wake-up has no stream to go to (one stored by a proxy older than
  // spec.username is dropped at load, with a warning).
  if (o.wakeup.name.empty() || o.namespace_name.empty() || o.wakeup.watcher.empty() ||
      o.wakeup.object.empty() || o.wakeup.owner.empty() || !due) {
    return std::nullopt;
  }
  o.wakeup.due = *due;
  o.wakeup.created = created ? *created : *due;
  o.wakeup.namespace_name = o.cluster_scoped ? std::string() : o.namespace_name;
  return o;
}

}  // namespace watchfilter::proxy

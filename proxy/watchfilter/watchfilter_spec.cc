#include "proxy/watchfilter/watchfilter_spec.h"

#include <rapidjson/document.h>

#include "filters/compile.h"
#include "proxy/base/go_duration.h"

namespace watchfilter::proxy {
namespace {

using Value = rapidjson::Value;

const Value* member(const Value& object, const char* key) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(key);
  return it == object.MemberEnd() || it->value.IsNull() ? nullptr : &it->value;
}

std::string string_of(const Value& v) { return std::string(v.GetString(), v.GetStringLength()); }

std::uint64_t count_of(const Value* v) {
  if (v == nullptr) return 0;
  if (v->IsUint64()) return v->GetUint64();
  return 0;  // negative or not a number: start from zero rather than refuse the object
}

// Collects the first problem of a spec, Kubernetes field-error style.
class Problems {
 public:
  void invalid_spec(std::string message) { set(kReasonInvalidSpec, std::move(message)); }
  void invalid_filter(std::string message) { set(kReasonInvalidFilter, std::move(message)); }
  void store_into(WatchFilterSpec& spec) {
    spec.invalid_reason = reason_;
    spec.error = std::move(message_);
  }

 private:
  void set(std::string_view reason, std::string message) {
    // InvalidSpec wins over InvalidFilter: a spec that is wrong in shape is reported as such
    // even when its expression does not compile either.
    if (!reason_.empty() && !(reason_ == kReasonInvalidFilter && reason == kReasonInvalidSpec)) {
      return;
    }
    reason_ = std::string(reason);
    message_ = std::move(message);
  }
  std::string reason_;
  std::string message_;
};

// A string field; absent is "" (required fields are checked by the caller).
std::string read_string(const Value& object, const char* key, const std::string& path,
                        Problems& problems) {
  const Value* v = member(object, key);
  if (v == nullptr) return {};
  if (!v->IsString()) {
    problems.invalid_spec(path + ": Invalid value: must be a string");
    return {};
  }
  return string_of(*v);
}

kube::GroupVersionResource read_gvr(const Value* v, const std::string& path, Problems& problems) {
  kube::GroupVersionResource gvr;
  if (v == nullptr) {
    problems.invalid_spec(path + ": Required value");
    return gvr;
  }
  if (!v->IsObject()) {
    problems.invalid_spec(path +
                          ": Invalid value: must be an object with group, version and "
                          "resource");
    return gvr;
  }
  gvr.group = read_string(*v, "group", path + ".group", problems);
  gvr.version = read_string(*v, "version", path + ".version", problems);
  gvr.resource = read_string(*v, "resource", path + ".resource", problems);
  if (gvr.version.empty()) problems.invalid_spec(path + ".version: Required value");
  if (gvr.resource.empty()) problems.invalid_spec(path + ".resource: Required value");
  for (const auto* part : {&gvr.group, &gvr.version, &gvr.resource}) {
    if (part->find('/') != std::string::npos) {
      problems.invalid_spec(path + ": Invalid value: \"" + *part + "\": must not contain '/'");
    }
  }
  return gvr;
}

std::optional<std::chrono::milliseconds> read_duration(const Value& spec, const char* key,
                                                       Problems& problems) {
  const std::string path = std::string("spec.") + key;
  const std::string text = read_string(spec, key, path, problems);
  if (text.empty()) return std::nullopt;
  auto d = parse_go_duration(text);
  if (!d) {
    problems.invalid_spec(path + ": Invalid value: \"" + text +
                          "\": not a duration (Go syntax, e.g. 500ms, 30s, 5m, 1h30m)");
  }
  return d;
}

// A labelSelector field, validated as kube-apiserver validates the query parameter.
std::shared_ptr<const LabelSelector> read_label_selector(const Value& object, const char* key,
                                                         const std::string& path,
                                                         Problems& problems) {
  const std::string text = read_string(object, key, path, problems);
  auto parsed = LabelSelector::parse(text);
  if (!parsed) {
    problems.invalid_spec(path + ": Invalid value: \"" + text + "\": " + parsed.error().message);
    return std::make_shared<const LabelSelector>();
  }
  return std::make_shared<const LabelSelector>(std::move(parsed).value());
}

ConditionSnapshot read_condition(const Value& c) {
  ConditionSnapshot out;
  auto text = [&](const char* key) {
    const Value* v = member(c, key);
    return v != nullptr && v->IsString() ? string_of(*v) : std::string();
  };
  out.status = text("status");
  out.reason = text("reason");
  out.message = text("message");
  out.last_transition_time = text("lastTransitionTime");
  if (const Value* g = member(c, "observedGeneration"); g != nullptr && g->IsInt64()) {
    out.observed_generation = g->GetInt64();
  }
  return out;
}

void read_spec(const Value* spec, WatchFilterSpec& out, Problems& problems,
               const filters::CompileOptions& compile) {
  if (spec == nullptr || !spec->IsObject()) {
    problems.invalid_spec("spec: Required value");
    return;
  }
  out.resource = read_gvr(member(*spec, "resource"), "spec.resource", problems);
  out.label_selector = read_label_selector(*spec, "labelSelector", "spec.labelSelector", problems);
  out.filter_source = read_string(*spec, "filter", "spec.filter", problems);
  if (out.filter_source.empty()) {
    problems.invalid_spec("spec.filter: Required value");
  } else if (auto compiled = filters::compile(out.filter_source, compile)) {
    out.filter = compiled.filter;
  } else {
    // The compiler's message verbatim ("col N: ..."): the same text a filter= request gets.
    problems.invalid_filter(compiled.error->to_string());
  }
  out.resync = read_duration(*spec, "resync", problems);
  out.debounce = read_duration(*spec, "debounce", problems);
  if (const Value* b = member(*spec, "includeOwned")) {
    if (b->IsBool())
      out.include_owned = b->GetBool();
    else
      problems.invalid_spec("spec.includeOwned: Invalid value: must be true or false");
  }
  if (const Value* owned = member(*spec, "owned")) {
    if (!owned->IsArray()) {
      problems.invalid_spec("spec.owned: Invalid value: must be a list");
      return;
    }
    for (rapidjson::SizeType i = 0; i < owned->Size(); ++i) {
      const std::string path = "spec.owned[" + std::to_string(i) + "]";
      const Value& item = (*owned)[i];
      if (!item.IsObject()) {
        problems.invalid_spec(path + ": Invalid value: must be an object");
        continue;
      }
      OwnedResourceSpec o;
      o.resource = read_gvr(member(item, "resource"), path + ".resource", problems);
      o.label_selector =
          read_label_selector(item, "labelSelector", path + ".labelSelector", problems);
      if (std::string f = read_string(item, "filter", path + ".filter", problems); !f.empty()) {
        o.filter_source = std::move(f);
      }
      if (auto compiled = filters::compile(o.filter_source, compile)) {
        o.filter = compiled.filter;
      } else {
        problems.invalid_filter(path + ".filter: " + compiled.error->to_string());
      }
      out.owned.push_back(std::move(o));
    }
  }
}

void read_status(const Value* status, WatchFilterSpec& out) {
  if (status == nullptr || !status->IsObject()) return;
  out.status_observed_events = count_of(member(*status, "observedEvents"));
  out.status_delivered_events = count_of(member(*status, "deliveredEvents"));
  if (const Value* conditions = member(*status, "conditions");
      conditions && conditions->IsArray()) {
    for (const Value& c : conditions->GetArray()) {
      const Value* type = member(c, "type");
      if (type != nullptr && type->IsString() && string_of(*type) == "Ready") {
        out.status_ready = read_condition(c);
      }
    }
  }
}

Result<WatchFilterSpec> read_object(const Value& object, const filters::CompileOptions& compile) {
  if (!object.IsObject()) return bad_request("not a JSON object");
  const Value* metadata = member(object, "metadata");
  const Value* ns = metadata ? member(*metadata, "namespace") : nullptr;
  const Value* name = metadata ? member(*metadata, "name") : nullptr;
  if (ns == nullptr || name == nullptr || !ns->IsString() || !name->IsString()) {
    return bad_request("no metadata.namespace and metadata.name");
  }
  WatchFilterSpec out;
  out.ref = WatchFilterRef{string_of(*ns), string_of(*name)};
  if (const Value* uid = member(*metadata, "uid"); uid && uid->IsString())
    out.uid = string_of(*uid);
  if (const Value* g = member(*metadata, "generation"); g && g->IsInt64()) {
    out.generation = g->GetInt64();
  }
  Problems problems;
  read_spec(member(object, "spec"), out, problems, compile);
  problems.store_into(out);
  if (!out.valid()) {
    // An invalid WatchFilter has no filter at all: never run half of a spec.
    out.filter.reset();
    for (auto& o : out.owned) o.filter.reset();
  }
  read_status(member(object, "status"), out);
  return out;
}

}  // namespace

Result<WatchFilterSpec> parse_watchfilter(std::string_view object_json,
                                          const filters::CompileOptions& compile) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(object_json.data(), object_json.size());
  if (doc.HasParseError()) return bad_request("not JSON");
  return read_object(doc, compile);
}

std::optional<WatchFilterEvent> parse_watchfilter_event(std::string_view line,
                                                        const filters::CompileOptions& compile) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(line.data(), line.size());
  if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
  const Value* type = member(doc, "type");
  const Value* object = member(doc, "object");
  if (type == nullptr || !type->IsString() || object == nullptr) return std::nullopt;
  WatchFilterEvent event{string_of(*type), bad_request("no object read"), false};
  if (event.type == "BOOKMARK") {
    const Value* metadata = member(*object, "metadata");
    const Value* annotations = metadata ? member(*metadata, "annotations") : nullptr;
    const Value* end = annotations ? member(*annotations, "k8s.io/initial-events-end") : nullptr;
    event.initial_events_end = end != nullptr && end->IsString() && string_of(*end) == "true";
    return event;
  }
  if (event.type == "ERROR") return event;
  event.object = read_object(*object, compile);
  return event;
}

}  // namespace watchfilter::proxy

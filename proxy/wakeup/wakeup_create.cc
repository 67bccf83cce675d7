#include "proxy/wakeup/wakeup_create.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <cctype>
#include <cstdio>

#include "proxy/base/dns_names.h"
#include "proxy/base/go_duration.h"
#include "proxy/kube/rfc3339.h"
#include "proxy/request/watch_request.h"

namespace watchfilter::proxy {
namespace {

using rapidjson::Value;

constexpr std::string_view kGroupVersion = "stream.watchfilter.io/v1alpha1";
constexpr std::string_view kQualifiedKind = "Wakeup.stream.watchfilter.io";
constexpr std::string_view kSubdomainHelp =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

// The JSON type name kube-apiserver's schema validation reports ("integer", "object", ...).
std::string json_type(const Value& v) {
  if (v.IsNull()) return "null";
  if (v.IsBool()) return "boolean";
  if (v.IsString()) return "string";
  if (v.IsObject()) return "object";
  if (v.IsArray()) return "array";
  if (v.IsInt64() || v.IsUint64()) return "integer";
  return "number";
}

// k8s.io/apimachinery's field.ErrorList, printed as kube-apiserver prints it.
class FieldErrors {
 public:
  void required(std::string field, std::string detail = {}) {
    add("FieldValueRequired", std::move(field), "Required value", std::move(detail));
  }
  void invalid(std::string field, std::string_view value, std::string detail) {
    add("FieldValueInvalid", std::move(field), "Invalid value: " + quoted(value),
        std::move(detail));
  }
  void forbidden(std::string field, std::string detail) {
    add("FieldValueForbidden", std::move(field), "Forbidden", std::move(detail));
  }
  // A value of the wrong JSON type, worded as the schema validation of a custom resource.
  void wrong_type(const std::string& field, const Value& v, std::string_view want) {
    add("FieldValueTypeInvalid", field, "Invalid value: " + quoted(json_type(v)),
        field + " in body must be of type " + std::string(want) + ": " + quoted(json_type(v)));
  }
  bool empty() const { return causes_.empty(); }

  StatusError to_error(const std::string& name) const {
    StatusError e;
    e.reason = StatusReason::kInvalid;
    std::string list;
    for (const auto& c : causes_) {
      if (!list.empty()) list += ", ";
      list += c.field + ": " + c.message;
    }
    e.message = std::string(kQualifiedKind) + " " + quoted(name) +
                " is invalid: " + (causes_.size() > 1 ? "[" + list + "]" : list);
    e.details = StatusDetails{name, "stream.watchfilter.io", "Wakeup", causes_};
    return e;
  }

 private:
  void add(std::string reason, std::string field, std::string body, std::string detail) {
    if (!detail.empty()) body += ": " + detail;
    causes_.push_back(StatusCause{std::move(reason), std::move(body), std::move(field)});
  }
  std::vector<StatusCause> causes_;
};

// mime.ParseMediaType's type part, lowercased.
std::string media_type(std::string_view content_type) {
  std::string_view t = content_type.substr(0, content_type.find(';'));
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  std::string out(t);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The string member `key` of `object` (an object); records a type error in `errors`.
std::string string_field(const Value& object, const char* key, const std::string& path,
                         FieldErrors& errors) {
  auto it = object.FindMember(key);
  if (it == object.MemberEnd() || it->value.IsNull()) return {};
  if (!it->value.IsString()) {
    errors.wrong_type(path, it->value, "string");
    return {};
  }
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

void note_unknown(const Value& object, std::initializer_list<std::string_view> known,
                  std::string_view prefix, std::vector<std::string>& unknown) {
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
    std::string_view key(it->name.GetString(), it->name.GetStringLength());
    bool found = false;
    for (auto k : known) found = found || k == key;
    if (!found) unknown.push_back(std::string(prefix) + std::string(key));
  }
}

// path.ValidatePathSegmentName: what any object name must satisfy to appear in a URL.
std::string object_name_problem(std::string_view name) {
  if (name.size() > 253) return "must be no more than 253 characters";
  if (name == "." || name == "..") return "may not be " + quoted(name);
  if (name.find('/') != std::string_view::npos) return "may not contain '/'";
  if (name.find('%') != std::string_view::npos) return "may not contain '%'";
  return {};
}

void validate_after_at(const std::string& after, const std::string& at, const Value* after_v,
                       const Value* at_v, const WakeupCreateInput& in, WakeupObject& o,
                       FieldErrors& errors) {
  const bool has_after = after_v != nullptr && !after_v->IsNull();
  const bool has_at = at_v != nullptr && !at_v->IsNull();
  if (has_after && has_at) {
    errors.forbidden("spec.at", "may not be set together with spec.after");
    return;
  }
  if (!has_after && !has_at) {
    errors.required("spec.after", "one of spec.after (a duration) or spec.at (a time) is required");
    return;
  }
  if (has_after) {
    if (!after_v->IsString()) return;  // already a type error
    auto d = parse_go_duration(after);
    if (!d) {
      errors.invalid("spec.after", after,
                     "must be a non-negative duration like 30s, 5m, 1h30m or 5000ms");
    } else if (*d > kMaxWakeupDelay) {
      errors.invalid("spec.after", after, "must be at most 720h");
    } else {
      o.after = after;
      o.wakeup.due = in.now + *d;
    }
    return;
  }
  if (!at_v->IsString()) return;
  // Compared in seconds: a year like 0001 or 9999 does not fit the clock's nanoseconds.
  const auto parts = parse_rfc3339_parts(at);
  const long long now_s =
      std::chrono::duration_cast<std::chrono::seconds>(in.now.time_since_epoch()).count();
  if (!parts) {
    errors.invalid("spec.at", at, "must be an RFC 3339 time like 2026-01-02T15:04:05Z");
  } else if (parts->seconds > now_s + std::chrono::seconds(kMaxWakeupDelay).count()) {
    errors.invalid("spec.at", at, "must be at most 720h ahead");
  } else if (parts->seconds < now_s - std::chrono::seconds(kMaxWakeupPast).count()) {
    errors.invalid("spec.at", at, "must be at most 720h ago (a past time is due at once)");
  } else {
    o.at = at;
    o.wakeup.due = *parse_rfc3339(at);
  }
}

}  // namespace

std::string generate_wakeup_name(std::string_view prefix,
                                 const std::function<std::uint64_t()>& random) {
  static constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::string out(prefix.substr(0, 58));
  for (int i = 0; i < 5; ++i) out.push_back(kAlphabet[random() % kAlphabet.size()]);
  return out;
}

std::string random_uid(const std::function<std::uint64_t()>& random) {
  const std::uint64_t hi = (random() & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  const std::uint64_t lo = (random() & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-%04llx-%04llx-%012llx",
                static_cast<unsigned long long>(hi >> 32),
                static_cast<unsigned long long>((hi >> 16) & 0xffff),
                static_cast<unsigned long long>(hi & 0xffff),
                static_cast<unsigned long long>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

Result<WakeupCreated> parse_wakeup_create(const WakeupCreateInput& in) {
  // An absent Content-Type is read as JSON, as kube-apiserver does (its first media type).
  const std::string type = media_type(in.content_type);
  if (!type.empty() && type != "application/json") {
    return StatusError{StatusReason::kUnsupportedMediaType,
                       "the body of the request was in an unknown format - accepted media "
                       "types include: application/json"};
  }
  if (in.body.size() > kMaxWakeupBodyBytes) {
    return StatusError{
        StatusReason::kRequestEntityTooLarge,
        "the request body exceeds " + std::to_string(kMaxWakeupBodyBytes) + " bytes"};
  }
  rapidjson::Document doc;
  // Iterative: nesting costs heap, not stack (the handler chain bounded the depth already).
  doc.Parse<rapidjson::kParseIterativeFlag>(in.body.data(), in.body.size());
  if (doc.HasParseError()) {
    return bad_request(
        "json parse error: " + std::string(rapidjson::GetParseError_En(doc.GetParseError())) +
        " (at byte " + std::to_string(doc.GetErrorOffset()) + ")");
  }
  if (!doc.IsObject()) return bad_request("the body must be a JSON object (a Wakeup)");

  FieldErrors errors;
  WakeupCreated out;
  WakeupObject& o = out.object;
  note_unknown(doc, {"apiVersion", "kind", "metadata", "spec", "status"}, "", out.unknown_fields);

  const std::string api_version = string_field(doc, "apiVersion", "apiVersion", errors);
  if (!api_version.empty() && api_version != kGroupVersion) {
    return bad_request("the API version in the data (" + api_version +
                       ") does not match the expected API version (" + std::string(kGroupVersion) +
                       ")");
  }
  const std::string kind = string_field(doc, "kind", "kind", errors);
  if (!kind.empty() && kind != "Wakeup") {
    return bad_request("the kind in the data (" + kind +
                       ") does not match the expected kind (Wakeup)");
  }

  static const Value kEmpty(rapidjson::kObjectType);
  const Value* metadata = &kEmpty;
  if (auto it = doc.FindMember("metadata"); it != doc.MemberEnd() && !it->value.IsNull()) {
    if (it->value.IsObject()) {
      metadata = &it->value;
    } else {
      errors.wrong_type("metadata", it->value, "object");
    }
  }
  std::string name = string_field(*metadata, "name", "metadata.name", errors);
  o.generate_name = string_field(*metadata, "generateName", "metadata.generateName", errors);
  const std::string ns = string_field(*metadata, "namespace", "metadata.namespace", errors);
  if (!ns.empty() && ns != in.namespace_name) {
    return bad_request(
        "the namespace of the provided object does not match the namespace sent on the request");
  }
  o.namespace_name = std::string(in.namespace_name);
  if (name.empty() && !o.generate_name.empty()) {
    // kube-apiserver generates the name before validating, so its errors name the result.
    std::string masked = o.generate_name;
    if (masked.ends_with('-')) masked.back() = 'a';
    if (!is_dns_subdomain(masked)) {
      errors.invalid("metadata.generateName", o.generate_name, std::string(kSubdomainHelp));
    } else {
      name = in.generate_name(o.generate_name);
    }
  } else if (name.empty()) {
    errors.required("metadata.name", "name or generateName is required");
  } else if (!is_dns_subdomain(name)) {
    errors.invalid("metadata.name", name, std::string(kSubdomainHelp));
  }
  o.wakeup.name = name;

  const Value* spec = &kEmpty;
  if (auto it = doc.FindMember("spec"); it != doc.MemberEnd() && !it->value.IsNull()) {
    if (it->value.IsObject()) {
      spec = &it->value;
    } else {
      errors.wrong_type("spec", it->value, "object");
    }
  }
  note_unknown(*spec, {"watcher", "object", "resource", "clusterScoped", "after", "at", "username"},
               "spec.", out.unknown_fields);
  o.wakeup.watcher = string_field(*spec, "watcher", "spec.watcher", errors);
  o.wakeup.object = string_field(*spec, "object", "spec.object", errors);
  o.wakeup.resource = string_field(*spec, "resource", "spec.resource", errors);
  const std::string after = string_field(*spec, "after", "spec.after", errors);
  const std::string at = string_field(*spec, "at", "spec.at", errors);
  if (auto it = spec->FindMember("clusterScoped"); it != spec->MemberEnd() && !it->value.IsNull()) {
    if (it->value.IsBool()) {
      o.cluster_scoped = it->value.GetBool();
    } else {
      errors.wrong_type("spec.clusterScoped", it->value, "boolean");
    }
  }

  auto present = [&](const char* key) {
    auto it = spec->FindMember(key);
    return it != spec->MemberEnd() && !it->value.IsNull();
  };
  if (o.wakeup.watcher.empty()) {
    if (!present("watcher") || spec->FindMember("watcher")->value.IsString()) {
      errors.required("spec.watcher", "the `watcher` id of the stream to wake");
    }
  } else if (!valid_watcher_id(o.wakeup.watcher)) {
    errors.invalid("spec.watcher", o.wakeup.watcher,
                   "must be 1-253 characters of A-Z, a-z, 0-9, '-', '.', '_', ':' and '/'");
  }
  if (o.wakeup.object.empty()) {
    if (!present("object") || spec->FindMember("object")->value.IsString()) {
      errors.required("spec.object", "the name of the object to deliver again");
    }
  } else if (auto problem = object_name_problem(o.wakeup.object); !problem.empty()) {
    errors.invalid("spec.object", o.wakeup.object, problem);
  }
  if (!o.wakeup.resource.empty() && !is_dns_subdomain(o.wakeup.resource)) {
    errors.invalid("spec.resource", o.wakeup.resource,
                   "must be a lowercase resource name, qualified by its group unless it is "
                   "core: configmaps, deployments.apps");
  }
  const Value* after_v = present("after") ? &spec->FindMember("after")->value : nullptr;
  const Value* at_v = present("at") ? &spec->FindMember("at")->value : nullptr;
  validate_after_at(after, at, after_v, at_v, in, o, errors);

  if (!errors.empty()) return errors.to_error(name);
  if (in.strict && !out.unknown_fields.empty()) {
    std::string message = "strict decoding error: ";
    for (std::size_t i = 0; i < out.unknown_fields.size(); ++i) {
      if (i > 0) message += ", ";
      message += "unknown field " + quoted(out.unknown_fields[i]);
    }
    return bad_request(std::move(message));
  }
  o.wakeup.namespace_name = o.cluster_scoped ? std::string() : o.namespace_name;
  o.wakeup.created = in.now;
  o.wakeup.owner = in.username;
  o.uid = in.uid;
  return out;
}

}  // namespace watchfilter::proxy

#include "proxy/wakeup_store.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <boost/asio/dispatch.hpp>
#include <fstream>

#include "proxy/upstream_fetch.h"

namespace watchfilter::proxy {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// A ConfigMap holds at most 1 MiB; its answer is bounded a little above that.
constexpr std::size_t kAnswerLimit = 2u << 20;

void key(Writer& w, std::string_view k) {
  w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
}
void string(Writer& w, std::string_view v) {
  w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}

// "HTTP 403: configmaps is forbidden: ..." (the Status message when upstream sent one).
std::string describe_failure(const FetchResult& r) {
  if (r.ec) return r.failed_step + ": " + r.ec.message();
  std::string out = "HTTP " + std::to_string(r.status);
  rapidjson::Document doc;
  doc.Parse(r.body.data(), r.body.size());
  if (!doc.HasParseError() && doc.IsObject()) {
    auto it = doc.FindMember("message");
    if (it != doc.MemberEnd() && it->value.IsString()) {
      out += ": " + std::string(it->value.GetString(), it->value.GetStringLength());
    }
  }
  return out;
}

}  // namespace

std::string wakeup_store_put_patch(std::string_view k, std::string_view json) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  key(w, "data");
  w.StartObject();
  key(w, k);
  string(w, json);
  w.EndObject();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string wakeup_store_remove_patch(std::string_view k) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  key(w, "data");
  w.StartObject();
  key(w, k);
  w.Null();  // RFC 7386: null deletes the key
  w.EndObject();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string wakeup_store_configmap(std::string_view namespace_name, std::string_view name,
                                   std::string_view k, std::string_view json) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  key(w, "apiVersion");
  string(w, "v1");
  key(w, "kind");
  string(w, "ConfigMap");
  key(w, "metadata");
  w.StartObject();
  key(w, "name");
  string(w, name);
  key(w, "namespace");
  string(w, namespace_name);
  key(w, "labels");
  w.StartObject();
  key(w, "app.kubernetes.io/part-of");
  string(w, "watchfilter");
  key(w, "app.kubernetes.io/component");
  string(w, "wakeups");
  w.EndObject();
  w.EndObject();
  key(w, "data");
  w.StartObject();
  key(w, k);
  string(w, json);
  w.EndObject();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::optional<std::map<std::string, std::string>> configmap_data(std::string_view body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
  auto kind = doc.FindMember("kind");
  if (kind == doc.MemberEnd() || !kind->value.IsString() ||
      std::string_view(kind->value.GetString()) != "ConfigMap") {
    return std::nullopt;
  }
  std::map<std::string, std::string> out;
  auto data = doc.FindMember("data");
  if (data == doc.MemberEnd() || data->value.IsNull()) return out;
  if (!data->value.IsObject()) return std::nullopt;
  for (auto it = data->value.MemberBegin(); it != data->value.MemberEnd(); ++it) {
    if (!it->value.IsString()) continue;
    out.emplace(std::string(it->name.GetString(), it->name.GetStringLength()),
                std::string(it->value.GetString(), it->value.GetStringLength()));
  }
  return out;
}

std::string default_wakeups_namespace(const std::string& path) {
  std::ifstream in(path);
  std::string ns;
  if (in && std::getline(in, ns)) {
    while (!ns.empty() && (ns.back() == '\n' || ns.back() == '\r' || ns.back() == ' ')) {
      ns.pop_back();
    }
    if (!ns.empty()) return ns;
  }
  return "default";
}

ConfigMapWakeupStore::ConfigMapWakeupStore(boost::asio::any_io_executor strand,
                                           std::shared_ptr<UpstreamClient> client,
                                           std::string namespace_name, std::string name)
    : strand_(std::move(strand)),
      client_(std::move(client)),
      namespace_(std::move(namespace_name)),
      name_(std::move(name)) {}

std::string ConfigMapWakeupStore::describe() const {
  return "ConfigMap " + namespace_ + "/" + name_;
}

void ConfigMapWakeupStore::load(std::function<void(Loaded)> done) {
  const std::string target = "/api/v1/namespaces/" + namespace_ + "/configmaps/" + name_;
  fetch_upstream(*client_, strand_, target, kAnswerLimit,
                 [self = shared_from_this(), done = std::move(done)](FetchResult r) {
                   Loaded out;
                   if (!r.ec && r.status == 404) {
                     out.ok = true;  // nothing stored yet; the first wake-up creates it
                   } else if (!r.ec && r.status == 200) {
                     if (auto data = configmap_data(r.body)) {
                       out.ok = true;
                       out.entries = std::move(*data);
                     } else {
                       out.error = "GET " + self->describe() + ": not a ConfigMap";
                     }
                   } else {
                     out.error = "GET " + self->describe() + ": " + describe_failure(r);
                   }
                   done(std::move(out));
                 });
}

void ConfigMapWakeupStore::put(const std::string& k, const std::string& json,
                               std::function<void(Result)> done) {
  patch(wakeup_store_put_patch(k, json), IfMissing::kCreate, std::move(done), k, json);
}

void ConfigMapWakeupStore::remove(const std::string& k, std::function<void(Result)> done) {
  patch(wakeup_store_remove_patch(k), IfMissing::kDone, std::move(done), k, {});
}

void ConfigMapWakeupStore::patch(std::string body, IfMissing if_missing,
                                 std::function<void(Result)> done, std::string k,
                                 std::string json) {
  const std::string target = "/api/v1/namespaces/" + namespace_ + "/configmaps/" + name_;
  patch_upstream(
      *client_, strand_, target, std::move(body), kAnswerLimit,
      [self = shared_from_this(), if_missing, done = std::move(done), k = std::move(k),
       json = std::move(json)](FetchResult r) mutable {
        if (!r.ec && r.status == 200) return done(Result{true, {}});
        if (!r.ec && r.status == 404 && if_missing == IfMissing::kDone) {
          return done(Result{true, {}});  // no ConfigMap: the key is gone already
        }
        if (r.ec || r.status != 404 || if_missing == IfMissing::kFail) {
          return done(Result{false, "PATCH " + self->describe() + ": " + describe_failure(r)});
        }
        // The first wake-up: create the ConfigMap holding it. 409: someone else just created
        // it (another replica, an earlier attempt); the merge patch then goes through.
        post_upstream(
            *self->client_, self->strand_, "/api/v1/namespaces/" + self->namespace_ + "/configmaps",
            wakeup_store_configmap(self->namespace_, self->name_, k, json), kAnswerLimit,
            [self, done = std::move(done), k, json](FetchResult c) mutable {
              if (!c.ec && c.status == 201) return done(Result{true, {}});
              if (!c.ec && c.status == 409) {
                return self->patch(wakeup_store_put_patch(k, json), IfMissing::kFail,
                                   std::move(done), k, json);
              }
              done(Result{false, "POST " + self->describe() + ": " + describe_failure(c)});
            });
      });
}

}  // namespace watchfilter::proxy

#include "proxy/wakeup/wakeup_store.h"

#include <rapidjson/document.h>

#include <fstream>

#include "proxy/kube/group_version_resource.h"
#include "proxy/kube/watch_events.h"
#include "proxy/upstream/upstream_fetch.h"

namespace watchfilter::proxy {
namespace {

// A ConfigMap holds at most 1 MiB; its answer is bounded a little above that.
constexpr std::size_t kAnswerLimit = 2u << 20;

kube::GroupVersionResource config_maps() { return {"", "v1", "configmaps"}; }

// `"data":{<key>:<value>}`, `value` a JSON literal: the entry's string, or null (RFC 7386: a
// merge patch's null deletes the key).
std::string data_member(std::string_view k, std::string_view value) {
  return R"("data":{)" + json_string(k) + ":" + std::string(value) + "}";
}

}  // namespace

std::string wakeup_store_put_patch(std::string_view k, std::string_view json) {
  return "{" + data_member(k, json_string(json)) + "}";
}

std::string wakeup_store_remove_patch(std::string_view k) {
  return "{" + data_member(k, "null") + "}";
}

std::string wakeup_store_configmap(std::string_view namespace_name, std::string_view name,
                                   std::string_view k, std::string_view json) {
  return R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":)" + json_string(name) +
         R"(,"namespace":)" + json_string(namespace_name) +
         R"(,"labels":{"app.kubernetes.io/part-of":"watchfilter",)"
         R"("app.kubernetes.io/component":"wakeups"}},)" +
         data_member(k, json_string(json)) + "}";
}

std::optional<std::map<std::string, std::string>> configmap_data(std::string_view body) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
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

std::string ConfigMapWakeupStore::path() const { return config_maps().path(namespace_, name_); }

std::string ConfigMapWakeupStore::describe() const {
  return "ConfigMap " + namespace_ + "/" + name_;
}

void ConfigMapWakeupStore::load(std::function<void(Loaded)> done) {
  fetch_upstream(*client_, strand_, path(), kAnswerLimit,
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
                     out.error = "GET " + self->describe() + ": " + r.describe_failure();
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
  patch_upstream(
      *client_, strand_, path(), std::move(body), kAnswerLimit,
      [self = shared_from_this(), if_missing, done = std::move(done), k = std::move(k),
       json = std::move(json)](FetchResult r) mutable {
        if (!r.ec && r.status == 200) return done(Result{true, {}});
        if (!r.ec && r.status == 404 && if_missing == IfMissing::kDone) {
          return done(Result{true, {}});  // no ConfigMap: the key is gone already
        }
        if (r.ec || r.status != 404 || if_missing == IfMissing::kFail) {
          return done(Result{false, "PATCH " + self->describe() + ": " + r.describe_failure()});
        }
        // The first wake-up: create the ConfigMap holding it. 409: someone else just created
        // it (another replica, an earlier attempt); the merge patch then goes through.
        post_upstream(
            *self->client_, self->strand_, config_maps().path(self->namespace_),
            wakeup_store_configmap(self->namespace_, self->name_, k, json), kAnswerLimit,
            [self, done = std::move(done), k, json](FetchResult c) mutable {
              if (!c.ec && c.status == 201) return done(Result{true, {}});
              if (!c.ec && c.status == 409) {
                return self->patch(wakeup_store_put_patch(k, json), IfMissing::kFail,
                                   std::move(done), k, json);
              }
              done(Result{false, "POST " + self->describe() + ": " + c.describe_failure()});
            });
      });
}

}  // namespace watchfilter::proxy

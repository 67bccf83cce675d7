#include "proxy/upstream/discovery.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <boost/asio/dispatch.hpp>

#include "proxy/upstream/upstream_fetch.h"

namespace watchfilter::proxy {

namespace net = boost::asio;

namespace {
constexpr std::size_t kDiscoveryBodyLimit = 16u << 20;
const char* const kNotFound = "the server could not find the requested resource";
}  // namespace

bool ApiResource::has_verb(std::string_view verb) const {
  return std::find(verbs.begin(), verbs.end(), verb) != verbs.end();
}

Result<std::vector<ApiResource>> parse_api_resource_list(std::string_view body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return StatusError{StatusReason::kServiceUnavailable, "discovery document is not JSON"};
  }
  auto resources = doc.FindMember("resources");
  if (resources == doc.MemberEnd() || !resources->value.IsArray()) {
    return StatusError{StatusReason::kServiceUnavailable, "discovery document has no resources"};
  }
  std::vector<ApiResource> out;
  for (const auto& r : resources->value.GetArray()) {
    if (!r.IsObject()) continue;
    auto name = r.FindMember("name");
    auto kind = r.FindMember("kind");
    if (name == r.MemberEnd() || !name->value.IsString() || kind == r.MemberEnd() ||
        !kind->value.IsString()) {
      continue;
    }
    ApiResource res;
    res.name = name->value.GetString();
    if (res.name.find('/') != std::string::npos) continue;  // a subresource
    res.kind = kind->value.GetString();
    if (auto ns = r.FindMember("namespaced"); ns != r.MemberEnd() && ns->value.IsBool()) {
      res.namespaced = ns->value.GetBool();
    }
    if (auto verbs = r.FindMember("verbs"); verbs != r.MemberEnd() && verbs->value.IsArray()) {
      for (const auto& v : verbs->value.GetArray()) {
        if (v.IsString()) res.verbs.emplace_back(v.GetString());
      }
    }
    out.push_back(std::move(res));
  }
  return out;
}

Discovery::Discovery(net::any_io_executor strand, std::shared_ptr<UpstreamClient> client,
                     std::chrono::steady_clock::duration refresh_limit)
    : strand_(std::move(strand)), client_(std::move(client)), refresh_limit_(refresh_limit) {}

void Discovery::lookup(const kube::GroupVersionResource& gvr, Handler handler) {
  net::dispatch(strand_, [self = shared_from_this(), gvr, handler = std::move(handler)]() mutable {
    self->do_lookup(gvr, std::move(handler));
  });
}

Discovery::Found Discovery::answer(const GroupVersion& gv, const std::string& resource) {
  for (const auto& r : gv.resources) {
    if (r.name == resource) return r;
  }
  return StatusError{StatusReason::kNotFound, kNotFound};
}

void Discovery::do_lookup(const kube::GroupVersionResource& gvr, Handler handler) {
  const std::string key = gvr.api_path();
  auto& gv = cache_[key];
  const auto now = std::chrono::steady_clock::now();
  if (!gv.fetching && gv.fetched != std::chrono::steady_clock::time_point{}) {
    Found known = answer(gv, gvr.resource);
    if (known || now - gv.fetched < refresh_limit_) return handler(std::move(known));
  }
  gv.waiting.emplace_back(gvr.resource, std::move(handler));
  if (!gv.fetching) fetch(key);
}

void Discovery::fetch(const std::string& discovery_path) {
  cache_[discovery_path].fetching = true;
  fetch_upstream(*client_, strand_, discovery_path, kDiscoveryBodyLimit,
                 [self = shared_from_this(), discovery_path](FetchResult result) {
                   auto& gv = self->cache_[discovery_path];
                   gv.fetching = false;
                   auto waiting = std::move(gv.waiting);
                   gv.waiting.clear();
                   std::string failure;  // the 503's message, "" when discovery answered
                   if (result.ec) {
                     failure = "upstream kube-apiserver unavailable: " + result.failed_step + ": " +
                               result.ec.message();
                   } else if (result.status == 404) {
                     gv.resources.clear();
                     gv.exists = false;
                     gv.fetched = std::chrono::steady_clock::now();
                   } else if (result.status != 200) {
                     failure = "discovery of " + discovery_path + " failed: HTTP " +
                               std::to_string(result.status);
                   } else if (auto list = parse_api_resource_list(result.body)) {
                     gv.resources = std::move(*list);
                     gv.exists = true;
                     gv.fetched = std::chrono::steady_clock::now();
                   } else {
                     failure = discovery_path + ": " + list.error().message;
                   }
                   for (auto& [resource, handler] : waiting) {
                     handler(failure.empty()
                                 ? answer(gv, resource)
                                 : Found(StatusError{StatusReason::kServiceUnavailable, failure}));
                   }
                 });
}

}  // namespace watchfilter::proxy

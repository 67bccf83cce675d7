#include "proxy/watchfilter/watchview_resolver.h"

#include <rapidjson/document.h>

#include "proxy/upstream/upstream_fetch.h"

namespace watchfilter::proxy {

namespace {

// kube-apiserver's 404 for a missing object names it in details.name; the 404 of a resource it
// does not serve (the CRD not installed) has no details.
bool names_object(const std::string& body, const std::string& name) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) return false;
  auto details = doc.FindMember("details");
  if (details == doc.MemberEnd() || !details->value.IsObject()) return false;
  auto n = details->value.FindMember("name");
  return n != details->value.MemberEnd() && n->value.IsString() &&
         std::string_view(n->value.GetString(), n->value.GetStringLength()) == name;
}

}  // namespace

WatchViewResolver::WatchViewResolver(std::shared_ptr<UpstreamClient> client,
                                     std::shared_ptr<const Logger> logger, Options options)
    : client_(std::move(client)),
      logger_(std::move(logger)),
      options_(options),
      cache_(options.max_entries) {}

WatchViewResolver::Resolution WatchViewResolver::interpret(const WatchViewRef& ref, unsigned status,
                                                           const std::string& body) {
  Resolution r;
  if (status == 200) {
    auto parsed = parse_watchview(ref, body);
    if (!parsed) {
      r.failure = Failure::kInvalid;
      r.message = parsed.error().message;
      return r;
    }
    r.view = std::make_shared<const WatchView>(std::move(parsed).value());
    return r;
  }
  if (status == 404 && names_object(body, ref.name)) {
    r.failure = Failure::kNotFound;
    r.message = watchview_not_found_message(ref);
  } else if (status == 404) {
    r.failure = Failure::kCrdMissing;
    r.message = "view " + ref.to_string() +
                ": the WatchView CRD (watchviews.watchfilter.io/v1alpha1) is not installed in "
                "the cluster: kubectl apply -f crds/watchview.yaml";
  } else {
    r.failure = Failure::kUnavailable;
  }
  return r;
}

void WatchViewResolver::resolve(const WatchViewRef& ref, boost::asio::any_io_executor executor,
                                std::function<void(Resolution)> handler) {
  const std::string key = ref.to_string();
  if (auto cached = cache_.get(key)) return handler(std::move(*cached));
  if (!client_) {
    return handler(Resolution{Failure::kUnavailable, "view " + key + ": no upstream", nullptr});
  }
  fetch_upstream(
      *client_, executor, ref.path(), options_.body_limit,
      [self = shared_from_this(), ref, key, handler = std::move(handler)](FetchResult result) {
        Resolution r;
        if (result.ec) {
          r.failure = Failure::kUnavailable;
        } else {
          r = interpret(ref, result.status, result.body);
        }
        if (r.failure == Failure::kUnavailable) {
          // Not kept: the next request asks again.
          r.message = "view " + ref.to_string() +
                      ": reading the WatchView failed: " + result.describe_failure();
          if (self->logger_->v(1)) self->logger_->warning(r.message);
        } else {
          self->cache_.put(key, r, self->options_.ttl);
        }
        handler(std::move(r));
      });
}

}  // namespace watchfilter::proxy

#include "proxy/wakeup/wakeup_service.h"

#include <boost/asio/dispatch.hpp>
#include <boost/beast/http/field.hpp>

#include "proxy/base/dns_names.h"
#include "proxy/kube/url_query.h"
#include "proxy/wakeup/wakeup_create.h"

namespace watchfilter::proxy {

namespace http = boost::beast::http;
namespace net = boost::asio;

namespace {

constexpr std::string_view kVersionPath = "/apis/stream.watchfilter.io/v1alpha1/";
constexpr std::string_view kAllow = "GET, POST, DELETE";
// kube-apiserver retries a taken generated name (RetryGenerateName) this often.
constexpr int kNameRetries = 7;

// `wakeups "x" not found`-style Status details: kube-apiserver names the resource there.
StatusDetails resource_details(const std::string& name) {
  StatusDetails d;
  d.name = name;
  d.group = "stream.watchfilter.io";
  d.kind = "wakeups";
  return d;
}

Reply::Response not_found(const Reply& r, const std::string& name) {
  const StatusDetails d = resource_details(name);
  return r.not_found("wakeups.stream.watchfilter.io \"" + name + "\" not found", &d);
}

}  // namespace

std::optional<WakeupPath> parse_wakeup_path(std::string_view path) {
  if (!path.starts_with(kVersionPath)) return std::nullopt;
  std::string_view rest = path.substr(kVersionPath.size());
  std::vector<std::string_view> parts;
  while (!rest.empty()) {
    auto slash = rest.find('/');
    parts.push_back(rest.substr(0, slash));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
    if (rest.empty()) return std::nullopt;  // a trailing '/': no such path upstream either
  }
  for (auto p : parts) {
    if (p.empty()) return std::nullopt;
  }
  if (parts.size() == 1 && parts[0] == "wakeups") return WakeupPath{};
  if ((parts.size() == 3 || parts.size() == 4) && parts[0] == "namespaces" &&
      parts[2] == "wakeups") {
    return WakeupPath{std::string(parts[1]), parts.size() == 4 ? std::string(parts[3]) : ""};
  }
  return std::nullopt;
}

WakeupService::WakeupService(std::shared_ptr<WakeupRegistry> registry,
                             std::shared_ptr<StatusCounters> counters,
                             std::shared_ptr<Metrics> metrics, Clock clock, std::uint64_t seed)
    : registry_(std::move(registry)),
      counters_(std::move(counters)),
      metrics_(std::move(metrics)),
      clock_(std::move(clock)),
      random_(seed) {}

std::uint64_t WakeupService::random() {
  std::lock_guard lock(random_mutex_);
  return random_();
}

void WakeupService::handle(const Request& request, const WakeupPath& path, const UserInfo& caller,
                           net::any_io_executor executor, std::function<void(Response)> done) {
  const Reply r(request.version(), request.keep_alive(), *counters_);
  auto reply = [&](Response res) {
    net::dispatch(executor, [done = std::move(done), res = std::move(res)]() mutable {
      done(std::move(res));
    });
  };
  auto not_loaded = [&] {
    return r.unavailable("wake-ups are not available yet: " + registry_->not_loaded_reason());
  };
  auto method_not_allowed = [&](const std::string& why) {
    Response res = r.status(StatusReason::kMethodNotAllowed, why);
    res.set(http::field::allow, kAllow);
    return res;
  };

  const auto method = request.method();
  const std::string_view target = request.target();
  const auto q = target.find('?');
  std::vector<QueryParam> params;
  if (q != std::string_view::npos) params = parse_query(target.substr(q + 1));
  if (!path.namespace_name.empty() && !is_dns_label(path.namespace_name)) {
    const StatusDetails d{path.namespace_name, "", "namespaces"};
    return reply(r.not_found("namespaces \"" + path.namespace_name + "\" not found", &d));
  }

  if (method == http::verb::get || method == http::verb::head) {
    if (path.name.empty()) {
      const std::string* watch = find_param(params, "watch");
      if (watch != nullptr && (*watch == "true" || *watch == "1")) {
        return reply(
            method_not_allowed("wakeups cannot be watched: they are delivered on the "
                               "watcher's own stream"));
      }
      auto items = registry_->list(path.namespace_name);
      if (!items) return reply(not_loaded());
      return reply(r.json(http::status::ok, wakeup_list_json(*items)));
    }
    if (!registry_->not_loaded_reason().empty()) return reply(not_loaded());
    auto object = registry_->get(path.namespace_name, path.name);
    if (!object) return reply(not_found(r, path.name));
    return reply(r.json(http::status::ok, wakeup_json(*object)));
  }

  if (method == http::verb::post) {
    if (path.namespace_name.empty() || !path.name.empty()) {
      return reply(method_not_allowed(
          "wakeups are created with a POST to "
          "/apis/stream.watchfilter.io/v1alpha1/namespaces/<namespace>/wakeups"));
    }
    return create(request, path, caller, std::move(executor), std::move(done));
  }

  if (method == http::verb::delete_) {
    if (path.name.empty()) {
      return reply(method_not_allowed("wakeups are deleted one at a time, by name"));
    }
    registry_->remove(
        path.namespace_name, path.name,
        // The counters outlive the reply that points at them.
        [counters = counters_, r, name = path.name, executor, done = std::move(done)](
            WakeupRegistry::Answer answer, std::optional<WakeupObject> removed) mutable {
          Response res;
          switch (answer.outcome) {
            case WakeupRegistry::Outcome::kDone:
              res = r.json(http::status::ok, wakeup_json(*removed));
              break;
            case WakeupRegistry::Outcome::kNotFound:
              res = not_found(r, name);
              break;
            default:
              res = r.unavailable("the wake-up could not be deleted: " + answer.message);
          }
          net::dispatch(executor, [done = std::move(done), res = std::move(res)]() mutable {
            done(std::move(res));
          });
        });
    return;
  }

  return reply(method_not_allowed("method " + std::string(request.method_string()) +
                                  " is not supported on wakeups"));
}

void WakeupService::create(const Request& request, const WakeupPath& path, const UserInfo& caller,
                           net::any_io_executor executor, std::function<void(Response)> done) {
  const Reply r(request.version(), request.keep_alive(), *counters_);
  std::vector<QueryParam> params;
  if (auto q = request.target().find('?'); q != std::string_view::npos) {
    params = parse_query(request.target().substr(q + 1));
  }
  auto reply = [&](Response res) {
    net::dispatch(executor, [done = std::move(done), res = std::move(res)]() mutable {
      done(std::move(res));
    });
  };
  bool dry_run = false;
  if (const std::string* v = find_param(params, "dryRun")) {
    if (*v != "All" && !v->empty()) {
      return reply(
          r.bad_request("dryRun: Unsupported value: \"" + *v + "\": supported values: \"All\""));
    }
    dry_run = *v == "All";
  }
  const std::string* validation = find_param(params, "fieldValidation");

  WakeupCreateInput input;
  auto content_type = request.find(http::field::content_type);
  if (content_type != request.end()) input.content_type = content_type->value();
  input.body = request.body();
  input.namespace_name = path.namespace_name;
  input.strict = validation != nullptr && *validation == "Strict";
  input.now = clock_();
  input.uid = random_uid([this] { return random(); });
  input.username = owner_of(caller);
  bool generated = false;
  input.generate_name = [this, &generated](std::string_view prefix) {
    generated = true;
    return generate_wakeup_name(prefix, [this] { return random(); });
  };
  auto parsed = parse_wakeup_create(input);
  if (!parsed) return reply(r.error(parsed.error()));
  WakeupCreated& created = *parsed;
  Creation creation{.object = {}, .warnings = {}, .reply = r};
  creation.object = std::move(created.object);
  creation.name_generated = generated;
  creation.retries_left = generated ? kNameRetries : 0;
  const bool ignore = validation != nullptr && *validation == "Ignore";
  if (!ignore) {
    for (const auto& field : created.unknown_fields) {
      creation.warnings.push_back("299 - \"unknown field \\\"" + field + "\\\"\"");
    }
  }
  if (dry_run) {
    Response res = r.json(http::status::created, wakeup_json(creation.object));
    for (const auto& w : creation.warnings) res.insert(http::field::warning, w);
    return reply(std::move(res));
  }
  store(std::move(creation), std::move(executor), std::move(done));
}

void WakeupService::store(Creation creation, net::any_io_executor executor,
                          std::function<void(Response)> done) {
  WakeupObject object = creation.object;
  registry_->add(std::move(object), [this, creation = std::move(creation), executor,
                                     done = std::move(done)](WakeupRegistry::Answer a) mutable {
    const Reply& r = creation.reply;
    const std::string name = creation.object.wakeup.name;
    if (a.outcome == WakeupRegistry::Outcome::kExists && creation.retries_left > 0) {
      --creation.retries_left;
      creation.object.wakeup.name =
          generate_wakeup_name(creation.object.generate_name, [this] { return random(); });
      return store(std::move(creation), std::move(executor), std::move(done));
    }
    Response res;
    const StatusDetails d = resource_details(name);
    switch (a.outcome) {
      case WakeupRegistry::Outcome::kDone:
        res = r.json(http::status::created, wakeup_json(creation.object));
        for (const auto& w : creation.warnings) res.insert(http::field::warning, w);
        break;
      case WakeupRegistry::Outcome::kExists:
        res = r.status(StatusReason::kAlreadyExists,
                       "wakeups.stream.watchfilter.io \"" + name +
                           "\" already exists (wake-up names are unique across namespaces)",
                       &d);
        break;
      case WakeupRegistry::Outcome::kFull: {
        // The cluster's limit: wake-ups are delivered and deleted all the time, so a later retry
        // can pass.
        if (metrics_) metrics_->count_refusal(a.limit);
        res = r.too_many_requests(
            "too many pending wake-ups: " + a.message + "; retry after some have been delivered",
            10);
        break;
      }
      case WakeupRegistry::Outcome::kQuota:
        // The namespace's limit, worded as kube-apiserver's ResourceQuota admission words an
        // exceeded object count: 403, which clients do not retry on their own.
        if (metrics_) metrics_->count_refusal(a.limit);
        res = r.forbidden(
            "wakeups.stream.watchfilter.io \"" + name + "\" is forbidden: exceeded quota: " +
                a.limit + ", requested: wakeups=1, used: wakeups=" + std::to_string(a.used) +
                ", limited: wakeups=" + std::to_string(registry_->limits().max_per_namespace),
            d);
        break;
      case WakeupRegistry::Outcome::kNotLoaded:
        res = r.unavailable("wake-ups are not available yet: " + a.message);
        break;
      default:
        res = r.unavailable("the wake-up could not be stored in " + registry_->store_description() +
                            ": " + a.message);
    }
    net::dispatch(executor, [done = std::move(done), res = std::move(res)]() mutable {
      done(std::move(res));
    });
  });
}

}  // namespace watchfilter::proxy

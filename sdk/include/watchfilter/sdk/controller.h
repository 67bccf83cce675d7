#pragma once
// The controller API for children (docs/abi.md): write
//
//   watchfilter::sdk::Result reconcile(const watchfilter::sdk::Event& event,
//                                      watchfilter::sdk::Client& client);
//   WATCHFILTER_CONTROLLER(reconcile)
//
// The watches (resource + filter expression) are listed in the host's children file, or declared
// by the child with WATCHFILTER_WATCHES(fn) (std::vector<Watch> fn(), run once after the
// constructors, so it may read the environment); the event says which watch it came from.
// Result{.requeue_after = 5s} asks the host for a wake-up (a server-side wake-up, not a timer in
// the host); the child may be unloaded in between, so it must not keep state it cannot rebuild from
// the API.

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/kube/api_path.h"
#include "watchfilter/sdk/abi.h"
#include "watchfilter/sdk/json.h"

namespace watchfilter::sdk {

struct Event {
  int watch = 0;     // index of the watch in the children file
  std::string type;  // ADDED, MODIFIED, DELETED, BOOKMARK
  json::Value object;

  const std::string& name() const { return object.at_path("metadata.name").as_string(); }
  const std::string& namespace_() const { return object.at_path("metadata.namespace").as_string(); }
};

struct Result {
  std::chrono::milliseconds requeue_after{0};  // 0: nothing to do until the next event
  bool failed = false;

  static Result done() { return {}; }
  static Result requeue(std::chrono::milliseconds after) { return {after, false}; }
  static Result error() { return {std::chrono::milliseconds(0), true}; }
};

namespace log {
inline void write(abi::LogLevel level, std::string_view msg) {
  watchfilter_log(static_cast<std::int32_t>(level), msg.data(),
                  static_cast<std::uint32_t>(msg.size()));
}
inline void debug(std::string_view msg) { write(abi::LogLevel::kDebug, msg); }
inline void info(std::string_view msg) { write(abi::LogLevel::kInfo, msg); }
inline void warning(std::string_view msg) { write(abi::LogLevel::kWarning, msg); }
inline void error(std::string_view msg) { write(abi::LogLevel::kError, msg); }
}  // namespace log

struct Response {
  int status = 0;    // HTTP status; < 0: not sent (-1 transport error, -2 refused by the host)
  std::string body;  // kube-apiserver's JSON (an object, a list or a Status)

  bool ok() const { return status >= 200 && status < 300; }
  bool not_found() const { return status == 404; }
  bool conflict() const { return status == 409; }
  json::Value json() const { return json::parse(body); }
};

// A resource type: {"", "v1", "configmaps"} or {"ring.example.com", "v1", "rings"}.
struct Resource {
  std::string group;
  std::string version;
  std::string plural;

  // The API path of a namespaced collection (name empty) or object.
  std::string path(std::string_view ns, std::string_view name = {}) const {
    return proxy::kube::resource_path(group, version, plural, ns, name);
  }
};

// Kubernetes requests through the host, which sends them with its own identity.
class Client {
 public:
  Response request(abi::Method method, std::string_view path, std::string_view body = {}) {
    abi::Buffer out{nullptr, 0};
    Response r;
    r.status = watchfilter_kube_request(static_cast<std::int32_t>(method), path.data(),
                                        static_cast<std::uint32_t>(path.size()), body.data(),
                                        static_cast<std::uint32_t>(body.size()), &out);
    if (out.ptr != nullptr) {
      r.body.assign(out.ptr, out.len);
      std::free(out.ptr);
    }
    return r;
  }
  Response get(std::string_view path) { return request(abi::Method::kGet, path); }
  Response list(std::string_view path) { return request(abi::Method::kGet, path); }
  Response create(std::string_view path, const json::Value& obj) {
    return request(abi::Method::kCreate, path, obj.dump());
  }
  Response update(std::string_view path, const json::Value& obj) {
    return request(abi::Method::kUpdate, path, obj.dump());
  }
  Response merge_patch(std::string_view path, const json::Value& patch) {
    return request(abi::Method::kMergePatch, path, patch.dump());
  }
  Response remove(std::string_view path) { return request(abi::Method::kDelete, path); }

  Response get(const Resource& r, std::string_view ns, std::string_view name) {
    return get(r.path(ns, name));
  }
  Response create(const Resource& r, std::string_view ns, const json::Value& obj) {
    return create(r.path(ns), obj);
  }
  Response update(const Resource& r, std::string_view ns, std::string_view name,
                  const json::Value& obj) {
    return update(r.path(ns, name), obj);
  }
  Response remove(const Resource& r, std::string_view ns, std::string_view name) {
    return remove(r.path(ns, name));
  }
};

// One filtered watch of a collection, opened by the host on the proxy.
struct Watch {
  std::string resource;  // collection path, e.g. Resource::path(ns)
  std::string filter;    // expression (docs/filters.md), empty: every event
  std::string label_selector;
  std::string field_selector;
  std::string resync;  // optional: the stream's resync period on the proxy, a Go duration ("5m")
};

namespace detail {
// Decodes {"watch":N,"event":{"type":...,"object":{...}}}.
inline bool decode_event(std::string_view text, Event& ev) {
  std::string error;
  json::Value root = json::parse(text, &error);
  if (!error.empty()) {
    log::error("watchfilter sdk: bad event: " + error);
    return false;
  }
  ev.watch = static_cast<int>(root["watch"].as_number());
  json::Value e = root.take("event");
  ev.type = e["type"].as_string();
  ev.object = e.take("object");
  return true;
}
// The JSON array of watchfilter_watches; stays valid while the host reads it.
inline const std::string& watches_json(const std::vector<Watch>& watches) {
  json::Value list = json::Value::array();
  for (const Watch& w : watches) {
    json::Value item = json::Value::object();
    item.set("resource", w.resource);
    if (!w.filter.empty()) item.set("filter", w.filter);
    if (!w.label_selector.empty()) item.set("labelSelector", w.label_selector);
    if (!w.field_selector.empty()) item.set("fieldSelector", w.field_selector);
    if (!w.resync.empty()) item.set("resync", w.resync);
    list.push_back(std::move(item));
  }
  static std::string text;
  text = list.dump();
  return text;
}
inline std::int64_t encode_watches(const std::vector<Watch>& watches) {
  const std::string& text = watches_json(watches);
  return static_cast<std::int64_t>(
      (static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(text.data())) << 32) |
      text.size());
}
inline std::int64_t encode_result(const Result& r) {
  if (r.failed) return -1;
  return r.requeue_after.count() > 0 ? static_cast<std::int64_t>(r.requeue_after.count()) : 0;
}
}  // namespace detail

}  // namespace watchfilter::sdk

// Defines the exports of ABI version 1 around `fn` (Result fn(const Event&, Client&)).
#define WATCHFILTER_CONTROLLER(fn)                                                              \
  extern "C" std::int32_t watchfilter_abi_version() { return watchfilter::sdk::abi::kVersion; } \
  extern "C" void* watchfilter_allocate(std::uint32_t size) {                                   \
    return std::malloc(size ? size : 1);                                                        \
  }                                                                                             \
  extern "C" std::int64_t watchfilter_reconcile(char* event, std::uint32_t len) {               \
    watchfilter::sdk::Event ev;                                                                 \
    bool decoded = watchfilter::sdk::detail::decode_event(std::string_view(event, len), ev);    \
    std::free(event);                                                                           \
    if (!decoded) return -1;                                                                    \
    watchfilter::sdk::Client client;                                                            \
    return watchfilter::sdk::detail::encode_result(fn(ev, client));                             \
  }

// Defines the optional watchfilter_watches export from `fn` (std::vector<Watch> fn()).
#if defined(__wasm__)
#define WATCHFILTER_WATCHES(fn)                            \
  extern "C" std::int64_t watchfilter_watches() {          \
    return watchfilter::sdk::detail::encode_watches(fn()); \
  }
#else
#define WATCHFILTER_WATCHES(fn)                                  \
  extern "C" const char* watchfilter_watches_json() {            \
    return watchfilter::sdk::detail::watches_json(fn()).c_str(); \
  }
#endif

#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "proxy/upstream/upstream_client.h"

namespace watchfilter::proxy {

// Where pending wake-ups are kept so that they survive a restart of the proxy. Keys are wake-up
// names, values their JSON (wakeup_json). Every operation answers once, on an executor of the
// implementation's choosing; a failed one says why (the caller retries or refuses).
class WakeupStore {
 public:
  struct Result {
    bool ok = false;
    std::string error;  // !ok: what failed, for a log line or a 503 message
  };
  struct Loaded {
    bool ok = false;
    std::string error;
    std::map<std::string, std::string> entries;
  };

  virtual ~WakeupStore() = default;
  virtual void load(std::function<void(Loaded)> done) = 0;
  virtual void put(const std::string& key, const std::string& json,
                   std::function<void(Result)> done) = 0;
  virtual void remove(const std::string& key, std::function<void(Result)> done) = 0;
  // "ConfigMap default/watchfilter-wakeups", for messages.
  virtual std::string describe() const = 0;
};

// The ConfigMap store. Each change touches one key with a JSON merge patch
// (`{"data":{"<name>":"<json>"}}`, `{"data":{"<name>":null}}`), so concurrent changes need no
// resourceVersion and never conflict; a patch that finds no ConfigMap creates it (and patches
// again when someone else created it first). 1 MiB per ConfigMap bounds what it can hold
// (WakeupLimits). Thread-safe: requests run on `strand`.
class ConfigMapWakeupStore : public WakeupStore,
                             public std::enable_shared_from_this<ConfigMapWakeupStore> {
 public:
  ConfigMapWakeupStore(boost::asio::any_io_executor strand, std::shared_ptr<UpstreamClient> client,
                       std::string namespace_name, std::string name);

  void load(std::function<void(Loaded)> done) override;
  void put(const std::string& key, const std::string& json,
           std::function<void(Result)> done) override;
  void remove(const std::string& key, std::function<void(Result)> done) override;
  std::string describe() const override;

 private:
  // What a 404 (no ConfigMap) means for a patch: create it with the entry (a put), a failure
  // (a put after a create conflict), or success (a remove).
  enum class IfMissing { kCreate, kFail, kDone };
  void patch(std::string body, IfMissing if_missing, std::function<void(Result)> done,
             std::string key, std::string json);
  std::string path() const;  // the ConfigMap's URL path

  boost::asio::any_io_executor strand_;
  std::shared_ptr<UpstreamClient> client_;
  const std::string namespace_;
  const std::string name_;
};

// The request bodies (exposed for tests).
std::string wakeup_store_put_patch(std::string_view key, std::string_view json);
std::string wakeup_store_remove_patch(std::string_view key);
std::string wakeup_store_configmap(std::string_view namespace_name, std::string_view name,
                                   std::string_view key, std::string_view json);
// The `data` of a ConfigMap document (an absent `data` is empty); nullopt when it is not one.
std::optional<std::map<std::string, std::string>> configmap_data(std::string_view body);

// --wakeups-namespace's default: the Pod's namespace from the ServiceAccount mount (`path`),
// else "default".
std::string default_wakeups_namespace(
    const std::string& path = "/var/run/secrets/kubernetes.io/serviceaccount/namespace");

}  // namespace watchfilter::proxy

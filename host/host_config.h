#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace watchfilter::host {

// One filtered watch of a child, opened on the proxy.
struct WatchSpec {
  std::string resource;        // collection path: /api/v1/namespaces/ns/configmaps, /apis/g/v/r
  std::string filter;          // expression (docs/filters.md), may be empty
  std::string filter_ref;      // <namespace>/<name> of a WatchFilter, may be empty
  std::string label_selector;  // optional
  std::string field_selector;  // optional
  std::string resync;          // optional Go duration, passed to the proxy as resync=
};

// One entry of a child's `rbac:` list in the children file: Kubernetes' PolicyRule (a Role
// rule), plus `namespaces`, which a Role gets from where it lives. `*` matches anything in
// every list; an empty `namespaces` means every namespace and the cluster scope.
struct PolicyRule {
  std::vector<std::string> api_groups;
  std::vector<std::string> resources;  // "configmaps", "pods/status", "*"
  std::vector<std::string> verbs;      // get list watch create update patch delete deletecollection
  std::vector<std::string> namespaces;
  std::vector<std::string> resource_names;
  std::vector<std::string> non_resource_urls;  // "/version", "/apis/*"
};

struct ChildSpec {
  std::string name;  // DNS-label-like, unique in the file
  std::filesystem::path wasm;
  std::vector<std::pair<std::string, std::string>> env;
  std::vector<WatchSpec> watches;        // empty in the file: declared by the module
  std::uint64_t memory_limit_bytes = 0;  // 0: the host default
  std::vector<PolicyRule> rbac;          // what its kube_requests may do (host/child_permissions.h)
};

// The children file (docs/host.md). Parsed and validated once at startup; immutable.
struct HostConfig {
  std::string host_name = "watchfilter-host";  // first part of every watcher id
  std::chrono::milliseconds idle_unload{1000};
  std::chrono::milliseconds call_timeout{5000};
  std::uint64_t memory_limit_bytes = 32ull << 20;
  std::vector<ChildSpec> children;

  // The stable watcher id of a child's watch: <host>.<child>.<index>.
  std::string watcher_id(const ChildSpec& child, std::size_t watch_index) const;
};

// Reads the YAML file at `path`; relative wasm paths are relative to the file. Throws
// proxy::ConfigError naming the file and the entry.
HostConfig load_host_config(const std::filesystem::path& path);
HostConfig parse_host_config(const std::string& yaml, const std::filesystem::path& base_dir);

// The watches a module declares (its watchfilter_watches export, a JSON array of
// {"resource","filter","filterRef","labelSelector","fieldSelector"}), validated like the file's.
// Throws ConfigError.
std::vector<WatchSpec> parse_declared_watches(const std::string& json, const std::string& child);

// 1-63 of a-z0-9-, not starting or ending with '-'.
bool valid_child_name(const std::string& name);

// "32Mi", "64M", "1Gi", "1048576" -> bytes (the proxy's --*-bytes grammar); Go durations
// ("500ms", "2s", "1m30s") -> milliseconds. Throw ConfigError.
std::uint64_t parse_bytes(const std::string& text);
std::chrono::milliseconds parse_duration(const std::string& text);

}  // namespace watchfilter::host

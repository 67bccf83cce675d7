#include "host/host_config.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <fstream>
#include <iterator>
#include <set>

#include "proxy/base/config_error.h"
#include "proxy/base/flag_value.h"
#include "proxy/base/go_duration.h"

namespace watchfilter::host {

using proxy::ConfigError;

bool valid_child_name(const std::string& s) {
  if (s.empty() || s.size() > 63) return false;
  for (char c : s)
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '-'))
      return false;
  return s.front() != '-' && s.back() != '-';
}

namespace {

std::string scalar(const YAML::Node& node, const char* key, const std::string& where) {
  const YAML::Node v = node[key];
  if (!v) return {};
  if (!v.IsScalar()) throw ConfigError(where + ": " + key + " must be a string");
  return v.as<std::string>();
}

WatchSpec parse_watch(const YAML::Node& node, const std::string& where) {
  if (!node.IsMap()) throw ConfigError(where + ": must be a mapping");
  WatchSpec watch;
  watch.resource = scalar(node, "resource", where);
  watch.filter = scalar(node, "filter", where);
  watch.filter_ref = scalar(node, "filterRef", where);
  watch.label_selector = scalar(node, "labelSelector", where);
  watch.field_selector = scalar(node, "fieldSelector", where);
  watch.resync = scalar(node, "resync", where);
  if (watch.resource.rfind("/api/", 0) != 0 && watch.resource.rfind("/apis/", 0) != 0)
    throw ConfigError(where +
                      ": resource must be an API collection path (/api/v1/..., /apis/<group>/...)");
  if (watch.resource.find_first_of("?# \r\n") != std::string::npos)
    throw ConfigError(where + ": resource must be a path without query");
  if (!watch.filter.empty() && !watch.filter_ref.empty())
    throw ConfigError(where + ": filter and filterRef are exclusive");
  // Checked here with the proxy's own grammar so that a typo fails at startup, not as a 400 on
  // every reconnect.
  if (!watch.resync.empty() && !proxy::parse_go_duration(watch.resync))
    throw ConfigError(where + ": resync \"" + watch.resync +
                      "\" is not a duration (\"30s\", \"5m\")");
  return watch;
}

std::vector<std::string> string_list(const YAML::Node& node, const char* key,
                                     const std::string& where) {
  const YAML::Node v = node[key];
  if (!v) return {};
  if (!v.IsSequence()) throw ConfigError(where + ": " + key + " must be a list of strings");
  std::vector<std::string> out;
  for (const auto& item : v) {
    if (!item.IsScalar()) throw ConfigError(where + ": " + key + " must be a list of strings");
    out.push_back(item.as<std::string>());
  }
  return out;
}

// A Role's rule as kube-apiserver validates it: verbs are required, and a rule names either
// resources (with apiGroups) or nonResourceURLs, not both.
PolicyRule parse_rule(const YAML::Node& node, const std::string& where) {
  if (!node.IsMap()) throw ConfigError(where + ": must be a mapping");
  for (const auto& kv : node) {
    const auto key = kv.first.as<std::string>();
    if (key != "apiGroups" && key != "resources" && key != "verbs" && key != "namespaces" &&
        key != "resourceNames" && key != "nonResourceURLs")
      throw ConfigError(where + ": unknown field \"" + key +
                        "\" (apiGroups, resources, verbs, namespaces, resourceNames, "
                        "nonResourceURLs)");
  }
  PolicyRule rule;
  rule.api_groups = string_list(node, "apiGroups", where);
  rule.resources = string_list(node, "resources", where);
  rule.verbs = string_list(node, "verbs", where);
  rule.namespaces = string_list(node, "namespaces", where);
  rule.resource_names = string_list(node, "resourceNames", where);
  rule.non_resource_urls = string_list(node, "nonResourceURLs", where);
  if (rule.verbs.empty()) throw ConfigError(where + ": verbs must not be empty");
  if (rule.non_resource_urls.empty()) {
    if (rule.resources.empty() || rule.api_groups.empty())
      throw ConfigError(where + ": a rule needs apiGroups and resources, or nonResourceURLs");
  } else if (!rule.resources.empty() || !rule.api_groups.empty() || !rule.namespaces.empty() ||
             !rule.resource_names.empty()) {
    throw ConfigError(where + ": nonResourceURLs cannot be combined with resources");
  }
  return rule;
}

}  // namespace

std::vector<WatchSpec> parse_declared_watches(const std::string& json, const std::string& child) {
  YAML::Node root;
  try {
    root = YAML::Load(json);  // JSON is YAML
  } catch (const YAML::Exception& e) {
    throw ConfigError(child + ": watchfilter_watches: invalid JSON: " + e.what());
  }
  if (!root.IsSequence() || root.size() == 0)
    throw ConfigError(child + ": watchfilter_watches: a non-empty JSON array is required");
  std::vector<WatchSpec> out;
  for (std::size_t w = 0; w < root.size(); ++w)
    out.push_back(parse_watch(root[w], child + ": watchfilter_watches[" + std::to_string(w) + "]"));
  return out;
}

std::string HostConfig::watcher_id(const ChildSpec& child, std::size_t watch_index) const {
  return host_name + "." + child.name + "." + std::to_string(watch_index);
}

// The proxy's grammars, so that the host and the proxy read "64Mi" and "1m30s" alike.
std::uint64_t parse_bytes(const std::string& text) {
  try {
    return proxy::parse_bytes("", text);
  } catch (const proxy::FlagError&) {
    throw ConfigError("not a byte size: \"" + text + "\" (want 32Mi, 512Ki, 1G or 1048576)");
  }
}

std::chrono::milliseconds parse_duration(const std::string& text) {
  if (auto d = proxy::parse_go_duration(text)) return *d;
  throw ConfigError("not a duration: \"" + text + "\" (want 500ms, 2s, 1m30s)");
}

HostConfig parse_host_config(const std::string& yaml, const std::filesystem::path& base_dir) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    throw ConfigError(std::string("invalid YAML: ") + e.what());
  }
  if (!root.IsMap()) throw ConfigError("the children file must be a mapping");
  HostConfig config;
  if (auto v = scalar(root, "hostName", "top level"); !v.empty()) config.host_name = v;
  if (auto v = scalar(root, "idleUnload", "top level"); !v.empty())
    config.idle_unload = parse_duration(v);
  if (auto v = scalar(root, "callTimeout", "top level"); !v.empty())
    config.call_timeout = parse_duration(v);
  if (auto v = scalar(root, "memoryLimit", "top level"); !v.empty())
    config.memory_limit_bytes = parse_bytes(v);
  const YAML::Node children = root["children"];
  if (!children || !children.IsSequence() || children.size() == 0)
    throw ConfigError("children: a non-empty list is required");
  std::set<std::string> names;
  for (std::size_t i = 0; i < children.size(); ++i) {
    const YAML::Node c = children[i];
    std::string where = "children[" + std::to_string(i) + "]";
    if (!c.IsMap()) throw ConfigError(where + ": must be a mapping");
    ChildSpec child;
    child.name = scalar(c, "name", where);
    if (!valid_child_name(child.name))
      throw ConfigError(where + ": name \"" + child.name + "\" must be 1-63 of a-z0-9-");
    where += " (" + child.name + ")";
    if (!names.insert(child.name).second) throw ConfigError(where + ": duplicate name");
    std::string wasm = scalar(c, "wasm", where);
    if (wasm.empty()) throw ConfigError(where + ": wasm (path of the module) is required");
    child.wasm =
        std::filesystem::path(wasm).is_absolute() ? std::filesystem::path(wasm) : base_dir / wasm;
    if (auto v = scalar(c, "memoryLimit", where); !v.empty())
      child.memory_limit_bytes = parse_bytes(v);
    if (const YAML::Node env = c["env"]) {
      if (!env.IsMap()) throw ConfigError(where + ": env must be a mapping of strings");
      for (const auto& kv : env)
        child.env.emplace_back(kv.first.as<std::string>(), kv.second.as<std::string>());
    }
    // Without watches here, the module must declare them (watchfilter_watches, docs/abi.md).
    if (const YAML::Node watches = c["watches"]) {
      if (!watches.IsSequence()) throw ConfigError(where + ": watches must be a list");
      for (std::size_t w = 0; w < watches.size(); ++w)
        child.watches.push_back(
            parse_watch(watches[w], where + ".watches[" + std::to_string(w) + "]"));
    }
    if (const YAML::Node rbac = c["rbac"]) {
      if (!rbac.IsSequence()) throw ConfigError(where + ": rbac must be a list of rules");
      for (std::size_t r = 0; r < rbac.size(); ++r)
        child.rbac.push_back(parse_rule(rbac[r], where + ".rbac[" + std::to_string(r) + "]"));
    }
    config.children.push_back(std::move(child));
  }
  for (const auto& child : config.children)
    if (config.watcher_id(child, child.watches.size()).size() > 253)
      throw ConfigError(child.name + ": watcher id longer than 253 characters (shorten hostName)");
  return config;
}

HostConfig load_host_config(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError("cannot read children file " + path.string());
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  try {
    return parse_host_config(text, path.parent_path());
  } catch (const ConfigError& e) {
    throw ConfigError(path.string() + ": " + e.what());
  }
}

}  // namespace watchfilter::host

#include "proxy/upstream/kubeconfig.h"

#include <yaml-cpp/yaml.h>

#include <boost/asio/ip/address.hpp>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "proxy/base/config_error.h"

namespace watchfilter::proxy {
namespace {

namespace fs = std::filesystem;

std::optional<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return out.str();
}

std::optional<std::string> base64_decode(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  unsigned accumulator = 0;
  int bits = 0;
  bool padding = false;
  for (char c : in) {
    if (c == '\n' || c == '\r' || c == ' ' || c == '\t') continue;
    if (c == '=') {
      padding = true;
      continue;
    }
    int v = value(c);
    if (v < 0 || padding) return std::nullopt;
    accumulator = (accumulator << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((accumulator >> bits) & 0xFF));
    }
  }
  return out;
}

// Reads a kubeconfig map from its named list (clusters, users, contexts).
YAML::Node find_named(const YAML::Node& root, const char* list, const std::string& name,
                      const char* entry, const std::string& where) {
  const YAML::Node items = root[list];
  if (items && items.IsSequence()) {
    for (const auto& item : items) {
      if (item["name"] && item["name"].as<std::string>() == name) {
        const YAML::Node body = item[entry];
        if (!body || !body.IsMap()) {
          throw ConfigError(where + ": " + std::string(list) + " entry \"" + name + "\" has no " +
                            entry + " map");
        }
        return body;
      }
    }
  }
  throw ConfigError(where + ": " + std::string(entry) + " \"" + name + "\" not found in " + list);
}

std::string scalar(const YAML::Node& map, const char* key) {
  const YAML::Node v = map[key];
  if (!v || v.IsNull()) return {};
  return v.as<std::string>();
}

// Reads `<key>-data` (base64) or `<key>` (a file, relative to the kubeconfig's directory); the
// inline data wins, as in client-go.
std::string data_or_file(const YAML::Node& map, const std::string& key, const fs::path& base_dir,
                         const std::string& where) {
  if (std::string data = scalar(map, (key + "-data").c_str()); !data.empty()) {
    auto decoded = base64_decode(data);
    if (!decoded) throw ConfigError(where + ": " + key + "-data is not valid base64");
    return *decoded;
  }
  std::string file = scalar(map, key.c_str());
  if (file.empty()) return {};
  fs::path path =
      (fs::path(file).is_absolute() ? fs::path(file) : base_dir / file).lexically_normal();
  auto content = read_file(path);
  if (!content) throw ConfigError(where + ": cannot read " + key + " file " + path.string());
  return *content;
}

}  // namespace

std::string UpstreamConfig::authority() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return "https://" + h + ":" + std::to_string(port);
}

void parse_server_url(const std::string& url, UpstreamConfig& out) {
  constexpr std::string_view kScheme = "https://";
  std::string_view rest = url;
  if (!rest.starts_with(kScheme)) {
    throw ConfigError("server \"" + url + "\" is not an https:// URL");
  }
  rest.remove_prefix(kScheme.size());
  std::string_view hostport = rest.substr(0, rest.find('/'));
  std::string_view path = hostport.size() < rest.size() ? rest.substr(hostport.size()) : "";
  std::string_view host;
  std::string_view port;
  if (hostport.starts_with('[')) {
    auto close = hostport.find(']');
    if (close == std::string_view::npos) throw ConfigError("server \"" + url + "\": unclosed '['");
    host = hostport.substr(1, close - 1);
    std::string_view after = hostport.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(':')) throw ConfigError("server \"" + url + "\": bad port");
      port = after.substr(1);
    }
  } else {
    auto colon = hostport.rfind(':');
    host = hostport.substr(0, colon);
    if (colon != std::string_view::npos) port = hostport.substr(colon + 1);
  }
  if (host.empty()) throw ConfigError("server \"" + url + "\" has no host");
  out.host = std::string(host);
  out.port = 443;
  if (!port.empty()) {
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || ptr != port.data() + port.size() || value == 0 || value > 65535) {
      throw ConfigError("server \"" + url + "\": bad port \"" + std::string(port) + "\"");
    }
    out.port = static_cast<std::uint16_t>(value);
  }
  while (path.ends_with('/')) path.remove_suffix(1);
  out.base_path = std::string(path);
}

UpstreamConfig load_kubeconfig(const fs::path& path, const std::string& context_override) {
  const std::string where = "kubeconfig " + path.string();
  auto text = read_file(path);
  if (!text) throw ConfigError(where + ": cannot read file");
  YAML::Node root;
  try {
    root = YAML::Load(*text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(where + ": invalid YAML: " + e.what());
  }
  if (!root.IsMap()) throw ConfigError(where + ": not a kubeconfig (top level is not a map)");

  UpstreamConfig out;
  try {
    std::string context_name =
        context_override.empty() ? scalar(root, "current-context") : context_override;
    if (context_name.empty()) {
      throw ConfigError(where + ": no current-context set and no --context given");
    }
    const YAML::Node context = find_named(root, "contexts", context_name, "context", where);
    const std::string cluster_name = scalar(context, "cluster");
    if (cluster_name.empty()) {
      throw ConfigError(where + ": context \"" + context_name + "\" names no cluster");
    }
    const YAML::Node cluster = find_named(root, "clusters", cluster_name, "cluster", where);
    // Relative paths resolve against the kubeconfig's directory, cleaned lexically like Go's
    // filepath.Join in client-go.
    const fs::path base_dir = fs::absolute(path).parent_path();

    const std::string server = scalar(cluster, "server");
    if (server.empty())
      throw ConfigError(where + ": cluster \"" + cluster_name + "\" has no server");
    try {
      parse_server_url(server, out);
    } catch (const ConfigError& e) {
      throw ConfigError(where + ": cluster \"" + cluster_name + "\": " + e.what());
    }
    const std::string cluster_where = where + ": cluster \"" + cluster_name + "\"";
    out.ca_pem = data_or_file(cluster, "certificate-authority", base_dir, cluster_where);
    if (cluster["insecure-skip-tls-verify"]) {
      out.insecure_skip_tls_verify = cluster["insecure-skip-tls-verify"].as<bool>();
    }
    if (out.insecure_skip_tls_verify && !out.ca_pem.empty()) {
      // Same rule as client-go: a CA together with the insecure flag is a contradiction.
      throw ConfigError(cluster_where +
                        ": certificate-authority and insecure-skip-tls-verify are both set");
    }
    out.server_name = scalar(cluster, "tls-server-name");
    if (out.server_name.empty()) out.server_name = out.host;

    const std::string user_name = scalar(context, "user");
    if (!user_name.empty()) {
      const YAML::Node user = find_named(root, "users", user_name, "user", where);
      const std::string user_where = where + ": user \"" + user_name + "\"";
      if (user["exec"] || user["auth-provider"]) {
        throw ConfigError(user_where +
                          ": exec and auth-provider credential plugins are not supported; use a "
                          "token, tokenFile or client certificate");
      }
      if (user["username"] || user["password"]) {
        throw ConfigError(user_where + ": basic authentication is not supported");
      }
      out.client_cert_pem = data_or_file(user, "client-certificate", base_dir, user_where);
      out.client_key_pem = data_or_file(user, "client-key", base_dir, user_where);
      if (out.client_cert_pem.empty() != out.client_key_pem.empty()) {
        throw ConfigError(user_where +
                          ": client certificate and client key must be given together");
      }
      out.bearer_token = scalar(user, "token");
      if (std::string token_file = scalar(user, "tokenFile"); !token_file.empty()) {
        fs::path p =
            (fs::path(token_file).is_absolute() ? fs::path(token_file) : base_dir / token_file)
                .lexically_normal();
        if (!read_file(p)) throw ConfigError(user_where + ": cannot read tokenFile " + p.string());
        out.bearer_token_file = p;
      }
    }
    out.description = where + " context \"" + context_name + "\"";
  } catch (const YAML::Exception& e) {
    throw ConfigError(where + ": malformed kubeconfig: " + e.what());
  }
  return out;
}

std::optional<InClusterEnvironment> InClusterEnvironment::detect() {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (host == nullptr || port == nullptr || *host == '\0' || *port == '\0') return std::nullopt;
  InClusterEnvironment env;
  env.service_host = host;
  env.service_port = port;
  return env;
}

UpstreamConfig load_in_cluster_config(const InClusterEnvironment& env) {
  UpstreamConfig out;
  const std::string host = env.service_host.find(':') != std::string::npos
                               ? "[" + env.service_host + "]"
                               : env.service_host;
  try {
    parse_server_url("https://" + host + ":" + env.service_port, out);
  } catch (const ConfigError& e) {
    throw ConfigError(std::string("in-cluster config (KUBERNETES_SERVICE_HOST/PORT): ") + e.what());
  }
  out.server_name = out.host;
  const fs::path token = env.secrets_dir / "token";
  const fs::path ca = env.secrets_dir / "ca.crt";
  if (!read_file(token)) {
    throw ConfigError("in-cluster config: cannot read service account token " + token.string());
  }
  out.bearer_token_file = token;
  auto ca_pem = read_file(ca);
  if (!ca_pem) throw ConfigError("in-cluster config: cannot read CA " + ca.string());
  out.ca_pem = *ca_pem;
  out.description = "in-cluster config " + out.authority();
  return out;
}

}  // namespace watchfilter::proxy

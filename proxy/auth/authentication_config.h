#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/auth/peer_certificate.h"

namespace watchfilter::proxy {

// What kube-apiserver publishes in kube-system/extension-apiserver-authentication for extension
// servers: the client CA, and the requestheader (front-proxy) CA, allowed names and header
// names. Immutable; a changed ConfigMap yields a new object.
struct AuthenticationConfig {
  std::shared_ptr<const CaBundle> client_ca;         // null: client certificates not accepted
  std::shared_ptr<const CaBundle> requestheader_ca;  // null: front-proxy not accepted
  std::vector<std::string> allowed_names;            // empty: any CN signed by the CA
  std::vector<std::string> username_headers;
  std::vector<std::string> uid_headers;
  std::vector<std::string> group_headers;
  std::vector<std::string> extra_header_prefixes;
  std::string resource_version;  // of the ConfigMap it came from
};

inline constexpr std::string_view kAuthenticationConfigMapPath =
    "/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication";

// Parses the ConfigMap (JSON as kube-apiserver returns it). The list keys hold JSON string
// arrays (`["X-Remote-User"]`). Throws ConfigError naming the key that is wrong.
std::shared_ptr<const AuthenticationConfig> parse_authentication_configmap(std::string_view json);

}  // namespace watchfilter::proxy

#pragma once

#include <map>
#include <string>
#include <vector>

namespace watchfilter::proxy {

// An authenticated caller, as k8s.io/apiserver's user.Info: what a SubjectAccessReview is asked
// about. Extra keys are lower-case (HTTP header names are case-insensitive, so the aggregator's
// X-Remote-Extra-<key> cannot carry case).
struct UserInfo {
  std::string name;
  std::string uid;
  std::vector<std::string> groups;
  std::map<std::string, std::vector<std::string>> extra;
};

// How the caller was authenticated; the aggregator's own requests (front-proxy) are the ones
// that get the proxy's root discovery and OpenAPI documents.
enum class AuthenticationMethod { kRequestHeader, kClientCertificate, kBearerToken };

struct AuthenticatedUser {
  UserInfo user;
  AuthenticationMethod method = AuthenticationMethod::kBearerToken;
};

// Adds system:authenticated when absent, as kube-apiserver's AuthenticatedGroupAdder does.
inline void add_authenticated_group(UserInfo& user) {
  for (const auto& g : user.groups) {
    if (g == "system:authenticated") return;
  }
  user.groups.push_back("system:authenticated");
}

}  // namespace watchfilter::proxy

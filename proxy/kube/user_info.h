#pragma once

#include <map>
#include <string>
#include <string_view>
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

// Who owns what a caller creates: its named watchers (record, filter state, metrics series),
// its streams and its wake-ups (docs/proxy.md, "Security model"). The user name alone, not
// name+uid: the aggregator publishes no uid unless kube-apiserver is told to
// (--requestheader-uid-headers) and client certificates carry none, so a ServiceAccount calling
// through the aggregator and with its token directly would otherwise be two owners. RBAC grants
// by name as well, so the name is already the unit of trust; a deleted and re-created
// ServiceAccount of the same name finds its predecessor's watchers, as it finds its RoleBindings.
inline const std::string& owner_of(const UserInfo& user) { return user.name; }

inline constexpr std::string_view kAnonymousUser = "system:anonymous";
inline constexpr std::string_view kAuthenticatedGroup = "system:authenticated";
inline constexpr std::string_view kUnauthenticatedGroup = "system:unauthenticated";

// Adds system:authenticated as kube-apiserver's AuthenticatedGroupAdder does: not to
// system:anonymous (whom the aggregator forwards with system:unauthenticated), and not when
// system:authenticated or system:unauthenticated is already there.
inline void add_authenticated_group(UserInfo& user) {
  if (user.name == kAnonymousUser) return;
  for (const auto& g : user.groups) {
    if (g == kAuthenticatedGroup || g == kUnauthenticatedGroup) return;
  }
  user.groups.emplace_back(kAuthenticatedGroup);
}

}  // namespace watchfilter::proxy

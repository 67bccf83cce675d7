#pragma once

#include <string>
#include <string_view>

#include "proxy/kube/request_attributes.h"
#include "proxy/kube/user_info.h"

namespace watchfilter::proxy {

inline constexpr std::string_view kSubjectAccessReviewPath =
    "/apis/authorization.k8s.io/v1/subjectaccessreviews";

// The SubjectAccessReview for `user` doing `attributes` (resourceAttributes or
// nonResourceAttributes). Deterministic (extra keys sorted), so it is also the cache key.
std::string subject_access_review_request(const UserInfo& user,
                                          const RequestAttributes& attributes);

struct AuthorizationDecision {
  bool allowed = false;
  std::string reason;  // status.reason: appended to the 403 message
  std::string error;   // the review could not be made or read: a 500, never an allow
};

// Reads status.allowed / status.reason / status.evaluationError. Anything unreadable is a
// decision with `error` set (and allowed false).
AuthorizationDecision parse_subject_access_review_response(std::string_view body);

}  // namespace watchfilter::proxy

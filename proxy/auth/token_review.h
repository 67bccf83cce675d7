#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "proxy/kube/user_info.h"

namespace watchfilter::proxy {

inline constexpr std::string_view kTokenReviewPath = "/apis/authentication.k8s.io/v1/tokenreviews";

// `{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":...}}`
std::string token_review_request(std::string_view token);

// The answer of a TokenReview: the user when status.authenticated is true, else nullopt with
// `error` set to status.error (or why the body could not be read).
std::optional<UserInfo> parse_token_review_response(std::string_view body, std::string& error);

// The bearer token of an `Authorization: Bearer <token>` header value (scheme
// case-insensitive), or empty.
std::string_view bearer_token_of(std::string_view authorization);

}  // namespace watchfilter::proxy

#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "proxy/kube/result.h"
#include "proxy/wakeup/wakeup_object.h"

namespace watchfilter::proxy {

// Limits of a Wakeup creation (docs/proxy.md, "Wake-ups").
inline constexpr std::size_t kMaxWakeupBodyBytes = 64 * 1024;
// How far ahead a wake-up may be due: the store is a ConfigMap, not a scheduler for months.
inline constexpr std::chrono::hours kMaxWakeupDelay{24 * 30};
// How far in the past spec.at may lie (a past time is due at once): a bound, so that no time the
// proxy computes with can overflow, and wide enough for a late client.
inline constexpr std::chrono::hours kMaxWakeupPast{24 * 30};

// A valid creation: the object to store (name generated, uid and timestamps set) and the
// unknown fields that were ignored (kube-apiserver's fieldValidation=Warn answers them as
// Warning headers).
struct WakeupCreated {
  WakeupObject object;
  std::vector<std::string> unknown_fields;
};

struct WakeupCreateInput {
  std::string_view content_type;  // the request's Content-Type ("" counts as JSON, as upstream)
  std::string_view body;
  std::string_view namespace_name;  // from the request path
  bool strict = false;              // fieldValidation=Strict: unknown fields are a 400
  std::chrono::system_clock::time_point now;
  std::string uid;
  // The authenticated caller (owner_of): becomes spec.username, whatever the body says.
  std::string username;
  // Returns generateName + a random suffix (generate_wakeup_name).
  std::function<std::string(std::string_view generate_name)> generate_name;
};

// Validates a POST body as kube-apiserver does for a custom resource, in its order: media type
// (415), size (413), JSON and field types (400), apiVersion/kind and metadata.namespace against
// the request (400), then every field error at once (422 Invalid, one cause per field):
// metadata.name or generateName, spec.watcher (1-253 of A-Za-z0-9-._:/, the `watcher=` rule),
// spec.object (an object name), spec.resource (optional, "configmaps" or "deployments.apps"),
// exactly one of spec.after (Go duration, 0 to 720h) and spec.at (RFC 3339, at most 720h ahead
// and 720h ago). status and spec.username are ignored: the server sets them (spec.username to
// input.username, as kube-apiserver does for a CertificateSigningRequest).
// A failed creation's StatusError is 400, 413, 415 or 422 with field causes.
Result<WakeupCreated> parse_wakeup_create(const WakeupCreateInput& input);

// kube-apiserver's SimpleNameGenerator: the prefix cut to 58 characters + 5 characters of
// "bcdfghjklmnpqrstvwxz2456789" (no vowels: no words), drawn from `random`.
std::string generate_wakeup_name(std::string_view prefix,
                                 const std::function<std::uint64_t()>& random);

// A random (version 4) UUID from two draws of `random`.
std::string random_uid(const std::function<std::uint64_t()>& random);

}  // namespace watchfilter::proxy

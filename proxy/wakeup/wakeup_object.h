#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/wakeup/wakeup_book.h"

namespace watchfilter::proxy {

// A Wakeup (stream.watchfilter.io/v1alpha1) as the API answers it and the store keeps it: the
// part the informers deliver (Wakeup, the book's contract) plus what only the API shows.
struct WakeupObject {
  // wakeup.namespace_name is the *object's* namespace: "" when spec.clusterScoped.
  Wakeup wakeup;
  std::string namespace_name;  // metadata.namespace: the Wakeup's own namespace
  std::string generate_name;
  std::string uid;
  bool cluster_scoped = false;
  std::string after;  // spec.after as given, or ""
  std::string at;     // spec.at as given, or ""
};

// The object as JSON, compact, fields in a fixed order:
// {"apiVersion":"stream.watchfilter.io/v1alpha1","kind":"Wakeup","metadata":{"name",
//  "generateName","namespace","uid","creationTimestamp"},"spec":{"watcher","object","resource",
//  "clusterScoped","after","at","username"},"status":{"due"}}; empty optional fields are left
// out. spec.username is the creator (wakeup.owner), set by the server as for a
// CertificateSigningRequest: the wake-up reaches only that user's watcher.
// creationTimestamp has seconds (metav1.Time), status.due milliseconds (the store keeps the
// exact moment across a restart).
std::string wakeup_json(const WakeupObject& object);

// Reads what wakeup_json wrote (the store's values). nullopt when a field needed for delivery
// (name, namespace, spec.watcher, spec.object, spec.username, status.due) is missing or
// malformed.
std::optional<WakeupObject> wakeup_from_json(std::string_view json);

// {"apiVersion":"stream.watchfilter.io/v1alpha1","kind":"WakeupList","metadata":{},"items":[...]}
std::string wakeup_list_json(const std::vector<WakeupObject>& items);

}  // namespace watchfilter::proxy

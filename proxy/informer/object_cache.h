#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace watchfilter::proxy::informer {

// One object as the informer last saw it. `added_line` is the ADDED watch event for this
// version (`{"type":"ADDED","object":<object>}\n`, built once and shared by every stream that
// gets it as an initial event); `object` views the object's bytes inside it.
struct CachedObject {
  std::shared_ptr<const std::string> added_line;
  std::string_view object;
  std::uint64_t rv = 0;
};

// The current objects of one informer, keyed by "namespace/name".
class ObjectCache {
 public:
  // Stores `object` (upstream's bytes, kind and apiVersion included) as the key's current
  // version.
  const CachedObject& put(const std::string& key, std::string_view object, std::uint64_t rv);
  void erase(const std::string& key);
  const CachedObject* find(const std::string& key) const;
  void clear() {
    objects_.clear();
    bytes_ = 0;
  }

  std::size_t size() const { return objects_.size(); }
  std::size_t bytes() const { return bytes_; }
  // Entries ordered by resourceVersion (the order in which initial events are sent, so that a
  // client's last seen resourceVersion is a prefix of them).
  std::vector<std::pair<const std::string*, const CachedObject*>> by_rv() const;
  const std::unordered_map<std::string, CachedObject>& entries() const { return objects_; }

 private:
  std::unordered_map<std::string, CachedObject> objects_;
  std::size_t bytes_ = 0;
};

}  // namespace watchfilter::proxy::informer

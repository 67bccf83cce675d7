#include "proxy/informer/object_cache.h"

#include <algorithm>

#include "proxy/kube/watch_events.h"

namespace watchfilter::proxy::informer {

namespace {
constexpr std::string_view kAddedPrefix = R"({"type":"ADDED","object":)";
}

const CachedObject& ObjectCache::put(const std::string& key, std::string_view object,
                                     std::uint64_t rv) {
  auto line = std::make_shared<const std::string>(event_line("ADDED", object));
  CachedObject entry{line, std::string_view(*line).substr(kAddedPrefix.size(), object.size()), rv};
  auto [it, inserted] = objects_.try_emplace(key, entry);
  if (!inserted) {
    bytes_ -= it->second.added_line->size();
    it->second = entry;
  }
  bytes_ += line->size();
  return it->second;
}

void ObjectCache::erase(const std::string& key) {
  auto it = objects_.find(key);
  if (it == objects_.end()) return;
  bytes_ -= it->second.added_line->size();
  objects_.erase(it);
}

const CachedObject* ObjectCache::find(const std::string& key) const {
  auto it = objects_.find(key);
  return it == objects_.end() ? nullptr : &it->second;
}

std::vector<std::pair<const std::string*, const CachedObject*>> ObjectCache::by_rv() const {
  std::vector<std::pair<const std::string*, const CachedObject*>> out;
  out.reserve(objects_.size());
  for (const auto& [key, obj] : objects_) out.emplace_back(&key, &obj);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.second->rv != b.second->rv ? a.second->rv < b.second->rv : *a.first < *b.first;
  });
  return out;
}

}  // namespace watchfilter::proxy::informer

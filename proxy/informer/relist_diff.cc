#include "proxy/informer/relist_diff.h"

#include <algorithm>
#include <unordered_set>

#include "proxy/kube/watch_events.h"

namespace watchfilter::proxy::informer {

std::vector<DiffEvent> relist_diff(const ObjectCache& cache,
                                   const std::vector<ListedObject>& listed, std::uint64_t list_rv) {
  std::vector<DiffEvent> out;
  std::unordered_set<std::string_view> present;
  present.reserve(listed.size());
  for (const auto& item : listed) {
    present.insert(item.key);
    const CachedObject* old = cache.find(item.key);
    if (old == nullptr) {
      out.push_back(
          {item.rv, std::make_shared<const std::string>(event_line("ADDED", item.object))});
    } else if (old->rv != item.rv) {
      out.push_back(
          {item.rv, std::make_shared<const std::string>(event_line("MODIFIED", item.object))});
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const DiffEvent& a, const DiffEvent& b) { return a.rv < b.rv; });
  std::vector<std::pair<const std::string*, const CachedObject*>> gone;
  for (const auto& [key, obj] : cache.entries()) {
    if (!present.contains(key)) gone.emplace_back(&key, &obj);
  }
  std::sort(gone.begin(), gone.end(),
            [](const auto& a, const auto& b) { return *a.first < *b.first; });
  for (const auto& [key, obj] : gone) {
    // At the LIST's resourceVersion, in the bytes too: a stream's resourceVersions never go
    // down, and a client resuming from this DELETED does not get it again.
    out.push_back({list_rv, std::make_shared<const std::string>(event_line(
                                "DELETED", with_resource_version(obj->object, list_rv)))});
  }
  return out;
}

}  // namespace watchfilter::proxy::informer

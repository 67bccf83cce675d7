// Arbitrary bytes as a stream of watch-event lines, decided by filters that together use every
// operation: decide() must never crash and must deliver or drop each line without throwing.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "filters/compile.h"
#include "filters/event_view.h"
#include "filters/filter_state.h"

namespace {

const char* const kFilters[] = {
    "changed(spec, metadata.labels, status.conditions[0]) || delta(status.n) >= 2 || "
    "outlier(status.v, 3, 8)",
    "reldelta(quantity(spec.mem)) > 0.1 && oldObject.spec != object.spec || oldObject == null",
    "spec.x in [1, 'a', null] || 'a' in spec.list || 'k' in metadata.labels || has(spec.y.z[2])",
    "size(spec.list) > 1 && size(spec.s) < 3 || spec.s.startsWith('a') || spec.s.endsWith('b') || "
    "contains(spec.s, 'c')",
    "-spec.n * 2 / spec.d + 1 - 3 < 4 || !spec.b || type == 'ADDED' || valueOr(spec.q, 'x') + 'y' "
    "== 'xy'",
    "object.spec == oldObject.spec && size(object) > 0 || has(oldObject.spec.x)",
};

std::vector<watchfilter::filters::FilterState> make_states() {
  std::vector<watchfilter::filters::FilterState> states;
  for (const char* f : kFilters) {
    auto r = watchfilter::filters::compile(f);
    if (!r) __builtin_trap();
    states.emplace_back(r.filter);
  }
  return states;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace watchfilter::filters;
  static const std::vector<FilterState> kFresh = make_states();
  std::vector<FilterState> states = kFresh;
  EventParser parser;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  while (!input.empty()) {
    const std::size_t end = input.find('\n');
    const std::string_view line = input.substr(0, end);
    input = end == std::string_view::npos ? std::string_view() : input.substr(end + 1);
    const EventView view = parser.parse_event(line);
    for (FilterState& s : states) (void)s.decide(view);
    (void)view.object_key();
    (void)view.raw_object();
    const EventView bare = parser.parse_object(line, EventType::kModified);
    for (FilterState& s : states) (void)s.decide(bare);
    for (const FilterState& s : states) (void)s.memory_bytes();
  }
  return 0;
}

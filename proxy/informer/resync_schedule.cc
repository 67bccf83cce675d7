#include "proxy/informer/resync_schedule.h"

#include <limits>

#include "filters/hash.h"

namespace watchfilter::proxy::informer {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

ResyncSchedule::ResyncSchedule(milliseconds period, clock::time_point origin)
    : period_(period.count() > 0 ? period : milliseconds(1)),
      origin_(origin),
      done_through_(origin) {}

std::int64_t ResyncSchedule::phase_ms(std::string_view key, milliseconds period) {
  // filters::hash64 is stable across runs, so an object keeps its phase when a stream restarts.
  return static_cast<std::int64_t>(filters::hash64(key) %
                                   static_cast<std::uint64_t>(period.count()));
}

void ResyncSchedule::add(const std::string& key) {
  const Probe probe(phase_ms(key, period_), key);
  const auto it = keys_.lower_bound(probe);
  if (it == keys_.end() || EntryLess{}(probe, *it)) keys_.emplace_hint(it, probe.first, key);
}

void ResyncSchedule::remove(const std::string& key) {
  const auto it = keys_.find(Probe(phase_ms(key, period_), key));
  if (it != keys_.end()) keys_.erase(it);
}

std::pair<ResyncSchedule::clock::time_point, ResyncSchedule::Entries::const_iterator>
ResyncSchedule::next() const {
  // Offset of the cursor in its cycle, rounded down: a phase at or below it is done for this
  // cycle, a phase above it is still to come.
  const std::int64_t since = duration_cast<milliseconds>(done_through_ - origin_).count();
  const std::int64_t cycle = since / period_.count();
  const std::int64_t offset = since % period_.count();
  auto it = keys_.lower_bound(Probe(offset + 1, {}));
  std::int64_t start = cycle * period_.count();
  if (it == keys_.end()) {
    it = keys_.begin();
    start += period_.count();
  }
  return {origin_ + milliseconds(start + it->first), it};
}

std::optional<ResyncSchedule::clock::time_point> ResyncSchedule::next_due() const {
  if (keys_.empty()) return std::nullopt;
  return next().first;
}

std::vector<std::string> ResyncSchedule::take_due(clock::time_point now) {
  std::vector<std::string> out;
  // Whole periods missed: each object is due once in the last period before `now`.
  if (now - done_through_ > period_) done_through_ = now - period_;
  while (!keys_.empty()) {
    const auto [due, first] = next();
    if (due > now) break;
    for (auto it = first; it != keys_.end() && it->first == first->first; ++it) {
      out.push_back(it->second);
    }
    done_through_ = due;
  }
  if (now > done_through_) done_through_ = now;
  return out;
}

}  // namespace watchfilter::proxy::informer

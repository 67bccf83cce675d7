#include "filters/filter_cost.h"

#include <cstdint>

#include "filters/object_state.h"
#include "filters/outlier_spec.h"

namespace watchfilter::filters {

FilterCost filter_cost(const Program& program) {
  FilterCost cost;
  cost.nodes = program.nodes.size();
  cost.changed_bytes = program.changed_slots.size() * sizeof(std::uint64_t);
  cost.delta_bytes = program.number_slots.size() * sizeof(double);
  // A remembered string is kept in full: only its fixed part can be known before any object.
  cost.old_object_bytes = program.snapshot_slots.size() * sizeof(RememberedValue);
  for (const OutlierSlot& slot : program.outlier_slots) {
    cost.outlier_bytes += outlier_state_bytes(slot.spec);
  }
  cost.outlier_calls = program.outlier_slots.size();
  return cost;
}

std::string FilterCost::describe_state() const {
  return "outlier() " + std::to_string(outlier_calls) + " calls " + std::to_string(outlier_bytes) +
         ", changed() " + std::to_string(changed_bytes) + ", delta() " +
         std::to_string(delta_bytes) + ", oldObject " + std::to_string(old_object_bytes);
}

}  // namespace watchfilter::filters

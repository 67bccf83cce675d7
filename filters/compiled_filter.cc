#include "filters/compiled_filter.h"

#include "filters/event_view.h"

namespace watchfilter::filters {

CompiledFilter::CompiledFilter(std::string source, Program program)
    : source_(std::move(source)), program_(std::move(program)) {
  // program_ no longer moves, so pointers into its path table stay valid.
  if (program_.stateful()) prefetch_.push_back(&EventView::uid_path());
  for (const CompiledPath& path : program_.paths) prefetch_.push_back(&path);
}

}  // namespace watchfilter::filters

#pragma once

#include <string>
#include <vector>

#include "filters/compile_options.h"
#include "nab_data.h"

namespace watchfilter::filters::bench {

// Replays `series` as successive versions of one object ({"metadata":{"uid":"nab",...},
// "value":V}) through a FilterState of `expression`, each observed at its row's timestamp.
// Returns, per row, whether the filter delivered it. Throws std::runtime_error on a compile error.
std::vector<char> replay(const NabSeries& series, const std::string& expression,
                         const CompileOptions& options = {});

}  // namespace watchfilter::filters::bench

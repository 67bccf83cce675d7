// Arbitrary bytes as a filter expression: compile() must return a filter or a positioned error,
// never crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "filters/compile.h"
#include "filters/subtree_hash.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace watchfilter::filters;
  const std::string_view source(reinterpret_cast<const char*>(data), size);
  const CompileResult r = compile(source);
  if (!r.ok() && (r.error->column == 0 || r.error->message.empty())) __builtin_trap();
  // The same text as a path for the e2e helper.
  (void)hash_subtree(R"({"spec":{"a":[1,{"b":"c"}]}})", source);
  return 0;
}

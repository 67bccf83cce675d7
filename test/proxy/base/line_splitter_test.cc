// Lines reassembled from the pieces a stream reads.

#include "proxy/base/line_splitter.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace watchfilter::proxy {
namespace {

TEST(LineSplitterTest, ReassemblesLinesAcrossPieces) {
  LineSplitter s;
  std::vector<std::string> lines;
  auto collect = [&](std::string_view l) { lines.emplace_back(l); };
  s.feed("{\"a\":1}\n{\"b\"", collect);
  s.feed(":2}", collect);
  s.feed("\n\n{\"c\":3}\n{", collect);
  EXPECT_EQ(lines, (std::vector<std::string>{"{\"a\":1}\n", "{\"b\":2}\n", "\n", "{\"c\":3}\n"}));
  EXPECT_EQ(s.pending(), 1u);
}

}  // namespace
}  // namespace watchfilter::proxy

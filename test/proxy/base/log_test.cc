#include "proxy/base/log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cctype>

namespace watchfilter::proxy {
namespace {

TEST(LoggerTest, KlogShape) {
  std::string line = Logger::format_line('I', "hello", "/work/main/proxy/main.cc", 42);
  // I<mmdd> <hh:mm:ss.uuuuuu> <pid, 7 columns> <file>:<line>] <msg>  (std::regex trips a gcc 12
  // -Wmaybe-uninitialized false positive under ASan, so the shape is checked by hand.)
  ASSERT_GE(line.size(), 30u) << line;
  EXPECT_EQ(line[0], 'I');
  for (std::size_t i : {1u, 2u, 3u, 4u, 6u, 7u, 9u, 10u, 12u, 13u, 15u, 16u, 17u, 18u, 19u, 20u}) {
    EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(line[i]))) << i << " in " << line;
  }
  EXPECT_EQ(line.substr(5, 1), " ");
  EXPECT_EQ(line[8], ':');
  EXPECT_EQ(line[11], ':');
  EXPECT_EQ(line[14], '.');
  EXPECT_EQ(std::stoi(line.substr(22, 7)), getpid());
  EXPECT_EQ(line.substr(29), " main.cc:42] hello");
  // klog right-aligns the pid in 7 columns.
  EXPECT_EQ(line.find(" main.cc"), 1u + 4u + 1u + 15u + 1u + 7u) << line;
}

TEST(LoggerTest, VerbosityAndSink) {
  std::FILE* sink = std::tmpfile();
  ASSERT_NE(sink, nullptr);
  Logger log(2, sink);
  EXPECT_TRUE(log.v(0));
  EXPECT_TRUE(log.v(2));
  EXPECT_FALSE(log.v(3));
  log.warning("careful");
  std::rewind(sink);
  char buf[256] = {};
  ASSERT_NE(std::fgets(buf, sizeof buf, sink), nullptr);
  std::string line(buf);
  EXPECT_EQ(line.front(), 'W');
  EXPECT_NE(line.find("log_test.cc:"), std::string::npos) << line;
  EXPECT_NE(line.find("] careful\n"), std::string::npos) << line;
  std::fclose(sink);
}

}  // namespace
}  // namespace watchfilter::proxy

#include "proxy/upstream/bearer_token_source.h"

#include <fstream>
#include <sstream>

namespace watchfilter::proxy {

BearerTokenSource::BearerTokenSource(std::string static_token, std::filesystem::path token_file,
                                     std::chrono::seconds refresh)
    : token_file_(std::move(token_file)), refresh_(refresh), token_(std::move(static_token)) {}

std::string BearerTokenSource::token() {
  std::lock_guard lock(mutex_);
  if (token_file_.empty()) return token_;
  const auto now = std::chrono::steady_clock::now();
  if (read_at_ == std::chrono::steady_clock::time_point{} || now - read_at_ >= refresh_) {
    read_at_ = now;
    std::ifstream in(token_file_, std::ios::binary);
    std::ostringstream text;
    if (in && (text << in.rdbuf())) {
      std::string t = text.str();
      while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
      if (!t.empty()) token_ = std::move(t);
    }
  }
  return token_;
}

}  // namespace watchfilter::proxy

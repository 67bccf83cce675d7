#pragma once

#include <chrono>
#include <filesystem>
#include <mutex>
#include <string>

namespace watchfilter::proxy {

// The bearer token sent upstream. A token file is re-read at most once a minute, because
// projected service-account tokens are rotated by the kubelet (client-go does the same); a failed
// re-read keeps the last good token. Thread-safe: sessions on different threads ask for it.
class BearerTokenSource {
 public:
  BearerTokenSource(std::string static_token, std::filesystem::path token_file,
                    std::chrono::seconds refresh = std::chrono::seconds(60));

  // Empty when no token is configured (client-certificate authentication).
  std::string token();

 private:
  const std::filesystem::path token_file_;
  const std::chrono::seconds refresh_;
  std::mutex mutex_;
  std::string token_;
  std::chrono::steady_clock::time_point read_at_{};
};

}  // namespace watchfilter::proxy

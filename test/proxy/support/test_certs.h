#pragma once

#include <filesystem>
#include <string>

#include "proxy/upstream/tls_context.h"

namespace watchfilter::proxy::testing {

// A certificate for 127.0.0.1/localhost from the proxy's own generator, generated once per test
// binary (key generation is the slow part).
const CertificateAndKey& loopback_certificate();

std::string base64(const std::string& data);

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path write(const std::string& name, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

}  // namespace watchfilter::proxy::testing

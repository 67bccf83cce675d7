#include "test/proxy/support/test_certs.h"

#include <openssl/evp.h>
#include <unistd.h>

#include <boost/asio/ip/address.hpp>
#include <fstream>
#include <random>

namespace watchfilter::proxy::testing {

const CertificateAndKey& loopback_certificate() {
  static const CertificateAndKey cert =
      generate_self_signed_certificate({"localhost"}, {boost::asio::ip::make_address("127.0.0.1")});
  return cert;
}

std::string base64(const std::string& data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()),
                          static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

TempDir::TempDir() {
  std::random_device rd;
  path_ = std::filesystem::temp_directory_path() /
          ("wf-proxy-test-" + std::to_string(getpid()) + "-" + std::to_string(rd()));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::filesystem::path TempDir::write(const std::string& name, const std::string& content) const {
  auto p = path_ / name;
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
  return p;
}

}  // namespace watchfilter::proxy::testing

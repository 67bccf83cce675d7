#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace watchfilter::proxy {

// Command-line flags, Kubernetes style: `--name=value` or `--name value`; booleans also as
// `--name`.
struct ProxyFlags {
  std::uint16_t secure_port = 8443;
  std::string bind_address = "127.0.0.1";
  std::string tls_cert_file;
  std::string tls_private_key_file;
  std::string kubeconfig;
  std::string context;
  int verbosity = 0;
  int threads = 2;
  bool help = false;
};

// A flag error; what() is one line naming the flag and what is wrong.
class FlagError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses argv[1..]. Throws FlagError on an unknown flag, a missing value, a bad value or a
// positional argument. Semantic checks that need more than one flag (cert and key given together,
// loopback bind address) belong to the startup code, not here.
ProxyFlags parse_flags(std::span<const std::string_view> args);

// The --help text; generated from the same table as the parser, so every flag is documented.
std::string help_text(std::string_view program);

}  // namespace watchfilter::proxy

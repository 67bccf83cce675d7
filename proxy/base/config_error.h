#pragma once

#include <stdexcept>

namespace watchfilter::proxy {

// Thrown only while loading configuration at startup (kubeconfig, certificates, bind address);
// what() is one line that names the file or value and what is wrong with it. The data path never
// throws: it uses error codes and Status replies.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace watchfilter::proxy

#pragma once
// What the runtime tests of a C++ child (runtime_test.cc) and of a Go child (go_child_test.cc)
// share: host services that record what the child asks for, and a suite fixture holding one
// runtime and one loaded module for all its tests (compiling a module takes seconds).

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "host/child_instance.h"
#include "host/wasm_runtime.h"

namespace watchfilter::host {

// Answers a GET with the ConfigMap "target" and anything else with 201; a GET of
// .../configmaps/big-<n> with a JSON string of n bytes (a child's large response buffer).
class RecordingHostServices : public HostServices {
 public:
  KubeResponse kube_request(const std::string& child, const KubeRequest& request) override {
    requests.push_back(request);
    children.push_back(child);
    constexpr std::string_view kBig = "/configmaps/big-";
    if (auto at = request.path.find(kBig); at != std::string::npos) {
      std::size_t size = std::stoul(request.path.substr(at + kBig.size()));
      return {200, "\"" + std::string(size - 2, 'x') + "\""};
    }
    if (request.method == 0)
      return {200, R"({"kind":"ConfigMap","metadata":{"name":"target"},"data":{"value":"v1"}})"};
    return {201, "{}"};
  }
  void child_log(const std::string& child, int level, std::string_view message) override {
    logs.push_back(child + ":" + std::to_string(level) + ":" + std::string(message));
  }
  std::vector<KubeRequest> requests;
  std::vector<std::string> children;  // which child sent each of requests
  std::vector<std::string> logs;      // "<child>:<level>:<message>"
};

// A suite fixture: the derived suite's SetUpTestSuite calls load_suite_module(); each test makes
// its instances with instantiate(), against its own services_.
template <typename Suite>
class RuntimeFixture : public ::testing::Test {
 protected:
  static void load_suite_module(const RuntimeOptions& options, const std::string& wasm,
                                ModuleSource* source = nullptr) {
    runtime_ = std::make_unique<WasmRuntime>(options);
    module_ = runtime_->load_module(wasm, source);
  }
  static void TearDownTestSuite() {
    module_.reset();
    runtime_.reset();
  }

  std::unique_ptr<ChildInstance> instantiate(const ChildSettings& settings) {
    return std::make_unique<ChildInstance>(*runtime_, module_, settings, services_);
  }

  static inline std::unique_ptr<WasmRuntime> runtime_;
  static inline std::shared_ptr<const ChildModule> module_;
  RecordingHostServices services_;
};

}  // namespace watchfilter::host

// What a child costs the host, C++ against Go: the Percona-style child in both languages
// (host/examples/percona/percona.cc, host/examples/percona-go) run on the host's runtime with a
// fake Kubernetes API (GET 404, writes 201: each reconcile is a GET and a POST, as for a new
// Cluster). Prints per module:
//   - module size (.wasm) and its compiled form (.cwasm), and the time to compile or map it;
//   - cold start: instantiate + _initialize, up to the start of the first reconcile (what
//     watchfilter_host_child_cold_start_seconds measures), and that first reconcile;
//   - RSS per loaded child: the process's resident memory with N instances loaded (each after
//     one reconcile), less the RSS before, over N; and each instance's linear memory.
// Usage: host_children_bench [--rounds N] [--loaded N] [--module-cache DIR] [--env K=V]...
//                            NAME=WASM...
// (--env: the children's environment, e.g. GODEBUG=inittrace=1 to see where a Go child's
// _initialize goes)
// (bench/host/CMakeLists.txt passes the two examples; `make bench-host` runs it).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "host/child_instance.h"
#include "host/wasm_runtime.h"

namespace {

using namespace watchfilter::host;
using Clock = std::chrono::steady_clock;

class FakeApi : public HostServices {
 public:
  KubeResponse kube_request(const std::string&, const KubeRequest& request) override {
    ++requests;
    if (request.method == 0)
      return {
          404,
          R"({"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404})"};
    return {
        201,
        R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"db1-topology","namespace":"db"}})"};
  }
  void child_log(const std::string&, int, std::string_view) override {}
  int requests = 0;
};

constexpr char kEvent[] =
    R"({"watch":0,"event":{"type":"ADDED","object":{"apiVersion":"example.watchfilter.io/v1","kind":"Cluster","metadata":{"name":"db1","namespace":"db","uid":"u-1","resourceVersion":"7"},"spec":{"size":3},"status":{"size":1}}}})";

std::uint64_t rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10);
  return 0;
}

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

struct Figures {
  std::string name;
  std::uintmax_t wasm_bytes = 0;
  std::uintmax_t cwasm_bytes = 0;
  double load_ms = 0;
  bool from_cache = false;
  std::vector<double> cold_ms, reconcile_ms;
  double rss_per_child_kib = 0;
  std::uint64_t linear_memory_kib = 0;
};

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / static_cast<double>(v.size());
}
double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

Figures measure(WasmRuntime& runtime, const std::string& name, const std::filesystem::path& wasm,
                int rounds, int loaded,
                const std::vector<std::pair<std::string, std::string>>& env) {
  Figures f;
  f.name = name;
  f.wasm_bytes = std::filesystem::file_size(wasm);
  FakeApi api;
  ModuleSource source;
  auto start = Clock::now();
  auto module = runtime.load_module(wasm, &source);
  f.load_ms = ms(Clock::now() - start);
  f.from_cache = source == ModuleSource::kCache;
  std::error_code ec;
  if (!module->cached_path().empty())
    f.cwasm_bytes = std::filesystem::file_size(module->cached_path(), ec);

  ChildSettings settings;
  settings.name = name;
  settings.memory_limit_bytes = runtime.options().max_memory_bytes;
  settings.call_timeout = std::chrono::seconds(10);
  settings.env = env;
  for (int i = 0; i < rounds; ++i) {
    auto t0 = Clock::now();
    ChildInstance child(runtime, module, settings, api);
    auto t1 = Clock::now();
    CallOutcome out = child.reconcile(kEvent);
    auto t2 = Clock::now();
    if (out.status != CallOutcome::Status::kRequeue) {
      std::fprintf(stderr, "%s: reconcile: %s %s\n", name.c_str(), to_string(out.status),
                   out.message.c_str());
      std::exit(1);
    }
    f.cold_ms.push_back(ms(t1 - t0));
    f.reconcile_ms.push_back(ms(t2 - t1));
  }
  // Warm the module's code pages with one instance first, so that the figure is what each
  // further loaded child adds.
  std::vector<std::unique_ptr<ChildInstance>> instances;
  instances.push_back(std::make_unique<ChildInstance>(runtime, module, settings, api));
  instances.back()->reconcile(kEvent);
  std::uint64_t before = rss_kib();
  for (int i = 0; i < loaded; ++i) {
    instances.push_back(std::make_unique<ChildInstance>(runtime, module, settings, api));
    instances.back()->reconcile(kEvent);
  }
  f.rss_per_child_kib = static_cast<double>(rss_kib() - before) / loaded;
  f.linear_memory_kib = instances.back()->memory_bytes() >> 10;
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 20;
  int loaded = 8;
  const char* home = std::getenv("HOME");
  std::filesystem::path cache =
      std::filesystem::path(home ? home : "/tmp") / ".cache/watchfilter/modules";
  std::vector<std::pair<std::string, std::filesystem::path>> children;
  std::vector<std::pair<std::string, std::string>> env;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--rounds" && i + 1 < argc) {
      rounds = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--loaded" && i + 1 < argc) {
      loaded = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--module-cache" && i + 1 < argc) {
      cache = argv[++i];
    } else if (a == "--env" && i + 1 < argc &&
               std::string(argv[i + 1]).find('=') != std::string::npos) {
      std::string kv = argv[++i];
      env.emplace_back(kv.substr(0, kv.find('=')), kv.substr(kv.find('=') + 1));
    } else if (auto eq = a.find('='); eq != std::string::npos && a[0] != '-') {
      children.emplace_back(a.substr(0, eq), a.substr(eq + 1));
    } else {
      std::fprintf(
          stderr,
          "usage: %s [--rounds N] [--loaded N] [--module-cache DIR] [--env K=V]... NAME=WASM...\n",
          argv[0]);
      return 2;
    }
  }
  RuntimeOptions options;
  options.module_cache_dir = cache;
  options.max_instances = static_cast<std::uint32_t>(loaded + 2);
  std::unique_ptr<WasmRuntime> runtime;
  std::vector<Figures> all;
  try {
    runtime = std::make_unique<WasmRuntime>(options);
    for (const auto& [name, wasm] : children)
      all.push_back(measure(*runtime, name, wasm, rounds, loaded, env));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "host_children_bench: %s\n", e.what());
    return 1;
  }
  std::printf("%-10s %10s %10s %14s %22s %22s %14s %14s\n", "child", "wasm KiB", "cwasm KiB",
              "load ms", "cold start ms mean/p90", "1st reconcile ms mean", "RSS/child KiB",
              "memory KiB");
  for (const Figures& f : all)
    std::printf("%-10s %10ju %10ju %8.1f %-5s %13.3f / %6.3f %22.3f %14.0f %14ju\n", f.name.c_str(),
                f.wasm_bytes >> 10, f.cwasm_bytes >> 10, f.load_ms, f.from_cache ? "map" : "build",
                mean(f.cold_ms), percentile(f.cold_ms, 0.9), mean(f.reconcile_ms),
                f.rss_per_child_kib, f.linear_memory_kib);
  std::printf("(%d cold starts each; RSS with %d more loaded; module cache %s)\n", rounds, loaded,
              cache.c_str());
  return 0;
}

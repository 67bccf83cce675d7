# The two commands of README.md: `make demo` and `make test`. Everything else is a step.
BUILD ?= build
CMAKE_FLAGS ?=

.PHONY: demo test deps check build unit asan fuzz e2e bench bench-wakeups bench-wakeups-quick bench-proxy bench-proxy-quick bench-host controlplane clean

demo: build controlplane
	e2e/demo.sh

test: check unit asan fuzz e2e bench-wakeups-quick bench-proxy-quick

deps:
	scripts/install-deps.sh

# proxy/'s components include only those below them (proxy/LAYERS, docs/architecture.md), and
# every tracked .h and .cc is formatted as .clang-format says; each script's own test first, so
# that a check that cannot fail does not pass unnoticed.
check: deps
	test/scripts/check_layers_test.sh
	scripts/check-layers.sh
	test/scripts/check_format_test.sh
	scripts/check-format.sh

build: deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)
	cmake --build $(BUILD)

unit: build
	ctest --test-dir $(BUILD) --output-on-failure

asan: deps
	cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DWATCHFILTER_SANITIZE=ON
	cmake --build build-asan
	ctest --test-dir build-asan --output-on-failure

fuzz: deps
	cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DWATCHFILTER_FUZZ=ON
	cmake --build build-fuzz
	fuzz/run.sh build-fuzz 60

controlplane: deps
	e2e/build-controlplane.sh >/dev/null

e2e: build controlplane
	e2e/run.sh

bench: build
	$(BUILD)/bench/filters/filters_bench

# The wake-up study (docs/benchmarks.md): the full run rewrites the tables and plots of
# docs/benchmarks.md (about 100 minutes; it prints its estimate first). BENCH_MODE=quick for the
# short one.
BENCH_MODE ?= full
bench-wakeups: build controlplane
	BUILD=$(abspath $(BUILD)) bench/wakeups/run.sh --$(BENCH_MODE) --docs

# The short run, with the checks that hold on any machine (part of `make test`).
bench-wakeups-quick: build controlplane
	BUILD=$(abspath $(BUILD)) bench/wakeups/run.sh --quick

# The proxy benchmark (docs/benchmarks.md, "The proxy"): added latency, fan-out against direct
# watches, memory per object against client-go, primary + secondaries, the engine's ceiling, a
# soak and a profile; the full run rewrites its section of docs/benchmarks.md (about 40 minutes).
bench-proxy: build controlplane
	BUILD=$(abspath $(BUILD)) bench/proxy/run.sh --$(BENCH_MODE) --docs

# The short run, with the checks that hold on any machine (part of `make test`, under 4 minutes).
bench-proxy-quick: build controlplane
	BUILD=$(abspath $(BUILD)) bench/proxy/run.sh --quick

# Module size, cold start and RSS per loaded child, the Percona-style child in C++ and in Go.
bench-host: build
	cmake --build $(BUILD) --target bench-host

clean:
	rm -rf $(BUILD) build-asan build-fuzz

# The two commands of README.md: `make demo` and `make test`. Everything else is a step.
BUILD ?= build
CMAKE_FLAGS ?=

.PHONY: demo test deps build unit asan fuzz e2e bench controlplane clean

demo: build controlplane
	e2e/demo.sh

test: unit asan fuzz e2e

deps:
	scripts/install-deps.sh

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

clean:
	rm -rf $(BUILD) build-asan build-fuzz

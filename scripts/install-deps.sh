#!/usr/bin/env bash
# Installs the Debian packages the build, the tests and the demo need.
# Idempotent: when every package is present it touches nothing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ccache
  libboost-dev libssl-dev openssl
  rapidjson-dev libsimdjson-dev libyaml-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-14 libclang-rt-14-dev          # libFuzzer targets
  clang-format-19                      # scripts/check-format.sh (.clang-format)
  iproute2 procps curl util-linux      # e2e: network namespaces, process checks
  python3 python3-kubernetes           # e2e: the python kubernetes client reads our streams
  python3-matplotlib                   # bench/wakeups, bench/proxy: the plots of docs/benchmarks.md
  linux-perf                           # bench/proxy: perf stat and the profile of the fan-out
  clang-19 lld-19 wasi-libc libc++-19-dev-wasm32 libc++abi-19-dev-wasm32 libclang-rt-19-dev-wasm32  # wasm children (sdk/)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}" >&2
  sudo=""; [[ $(id -u) == 0 ]] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Toolchains Debian's packages are too old for; they must come with the machine:
# kube-apiserver 1.36 needs Go >= 1.26, wasmtime 48 needs Rust (cargo) >= 1.95.
require_toolchain() { # command version-command minimum purpose
  local found
  if ! command -v "$1" >/dev/null; then
    echo "install-deps: $1 >= $3 is required $4 (not found)" >&2
    exit 1
  fi
  found=$($2)
  if [[ $(printf '%s\n%s\n' "$found" "$3" | sort -V | head -n1) != "$3" ]]; then
    echo "install-deps: $1 >= $3 is required $4 (found $found)" >&2
    exit 1
  fi
}
go_version() { local v; v=$(go env GOVERSION); echo "${v#go}"; }
cargo_version() { cargo --version | awk '{print $2}'; }
require_toolchain go go_version 1.26 "to build the e2e control plane"
require_toolchain cargo cargo_version 1.95 "to build wasmtime for watchfilter-host"

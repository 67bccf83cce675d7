#!/usr/bin/env bash
# Builds libwasmtime.a and wasmtime's C/C++ headers (wasmtime.hh included) from
# crates.io into a cache outside the clone, keyed by the pinned version and our
# Cargo.toml + Cargo.lock; a second run is a no-op. Prints the directory holding
# lib/libwasmtime.a and include/.
#   WATCHFILTER_CACHE   cache root (default ~/.cache/watchfilter)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
crate="$here/wasmtime-capi"
version=$(sed -n 's/.*wasmtime-c-api-impl = { version = "=\([0-9.]*\)".*/\1/p' "$crate/Cargo.toml")
[[ -n $version ]] || { echo "build-wasmtime: no pinned wasmtime-c-api-impl version in $crate/Cargo.toml" >&2; exit 1; }
key=$(cat "$crate/Cargo.toml" "$crate/Cargo.lock" "$crate/build.rs" "$crate/src/lib.rs" | sha256sum | cut -c1-12)
cache_root=${WATCHFILTER_CACHE:-$HOME/.cache/watchfilter}
out="$cache_root/wasmtime-$version-$key"
if [[ -f $out/lib/libwasmtime.a && -f $out/include/wasmtime.hh ]]; then
  echo "$out"
  exit 0
fi

# Two configures at once (build/, build-asan/, ...) wait for one build instead of racing.
mkdir -p "$cache_root"
exec 9>"$cache_root/wasmtime.lock"
flock 9
if [[ -f $out/lib/libwasmtime.a && -f $out/include/wasmtime.hh ]]; then
  echo "$out"
  exit 0
fi
command -v cargo >/dev/null || { echo "build-wasmtime: cargo is not installed (rustup or Debian cargo >= 1.95)" >&2; exit 1; }
command -v cmake >/dev/null || { echo "build-wasmtime: cmake is not installed" >&2; exit 1; }
target="$cache_root/wasmtime-target"   # shared across keys so a version bump rebuilds incrementally
mkdir -p "$target"
incfile="$target/include-dir.txt"
rm -f "$incfile"
echo "build-wasmtime: building wasmtime $version C API (first run only, several minutes)" >&2
start=$(date +%s)
WATCHFILTER_WASMTIME_INCLUDE_FILE="$incfile" CARGO_TARGET_DIR="$target" \
  cargo build --release --locked --manifest-path "$crate/Cargo.toml" >&2
# cargo skips build.rs when nothing changed; the include file then comes from a previous
# run with the same target dir, which is the same crate build.
[[ -f $incfile ]] || { touch "$crate/build.rs"; WATCHFILTER_WASMTIME_INCLUDE_FILE="$incfile" CARGO_TARGET_DIR="$target" \
  cargo build --release --locked --manifest-path "$crate/Cargo.toml" >&2; }
inc=$(cat "$incfile")
rm -rf "$out.partial" && mkdir -p "$out.partial/lib"
cp "$target/release/libwasmtime.a" "$out.partial/lib/"
cp -r "$inc" "$out.partial/include"
elapsed=$(( $(date +%s) - start ))
echo "$elapsed" > "$out.partial/build-seconds"
rm -rf "$out" && mv "$out.partial" "$out"
echo "build-wasmtime: built in $elapsed s ($out)" >&2
echo "$out"

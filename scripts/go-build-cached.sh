#!/usr/bin/env bash
# Builds a Go program of the repository into the cache outside the clone, keyed by a hash of its
# go.mod, go.sum and sources (and by any version the caller names), so that only the first run on
# a machine pays for the build. Prints the binary's path; build messages go to stderr.
# usage: scripts/go-build-cached.sh <module dir> <cache dir prefix> <binary name>
set -euo pipefail
dir=$(cd "${1:?usage: go-build-cached.sh <module dir> <cache prefix> <binary>}" && pwd)
prefix=${2:?cache dir prefix}
name=${3:?binary name}
cache="${WATCHFILTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/watchfilter}"
key=$(cat "$dir/go.mod" "$dir/go.sum" "$dir"/*.go | sha256sum | cut -c1-16)
bin="$cache/$prefix-$key/$name"
if [[ -x $bin ]]; then
  echo "$bin"
  exit 0
fi
command -v go >/dev/null || { echo "go-build-cached: go is not installed (needed for $name)" >&2; exit 1; }
mkdir -p "$(dirname "$bin")"
echo "go-build-cached: building $name (first run on this machine only)" >&2
start=$(date +%s)
(cd "$dir" && CGO_ENABLED=0 go build -mod=readonly -trimpath -ldflags "-s -w" -o "$bin.partial" .)
mv "$bin.partial" "$bin"
echo "go-build-cached: built $name in $(( $(date +%s) - start )) s" >&2
echo "$bin"

#!/usr/bin/env bash
# Builds the proxy benchmark's load client (bench/proxy/load, wfload: goroutines, not threads,
# per stream; client-go for the informer it compares memory with) into the cache outside the
# clone, keyed by a hash of its go.mod, go.sum and sources: only the first run pays for the
# build (client-go's packages come from Go's build cache when the e2e client was built). Prints
# the binary's path.
set -euo pipefail
here=$(cd "$(dirname "$0")/load" && pwd)
cache="${WATCHFILTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/watchfilter}"
key=$(cat "$here/go.mod" "$here/go.sum" "$here"/*.go | sha256sum | cut -c1-16)
bin="$cache/bench-load-$key/wfload"
if [[ -x $bin ]]; then
  echo "$bin"
  exit 0
fi
command -v go >/dev/null || { echo "build-load: go is not installed" >&2; exit 1; }
mkdir -p "$(dirname "$bin")"
echo "build-load: building wfload (first run only)" >&2
start=$(date +%s)
(cd "$here" && CGO_ENABLED=0 go build -mod=readonly -trimpath -ldflags "-s -w" -o "$bin.partial" .)
mv "$bin.partial" "$bin"
echo "build-load: built in $(( $(date +%s) - start )) s" >&2
echo "$bin"

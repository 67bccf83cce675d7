#!/usr/bin/env bash
# Builds the client-go test client (e2e/clients/go, wfwatch) into the cache outside the clone,
# keyed by a hash of its go.mod, go.sum and sources: only the first run pays for the build
# (about a minute on 2 cores with the module cache warm). Prints the binary's path.
set -euo pipefail
here=$(cd "$(dirname "$0")/go" && pwd)
cache="${WATCHFILTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/watchfilter}"
key=$(cat "$here/go.mod" "$here/go.sum" "$here"/*.go | sha256sum | cut -c1-16)
bin="$cache/clients-$key/wfwatch"
if [[ -x $bin ]]; then
  echo "$bin"
  exit 0
fi
command -v go >/dev/null || { echo "build-go-client: go is not installed" >&2; exit 1; }
mkdir -p "$(dirname "$bin")"
echo "build-go-client: building wfwatch with client-go (first run only)" >&2
start=$(date +%s)
(cd "$here" && CGO_ENABLED=0 go build -mod=readonly -trimpath -ldflags "-s -w" -o "$bin.partial" .)
mv "$bin.partial" "$bin"
echo "build-go-client: built in $(( $(date +%s) - start )) s" >&2
echo "$bin"

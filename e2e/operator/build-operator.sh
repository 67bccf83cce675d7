#!/usr/bin/env bash
# Builds dbop (e2e/operator: a controller-runtime operator) into the cache outside the clone,
# keyed by the controller-runtime version and a hash of go.mod, go.sum and the sources, as
# e2e/clients/build-go-client.sh does for wfwatch: only the first run on a machine pays for the
# build (about 2 minutes of CPU; 8 minutes on 2 cores shared with other builds). Prints the
# binary's path.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache="${WATCHFILTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/watchfilter}"
version=$(awk '$1 == "sigs.k8s.io/controller-runtime" { print $2 }' "$here/go.mod")
[[ -n $version ]] || { echo "build-operator: no controller-runtime in $here/go.mod" >&2; exit 1; }
key=$(cat "$here/go.mod" "$here/go.sum" "$here"/*.go | sha256sum | cut -c1-16)
bin="$cache/operator-controller-runtime-$version-$key/dbop"
if [[ -x $bin ]]; then
  echo "$bin"
  exit 0
fi
command -v go >/dev/null || { echo "build-operator: go is not installed" >&2; exit 1; }
mkdir -p "$(dirname "$bin")"
echo "build-operator: building dbop with controller-runtime $version (first run only)" >&2
start=$(date +%s)
(cd "$here" && CGO_ENABLED=0 go build -mod=readonly -trimpath -ldflags "-s -w" -o "$bin.partial" .)
mv "$bin.partial" "$bin"
echo "build-operator: built in $(( $(date +%s) - start )) s" >&2
echo "$bin"

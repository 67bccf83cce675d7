#!/usr/bin/env bash
# Builds the proxy benchmark's load client (bench/proxy/load, wfload: goroutines, not threads,
# per stream; client-go for the informer it compares memory with) once per machine; client-go's
# packages come from Go's build cache when the e2e client was built. Prints the binary's path.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
exec "$root/scripts/go-build-cached.sh" "$root/bench/proxy/load" bench-load wfload

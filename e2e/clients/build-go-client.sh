#!/usr/bin/env bash
# Builds the client-go test client (e2e/clients/go, wfwatch) once per machine (about a minute on
# 2 cores with the module cache warm). Prints the binary's path.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
exec "$root/scripts/go-build-cached.sh" "$root/e2e/clients/go" clients wfwatch

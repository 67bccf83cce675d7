#!/usr/bin/env bash
# Builds dbop (e2e/operator: a controller-runtime operator) once per machine, keyed by the
# controller-runtime version too (about 2 minutes of CPU; 8 minutes on 2 cores shared with other
# builds). Prints the binary's path.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/e2e/operator"
version=$(awk '$1 == "sigs.k8s.io/controller-runtime" { print $2 }' "$here/go.mod")
[[ -n $version ]] || { echo "build-operator: no controller-runtime in $here/go.mod" >&2; exit 1; }
exec "$root/scripts/go-build-cached.sh" "$here" "operator-controller-runtime-$version" dbop

#!/usr/bin/env bash
# Writes a children file for a ring of N children (namespaces ring-0 .. ring-N):
#   make-children.sh N RING_WASM [IDLE_UNLOAD] > children.yaml
# The entries list no watches: ring.wasm declares its own (changed(spec) on Rings of $RING_FROM).
# Each entry grants what its child does (docs/host.md, "What a child may ask for"): watch the
# Rings of its own namespace, and read and write those of the next one.
set -euo pipefail
n=${1:?N}; wasm=${2:?ring.wasm}; idle=${3:-1s}
echo "hostName: ring-host"
echo "idleUnload: $idle"
echo "callTimeout: 5s"
echo "memoryLimit: 16Mi"
echo "children:"
for ((i = 0; i < n; i++)); do
  to="ring-$((i + 1))"; ((i + 1 < n)) || to=""
  cat <<EOT
- name: ring-$i
  wasm: $wasm
  env: {RING_FROM: "ring-$i", RING_TO: "$to"}
  rbac:
  - {apiGroups: [example.watchfilter.io], resources: [rings], verbs: [watch], namespaces: [ring-$i]}
EOT
  if [[ -n $to ]]; then
    echo "  - {apiGroups: [example.watchfilter.io], resources: [rings], verbs: [get, create, update, delete], namespaces: [$to]}"
  fi
done

#!/usr/bin/env bash
# Writes a children file for a ring of N children (namespaces ring-0 .. ring-N):
#   make-children.sh N RING_WASM [IDLE_UNLOAD] > children.yaml
# The entries list no watches: ring.wasm declares its own (changed(spec) on Rings of $RING_FROM).
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
EOT
done

#!/usr/bin/env bash
# The demo: a real etcd + kube-apiserver in a private network namespace, watchfilter-proxy
# in front of it, and a watch through the proxy while kubectl changes configmaps.
# Stops by itself (or on Ctrl-C) and removes everything it made.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
source "$here/lib/controlplane.sh"
proxy=${WF_PROXY:-$repo/build/proxy/watchfilter-proxy}
[[ -x $proxy ]] || { echo "demo: build the proxy first (make build)" >&2; exit 1; }

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "starting etcd $ETCD_VERSION and kube-apiserver $KUBE_VERSION in a network namespace"
cp_up
cp_start_bg proxy "$proxy" --kubeconfig "$CP_DIR/watchfilter.kubeconfig" \
  --bind-address 127.0.0.1 --secure-port 8443 --v 1
for _ in $(seq 100); do
  [[ $(cp_exec curl -sk -m 1 https://127.0.0.1:8443/readyz 2>/dev/null) == ok ]] && break
  sleep 0.2
done
say "watchfilter-proxy is ready on https://127.0.0.1:8443 (inside the namespace)"

path=/apis/stream.watchfilter.io/v1alpha1/proxy/api/v1/namespaces/default/configmaps
say "watching $path?watch=true through the proxy"
cp_exec curl -sSNk "https://127.0.0.1:8443$path?watch=true&timeoutSeconds=30" | python3 -u -c '
import json, sys
for line in sys.stdin:
    ev = json.loads(line)
    o = ev["object"]
    print("   event: %-8s configmap/%s  data=%s  resourceVersion=%s" % (
        ev["type"], o["metadata"]["name"], json.dumps(o.get("data", {})),
        o["metadata"]["resourceVersion"]), flush=True)
' &
disown   # it ends by itself when cp_down stops curl; no job notice in the demo's output
sleep 1

say "changing configmaps with kubectl"
for step in "create configmap demo --from-literal=color=blue" \
            "patch configmap demo --type merge -p {\"data\":{\"color\":\"green\"}}" \
            "label configmap demo tier=edge" \
            "delete configmap demo"; do
  echo "   \$ kubectl $step"
  # shellcheck disable=SC2086
  cp_kubectl $step >/dev/null
  sleep 1
done

say "the same events, as kube-apiserver sent them, reached the watcher through the proxy"
cp_down
say "done: processes stopped, namespace and files removed"

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
# watch NAME FILTER: a watch through the proxy, its events printed one line each.
watch() {
  local query="watch=true&timeoutSeconds=60"
  [[ -n $2 ]] && query+="&filter=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$2")"
  cp_exec curl -sSNk --cert "$CP_DIR/admin.crt" --key "$CP_DIR/admin.key" \
    "https://127.0.0.1:8443$path?$query" | python3 -u -c '
import json, sys
for line in sys.stdin:
    ev = json.loads(line)
    o = ev["object"]
    print("   %-9s got %-8s configmap/%s  data=%s labels=%s" % (sys.argv[1],
        ev["type"], o["metadata"]["name"], json.dumps(o.get("data", {})),
        json.dumps(o["metadata"].get("labels", {}))), flush=True)
' "$1" &
  disown   # ends by itself when cp_down stops curl; no job notice in the output
}
say "three clients watch $path through the proxy:"
echo "   [all]     no filter: a pass-through of kube-apiserver's own watch"
echo "   [data]    filter=changed(data)"
echo "   [edge]    filter=metadata.labels[\"tier\"] == \"edge\""
watch "[all]" ""
watch "[data]" 'changed(data)'
watch "[edge]" 'metadata.labels["tier"] == "edge"'
sleep 2

say "changing a configmap with kubectl"
for step in "create configmap demo --from-literal=color=blue" \
            "patch configmap demo --type merge -p {\"data\":{\"color\":\"green\"}}" \
            "label configmap demo tier=edge" \
            "annotate configmap demo note=irrelevant" \
            "patch configmap demo --type merge -p {\"data\":{\"color\":\"red\"}}" \
            "delete configmap demo"; do
  echo "   \$ kubectl $step"
  # shellcheck disable=SC2086
  cp_kubectl $step >/dev/null
  sleep 1
done

say "what the proxy counted (/metrics)"
cp_exec curl -sk --cert "$CP_DIR/admin.crt" --key "$CP_DIR/admin.key" https://127.0.0.1:8443/metrics |
  grep -E '^watchfilter_(upstream_watches|stream_events_(delivered|suppressed)_total)' | sed 's/^/   /'
echo "   (the two filtered clients share one upstream watch; [all] is passed through)"
cp_down
say "done: processes stopped, namespace and files removed"

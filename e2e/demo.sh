#!/usr/bin/env bash
# The demo: a real etcd + kube-apiserver in a private network namespace, watchfilter-proxy
# in front of it, and a watch through the proxy while kubectl changes configmaps (act 1); then
# watchfilter-host running the Percona-style child twice, behind its filter and unfiltered, on
# the same status heartbeats of one database, with their wake-ups and loads side by side (act 2,
# when the host is built). Stops by itself (or on Ctrl-C) and removes everything it made.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
source "$here/lib/controlplane.sh"
proxy=${WF_PROXY:-$repo/build/proxy/watchfilter-proxy}
host=${WF_HOST:-$repo/build/host/watchfilter-host}
percona=$repo/build/host/examples/percona.wasm
[[ -x $proxy ]] || { echo "demo: build the proxy first (make build)" >&2; exit 1; }

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "starting etcd $ETCD_VERSION and kube-apiserver $KUBE_VERSION in a network namespace"
cp_up
cp_kubectl create namespace watchfilter-system >/dev/null   # where the proxy keeps wake-ups
cp_start_bg proxy "$proxy" --kubeconfig "$CP_DIR/watchfilter.kubeconfig" \
  --bind-address 127.0.0.1 --secure-port 8443 --wakeups-namespace watchfilter-system --v 1
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

if [[ -x $host && -f $percona ]]; then
  say "act 2: one database, its operator twice in watchfilter-host (host/examples/percona)"
  cp_kubectl apply -f "$repo/host/examples/percona/cluster-crd.yaml" >/dev/null
  cp_kubectl wait --for condition=Established --timeout 30s crd/clusters.example.watchfilter.io >/dev/null
  cp_kubectl create namespace shop >/dev/null
  cluster=/apis/example.watchfilter.io/v1/namespaces/shop/clusters
  cp_kubectl apply -f - >/dev/null <<EOY
apiVersion: example.watchfilter.io/v1
kind: Cluster
metadata: {name: db1, namespace: shop}
spec: {size: 3}
EOY
  # The same child twice: [filtered] with its own filter, [unfiltered] with every event of the
  # same Cluster. Unloaded 100 ms after its last event, like the seed's children when idle.
  cat >"$CP_DIR/children.yaml" <<EOY
hostName: demo
idleUnload: 100ms
children:
- name: filtered
  wasm: $percona
  env: {CLUSTER_NAMESPACE: shop, OPERATOR_ID: filtered, RESYNC_SECONDS: "3600"}
  rbac:
  - {apiGroups: [example.watchfilter.io], resources: [clusters], verbs: [watch], namespaces: [shop]}
  - {apiGroups: [""], resources: [configmaps], verbs: [get, create, patch], namespaces: [shop]}
- name: unfiltered
  wasm: $percona
  env: {CLUSTER_NAMESPACE: shop, OPERATOR_ID: unfiltered, RESYNC_SECONDS: "3600"}
  watches: [{resource: $cluster}]
  rbac:
  - {apiGroups: [example.watchfilter.io], resources: [clusters], verbs: [watch], namespaces: [shop]}
  - {apiGroups: [""], resources: [configmaps], verbs: [get, create, patch], namespaces: [shop]}
EOY
  echo "   [filtered]   watch=$cluster"
  echo "                filter=changed(spec) || delta(status.size) >= 1 || outlier(status.latencyMs, 3, 32, \"mean every\")"
  echo "   [unfiltered] watch=$cluster (every event)"
  cp_start_bg host "$host" --children "$CP_DIR/children.yaml" --kubeconfig "$CP_DIR/kubeconfig" \
    --proxy https://127.0.0.1:8443 --proxy-insecure-skip-tls-verify \
    --module-cache "$CP_DIR/modules" --metrics-bind-address 127.0.0.1:9464
  for _ in $(seq 100); do grep -qs "2 children" "$CP_DIR/logs/host.log" && break; sleep 0.2; done
  sleep 2
  # 60 heartbeats, 0.2 s apart: the database's latency (noise around 45 ms) and, at known
  # moments, what the operator must see: a member leaving and rejoining, a latency spike, and
  # the user scaling to 4 (then the fourth member arriving).
  python3 - "$cluster/db1" >"$CP_DIR/heartbeats.jsonl" <<'EOP'
import json, random, sys
obj, rnd, size, spec = sys.argv[1], random.Random(7), 3, None
for i in range(60):
    note, lat = "", round(45 + rnd.uniform(-2, 2), 1)
    if i == 15: size, note = 2, "a member leaves"
    if i == 20: size, note = 3, "it rejoins"
    if i == 30: lat, note = 180.0, "latency spike"
    if i == 40: spec, note = 4, "the user scales to 4"
    if i == 45: size, note = 4, "the fourth member arrives"
    if spec:
        print(json.dumps({"method": "PATCH", "path": obj, "body": {"spec": {"size": spec}}}))
        spec = None
    print(json.dumps({"method": "PATCH", "path": obj + "/status",
                      "body": {"status": {"size": size, "latencyMs": lat, "seq": i}}}))
    print(json.dumps({"sleep": 0.2}))
    if note:
        print(f"   heartbeat {i}: {note}", file=sys.stderr)
EOP
  say "writing 60 status heartbeats of shop/db1 in 12 s"
  cp_exec python3 "$here/clients/mutate.py" --server https://127.0.0.1:6443 --cacert "$CP_DIR/ca.crt" \
    --cert "$CP_DIR/admin.crt" --key "$CP_DIR/admin.key" --script "$CP_DIR/heartbeats.jsonl" \
    --out "$CP_DIR/heartbeats-written.jsonl"
  sleep 1.5
  say "the same child, the same 61 writes (60 heartbeats, 1 spec change)"
  cp_exec curl -s http://127.0.0.1:9464/metrics | python3 -c '
import sys
m = {}
for line in sys.stdin:
    if line.startswith("#") or "child=" not in line:
        continue
    name, value = line.rsplit(" ", 1)
    child = name.partition("child=")[2][1:].split(chr(34))[0]
    m.setdefault(child, {})[name.split("{")[0]] = int(float(value))
print("   %-12s %10s %8s %8s" % ("", "wake-ups", "loads", "unloads"))
for child in ("filtered", "unfiltered"):
    c = m.get(child, {})
    print("   %-12s %10d %8d %8d" % (child, c.get("watchfilter_host_child_wakeups_total", 0),
          c.get("watchfilter_host_child_loads_total", 0), c.get("watchfilter_host_child_unloads_total", 0)))
'
  echo "   (the filtered child woke for the Cluster's creation, its first status and the 5 changes"
  echo "    above; the unfiltered one for every write, and was loaded again for most of them."
  echo "    docs/benchmarks.md measures this on the seed's traces: make bench-wakeups)"
else
  say "act 2 skipped: watchfilter-host is not built (needs cargo and clang-19: docs/host.md)"
fi
cp_down
say "done: processes stopped, namespace and files removed"

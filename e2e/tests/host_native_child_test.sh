#!/usr/bin/env bash
# The same child source, built natively (percona-native: host/examples/percona/percona.cc with the
# SDK's native shim, sdk/native/) and as wasm (percona.wasm in watchfilter-host), each against the
# proxy on its own namespace. The same Cluster changes are made in both namespaces: a new Cluster,
# a spec change, a status.size change, then a heartbeat the filter rejects. After each step both
# children must have written the same topology ConfigMap and have been woken the same number of
# times (the native child's /metrics against the host's), and the heartbeat wakes neither.
source "$(dirname "$0")/../lib/testlib.sh"
source "$TL_DIR/hostlib.sh"
WF_HOST=${WF_HOST:-$REPO_DIR/build/host/watchfilter-host}
PERCONA_WASM=${PERCONA_WASM:-$REPO_DIR/build/host/examples/percona.wasm}
PERCONA_NATIVE=${PERCONA_NATIVE:-$(dirname "$WF_HOST")/examples/percona-native}
for f in "$WF_HOST" "$PERCONA_WASM" "$PERCONA_NATIVE"; do [[ -f $f ]] || fail "$f not built"; done
WF_PORT=8475
HOST_METRICS=9474
NATIVE_METRICS=9475
start_proxy proxy $WF_PORT

apply_example_crd percona/cluster-crd.yaml clusters
cp_kubectl create namespace native-wasm >/dev/null
cp_kubectl create namespace native-gdb >/dev/null

cat >"$T_DIR/children.yaml" <<EOY
hostName: edge-1
idleUnload: 1s
children:
- name: percona
  wasm: $PERCONA_WASM
  env: {RESYNC_SECONDS: "3600", CLUSTER_NAMESPACE: native-wasm}
  rbac:
  - {apiGroups: [example.watchfilter.io], resources: [clusters], verbs: [watch], namespaces: [native-wasm]}
  - {apiGroups: [""], resources: [configmaps], verbs: [get, create, patch], namespaces: [native-wasm]}
EOY
t_bg host-native-cmp "$WF_HOST" --children "$T_DIR/children.yaml" --kubeconfig "$CP_KUBECONFIG" \
  --proxy "https://127.0.0.1:$WF_PORT" --proxy-insecure-skip-tls-verify \
  --module-cache "$T_DIR/modules" --metrics-bind-address "127.0.0.1:$HOST_METRICS"
# The native child without a children file: its name from the executable, its watch declared by
# the source, its environment the process's; --server/--token style flags are covered by the
# kubeconfig here.
t_bg percona-native env RESYNC_SECONDS=3600 CLUSTER_NAMESPACE=native-gdb "$PERCONA_NATIVE" \
  --kubeconfig "$CP_KUBECONFIG" --host-name native-e2e \
  --proxy "https://127.0.0.1:$WF_PORT" --proxy-insecure-skip-tls-verify \
  --metrics-bind-address "127.0.0.1:$NATIVE_METRICS" --v 1
native_log=$CP_DIR/logs/percona-native.log
wait_for 30 grep -qs "watchfilter-host: 1 children" "$CP_DIR/logs/host-native-cmp.log" || fail "host did not start"
wait_for 30 grep -qs "percona-native: 1 children, 1 watches" "$native_log" || { tail -n 20 "$native_log" >&2; fail "percona-native did not start"; }
grep -q "child percona runs natively in this process" "$native_log" || fail "not the in-process backend"

topology() { # NAMESPACE
  cp_kubectl get configmap c1-topology -n "$1" -o jsonpath='{.data.desiredSize} {.data.observedSize} {.data.phase}' 2>/dev/null || true
}
wakeups_of() { host_metric "$1" watchfilter_host_child_wakeups_total child=percona; }
both() { # WANT_TOPOLOGY WANT_WAKEUPS
  [[ $(topology native-wasm) == "$1" && $(topology native-gdb) == "$1" &&
     $(wakeups_of $HOST_METRICS) == "$2" && $(wakeups_of $NATIVE_METRICS) == "$2" ]]
}
step() { # WHAT WANT_TOPOLOGY WANT_WAKEUPS
  wait_for 20 both "$2" "$3" || fail "$1: wasm '$(topology native-wasm)' woken $(wakeups_of $HOST_METRICS), native '$(topology native-gdb)' woken $(wakeups_of $NATIVE_METRICS); want '$2' woken $3"
  t_log "$1: both wrote '$2', both woken $3 times"
}
in_both() { local ns; for ns in native-wasm native-gdb; do "$@" -n "$ns" >/dev/null; done; }

echo '{"apiVersion":"example.watchfilter.io/v1","kind":"Cluster","metadata":{"name":"c1"},"spec":{"size":3}}' >"$T_DIR/c1.json"
in_both cp_kubectl create -f "$T_DIR/c1.json"
step "new Cluster" "3 0 scaling" 1
in_both cp_kubectl patch clusters.example.watchfilter.io c1 --type merge -p '{"spec":{"size":5}}'
step "spec change" "5 0 scaling" 2
in_both cp_kubectl patch clusters.example.watchfilter.io c1 --subresource status --type merge -p '{"status":{"size":5}}'
step "status.size change" "5 5 ready" 3
in_both cp_kubectl patch clusters.example.watchfilter.io c1 --subresource status --type merge -p '{"status":{"size":5,"heartbeat":"x"}}'
sleep 2
step "heartbeat (filtered out)" "5 5 ready" 3
[[ $(proxy_metric $WF_PORT watchfilter_stream_events_delivered_total stream=native-e2e.percona.0) == 3 ]] ||
  fail "the proxy delivered $(proxy_metric $WF_PORT watchfilter_stream_events_delivered_total stream=native-e2e.percona.0) events to the native child"
grep -q "\[percona\] native-gdb/c1: size 5/5" "$native_log" || fail "the child's log line is missing"
t_log "ok"

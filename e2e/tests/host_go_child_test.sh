#!/usr/bin/env bash
# The Percona-style child written in Go (host/examples/percona-go: the Go SDK, client-go's typed
# core/v1 client) and in C++ (host/examples/percona) side by side in one watchfilter-host, each
# pair on the same stream of events (the same Clusters, so the proxy delivers the same events on
# both watcher ids); the Go child built natively (percona-go-native) follows the same events too:
#   1. events (namespace go-events, resync 1 h): a new Cluster, a spec change, a status.size
#      change, a heartbeat the filter rejects, a deletion. After each step every child has been
#      woken the same number of times, and they have sent the same requests (the host's --v 2
#      request lines) and written the same topology ConfigMaps (each its own, OPERATOR_ID);
#   2. requeue (namespace go-requeue, resync 8 s): a new Cluster; the children's RequeueAfter
#      becomes a wake-up on the proxy, delivered after both were unloaded (idle 1 s), which loads
#      them again; deleting the Cluster ends the chain (the pending wake-up finds no object).
# Prints the Go and C++ children's cold starts and memory from the host's exit summary.
source "$(dirname "$0")/../lib/testlib.sh"
source "$TL_DIR/hostlib.sh"
WF_HOST=${WF_HOST:-$REPO_DIR/build/host/watchfilter-host}
PERCONA_WASM=${PERCONA_WASM:-$REPO_DIR/build/host/examples/percona.wasm}
PERCONA_GO_WASM=${PERCONA_GO_WASM:-$REPO_DIR/build/host/examples/percona-go.wasm}
PERCONA_GO_NATIVE=${PERCONA_GO_NATIVE:-$REPO_DIR/build/host/examples/percona-go-native}
for f in "$WF_HOST" "$PERCONA_WASM" "$PERCONA_GO_WASM" "$PERCONA_GO_NATIVE"; do [[ -f $f ]] || fail "$f not built"; done
WF_PORT=8478
HOST_METRICS=9478
NATIVE_METRICS=9479
# Compiling the 52 MiB Go module takes 1-2.5 minutes on 2 cores, so the host's default module
# cache is used (outside the clone, keyed by the module's sha256 and the engine settings), which
# the bench and GoChildTest share: only the first run on a machine compiles it.
MODULES=$HOME/.cache/watchfilter/modules
start_proxy proxy $WF_PORT

apply_example_crd percona/cluster-crd.yaml clusters
cp_kubectl create namespace go-events >/dev/null
cp_kubectl create namespace go-requeue >/dev/null

cat >"$T_DIR/children.yaml" <<EOY
hostName: edge-1
idleUnload: 1s
children:
- name: events-cc
  wasm: $PERCONA_WASM
  env: {RESYNC_SECONDS: "3600", CLUSTER_NAMESPACE: go-events, OPERATOR_ID: cc}
  rbac:
  - {apiGroups: [example.watchfilter.io], resources: [clusters], verbs: [watch], namespaces: [go-events]}
  - {apiGroups: [""], resources: [configmaps], verbs: [get, create, patch], namespaces: [go-events]}
- name: events-go
  wasm: $PERCONA_GO_WASM
  env: {RESYNC_SECONDS: "3600", CLUSTER_NAMESPACE: go-events, OPERATOR_ID: go}
  rbac:
  - {apiGroups: [example.watchfilter.io], resources: [clusters], verbs: [watch], namespaces: [go-events]}
  - {apiGroups: [""], resources: [configmaps], verbs: [get, create, patch], namespaces: [go-events]}
- name: requeue-cc
  wasm: $PERCONA_WASM
  env: {RESYNC_SECONDS: "8", CLUSTER_NAMESPACE: go-requeue, OPERATOR_ID: cc}
  rbac:
  - {apiGroups: [example.watchfilter.io], resources: [clusters], verbs: [watch], namespaces: [go-requeue]}
  - {apiGroups: [""], resources: [configmaps], verbs: [get, create, patch], namespaces: [go-requeue]}
- name: requeue-go
  wasm: $PERCONA_GO_WASM
  env: {RESYNC_SECONDS: "8", CLUSTER_NAMESPACE: go-requeue, OPERATOR_ID: go}
  rbac:
  - {apiGroups: [example.watchfilter.io], resources: [clusters], verbs: [watch], namespaces: [go-requeue]}
  - {apiGroups: [""], resources: [configmaps], verbs: [get, create, patch], namespaces: [go-requeue]}
EOY
host_log=$CP_DIR/logs/host-go.log
native_log=$CP_DIR/logs/percona-go-native.log
t_bg host-go "$WF_HOST" --children "$T_DIR/children.yaml" --kubeconfig "$CP_KUBECONFIG" \
  --proxy "https://127.0.0.1:$WF_PORT" --proxy-insecure-skip-tls-verify \
  --module-cache "$MODULES" --metrics-bind-address "127.0.0.1:$HOST_METRICS" --v 2
t_bg percona-go-native env RESYNC_SECONDS=3600 CLUSTER_NAMESPACE=go-events OPERATOR_ID=native \
  "$PERCONA_GO_NATIVE" --kubeconfig "$CP_KUBECONFIG" --name events-native --host-name native-e2e \
  --proxy "https://127.0.0.1:$WF_PORT" --proxy-insecure-skip-tls-verify \
  --metrics-bind-address "127.0.0.1:$NATIVE_METRICS" --v 2
start=$SECONDS
wait_for 240 grep -qs "watchfilter-host: 4 children, 4 watches" "$host_log" || { tail -n 20 "$host_log" >&2; fail "host did not start"; }
t_log "host started in $((SECONDS - start)) s ($(grep -o 'percona-go.wasm [a-z ]* in [0-9.]* ms' "$host_log" | head -n 1))"
wait_for 30 grep -qs "percona-go-native: 1 children, 1 watches" "$native_log" || { tail -n 20 "$native_log" >&2; fail "percona-go-native did not start"; }

wakeups() { host_metric "$1" watchfilter_host_child_wakeups_total "child=$2"; }
loaded() { host_metric $HOST_METRICS watchfilter_host_child_loaded "child=$1"; }
loads() { host_metric $HOST_METRICS watchfilter_host_child_loads_total "child=$1"; }
topology() { # NAMESPACE CONFIGMAP
  cp_kubectl get configmap "$2" -n "$1" -o jsonpath='{.data.desiredSize} {.data.observedSize} {.data.phase}' 2>/dev/null || true
}
# The requests a child sent, in order, as "METHOD PATH -> STATUS" with its OPERATOR_ID taken out
# of the path (the host logs "child NAME request METHOD PATH -> STATUS" at --v 2).
requests_of() { # LOG CHILD OPERATOR_ID
  grep -o "child $2 request .*" "$1" | sed -e "s/^child $2 request //" -e "s/-topology-$3\b/-topology/" || true
}

# --- 1. the same events for the three -------------------------------------------------------
events_equal() { # WANT_TOPOLOGY WANT_WAKEUPS
  [[ $(topology go-events c1-topology-cc) == "$1" && $(topology go-events c1-topology-go) == "$1" && $(topology go-events c1-topology-native) == "$1" &&
     $(wakeups $HOST_METRICS events-cc) == "$2" && $(wakeups $HOST_METRICS events-go) == "$2" &&
     $(wakeups $NATIVE_METRICS events-native) == "$2" ]]
}
step() { # WHAT WANT_TOPOLOGY WANT_WAKEUPS
  wait_for 30 events_equal "$2" "$3" ||
    fail "$1: C++ '$(topology go-events c1-topology-cc)' woken $(wakeups $HOST_METRICS events-cc), Go '$(topology go-events c1-topology-go)' woken $(wakeups $HOST_METRICS events-go), Go native '$(topology go-events c1-topology-native)' woken $(wakeups $NATIVE_METRICS events-native); want '$2' woken $3"
  t_log "$1: C++, Go and Go native all wrote '$2', all woken $3 times"
}
echo '{"apiVersion":"example.watchfilter.io/v1","kind":"Cluster","metadata":{"name":"c1","namespace":"go-events"},"spec":{"size":3}}' |
  cp_kubectl create -f - >/dev/null
step "new Cluster" "3 0 scaling" 1
cp_kubectl patch clusters.example.watchfilter.io c1 -n go-events --type merge -p '{"spec":{"size":5}}' >/dev/null
step "spec change" "5 0 scaling" 2
cp_kubectl patch clusters.example.watchfilter.io c1 -n go-events --subresource status --type merge -p '{"status":{"size":5}}' >/dev/null
step "status.size change" "5 5 ready" 3
cp_kubectl patch clusters.example.watchfilter.io c1 -n go-events --subresource status --type merge -p '{"status":{"size":5,"heartbeat":"x"}}' >/dev/null
sleep 2
step "heartbeat (filtered out)" "5 5 ready" 3
cp_kubectl delete clusters.example.watchfilter.io c1 -n go-events >/dev/null
step "deletion" "5 5 ready" 4
cc_requests=$(requests_of "$host_log" events-cc cc)
[[ $(grep -c . <<<"$cc_requests") == 6 ]] || fail "the C++ child sent $(grep -c . <<<"$cc_requests") requests, want 6 (3 GET, 1 POST, 2 PATCH):
$cc_requests"
[[ $(requests_of "$host_log" events-go go) == "$cc_requests" ]] ||
  fail "the Go child's requests differ from the C++ child's:
$(diff <(echo "$cc_requests") <(requests_of "$host_log" events-go go))"
[[ $(requests_of "$native_log" events-native native) == "$cc_requests" ]] ||
  fail "the native Go child's requests differ from the C++ child's:
$(diff <(echo "$cc_requests") <(requests_of "$native_log" events-native native))"
t_log "same requests from the three: $(tr '\n' ';' <<<"$cc_requests")"
grep -q "\[events-go\] go-events/c1: size 5/5" "$host_log" || fail "the Go child's log line is missing"
grep -q "\[events-native\] go-events/c1: size 5/5" "$native_log" || fail "the native Go child's log line is missing"

# --- 2. a requeue delivered as a wake-up while the children were unloaded --------------------
# One scrape of the host's /metrics per check, so that the values belong together and a check
# is fast next to the resync period.
scrape() { cp_exec curl -q -s -m 5 "http://127.0.0.1:$HOST_METRICS/metrics" >"$T_DIR/scrape.txt" || true; }
scraped() { # METRIC CHILD: its value in the last scrape
  awk -v want="$1{child=\"$2\"}" '$1 == want { print $2 }' "$T_DIR/scrape.txt"
}
requeue_at() { # WAKEUPS LOADED: both children woken WAKEUPS times, both loaded (1) or not (0)
  scrape
  [[ $(scraped watchfilter_host_child_wakeups_total requeue-cc) == "$1" &&
     $(scraped watchfilter_host_child_wakeups_total requeue-go) == "$1" &&
     $(scraped watchfilter_host_child_loaded requeue-cc) == "$2" &&
     $(scraped watchfilter_host_child_loaded requeue-go) == "$2" ]]
}
requeue_state() { # of the last scrape
  local c
  for c in requeue-cc requeue-go; do
    echo -n "$c: woken $(scraped watchfilter_host_child_wakeups_total $c), loads $(scraped watchfilter_host_child_loads_total $c), loaded $(scraped watchfilter_host_child_loaded $c); "
  done
}
echo '{"apiVersion":"example.watchfilter.io/v1","kind":"Cluster","metadata":{"name":"r1","namespace":"go-requeue"},"spec":{"size":2},"status":{}}' |
  cp_kubectl create -f - >/dev/null
wait_for 20 requeue_at 1 0 || fail "after the new Cluster, want both woken once then unloaded: $(requeue_state)"
t_log "new Cluster: both woken once, then unloaded (idle 1 s)"
# The deletion must land before the next wake-up (8 s after the second reconcile): delete as soon
# as both are unloaded again.
wait_for 20 requeue_at 2 0 || fail "want the wake-up 8 s after the first reconcile, then unloaded: $(requeue_state)"
cp_kubectl delete clusters.example.watchfilter.io r1 -n go-requeue >/dev/null
loads_after_wakeup="$(scraped watchfilter_host_child_loads_total requeue-cc) $(scraped watchfilter_host_child_loads_total requeue-go)"
wakeups_sent=$(proxy_metric $WF_PORT watchfilter_synthetic_events_total reason=wakeup)
[[ $loads_after_wakeup == "2 2" ]] || fail "the wake-up did not load the children again (loads $loads_after_wakeup)"
[[ $wakeups_sent == 2 ]] || fail "the proxy sent $wakeups_sent wake-ups, want 2"
t_log "requeue: the proxy's wake-up loaded both again (loads 2, woken 2)"
wait_for 20 requeue_at 3 0 || fail "after the deletion: $(requeue_state)"
sleep 8 # past the wake-up the second reconcile asked for: its object is gone
requeue_at 3 0 || fail "a wake-up after the deletion: $(requeue_state)"
# The filter delivered the ADDED and the DELETED; the other event was the proxy's own wake-up.
for c in requeue-cc requeue-go; do
  [[ $(proxy_metric $WF_PORT watchfilter_stream_events_delivered_total stream=edge-1.$c.0) == 2 ]] ||
    fail "the filter delivered $(proxy_metric $WF_PORT watchfilter_stream_events_delivered_total stream=edge-1.$c.0) events to $c, want 2"
done
[[ $(topology go-requeue r1-topology-cc) == "2 0 scaling" && $(topology go-requeue r1-topology-go) == "2 0 scaling" ]] ||
  fail "requeue topology: C++ '$(topology go-requeue r1-topology-cc)', Go '$(topology go-requeue r1-topology-go)'"
cc_requests=$(requests_of "$host_log" requeue-cc cc)
[[ $(requests_of "$host_log" requeue-go go) == "$cc_requests" ]] ||
  fail "requeue: the Go child's requests differ from the C++ child's:
$(diff <(echo "$cc_requests") <(requests_of "$host_log" requeue-go go))"
t_log "requeue: same requests ($(grep -c . <<<"$cc_requests")), woken 3 times each, none after the deletion"

# --- figures ---------------------------------------------------------------------------------
cp_exec curl -q -s -m 5 "http://127.0.0.1:$HOST_METRICS/metrics" >"$T_DIR/metrics.txt"
cp_stop_bg host-go
host_metrics_match_summary "$T_DIR/metrics.txt" "$host_log" events-cc events-go requeue-cc requeue-go ||
  fail "/metrics and the exit summary disagree"
sed -n '/summary: child wakeups/,/total wakeups/p' "$host_log" | sed 's/^.*summary:/summary:/' >&2
t_log "ok"

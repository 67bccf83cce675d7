#!/usr/bin/env bash
# The Percona-style child (host/examples/percona) in watchfilter-host, on a replay of a real
# operator's reconcile trace (../shared/data/wasm-operator-traces/traces_persona.csv: the Percona
# MongoDB operator's 5 s RequeueAfter loop with noise). Each trace row becomes a status write of
# one Cluster, at the trace's pace divided by REPLAY_SPEEDUP (default 100: 300 rows in ~16 s); a
# row that came off the 5 s schedule moves status.size, and every 100 rows spec.size is rescaled
# (e2e/clients/trace_replay.py). The child's declared filter,
# changed(spec) || delta(status.size) >= 1, must let through exactly those changes:
#   - the child's wake-ups (host /metrics) == the events the proxy delivered on its stream
#     (proxy /metrics, watchfilter_stream_events_delivered_total{stream=<watcher id>})
#     == the initial ADDED + the planned changes, far fewer than the writes replayed;
#   - a quiet period of heartbeat-only writes wakes it zero times;
#   - the exit summary agrees with /metrics.
# Reports writes, admitted, wake-ups, loads and unloads.
source "$(dirname "$0")/../lib/testlib.sh"
source "$TL_DIR/hostlib.sh"
WF_HOST=${WF_HOST:-$REPO_DIR/build/host/watchfilter-host}
PERCONA_WASM=${PERCONA_WASM:-$REPO_DIR/build/host/examples/percona.wasm}
TRACE=${TRACE:-$REPO_DIR/../shared/data/wasm-operator-traces/traces_persona.csv}
for f in "$WF_HOST" "$PERCONA_WASM" "$TRACE"; do [[ -f $f ]] || fail "$f not found"; done
ROWS=${REPLAY_ROWS:-300}
SPEEDUP=${REPLAY_SPEEDUP:-100}
QUIET_SECONDS=6
WF_PORT=8472
METRICS_PORT=9472
NS=percona-replay
WATCHER=edge-1.percona.0
CLUSTERS=/apis/example.watchfilter.io/v1/namespaces/$NS/clusters
start_proxy proxy $WF_PORT

apply_example_crd percona/cluster-crd.yaml clusters
cp_kubectl create namespace $NS >/dev/null
cp_kubectl apply -f - >/dev/null <<EOY
apiVersion: example.watchfilter.io/v1
kind: Cluster
metadata: {name: db1, namespace: $NS}
spec: {size: 3}
EOY
cp_kubectl patch clusters.example.watchfilter.io db1 -n $NS --subresource status --type merge -p '{"status":{"size":3}}' >/dev/null

# RESYNC_SECONDS is longer than the test: the child's resync requeue must not add a wake-up.
cat >"$T_DIR/children.yaml" <<EOY
hostName: edge-1
idleUnload: 1s
children:
- name: percona
  wasm: $PERCONA_WASM
  env: {RESYNC_SECONDS: "3600", CLUSTER_NAMESPACE: $NS}
  rbac:
  - {apiGroups: [example.watchfilter.io], resources: [clusters], verbs: [watch], namespaces: [$NS]}
  - {apiGroups: [""], resources: [configmaps], verbs: [get, create, patch], namespaces: [$NS]}
EOY
host_log=$CP_DIR/logs/host-percona.log
t_bg host-percona "$WF_HOST" --children "$T_DIR/children.yaml" --kubeconfig "$CP_KUBECONFIG" \
  --proxy "https://127.0.0.1:$WF_PORT" --proxy-insecure-skip-tls-verify \
  --module-cache "$T_DIR/modules" --metrics-bind-address "127.0.0.1:$METRICS_PORT" --v 1
wait_for 30 grep -qs "watchfilter-host: 1 children" "$host_log" || { tail -n 20 "$host_log" >&2; fail "host did not start"; }

wakeups() { host_metric $METRICS_PORT watchfilter_host_child_wakeups_total child=percona; }
delivered() { proxy_metric $WF_PORT watchfilter_stream_events_delivered_total "stream=$WATCHER"; }
topology() { # the ConfigMap the child writes: "desired observed phase"
  cp_kubectl get configmap db1-topology -n $NS -o jsonpath='{.data.desiredSize} {.data.observedSize} {.data.phase}' 2>/dev/null || true
}
settled() { # WANT: host and proxy both at WANT and the queue empty
  [[ $(wakeups) == "$1" && $(delivered) == "$1" && $(host_metric $METRICS_PORT watchfilter_host_events_queued) == 0 ]]
}
wait_for 20 settled 1 || fail "initial ADDED: host wakeups $(wakeups), proxy delivered $(delivered)"
wait_for 10 eval '[[ $(topology) == "3 3 ready" ]]' || fail "topology after the initial event: $(topology)"

# 1. The replay.
plan=$(python3 "$CLIENTS_DIR/trace_replay.py" replay --trace "$TRACE" --rows "$ROWS" --speedup "$SPEEDUP" \
  --object "$CLUSTERS/db1" --out "$T_DIR/replay.jsonl")
plan_field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$plan" "$1"; }
updates=$(plan_field updates)
expected=$(( $(plan_field admitted_expected) + 1 ))  # + the initial ADDED
t_log "replaying $(plan_field rows) trace rows ($(plan_field trace_seconds) s of trace) in $(plan_field replay_seconds) s: $updates writes"
start=$SECONDS
mutate "$T_DIR/replay.jsonl" "$T_DIR/replay-versions.jsonl" || fail "the replay failed"
t_log "replay took $((SECONDS - start)) s"
wait_for 15 settled "$expected" ||
  fail "after the replay: host wakeups $(wakeups), proxy delivered $(delivered), expected $expected"
admitted=$(delivered)
woken=$(wakeups)
((woken < updates)) || fail "$woken wake-ups for $updates writes: the filter let everything through"
final_size=$(plan_field final_size)
spec_size=$(cp_kubectl get clusters.example.watchfilter.io db1 -n $NS -o jsonpath='{.spec.size}')
wait_for 10 eval '[[ $(topology) == "$spec_size $final_size "* ]]' || fail "topology after the replay: $(topology)"

# 2. A quiet period: heartbeats only, which the filter rejects; the child must not wake (and,
#    idle, it stays unloaded).
loads_before=$(host_metric $METRICS_PORT watchfilter_host_child_loads_total child=percona)
python3 "$CLIENTS_DIR/trace_replay.py" quiet --seconds $QUIET_SECONDS --interval 0.1 --size "$final_size" \
  --object "$CLUSTERS/db1" --out "$T_DIR/quiet.jsonl" >/dev/null
mutate "$T_DIR/quiet.jsonl" "$T_DIR/quiet-versions.jsonl" || fail "the quiet writes failed"
quiet_writes=$(wc -l <"$T_DIR/quiet-versions.jsonl")
sleep 1
[[ $(wakeups) == "$woken" ]] || fail "$(( $(wakeups) - woken )) wake-ups during the quiet period"
[[ $(delivered) == "$admitted" ]] || fail "the proxy delivered during the quiet period"
[[ $(host_metric $METRICS_PORT watchfilter_host_child_loads_total child=percona) == "$loads_before" ]] ||
  fail "the child was loaded during the quiet period"
[[ $(host_metric $METRICS_PORT watchfilter_host_child_loaded child=percona) == 0 ]] ||
  fail "the child is still loaded after ${QUIET_SECONDS} s without events"

# 3. Figures, and the exit summary against /metrics.
cp_exec curl -q -s -m 5 "http://127.0.0.1:$METRICS_PORT/metrics" >"$T_DIR/host-metrics.txt"
loads=$(wfcheck metric watchfilter_host_child_loads_total child=percona <"$T_DIR/host-metrics.txt")
unloads=$(wfcheck metric watchfilter_host_child_unloads_total child=percona <"$T_DIR/host-metrics.txt")
cold_sum=$(wfcheck metric watchfilter_host_child_cold_start_seconds_sum child=percona <"$T_DIR/host-metrics.txt")
rss=$(wfcheck metric process_resident_memory_bytes <"$T_DIR/host-metrics.txt")
total=$((updates + quiet_writes + 2))  # + the Cluster's creation and first status
t_log "writes to the Cluster: $total ($updates replayed, $quiet_writes quiet, 2 setup); delivered by the filter: $admitted (incl. the initial ADDED); wake-ups: $woken"
t_log "admitted/replayed: $(python3 -c "print(f'{$admitted / $updates:.3f}')") ($admitted/$updates); loads $loads, unloads $unloads, cold start $(python3 -c "print(f'{$cold_sum / max($loads, 1) * 1000:.2f}')") ms mean, host RSS $((rss >> 10)) KiB"
cp_stop_bg host-percona
t_started=("${t_started[@]/host-percona}")
host_metrics_match_summary "$T_DIR/host-metrics.txt" "$host_log" percona || fail "the exit summary differs from /metrics"
t_log "ok"

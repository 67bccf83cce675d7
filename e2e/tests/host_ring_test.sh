#!/usr/bin/env bash
# watchfilter-host runs a ring of 10 wasm children (host/examples/ring) on filtered streams of
# the proxy: child i watches Rings in namespace ring-i with filter changed(spec) and copies each
# one's spec to ring-(i+1). A change made in ring-0 must reach ring-9, twice; every child must be
# unloaded again within its idle period (each "loaded" matched by an idle "unloaded"); a
# status-only change wakes nobody. Two faulty children in the same host -- one that traps, one
# that loops forever -- are stopped and reported while the ring goes on. The host's /metrics
# agrees with the proxy's (each child's events = what the proxy delivered on its watcher id) and
# with the exit summary. Reports the host's idle RSS and the cold-start times.
source "$(dirname "$0")/../lib/testlib.sh"
source "$TL_DIR/hostlib.sh"
WF_HOST=${WF_HOST:-$REPO_DIR/build/host/watchfilter-host}
RING_WASM=${RING_WASM:-$REPO_DIR/build/host/examples/ring.wasm}
FAULT_WASM=${FAULT_WASM:-$REPO_DIR/build/test/host/host_test_child.wasm}
for f in "$WF_HOST" "$RING_WASM" "$FAULT_WASM"; do [[ -f $f ]] || fail "$f not built"; done
WF_PORT=8471
METRICS_PORT=9471
N=${HOST_RING_N:-10}  # HOST_RING_N=100 measures the idle RSS of a larger host
IDLE_MS=1000
start_proxy proxy $WF_PORT

apply_example_crd ring/ring-crd.yaml rings
for ((i = 0; i < N; i++)); do cp_kubectl create namespace "ring-$i" >/dev/null; done
cp_kubectl create namespace host-faults >/dev/null

children=$T_DIR/children.yaml
"$REPO_DIR/host/examples/ring/make-children.sh" $N "$RING_WASM" "${IDLE_MS}ms" >"$children"
cat >>"$children" <<EOY
- name: trapper
  wasm: $FAULT_WASM
  watches:
  - {resource: /api/v1/namespaces/host-faults/configmaps, fieldSelector: metadata.name=trap}
- name: looper
  wasm: $FAULT_WASM
  watches:
  - {resource: /api/v1/namespaces/host-faults/configmaps, fieldSelector: metadata.name=loop}
EOY
sed -i 's/^callTimeout: .*/callTimeout: 2s/' "$children"

host_log=$CP_DIR/logs/host.log
t_bg host "$WF_HOST" --children "$children" --kubeconfig "$CP_KUBECONFIG" \
  --proxy "https://127.0.0.1:$WF_PORT" --proxy-insecure-skip-tls-verify \
  --module-cache "$T_DIR/modules" --metrics-bind-address "127.0.0.1:$METRICS_PORT" --v 2
wait_for 30 grep -qs "watchfilter-host: $((N + 2)) children" "$host_log" || { tail -n 20 "$host_log" >&2; fail "host did not start"; }
host_pid=$(<"$CP_DIR/host.pid")

ring_value() { # namespace
  cp_kubectl get --raw "/apis/example.watchfilter.io/v1/namespaces/$1/rings/r1" 2>/dev/null |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["spec"]["value"])' 2>/dev/null || true
}
ring_reached() { [[ $(ring_value "ring-$((N - 1))") == "$1" ]]; }

# 1. A new Ring travels the ring.
start=$SECONDS
cp_kubectl apply -f - >/dev/null <<EOY
apiVersion: example.watchfilter.io/v1
kind: Ring
metadata: {name: r1, namespace: ring-0}
spec: {value: 1}
EOY
wait_for 60 ring_reached 1 || { tail -n 30 "$host_log" >&2; fail "value 1 did not reach ring-$((N - 1))"; }
t_log "value 1 reached ring-$((N - 1)) in $((SECONDS - start)) s"

# 2. Faulty children: a trap and an endless loop, both stopped and reported.
cp_kubectl create configmap trap -n host-faults --from-literal=action=trap >/dev/null
cp_kubectl create configmap loop -n host-faults --from-literal=action=loop >/dev/null
wait_for 20 grep -qs "child trapper stopped: trapped" "$host_log" || fail "the trapping child was not reported"
wait_for 20 grep -qs "child looper stopped: timed out" "$host_log" || fail "the looping child was not reported"

# 3. The ring goes on: a spec change travels again; a status-only change wakes nobody.
cp_kubectl patch rings.example.watchfilter.io r1 -n ring-0 --type merge -p '{"spec":{"value":2}}' >/dev/null
wait_for 60 ring_reached 2 || { tail -n 30 "$host_log" >&2; fail "value 2 did not reach ring-$((N - 1))"; }
sleep $((IDLE_MS / 1000 + 2))
loads_before=$(grep -c "child ring-0 loaded" "$host_log" || true)
cp_kubectl patch rings.example.watchfilter.io r1 -n ring-0 --subresource status --type merge -p '{"status":{"seen":1}}' >/dev/null
sleep 2
loads_after=$(grep -c "child ring-0 loaded" "$host_log" || true)
[[ $loads_after == "$loads_before" ]] || fail "a status-only change woke ring-0 (changed(spec) should drop it)"

# 4. Every child loaded for the ring was unloaded again within its idle period.
sleep $((IDLE_MS / 1000 + 1))
for ((i = 0; i < N; i++)); do
  loads=$(grep -c "child ring-$i loaded" "$host_log" || true)
  unloads=$(grep -c "child ring-$i unloaded (idle" "$host_log" || true)
  ((loads >= 1)) || fail "ring-$i was never loaded"
  [[ $loads == "$unloads" ]] || fail "ring-$i: $loads loads but $unloads idle unloads"
done
rss_kib=$(awk '/VmRSS/ {print $2}' "/proc/$host_pid/status")
t_log "idle host RSS with $((N + 2)) children: ${rss_kib} KiB"

# 5. /metrics: every ring child's events are what the proxy delivered on its watcher id, and
#    each was a wake-up; the host's RSS is there too.
cp_exec curl -q -s -m 5 "http://127.0.0.1:$METRICS_PORT/metrics" >"$T_DIR/host-metrics.txt"
cp_exec curl -s -m 5 "https://127.0.0.1:$WF_PORT/metrics" -k >"$T_DIR/proxy-metrics.txt"
m() { wfcheck metric "$@" <"$T_DIR/host-metrics.txt" || true; }
for ((i = 0; i < N; i++)); do
  events=$(m watchfilter_host_watch_events_total "watcher=ring-host.ring-$i.0")
  delivered=$(wfcheck metric watchfilter_stream_events_delivered_total "stream=ring-host.ring-$i.0" <"$T_DIR/proxy-metrics.txt" || true)
  wakeups=$(m watchfilter_host_child_wakeups_total "child=ring-$i")
  [[ $events == "$delivered" && $wakeups == "$delivered" ]] ||
    fail "ring-$i: proxy delivered $delivered, host received $events, woke it $wakeups times"
done
[[ $(m watchfilter_host_child_loaded) == 0 ]] || fail "children still loaded: $(m watchfilter_host_child_loaded)"
cold_ms=$(python3 -c 'import sys; print(f"{float(sys.argv[1]) / max(int(sys.argv[2]), 1) * 1000:.2f}")' \
  "$(m watchfilter_host_child_cold_start_seconds_sum)" "$(m watchfilter_host_child_cold_start_seconds_count)")
t_log "/metrics: $(m watchfilter_host_child_wakeups_total) wake-ups, $(m watchfilter_host_child_loads_total) loads, cold start ${cold_ms} ms mean, RSS $(( $(m process_resident_memory_bytes) >> 10 )) KiB"

cp_stop_bg host
t_started=("${t_started[@]/host}")
grep -A $((N + 4)) "summary:" "$host_log" >&2 || fail "no summary at exit"
grep -q "total wakeups=" "$host_log" || fail "no totals in the summary"
children=(trapper looper)
for ((i = 0; i < N; i++)); do children+=("ring-$i"); done
host_metrics_match_summary "$T_DIR/host-metrics.txt" "$host_log" "${children[@]}" ||
  fail "the exit summary differs from /metrics"
t_log "ok"

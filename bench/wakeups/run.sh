#!/usr/bin/env bash
# The wake-up study (docs/benchmarks.md): how often a Percona-style child wakes, loads and
# weighs in watchfilter-host behind watchfilter, against the seed's way, on a real etcd +
# kube-apiserver (e2e/lib/controlplane.sh) with the proxy and the host.
#
#   bench/wakeups/run.sh [--quick | --full] [--out DIR] [--docs]
#
#   --quick  (default; `make test` runs it) the persona trace, first 400 rows (35 min of trace, 2 of
#            its 10 rescales, all of its member moves), 10 children, 20x faster than real time,
#            and the ring of 100: about 4 minutes. Asserts only what holds on any machine
#            (analyse.py --assert): configuration 3 wakes nobody while idle, misses no change of
#            the oracle, and wakes at least 10x less than configuration 2.
#   --full   every row of traces_persona.csv with 1, 10 and 100 children, traces_10/30/60 with 1,
#            and the ring of 100 three times in each of two ways; prints how long it will take
#            first (about 100 minutes).
#   --out    where results go (default build/bench-wakeups/<mode>-<date>): one directory per run
#            (plan, oracle, writes, logs, samples, metrics, result.json), ring.json, report.md,
#            and the plots.
#   --docs   also rewrite the tables of docs/benchmarks.md and its plots (docs/benchmarks/*.png).
#   BENCH_RUNS, BENCH_RING_N, BENCH_RING_WAYS: another matrix (below).
#
# Each run (trace, children N, rows, scale S) gets its own namespace, two proxies (one for each of
# configurations 3 and 4, so that each one's memory is its own) and four hosts (one per
# configuration, bench/wakeups/configs.py), all watching the same N Clusters, which one writer
# (bench/wakeups/workload.py) changes: the same writes reach every configuration. Trace time runs
# S times faster; every period (the 5 s and 30 min requeues, the 1 s idle unload) is divided by S.
# Phases: the hosts start one after the other (kube-apiserver's count of watches read after each),
# settle, stay idle for 5 minutes of trace time, then the replay, then a drain of at most 30 s.
# After the runs: the seed's ring test (ring.py), and how late a 2 s requeue comes when the host
# keeps it and when the proxy does (requeue_lateness.py).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
source "$repo/bench/lib.sh"
bench_args "$@"
out=${out:-$BUILD/bench-wakeups/$mode-$(date +%Y%m%d-%H%M%S)}
proxy=$BUILD/proxy/watchfilter-proxy
host=$BUILD/host/watchfilter-host
percona=$BUILD/host/examples/percona.wasm
ring_wasm=$BUILD/host/examples/ring.wasm
traces=${TRACES_DIR:-$repo/../shared/data/wasm-operator-traces}
nab=${NAB_SERIES:-$repo/../shared/data/nab/realKnownCause/ec2_request_latency_system_failure.csv}
for f in "$proxy" "$host" "$percona" "$ring_wasm" "$traces/traces_persona.csv" "$nab"; do
  [[ -f $f ]] || { echo "run.sh: $f not found (make build; the seed data in ../shared/data)" >&2; exit 1; }
done
bench_need_matplotlib

IDLE_TRACE_SECONDS=300
DRAIN_SECONDS=30
# trace children rows scale [ballast MiB]
if [[ $mode == quick ]]; then
  runs=("persona 10 400 20")
  ring_ways=(proxy)
  ring_passes=3
else
  runs=("persona 1 1001 60" "persona 10 1001 10" "persona 100 1001 2"
        "10 1 1001 60" "30 1 1001 60" "60 1 1001 60" "persona 1 400 5 64")
  ring_ways=(proxy kube-apiserver)
  ring_passes=3
fi
# Overrides, for a matrix of one's own: BENCH_RUNS="persona 10 1001 10;30 1 200 60 64" (trace
# children rows scale [ballast MiB]; ...; "none" for none), BENCH_RING_N,
# BENCH_RING_WAYS="proxy kube-apiserver" ("" for none).
if [[ ${BENCH_RUNS:-} == none ]]; then runs=()
elif [[ -n ${BENCH_RUNS:-} ]]; then IFS=';' read -r -a runs <<<"$BENCH_RUNS"; fi
[[ -v BENCH_RING_WAYS ]] && read -r -a ring_ways <<<"$BENCH_RING_WAYS"
RING_N=${BENCH_RING_N:-100}
RING_PAUSE=3

# The replay's length in seconds: the trace's rows divided by the scale.
replay_seconds() { # trace rows scale
  $PY - "$traces/traces_$1.csv" "$2" "$3" <<'EOP'
import datetime, sys
rows = [l.strip() for l in open(sys.argv[1]) if l.strip() and not l.startswith("reconsile")]
rows = rows[:int(sys.argv[2])]
t = [datetime.datetime.fromisoformat(r.replace("Z", "+00:00")) for r in rows]
print(int((t[-1] - t[0]).total_seconds() / float(sys.argv[3])))
EOP
}
estimate=0
for r in "${runs[@]}"; do
  read -r trace n rows scale _ <<<"$r"
  estimate=$((estimate + 45 + n / 2 + IDLE_TRACE_SECONDS / scale + $(replay_seconds "$trace" "$rows" "$scale") + 15))
done
estimate=$((estimate + 30 + ${#ring_ways[@]} * (40 + ring_passes * (RING_PAUSE + 10)) + 35))
echo "bench-wakeups: $mode mode, ${#runs[@]} run(s) and the ring of $RING_N; about $((estimate / 60)) min $((estimate % 60)) s on a quiet 2-core machine; results in $out" >&2
mkdir -p "$out"

source "$repo/e2e/lib/controlplane.sh"
cp_up
cache=$out/modules
mkdir -p "$cache"
admin=(--cacert "$CP_DIR/ca.crt" --cert "$CP_DIR/admin.crt" --key "$CP_DIR/admin.key")
api=https://127.0.0.1:$CP_APISERVER_PORT
cp_kubectl apply -f "$repo/crds/" >/dev/null
cp_kubectl apply -f "$repo/host/examples/percona/cluster-crd.yaml" -f "$repo/host/examples/ring/ring-crd.yaml" >/dev/null
cp_kubectl wait --for condition=Established --timeout 60s crd/clusters.example.watchfilter.io \
  crd/rings.example.watchfilter.io crd/watchfilters.watchfilter.io >/dev/null

log() { echo "[bench-wakeups $(date +%H:%M:%S)] $*" >&2; }

# Compiles the two modules into the cache (for a pool slot size: the cache key has it), so that
# no host of a run pays for compiling them or keeps the compiler's memory: they all map them.
warm_modules() { # [--max-memory SIZE]
  cat >"$out/warmup.yaml" <<EOY
hostName: warmup
children:
- {name: percona, wasm: $percona, watches: [{resource: /api/v1/namespaces/default/configmaps, fieldSelector: metadata.name=none}]}
- {name: ring, wasm: $ring_wasm, watches: [{resource: /api/v1/namespaces/default/configmaps, fieldSelector: metadata.name=none}]}
EOY
  : >"$CP_DIR/logs/warmup.log"
  cp_start_bg warmup "$host" --children "$out/warmup.yaml" --kubeconfig "$CP_KUBECONFIG" \
    --watch-from kube-apiserver --requeue local --module-cache "$cache" --metrics-bind-address 0 "$@"
  for _ in $(seq 300); do grep -qs "2 children" "$CP_DIR/logs/warmup.log" && break; sleep 0.2; done
  cp_stop_bg warmup
}
warm_modules

# The proxy's per-user and wake-up limits (--max-...-per-user, --max-...-per-namespace,
# --max-wakeups): every stream and Wakeup of a run comes from one user (the hosts' admin
# identity) in one namespace, so each is set high, whatever this proxy has of them.
bench_proxy_limit_flags "$proxy"

wait_until() { # seconds cmd...
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do ((SECONDS < deadline)) || return 1; sleep 0.3; done
}
proxy_ready() { [[ $(cp_exec curl -sk -m 2 "https://127.0.0.1:$1/readyz" 2>/dev/null) == ok ]]; }
host_metrics() { cp_exec curl -q -s -m 5 "http://127.0.0.1:$1/metrics"; }
host_sum() { # port metric: the sum of its samples
  host_metrics "$1" | awk -v m="$2" '{ n = $1; sub(/[{].*/, "", n) } n == m { s += $NF } END { print s + 0 }'
}
started() { (($(host_sum "${hport[$1]}" watchfilter_host_child_wakeups_total) >= $2)); }
apiserver_watches() {
  cp_curl -m 5 "$api/metrics" | awk '/^apiserver_longrunning_requests\{/ && /verb="WATCH"/ { s += $NF } END { print s + 0 }'
}
snapshot() { # run-dir phase port-of-each-config...
  local dir=$1 phase=$2 cfg
  mkdir -p "$dir/metrics"
  for cfg in c1 c2 c3 c4; do host_metrics "${hport[$cfg]}" >"$dir/metrics/$cfg-$phase.txt" || true; done
  for cfg in c3 c4; do
    cp_exec curl -sk -m 5 --cert "$CP_DIR/admin.crt" --key "$CP_DIR/admin.key" \
      "https://127.0.0.1:${pport[$cfg]}/metrics" >"$dir/metrics/proxy-$cfg-$phase.txt" || true
  done
  cp_curl -m 5 "$api/metrics" | grep -E '^(apiserver_longrunning_requests|apiserver_request_total)' \
    >"$dir/metrics/apiserver-$phase.txt" || true
  echo "\"$phase\": $(date +%s.%N | cut -c1-14)," >>"$dir/phases.part"
}

declare -A hport pport
run_index=0
run_study() { # trace children rows scale
  local trace=$1 n=$2 rows=$3 scale=$4 ballast=${5:-0}
  run_index=$((run_index + 1))
  local name="$trace-n$n-r$rows-s$scale" ns="wb-$run_index"
  ((ballast)) && name+="-b$ballast"
  local dir="$out/runs/$name"
  local base=$((8500 + run_index * 10)) cfg pid
  mkdir -p "$dir"
  : >"$dir/phases.part"
  log "run $name: plan"
  # (set -e does not apply in a function called with ||: each step says how it fails.)
  $PY "$here/workload.py" plan --trace "$traces/traces_$trace.csv" --nab "$nab" --children "$n" \
    --rows "$rows" --namespace "$ns" --out "$dir" >"$dir/plan-summary.json" || return 1
  $PY "$here/configs.py" --children "$n" --namespace "$ns" --scale "$scale" --wasm "$percona" \
    --ballast-mib "$ballast" --out "$dir" || return 1
  ((ballast)) && warm_modules --max-memory "$((ballast + 32))Mi"
  cp_kubectl create namespace "$ns" >/dev/null || return 1
  cp_exec $PY "$here/workload.py" write --ops "$dir/setup.jsonl" --server "$api" "${admin[@]}" \
    --out "$dir/setup-versions.jsonl" >/dev/null || return 1
  cp_kubectl apply -f "$dir/watchfilter-c4.yaml" >/dev/null || return 1
  for cfg in c1 c2 c3 c4; do hport[$cfg]=$((base + ${cfg#c})); done
  pport[c3]=$((base + 7)) pport[c4]=$((base + 8))

  local w0 watches="{"
  w0=$(apiserver_watches)
  for cfg in c3 c4; do
    cp_start_bg "proxy-$name-$cfg" "$proxy" --kubeconfig "$CP_DIR/watchfilter.kubeconfig" \
      --bind-address 127.0.0.1 --secure-port "${pport[$cfg]}" --wakeups-namespace "$ns" \
      --wakeups-configmap "wakeups-$cfg" "${proxy_limit_flags[@]}"
    wait_until 30 proxy_ready "${pport[$cfg]}" || { tail -n 20 "$CP_DIR/logs/proxy-$name-$cfg.log" >&2; return 1; }
  done
  local w_prev w_now
  w_prev=$(apiserver_watches)
  watches+="\"proxies\": $((w_prev - w0))"
  for cfg in c1 c2 c3 c4; do
    local flags=()
    [[ $cfg == c1 || $cfg == c2 ]] && flags=(--watch-from kube-apiserver --requeue local)
    ((ballast)) && flags+=(--max-memory "$((ballast + 32))Mi")
    cp_start_bg "host-$name-$cfg" "$host" --children "$dir/children-$cfg.yaml" \
      --kubeconfig "$CP_KUBECONFIG" --proxy "https://127.0.0.1:${pport[$cfg]:-8443}" \
      --proxy-insecure-skip-tls-verify --module-cache "$cache" \
      --metrics-bind-address "127.0.0.1:${hport[$cfg]}" "${flags[@]}"
    wait_until $((60 + n)) started "$cfg" "$n" ||
      { tail -n 20 "$CP_DIR/logs/host-$name-$cfg.log" >&2; log "host $cfg did not reconcile its $n Clusters"; return 1; }
    sleep 1
    w_now=$(apiserver_watches)
    watches+=", \"$cfg\": $((w_now - w_prev))"
    w_prev=$w_now
  done
  echo "$watches}" >"$dir/watches.json"
  # Settled: configurations 3 and 4 (no timers) stop waking (4 wakes once more per Cluster for
  # the ConfigMap it created).
  stable() {
    local a b
    a="$(host_sum "${hport[c3]}" watchfilter_host_child_wakeups_total) $(host_sum "${hport[c4]}" watchfilter_host_child_wakeups_total)"
    sleep 2
    b="$(host_sum "${hport[c3]}" watchfilter_host_child_wakeups_total) $(host_sum "${hport[c4]}" watchfilter_host_child_wakeups_total)"
    [[ $a == "$b" ]]
  }
  wait_until 60 stable || log "configurations 3 and 4 did not settle in 60 s"

  local stop_file=$dir/sampler.stop procs=() hosts=()
  for cfg in c1 c2 c3 c4; do
    procs+=(--proc "host-$cfg=$(<"$CP_DIR/host-$name-$cfg.pid")")
    hosts+=(--host "$cfg=${hport[$cfg]}")
  done
  for cfg in c3 c4; do procs+=(--proc "proxy-$cfg=$(<"$CP_DIR/proxy-$name-$cfg.pid")"); done
  procs+=(--proc "kube-apiserver=$(<"$CP_DIR/kube-apiserver.pid")" --proc "etcd=$(<"$CP_DIR/etcd.pid")")
  cp_start_bg "sampler-$name" $PY "$here/sampler.py" --out "$dir/samples.jsonl" --interval 0.5 \
    --stop-file "$stop_file" "${procs[@]}" "${hosts[@]}"

  log "run $name: idle for $IDLE_TRACE_SECONDS s of trace time"
  snapshot "$dir" idle_start
  sleep "$($PY -c "print($IDLE_TRACE_SECONDS / $scale)")"
  snapshot "$dir" idle_end
  log "run $name: replay of $(grep -c . "$dir/plan.jsonl") writes"
  snapshot "$dir" replay_start
  cp_exec $PY "$here/workload.py" write --ops "$dir/plan.jsonl" --scale "$scale" --server "$api" \
    "${admin[@]}" --out "$dir/versions.jsonl" >"$dir/write-summary.json" || { log "the writer failed"; return 1; }
  snapshot "$dir" replay_end
  # Drain: the hosts' queues empty, then one long requeue period's share of nothing.
  drained() {
    local c
    for c in c1 c2 c3 c4; do
      (($(host_sum "${hport[$c]}" watchfilter_host_events_queued) == 0)) || return 1
    done
  }
  wait_until "$DRAIN_SECONDS" drained || log "the hosts' queues did not empty in $DRAIN_SECONDS s"
  sleep 2
  snapshot "$dir" drained
  touch "$stop_file"
  for cfg in c1 c2 c3 c4; do cp_stop_bg "host-$name-$cfg"; done
  for cfg in c3 c4; do cp_stop_bg "proxy-$name-$cfg"; done
  cp_stop_bg "sampler-$name"
  mkdir -p "$dir/logs"
  for cfg in c1 c2 c3 c4; do cp "$CP_DIR/logs/host-$name-$cfg.log" "$dir/logs/host-$cfg.log"; done
  for cfg in c3 c4; do cp "$CP_DIR/logs/proxy-$name-$cfg.log" "$dir/logs/proxy-$cfg.log"; done
  { echo "{"; sed '$ s/,$//' "$dir/phases.part"; echo "}"; } >"$dir/phases.json"
  rm -f "$dir/phases.part"
  cp_kubectl delete namespace "$ns" --wait=false >/dev/null
  log "run $name: done"
}

run_ring() { # way: proxy | kube-apiserver
  local way=$1 name="ring-$1" port=8490 mport=8491 i dir="$out/ring-$1"
  mkdir -p "$dir"
  for ((i = 0; i < RING_N; i++)); do printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: ring-%d}\n---\n' "$i"; done |
    cp_kubectl apply -f - >/dev/null || return 1
  # The children file of host/examples/ring, with each child's watch listed (unfiltered for
  # kube-apiserver, which cannot filter).
  "$repo/host/examples/ring/make-children.sh" "$RING_N" "$ring_wasm" 1s >"$dir/children.yaml"
  if [[ $way == kube-apiserver ]]; then
    $PY - "$dir/children.yaml" <<'EOP'
import re, sys
path = sys.argv[1]
text = re.sub(r'(env: \{RING_FROM: "(ring-\d+)".*\}\n)',
              r'\1  watches: [{resource: /apis/example.watchfilter.io/v1/namespaces/\2/rings}]\n',
              open(path).read())
open(path, "w").write(text)
EOP
  fi
  local flags=()
  if [[ $way == proxy ]]; then
    cp_start_bg "proxy-$name" "$proxy" --kubeconfig "$CP_DIR/watchfilter.kubeconfig" \
      --bind-address 127.0.0.1 --secure-port "$port" --wakeups-namespace default "${proxy_limit_flags[@]}"
    wait_until 30 proxy_ready "$port" || return 1
  else
    flags=(--watch-from kube-apiserver --requeue local)
  fi
  cp_start_bg "host-$name" "$host" --children "$dir/children.yaml" --kubeconfig "$CP_KUBECONFIG" \
    --proxy "https://127.0.0.1:$port" --proxy-insecure-skip-tls-verify --module-cache "$cache" \
    --metrics-bind-address "127.0.0.1:$mport" --v 1 "${flags[@]}"
  wait_until 60 grep -qs "watchfilter-host: $RING_N children" "$CP_DIR/logs/host-$name.log" || return 1
  sleep 2
  log "ring of $RING_N ($way): $ring_passes passes"
  cp_exec $PY "$here/ring.py" --server "$api" "${admin[@]}" --children "$RING_N" \
    --passes "$ring_passes" --pause "$RING_PAUSE" --timeout 120 --out "$dir/ring.json" || log "ring ($way) failed"
  host_metrics "$mport" >"$dir/metrics.txt" || true
  cp_stop_bg "host-$name"
  [[ $way == proxy ]] && cp_stop_bg "proxy-$name"
  cp "$CP_DIR/logs/host-$name.log" "$dir/host.log"
  cp_kubectl delete rings.example.watchfilter.io --all -A --wait=false >/dev/null 2>&1 || true
}

# The lateness of a requeue: one child asking for "again in REQUEUE_PERIOD s" at every
# reconcile, kept by the host's timer in one host and as a proxy Wakeup in another, nothing
# written for REQUEUE_WINDOW s (real time, not scaled).
REQUEUE_PERIOD=2 REQUEUE_WINDOW=24
run_requeue() {
  local ns=wb-requeue dir="$out/requeue" port=8480 way
  mkdir -p "$dir"
  cp_kubectl create namespace $ns >/dev/null || return 1
  printf '%s\n' '{"method": "POST", "path": "/apis/example.watchfilter.io/v1/namespaces/'$ns'/clusters", "body": {"apiVersion": "example.watchfilter.io/v1", "kind": "Cluster", "metadata": {"name": "c-000"}, "spec": {"size": 3}}}' >"$dir/setup.jsonl"
  cp_exec $PY "$here/workload.py" write --ops "$dir/setup.jsonl" --server "$api" "${admin[@]}" \
    --out "$dir/setup-versions.jsonl" >/dev/null || return 1
  cp_start_bg proxy-requeue "$proxy" --kubeconfig "$CP_DIR/watchfilter.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$port" --wakeups-namespace "$ns" "${proxy_limit_flags[@]}"
  wait_until 30 proxy_ready "$port" || return 1
  for way in local proxy; do
    cat >"$dir/children-$way.yaml" <<EOY
hostName: requeue-$way
children:
- name: c-000
  wasm: $percona
  env: {CLUSTER_NAMESPACE: $ns, OPERATOR_ID: $way, LOG_RECONCILES: "1", RESYNC_SECONDS: "$REQUEUE_PERIOD"}
  watches: [{resource: /apis/example.watchfilter.io/v1/namespaces/$ns/clusters}]
  rbac:
  - {apiGroups: [""], resources: [configmaps], verbs: [get, create, patch], namespaces: [$ns]}
EOY
    local flags=()
    [[ $way == local ]] && flags=(--watch-from kube-apiserver --requeue local)
    cp_start_bg "host-requeue-$way" "$host" --children "$dir/children-$way.yaml" \
      --kubeconfig "$CP_KUBECONFIG" --proxy "https://127.0.0.1:$port" --proxy-insecure-skip-tls-verify \
      --module-cache "$cache" --metrics-bind-address 0 "${flags[@]}"
  done
  log "requeue lateness: a ${REQUEUE_PERIOD} s requeue for ${REQUEUE_WINDOW} s, host timer and proxy Wakeup"
  sleep "$REQUEUE_WINDOW"
  for way in local proxy; do
    cp_stop_bg "host-requeue-$way"
    cp "$CP_DIR/logs/host-requeue-$way.log" "$dir/host-$way.log"
  done
  cp_stop_bg proxy-requeue
  $PY "$here/requeue_lateness.py" --period "$REQUEUE_PERIOD" --out "$dir/requeue.json" \
    "host timer=$dir/host-local.log" "proxy Wakeup=$dir/host-proxy.log"
}

start=$SECONDS
cmd="bench/wakeups/run.sh --$mode"
[[ -n ${BENCH_RUNS:-} ]] && cmd="BENCH_RUNS='$BENCH_RUNS' $cmd"
[[ -n ${BENCH_RING_N:-} ]] && cmd="BENCH_RING_N=$BENCH_RING_N $cmd"
[[ -v BENCH_RING_WAYS ]] && cmd="BENCH_RING_WAYS='$BENCH_RING_WAYS' $cmd"
bench_machine_begin "$out/machine.json" "$cmd"
status=0
for r in "${runs[@]}"; do
  read -r trace n rows scale ballast <<<"$r"
  run_study "$trace" "$n" "$rows" "$scale" "${ballast:-0}" || { log "run $r failed"; status=1; }
done
for way in "${ring_ways[@]}"; do run_ring "$way" || { log "ring ($way) failed"; status=1; }; done
run_requeue || { log "the requeue lateness failed"; status=1; }
bench_machine_end "$out/machine.json" "$((SECONDS - start))"
cp_down

analyse=()
[[ $mode == quick ]] && analyse=(--assert)
for d in "$out"/runs/*/; do
  [[ -d $d ]] || continue
  $PY "$here/analyse.py" "${analyse[@]}" "$d" || status=1
done
report=(--out "$out")
((docs)) && report+=(--docs "$repo/docs")
$PY "$here/report.py" "${report[@]}" "$out" || status=1
log "done in $((SECONDS - start)) s: $out/report.md"
exit $status

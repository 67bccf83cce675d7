#!/usr/bin/env bash
# The proxy benchmark (docs/benchmarks.md, "The proxy"): what watchfilter-proxy costs and gives
# against what a user would otherwise use, side by side in one run on a real etcd +
# kube-apiserver (e2e/lib/controlplane.sh), with the load client bench/proxy/load (wfload, Go:
# a goroutine per stream, built once into ~/.cache/watchfilter by build-load.sh).
#
#   bench/proxy/run.sh [--quick | --full] [--out DIR] [--docs]
#
#   --quick  (default; `make test` runs it, under 4 minutes) the added latency on 600 writes, and
#            1,000 filtered streams against 1,000 direct watches. Asserts only what holds on any
#            machine (report.py --assert): the 1,000 streams cost kube-apiserver one watch, every
#            stream got exactly the events its filter admits (the direct watch's events through
#            watchfilter-eval), in order, none lost.
#   --full   all of it (about 40 minutes; the estimate is printed first): added latency over
#            2,000 writes; fan-out with 1, 100, 1,000 and 10,000 streams and as many direct
#            watches; memory per cached object (10k and 50k ConfigMaps and Deployments) against a
#            client-go informer; primary + secondaries (includeOwned against LISTs and GETs, 0,
#            10, 100 secondaries); the engine's ceiling (bench/proxy/fanout_engine_bench); a
#            10-minute soak of 1,000 streams (RSS every 30 s, plotted); perf stat and a perf
#            profile of the proxy during the 1,000-stream fan-out.
#   --out    where results go (default build/bench-proxy/<mode>-<date>): one JSON per
#            measurement, the logs, report.md and the plots.
#   --docs   also rewrite the proxy section of docs/benchmarks.md and its plots.
#   BENCH_FANOUT="1:50 100:20 1000:20 10000:5" (streams:writes a second; each run writes for
#   BENCH_FANOUT_SECONDS, default 30), BENCH_MEMORY="10000 50000", BENCH_OWNED="0 10 100",
#   BENCH_SOAK_SECONDS=600, BENCH_PARTS="latency fanout memory owned engine soak",
#   BENCH_FANOUT_WAYS="proxy direct": another matrix. BENCH_PROXY_FLAGS: more flags for every
#   standalone proxy (e.g. "--informer-window-events 1000", a soak whose window fills sooner).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
source "$repo/bench/lib.sh"
bench_args "$@"
out=${out:-$BUILD/bench-proxy/$mode-$(date +%Y%m%d-%H%M%S)}
proxy=$BUILD/proxy/watchfilter-proxy
eval_bin=$BUILD/filters/watchfilter-eval
engine=$BUILD/bench/proxy/fanout_engine_bench
for f in "$proxy" "$eval_bin"; do
  [[ -x $f ]] || { echo "run.sh: $f not found (make build)" >&2; exit 1; }
done
bench_need_matplotlib
wfload=$("$here/build-load.sh")

if [[ $mode == quick ]]; then
  parts=${BENCH_PARTS:-latency fanout}
  fanout=${BENCH_FANOUT:-1000:20}
  fanout_seconds=${BENCH_FANOUT_SECONDS:-15}
  latency_writes=600
else
  parts=${BENCH_PARTS:-latency fanout memory owned engine soak}
  fanout=${BENCH_FANOUT:-1:50 100:20 1000:20 10000:5}
  fanout_seconds=${BENCH_FANOUT_SECONDS:-30}
  latency_writes=2000
fi
fanout_ways=${BENCH_FANOUT_WAYS:-proxy direct}
memory_counts=${BENCH_MEMORY:-10000 50000}
owned_counts=${BENCH_OWNED:-0 10 100}
soak_seconds=${BENCH_SOAK_SECONDS:-600}
LATENCY_RATE=40
SOAK_RATE=10
SOAK_STREAMS=1000
PERF_SECONDS=10

has_part() { [[ " $parts " == *" $1 "* ]]; }
estimate=30
has_part latency && estimate=$((estimate + 40 + latency_writes / LATENCY_RATE))
if has_part fanout; then
  for r in $fanout; do estimate=$((estimate + 2 * (30 + fanout_seconds + ${r%%:*} / 300))); done
fi
if has_part memory; then
  for c in $memory_counts; do estimate=$((estimate + 2 * (c / 400 + 40))); done
fi
has_part owned && estimate=$((estimate + 30 * $(wc -w <<<"$owned_counts")))
has_part engine && estimate=$((estimate + 60))
has_part soak && estimate=$((estimate + soak_seconds + 60))
echo "bench-proxy: $mode mode ($parts), about $((estimate / 60)) min $((estimate % 60)) s on a quiet 2-core machine; results in $out" >&2
mkdir -p "$out/logs"
log() { echo "[bench-proxy $(date +%H:%M:%S)] $*" >&2; }

# A 10,000-stream run needs as many descriptors in the proxy and in the load client.
ulimit -n "$(ulimit -Hn)"

source "$repo/e2e/lib/controlplane.sh"
# e2e/lib/apiservice.sh is written for the e2e tests; these are the helpers it expects.
REPO_DIR=$repo WF_PROXY=$proxy
fail() { log "FAIL: $*"; exit 1; }
t_bg() { cp_start_bg "$@"; }
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do ((SECONDS < deadline)) || return 1; sleep 0.2; done
}

cp_up
source "$repo/e2e/lib/apiservice.sh"   # after cp_up: it reads CP_DIR
api=https://127.0.0.1:$CP_APISERVER_PORT
certs=(--cacert "$CP_DIR/ca.crt" --cert "$CP_DIR/admin.crt" --key "$CP_DIR/admin.key")
cp_kubectl apply -f "$repo/crds/" >/dev/null
cp_kubectl wait --for condition=Established --timeout 60s crd/watchfilters.watchfilter.io >/dev/null

# Every stream of the benchmark comes from one user (the admin certificate): each per-user
# limit of the proxy is set high, whatever this proxy has of them.
bench_proxy_limit_flags "$proxy"

proxy_ready() { [[ $(cp_exec curl -sk -m 2 "https://127.0.0.1:$1/readyz" 2>/dev/null) == ok ]]; }
# start_standalone NAME PORT: a fresh proxy (its memory is the measurement's alone).
start_standalone() {
  cp_start_bg "$1" "$proxy" --kubeconfig "$CP_DIR/watchfilter.kubeconfig" --bind-address 127.0.0.1 \
    --secure-port "$2" "${proxy_limit_flags[@]}" ${BENCH_PROXY_FLAGS:-}
  wait_for 30 proxy_ready "$2" || { tail -n 20 "$CP_DIR/logs/$1.log" >&2; fail "$1 did not become ready"; }
}
stop_proxy() { cp_stop_bg "$1"; cp "$CP_DIR/logs/$1.log" "$out/logs/" 2>/dev/null || true; }
pid_of() { cat "$CP_DIR/$1.pid"; }
new_namespace() { cp_kubectl create namespace "$1" >/dev/null; }
wfload_run() { # result-file wfload-args...: runs inside the namespace, stderr to the log
  local result=$1; shift
  cp_exec "$wfload" "$@" >"$result" 2>>"$out/logs/wfload.log"
}

run_latency() {
  log "added latency: $latency_writes writes at $LATENCY_RATE/s, direct / standalone / aggregator"
  apiservice_install
  start_aggregated_proxy aggregated "${proxy_limit_flags[@]}"
  wait_apiservice_available 60
  start_standalone latency-proxy 8600
  new_namespace bp-latency
  wfload_run "$out/latency.json" latency --apiserver "$api" --proxy https://127.0.0.1:8600 "${certs[@]}" \
    --namespace bp-latency --writes "$latency_writes" --rate "$LATENCY_RATE" || fail "latency"
  stop_proxy latency-proxy
  stop_proxy aggregated
  cp_kubectl delete namespace bp-latency --wait=false >/dev/null
}

# perf during a fan-out: `perf stat` (software counters; a VM has no hardware ones) and a
# sampled call-graph profile of the proxy, folded and plotted by report.py.
profile_proxy() { # pid dir
  local pid=$1 dir=$2
  command -v perf >/dev/null || { echo "perf is not installed (scripts/install-deps.sh installs linux-perf)" >"$dir/perf-missing.txt"; return 0; }
  perf stat -e task-clock,context-switches,cpu-migrations,page-faults -p "$pid" -- sleep "$PERF_SECONDS" \
    2>"$dir/perf-stat.txt" &
  local stat=$!
  perf record -F 499 -g --call-graph dwarf,16384 -p "$pid" -o "$dir/perf.data" -- sleep "$PERF_SECONDS" \
    >/dev/null 2>"$dir/perf-record.log" || { wait "$stat" || true; return 0; }
  wait "$stat" || true
  perf report -i "$dir/perf.data" --no-children --sort dso,symbol --stdio -g none --percent-limit 0.7 \
    >"$dir/perf-report.txt" 2>/dev/null || true
  perf script -i "$dir/perf.data" 2>/dev/null | $PY "$here/fold_stacks.py" >"$dir/perf-folded.txt" || true
  rm -f "$dir/perf.data"
}

run_fanout_one() { # streams rate mode profile
  local n=$1 rate=$2 way=$3 profile=${4:-0} ns="bp-fan-$1-$3" name="fanout-$1-$3" port=8610
  local writes=$((rate * fanout_seconds)) procs=(--pid "kube-apiserver=$(pid_of kube-apiserver)")
  log "fan-out: $n $way streams, $writes writes at $rate/s"
  if [[ $way == proxy ]]; then
    start_standalone "proxy-$name" "$port"
    procs+=(--pid "proxy=$(pid_of "proxy-$name")")
  fi
  new_namespace "$ns"
  local errlog=$out/logs/wfload-$name.log
  : >"$errlog"
  cp_exec "$wfload" fanout --mode "$way" --streams "$n" --apiserver "$api" --proxy "https://127.0.0.1:$port" \
    "${certs[@]}" --namespace "$ns" --writes "$writes" --rate "$rate" --eval "$eval_bin" \
    --record "$out/$name-direct.jsonl" "${procs[@]}" >"$out/$name.json" 2>"$errlog" &
  local load=$!
  if ((profile)) && [[ $way == proxy ]]; then
    mkdir -p "$out/perf"
    wait_for 300 grep -q "streams connected" "$errlog" && { sleep 2; profile_proxy "$(pid_of "proxy-$name")" "$out/perf"; }
  fi
  local status=0
  wait "$load" || status=1
  if [[ $way == proxy ]]; then
    cp_exec curl -sk -m 5 "https://127.0.0.1:$port/metrics" >"$out/$name-metrics.txt" || true
    stop_proxy "proxy-$name"
  fi
  cp_kubectl delete namespace "$ns" --wait=false >/dev/null
  ((status == 0)) || { tail -n 5 "$errlog" >&2; log "fan-out $n $way failed"; return 1; }
}

run_fanout() {
  local r n rate status=0
  for r in $fanout; do
    n=${r%%:*} rate=${r##*:}
    if [[ " $fanout_ways " == *" proxy "* ]]; then
      run_fanout_one "$n" "$rate" proxy "$( ((n == 1000)) && [[ $mode == full ]] && echo 1 || echo 0)" || status=1
    fi
    if [[ " $fanout_ways " == *" direct "* ]]; then run_fanout_one "$n" "$rate" direct || status=1; fi
  done
  return $status
}

# Memory per cached object: the proxy holding N objects in an informer (a stream whose filter
# admits nothing keeps it), against a client-go SharedInformer holding the same, each in a
# process of its own, measured from before its LIST to after.
run_memory() {
  local kind count have ns port=8620 status=0
  for kind in configmaps deployments; do
    ns=bp-mem-$kind have=0
    new_namespace "$ns"
    for count in $memory_counts; do
      log "memory: $count $kind"
      wfload_run "$out/populate-$kind-$count.json" populate --apiserver "$api" "${certs[@]}" --namespace "$ns" \
        --kind "$kind" --count "$((count - have))" --offset "$have" || { status=1; continue; }
      have=$count
      start_standalone "proxy-mem" "$port"
      local pid rss0 rss1 group=/api/v1
      [[ $kind == deployments ]] && group=/apis/apps/v1
      pid=$(pid_of proxy-mem)
      sleep 2
      rss0=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
      : >"$out/logs/mem-stream.headers"
      cp_start_bg mem-stream curl -sk -N -o /dev/null -D "$out/logs/mem-stream.headers" --cert "$CP_DIR/admin.crt" --key "$CP_DIR/admin.key" \
        "https://127.0.0.1:$port$group/namespaces/$ns/$kind?watch=true&filter=false"
      wait_for 600 grep -q "^HTTP/1.1 200" "$out/logs/mem-stream.headers" || { log "the memory stream did not start"; status=1; }
      sleep 5
      rss1=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
      cp_stop_bg mem-stream
      stop_proxy proxy-mem
      wfload_run "$out/informer-$kind-$count.json" informer --kubeconfig "$CP_KUBECONFIG" --namespace "$ns" --kind "$kind" ||
        { status=1; continue; }
      echo "{\"kind\": \"$kind\", \"objects\": $count, \"rss_kib_before\": $rss0, \"rss_kib_synced\": $rss1}" \
        >"$out/memory-proxy-$kind-$count.json"
    done
    cp_kubectl delete namespace "$ns" --wait=false >/dev/null
  done
  return $status
}

run_owned() {
  local k ns port=8630 status=0
  cp_kubectl apply -f - >/dev/null <<'EOY'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: databases.bench.watchfilter.io}
spec:
  group: bench.watchfilter.io
  scope: Namespaced
  names: {plural: databases, singular: database, kind: Database, listKind: DatabaseList}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
EOY
  cp_kubectl wait --for condition=Established --timeout 60s crd/databases.bench.watchfilter.io >/dev/null
  wait_for 20 cp_kubectl get databases.bench.watchfilter.io -A >/dev/null 2>&1 || fail "databases API not served"
  start_standalone proxy-owned "$port"
  for k in $owned_counts; do
    ns=bp-owned-$k
    log "primary + secondaries: $k ConfigMaps and $k Secrets"
    new_namespace "$ns"
    cp_kubectl apply -n "$ns" -f - >/dev/null <<'EOY'
apiVersion: watchfilter.io/v1alpha1
kind: WatchFilter
metadata: {name: db}
spec:
  resource: {group: bench.watchfilter.io, version: v1, resource: databases}
  filter: changed(spec)
  includeOwned: true
  owned:
  - resource: {group: apps, version: v1, resource: deployments}
  - resource: {group: "", version: v1, resource: configmaps}
  - resource: {group: "", version: v1, resource: secrets}
EOY
    wfload_run "$out/owned-$k.json" owned --apiserver "$api" --proxy "https://127.0.0.1:$port" "${certs[@]}" \
      --namespace "$ns" --secondaries "$k" --trials "$( [[ $mode == full ]] && echo 20 || echo 5)" || status=1
    cp_kubectl delete namespace "$ns" --wait=false >/dev/null
  done
  stop_proxy proxy-owned
  return $status
}

run_engine() {
  [[ -x $engine ]] || { log "engine: $engine not built (cmake --build build --target fanout_engine_bench)"; return 1; }
  log "engine ceiling: in-process replay, 1,000 streams"
  local events=()
  [[ -f $out/fanout-1000-proxy-direct.jsonl ]] && events=(--events "$out/fanout-1000-proxy-direct.jsonl")
  "$engine" "${events[@]}" --benchmark_format=json --benchmark_min_time=2 >"$out/engine.json" 2>"$out/logs/engine.log"
}

run_soak() {
  local port=8640 ns=bp-soak
  log "soak: $SOAK_STREAMS streams for $soak_seconds s at $SOAK_RATE writes/s, RSS every 30 s"
  start_standalone proxy-soak "$port"
  new_namespace "$ns"
  wfload_run "$out/soak.json" fanout --mode proxy --streams "$SOAK_STREAMS" --apiserver "$api" \
    --proxy "https://127.0.0.1:$port" "${certs[@]}" --namespace "$ns" --writes "$((SOAK_RATE * soak_seconds))" \
    --rate "$SOAK_RATE" --eval "$eval_bin" --record "$out/soak-direct.jsonl" --sample-every 30s --series \
    --pid "proxy=$(pid_of proxy-soak)" --pid "kube-apiserver=$(pid_of kube-apiserver)" || { stop_proxy proxy-soak; return 1; }
  stop_proxy proxy-soak
  rm -f "$out/soak-direct.jsonl"
}

start=$SECONDS
cmd="bench/proxy/run.sh --$mode"
for v in BENCH_PARTS BENCH_FANOUT BENCH_FANOUT_SECONDS BENCH_FANOUT_WAYS BENCH_MEMORY BENCH_OWNED BENCH_SOAK_SECONDS BENCH_PROXY_FLAGS; do
  [[ -n ${!v:-} ]] && cmd="$v='${!v}' $cmd"
done
bench_machine_begin "$out/machine.json" "$cmd"
status=0
for part in latency fanout memory owned engine soak; do
  has_part "$part" || continue
  "run_$part" || { log "$part failed"; status=1; }
done
bench_machine_end "$out/machine.json" "$((SECONDS - start))"
cp_down
rm -f "$out"/*-direct.jsonl

report=(--out "$out")
[[ $mode == quick ]] && report+=(--assert)
((docs)) && report+=(--docs "$repo/docs")
$PY "$here/report.py" "${report[@]}" "$out" || status=1
log "done in $((SECONDS - start)) s: $out/report.md"
exit $status

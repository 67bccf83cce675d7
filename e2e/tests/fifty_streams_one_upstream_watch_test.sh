#!/usr/bin/env bash
# Fifty clients watch the configmaps of one namespace through the proxy, each with a different
# filter (half on the upstream path, half under /apis/stream.watchfilter.io/v1alpha1/proxy):
# kube-apiserver serves exactly one more WATCH for it (apiserver_longrunning_requests, its own
# metric), the proxy reports one upstream watch and fifty streams, every stream receives exactly
# the lines watchfilter-eval admits from the direct upstream watch of the same changes (byte
# for byte), and the upstream watch is closed once the streams are gone and the linger passed.
# Another namespace costs one more upstream watch; a label or field selector none (both are
# evaluated in the proxy).
source "$(dirname "$0")/../lib/testlib.sh"
[[ -x $WF_EVAL ]] || fail "$WF_EVAL not built"
WF_PORT=8462
N=50
start_proxy proxy $WF_PORT --informer-linger 2s

ns=fifty-$RANDOM
cp_kubectl create namespace "$ns" >/dev/null
api=/api/v1/namespaces/$ns/configmaps
watches() { apiserver_metric apiserver_longrunning_requests verb=WATCH resource=configmaps; }

# Fifty different filters over five shapes; the sentinel configmap passes all of them, so that
# the test can tell when every stream is live and when it has seen everything.
filter() { # i
  local i=$1 f
  case $((i % 5)) in
    0) f="changed(data.k$((i % 10))) || data.hot == \"$i\"" ;;
    1) f="metadata.labels[\"shard\"] == \"$((i % 4))\" && changed(data)" ;;
    2) f="size(data) >= $((i % 7 + 2)) && changed(data.k$((i % 3)), metadata.labels)" ;;
    3) f="has(data.k$((i % 10))) && !has(oldObject.data.k$((i % 10))) || data.hot == \"$i\"" ;;
    4) f="data.k$((i % 10)).startsWith(\"v$((i % 3))\") && changed(data.k$((i % 10)))" ;;
  esac
  echo "metadata.name == \"sentinel\" || ($f)"
}
filters=()
for ((i = 0; i < N; i++)); do filters+=("$(filter $i)"); done
mapfile -t encoded < <(python3 -c 'import sys, urllib.parse; print(*(urllib.parse.quote(f, safe="") for f in sys.argv[1:]), sep="\n")' "${filters[@]}")
specs=()
for ((i = 0; i < N; i++)); do
  prefix=""; ((i % 2)) && prefix=/apis/stream.watchfilter.io/v1alpha1/proxy
  specs+=("s$i=$prefix$api?watch=true&timeoutSeconds=150&filter=${encoded[i]}")
done

# The oracle's input: the same watch straight from kube-apiserver (opened before counting).
rv0=$(resource_version "$api")
direct_streams_bg direct "$T_DIR/direct" --timeout 150 "direct=$api?watch=true&resourceVersion=$rv0&timeoutSeconds=150"
wait_for 20 test -f "$T_DIR/direct/ready" || fail "the direct watch did not start"
sleep 0.5
before=$(watches)
[[ $before != absent ]] || fail "kube-apiserver has no apiserver_longrunning_requests for configmaps"
streams_bg streams "$T_DIR/s" --timeout 150 "${specs[@]}"
wait_for 30 test -f "$T_DIR/s/ready" || fail "the $N streams did not all get response headers"
for ((i = 0; i < N; i++)); do
  [[ $(cat "$T_DIR/s/s$i.end" 2>/dev/null) == "" ]] || fail "stream s$i ended early: $(cat "$T_DIR/s/s$i.end"): $(head -c 300 "$T_DIR/s/s$i.out")"
done
sleep 1
cp_kubectl create configmap sentinel -n "$ns" --from-literal=hot=all >/dev/null
all_have() { wfcheck all-have "$1" "$2" "$T_DIR"/s/s*.out "$T_DIR/direct/direct.out"; }
wait_for 30 all_have ADDED sentinel || fail "not every stream delivered the sentinel's ADDED event"

after=$(watches)
upstream=$(proxy_metric $WF_PORT watchfilter_upstream_watches)
streams=$(proxy_metric $WF_PORT watchfilter_streams)
t_log "kube-apiserver configmap WATCH requests: $before before, $after with $N streams; proxy: upstream_watches=$upstream streams=$streams"
((after == before + 1)) || fail "kube-apiserver serves $((after - before)) more configmap watches for $N streams, want exactly 1"
[[ $upstream == 1 ]] || fail "watchfilter_upstream_watches = $upstream, want 1"
[[ $streams == "$N" ]] || fail "watchfilter_streams = $streams, want $N"

# The informer key is (resource, namespace): another namespace is one more upstream watch; label
# and field selectors are evaluated by the proxy (none).
ns2=fifty-other-$RANDOM
cp_kubectl create namespace "$ns2" >/dev/null
streams_bg extra "$T_DIR/x" --timeout 150 \
  "label=$api?watch=true&timeoutSeconds=150&labelSelector=shard%3D1&filter=$(urlencode 'changed(data)')" \
  "field=$api?watch=true&timeoutSeconds=150&fieldSelector=metadata.name%3Dcm-1&filter=$(urlencode 'changed(data)')" \
  "otherns=/api/v1/namespaces/$ns2/configmaps?watch=true&timeoutSeconds=150&filter=$(urlencode 'changed(data)')"
wait_for 20 test -f "$T_DIR/x/ready" || fail "the extra streams did not start"
two_more() { (($(watches) >= before + 2)); }
wait_for 10 two_more || true
sleep 0.5
more=$(watches)
t_log "with a labelSelector stream, a fieldSelector stream and a stream on another namespace: $more configmap WATCH requests"
((more == before + 2)) || fail "kube-apiserver serves $((more - before)) configmap watches for the proxy, want 2 (one per namespace)"
[[ $(proxy_metric $WF_PORT watchfilter_upstream_watches) == 2 ]] || fail "watchfilter_upstream_watches = $(proxy_metric $WF_PORT watchfilter_upstream_watches), want 2"

# The changes: six configmaps, ninety updates of data, labels and annotations, two deletions.
python3 - "$ns" >"$T_DIR/ops.jsonl" <<'EOP'
import json, random, sys
ns = sys.argv[1]; r = random.Random(7)
path = f"/api/v1/namespaces/{ns}/configmaps"
op = lambda **o: print(json.dumps(o))
for j in range(6):
    op(method="POST", path=path, body={"metadata": {"name": f"cm-{j}", "labels": {"shard": str(j % 4)}},
       "data": {f"k{k}": f"v{r.randrange(3)}-{k}" for k in range(r.randrange(2, 10))}})
for n in range(90):
    j, kind = r.randrange(6), r.randrange(5)
    if kind == 0:   patch = {"data": {f"k{r.randrange(10)}": f"v{r.randrange(3)}-{n}"}}
    elif kind == 1: patch = {"data": {"hot": str(r.randrange(50))}}
    elif kind == 2: patch = {"data": {f"k{r.randrange(10)}": None}}
    elif kind == 3: patch = {"metadata": {"labels": {"shard": str(r.randrange(4))}}}
    else:           patch = {"metadata": {"annotations": {"touched": str(n)}}}   # changes nothing filtered
    op(method="PATCH", path=f"{path}/cm-{j}", body=patch)
for j in (0, 1):
    op(method="DELETE", path=f"{path}/cm-{j}")
EOP
mutate "$T_DIR/ops.jsonl" "$T_DIR/versions.jsonl" || fail "applying the changes failed"
cp_kubectl delete configmap sentinel -n "$ns" >/dev/null
wait_for 60 all_have DELETED sentinel || fail "not every stream delivered the sentinel's DELETED event"

wfcheck strip-bookmarks "$T_DIR/direct/direct.out" >"$T_DIR/upstream.jsonl"
total=$(wc -l <"$T_DIR/upstream.jsonl")
((total >= 70)) || fail "the direct watch recorded only $total events"   # a no-op patch makes no event
python3 - "$WF_EVAL" "$T_DIR" "${filters[@]}" >"$T_DIR/counts" <<'EOP' || fail "some of the $N streams did not deliver exactly what their filter admits"
import subprocess, sys
tool, d, filters = sys.argv[1], sys.argv[2], sys.argv[3:]
upstream = open(f"{d}/upstream.jsonl", "rb").read()
counts, delivered, differ = [], 0, 0
for i, f in enumerate(filters):
    want = subprocess.run([tool, "--filter", f], input=upstream, capture_output=True, check=True).stdout
    got = open(f"{d}/s/s{i}.out", "rb").read()
    nw, ng = want.count(b"\n"), got.count(b"\n")
    counts.append(nw); delivered += ng
    if got != want:
        differ += 1
        open(f"{d}/expected-{i}.jsonl", "wb").write(want)
        print(f"[fifty_streams_one_upstream_watch_test] stream s{i} ({f}): {ng} lines, watchfilter-eval admits {nw}",
              file=sys.stderr)
print(min(counts), max(counts), delivered)
sys.exit(1 if differ else 0)
EOP
read -r min max delivered <"$T_DIR/counts"
((min < total && max > 2)) || fail "the changes do not exercise the filters (each admits $min..$max of $total)"

cp_stop_bg streams
cp_stop_bg extra
gone() { [[ $(watches) == "$before" ]]; }
wait_for 20 gone || fail "the upstream watch is still open 20 s after the last stream closed (--informer-linger 2s): $(watches) watches, $before before"
t_log "PASS: $N streams, one upstream watch; $total upstream events, each stream got exactly its admitted $min..$max lines ($delivered in all); upstream watch closed after the linger"

#!/usr/bin/env bash
# The proxy decides exactly as the filters library does: a scripted sequence of several hundred
# updates to a few widgets (a CRD with numeric fields) -- a size drifting in small steps across
# a delta threshold, a latency with a few outliers in its noise, a tier that rarely changes and
# changes no filter looks at -- applied with kubectl and, for the bulk, direct PATCH requests.
# kube-apiserver's own watch of the same objects, run through watchfilter-eval, is the oracle:
# every proxy stream (upstream path and the stream.watchfilter.io prefix, two filters) must
# deliver exactly the lines the tool prints, in order, byte for byte.
source "$(dirname "$0")/../lib/testlib.sh"
[[ -x $WF_EVAL ]] || fail "$WF_EVAL not built"
WF_PORT=8463
start_proxy proxy $WF_PORT
ensure_widgets_crd

ns=oracle-$RANDOM
cp_kubectl create namespace "$ns" >/dev/null
api=$WIDGETS/namespaces/$ns/widgets
prefix=/apis/stream.watchfilter.io/v1alpha1/proxy
f1='changed(spec.tier) || delta(spec.size) >= 5 || outlier(status.latency, 3, "every")'
f2='reldelta(status.load) >= 0.25 || changed(metadata.labels) || outlier(status.latency, 3)'

rv0=$(resource_version "$api")
direct_streams_bg direct "$T_DIR/d" --timeout 150 "up=$api?watch=true&resourceVersion=$rv0&timeoutSeconds=150"
streams_bg streams "$T_DIR/p" --timeout 150 \
  "f1=$api?watch=true&timeoutSeconds=150&filter=$(urlencode "$f1")" \
  "f1prefix=$prefix$api?watch=true&timeoutSeconds=150&filter=$(urlencode "$f1")" \
  "f2=$prefix$api?watch=true&timeoutSeconds=150&filter=$(urlencode "$f2")"
wait_for 20 test -f "$T_DIR/p/ready" || fail "the proxy streams did not start"
wait_for 20 test -f "$T_DIR/d/ready" || fail "the direct watch did not start"
sleep 1
outs=("$T_DIR/d/up.out" "$T_DIR/p/f1.out" "$T_DIR/p/f1prefix.out" "$T_DIR/p/f2.out")
all_have() { wfcheck all-have "$1" "$2" "${outs[@]}"; }
for o in f1 f1prefix f2; do
  [[ ! -s $T_DIR/p/$o.end ]] || fail "stream $o ended: $(cat "$T_DIR/p/$o.end"): $(head -c 300 "$T_DIR/p/$o.out")"
done

start=$SECONDS
# kubectl: the widgets and a sentinel, then a few patches.
widget() { # name size tier latency load
  echo "{\"apiVersion\":\"e2e.watchfilter.io/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"$1\",\"namespace\":\"$ns\",\"labels\":{\"app\":\"oracle\"}},\"spec\":{\"size\":$2,\"tier\":\"$3\",\"note\":\"n0\"},\"status\":{\"latency\":$4,\"load\":$5}}"
}
{ widget sentinel 0 gold 1 1; } | cp_kubectl create -f - >/dev/null
wait_for 20 all_have ADDED sentinel || fail "the streams did not deliver the sentinel's ADDED event"
for w in "drift 10 gold 100 40" "noisy 50 gold 100 40" "mixed 20 silver 80 10" "quiet 5 bronze 60 100"; do
  widget $w
done | cp_kubectl create -f - >/dev/null
cp_kubectl patch widget drift -n "$ns" --type merge -p '{"spec":{"size":11}}' >/dev/null
cp_kubectl patch widget drift -n "$ns" --type merge -p '{"spec":{"size":13}}' >/dev/null
cp_kubectl patch widget noisy -n "$ns" --type merge -p '{"status":{"latency":101.5}}' >/dev/null
cp_kubectl patch widget mixed -n "$ns" --type merge -p '{"spec":{"tier":"gold"}}' >/dev/null
cp_kubectl patch widget quiet -n "$ns" --type merge -p '{"spec":{"note":"kubectl"}}' >/dev/null
cp_kubectl label widget quiet -n "$ns" team=a >/dev/null

# The bulk: 330 PATCHes over one connection.
python3 - "$api" >"$T_DIR/ops.jsonl" <<'EOP'
import json, random, sys
api = sys.argv[1]; r = random.Random(42)
size = {"drift": 13, "mixed": 20}
load = {"drift": 40.0, "noisy": 40.0, "mixed": 10.0, "quiet": 100.0}
tiers = ["gold", "silver", "bronze"]
def patch(name, body): print(json.dumps({"method": "PATCH", "path": f"{api}/{name}", "body": body}))
for n in range(330):
    name = ["drift", "noisy", "mixed", "quiet"][n % 4]
    if name == "drift":      # small steps, mostly up: crosses delta >= 5 every few steps
        size["drift"] += r.choice([1, 1, 2, -1])
        patch(name, {"spec": {"size": size["drift"]}, "status": {"latency": round(r.gauss(100, 1), 2)}})
    elif name == "noisy":    # latency noise around 100 with outliers now and then
        lat = 160.0 if n % 52 == 49 else round(r.gauss(100, 2), 2)
        load["noisy"] = round(load["noisy"] * r.uniform(0.9, 1.12), 1)
        patch(name, {"status": {"latency": lat, "load": load["noisy"]}})
    elif name == "mixed":    # a bit of everything, the tier now and then
        body = {"spec": {"size": size["mixed"] + r.randint(-6, 6)}, "status": {"latency": round(r.gauss(80, 5), 2)}}
        if n % 40 == 2:
            body["spec"]["tier"] = r.choice(tiers)
        if n % 25 == 6:
            body["metadata"] = {"labels": {"phase": str(n)}}
        patch(name, body)
    else:                    # only changes no filter looks at (note, an annotation)
        patch(name, {"spec": {"note": f"n{n}"}, "metadata": {"annotations": {"seen": str(n)}}})
EOP
mutate "$T_DIR/ops.jsonl" "$T_DIR/versions.jsonl" || fail "applying the changes failed"
cp_kubectl delete widget quiet -n "$ns" >/dev/null
cp_kubectl delete widget sentinel -n "$ns" >/dev/null
t_log "applied $(( $(wc -l <"$T_DIR/versions.jsonl") + 13 )) changes in $((SECONDS - start)) s"
wait_for 60 all_have DELETED sentinel || fail "the streams did not deliver the sentinel's DELETED event"

wfcheck strip-bookmarks "$T_DIR/d/up.out" >"$T_DIR/upstream.jsonl"
total=$(wc -l <"$T_DIR/upstream.jsonl")
((total >= 340)) || fail "the direct watch recorded only $total events"
# The sequence exercises every predicate: each alone admits updates, not only first events.
admitted() { "$WF_EVAL" --filter "$1" <"$T_DIR/upstream.jsonl" | grep -c '"type":"MODIFIED"' || true; }
for f in 'changed(spec.tier)' 'delta(spec.size) >= 5' 'outlier(status.latency, 3, "every")' 'reldelta(status.load) >= 0.25' 'changed(metadata.labels)'; do
  m=$(admitted "$f")
  ((m >= 2)) || fail "the scripted changes do not exercise $f (admits $m MODIFIED events)"
done
# The default outlier() reports a run of outliers (the noisy latency's spikes, 13 updates
# apart) once, where "every" reports each spike.
once=$(admitted 'outlier(status.latency, 3)')
every=$(admitted 'outlier(status.latency, 3, "every")')
((once >= 1 && once < every)) || fail "outlier(status.latency, 3) admits $once MODIFIED events, \"every\" $every"
"$WF_EVAL" --filter "$f1" <"$T_DIR/upstream.jsonl" >"$T_DIR/expected-f1.jsonl"
"$WF_EVAL" --filter "$f2" <"$T_DIR/upstream.jsonl" >"$T_DIR/expected-f2.jsonl"
for s in f1 f1prefix f2; do
  wfcheck same "$T_DIR/expected-${s%prefix}.jsonl" "$T_DIR/p/$s.out" watchfilter-eval "proxy $s" ||
    fail "stream $s ($(wc -l <"$T_DIR/p/$s.out") lines) differs from watchfilter-eval ($(wc -l <"$T_DIR/expected-${s%prefix}.jsonl") lines)"
done
t_log "PASS: $total upstream events; the proxy delivered exactly watchfilter-eval's $(wc -l <"$T_DIR/expected-f1.jsonl") lines for f1 (path and prefix) and $(wc -l <"$T_DIR/expected-f2.jsonl") for f2, byte for byte"

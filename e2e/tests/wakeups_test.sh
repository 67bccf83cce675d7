#!/usr/bin/env bash
# Wake-ups, the server-side RequeueAfter (docs/proxy.md, "Wake-ups"). A named watcher
# (watcher=w1, changed(data)) watches two configmaps that never change:
#   1. a wake-up for cm-a "after: 3s" puts exactly one MODIFIED of cm-a on the stream, 3 s (+-1)
#      after the POST answered 201, and nothing else arrives;
#   2. a wake-up posted while the watcher is disconnected is delivered once it resumes from its
#      last resourceVersion, once (a second resume does not repeat it);
#   3. a wake-up accepted just before a restart of the proxy is delivered by the new process;
#   4. delivered wake-ups leave the ConfigMap; bad bodies are 422/400/413/415 Status naming the
#      problem;
#   5. through the aggregator (kubectl apply -k manifests/, the proxy as the manifests'
#      ServiceAccount): `kubectl create -f wakeup.yaml`, `kubectl get wakeups`, `kubectl delete`,
#      stored in watchfilter-system/watchfilter-wakeups.
source "$(dirname "$0")/../lib/testlib.sh"
source "$TL_DIR/apiservice.sh"
WF_PORT=8474
ns=wakeups-$RANDOM
store_ns=$ns-store  # the ConfigMap of this test's wake-ups: not among the watched configmaps
cp_kubectl create namespace "$ns" >/dev/null
cp_kubectl create namespace "$store_ns" >/dev/null
start_proxy proxy $WF_PORT --bookmark-interval 1s --wakeups-namespace "$store_ns"
cp_kubectl -n "$ns" create configmap cm-a --from-literal=k=a >/dev/null
cp_kubectl -n "$ns" create configmap cm-b --from-literal=k=b >/dev/null

api=/api/v1/namespaces/$ns/configmaps
wakeups=/apis/stream.watchfilter.io/v1alpha1/namespaces/$ns/wakeups
stream="$api?watch=true&allowWatchBookmarks=true&timeoutSeconds=120&filter=$(urlencode 'changed(data)')&watcher=w1"

# post_wakeup OUT BODY [content-type]: POST to the proxy; prints the HTTP code, body in OUT.
post_wakeup() {
  cp_exec curl -sk -m 10 -X POST -H "Content-Type: ${3:-application/json}" --data-binary "$2" \
    -o "$1" -w '%{http_code}' "https://127.0.0.1:$WF_PORT$wakeups"
}
wakeup_body() { # object after
  printf '{"apiVersion":"stream.watchfilter.io/v1alpha1","kind":"Wakeup","metadata":{"generateName":"wakeup-"},"spec":{"watcher":"w1","object":"%s","resource":"configmaps","after":"%s"}}' "$1" "$2"
}
# Non-BOOKMARK events of a recorded stream: "<unix time> <type> <name> <rv>" lines.
events() { grep -v ' BOOKMARK ' "$1" || true; }
# The last resourceVersion a stream carried (event or BOOKMARK).
last_rv() { tail -n 1 "$1" | cut -d' ' -f4; }
stored_keys() { # the data keys of the wake-ups ConfigMap ("" when there is none)
  { cp_kubectl -n "$store_ns" get configmap watchfilter-wakeups -o json 2>/dev/null || true; } |
    python3 -c 'import json,sys; t=sys.stdin.read(); print(" ".join(sorted((json.loads(t).get("data") or {}).keys())) if t.strip() else "")'
}
not_stored() { [[ " $(stored_keys) " != *" $1 "* ]]; }
nothing_stored() { [[ -z $(stored_keys) ]]; }
json_field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval("d" + sys.argv[2]))' "$@"; }

# --- 1. delivered once, on time -------------------------------------------------------------
streams_bg s1 "$T_DIR/s1" --timeout 130 "w=$stream"
wait_for 20 test -f "$T_DIR/s1/ready" || fail "stream 1 did not open"
wait_for 10 has_event "$T_DIR/s1/w.out" ADDED cm-b || fail "no initial ADDED events: $(cat "$T_DIR/s1/w.out")"
sleep 1
code=$(post_wakeup "$T_DIR/w1.json" "$(wakeup_body cm-a 3s)")
posted=$(date +%s.%N)
[[ $code == 201 ]] || fail "POST wakeup: HTTP $code: $(cat "$T_DIR/w1.json")"
name1=$(json_field "$T_DIR/w1.json" '["metadata"]["name"]')
[[ $name1 =~ ^wakeup-[a-z0-9]{5}$ ]] || fail "generated name $name1"
python3 - "$T_DIR/w1.json" "$posted" <<'EOP' || fail "the 201 answer is not the stored Wakeup: $(cat "$T_DIR/w1.json")"
import datetime, json, sys
d = json.load(open(sys.argv[1])); posted = float(sys.argv[2])
assert d["kind"] == "Wakeup" and d["apiVersion"] == "stream.watchfilter.io/v1alpha1", d
m = d["metadata"]
assert m["namespace"] and len(m["uid"]) == 36 and m["creationTimestamp"].endswith("Z"), m
due = datetime.datetime.strptime(d["status"]["due"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()
assert abs(due - (posted + 3)) < 1.0, (due, posted)
EOP
not_stored "$name1" && fail "the accepted wake-up is not in ConfigMap $store_ns/watchfilter-wakeups: [$(stored_keys)]"
t_log "POST answered 201 ($name1), stored in the ConfigMap"

# H2: the informer delivers it on the stream.
wait_for 8 has_event "$T_DIR/s1/w.out" MODIFIED cm-a || fail "no MODIFIED of cm-a on the watcher's stream within 8 s of the wake-up"
sleep 3  # anything else would arrive now
events "$T_DIR/s1/w.ts" >"$T_DIR/s1.events"
python3 - "$T_DIR/s1.events" "$posted" <<'EOP' || fail "stream 1: want ADDED cm-a, ADDED cm-b, then exactly one MODIFIED cm-a 3 s (+-1) after the POST: $(cat "$T_DIR/s1.events")"
import sys
ev = [l.split() for l in open(sys.argv[1]) if l.strip()]
posted = float(sys.argv[2])
kinds = sorted((e[1], e[2]) for e in ev)
assert kinds == [("ADDED", "cm-a"), ("ADDED", "cm-b"), ("MODIFIED", "cm-a")], kinds
mod = [e for e in ev if e[1] == "MODIFIED"][0]
late = float(mod[0]) - posted
print(f"[wakeups_test] MODIFIED cm-a {late:.2f} s after the POST", file=sys.stderr)
assert 2.0 <= late <= 4.0, late
EOP
wait_for 5 not_stored "$name1" || fail "delivered wake-up $name1 is still stored: [$(stored_keys)]"

# --- 2. posted while disconnected: delivered on resume, once ----------------------------------
cp_stop_bg s1
rv=$(last_rv "$T_DIR/s1/w.ts")
[[ -n $rv && $rv != - ]] || fail "no resourceVersion to resume from"
code=$(post_wakeup "$T_DIR/w2.json" "$(wakeup_body cm-b 1s)")
[[ $code == 201 ]] || fail "POST wakeup while disconnected: HTTP $code: $(cat "$T_DIR/w2.json")"
name2=$(json_field "$T_DIR/w2.json" '["metadata"]["name"]')
sleep 2.5  # due while nobody listens
streams_bg s2 "$T_DIR/s2" --timeout 130 "w=$stream&resourceVersion=$rv"
wait_for 20 test -f "$T_DIR/s2/ready" || fail "stream 2 did not open"
wait_for 5 has_event "$T_DIR/s2/w.out" MODIFIED cm-b || fail "the wake-up posted while the watcher was away was not delivered on its resume from $rv: $(cat "$T_DIR/s2/w.out")"
sleep 2
[[ $(events "$T_DIR/s2/w.ts" | wc -l) == 1 ]] || fail "resume from $rv: want exactly the MODIFIED of cm-b: $(events "$T_DIR/s2/w.ts")"
cp_stop_bg s2
rv=$(last_rv "$T_DIR/s2/w.ts")
streams_bg s3 "$T_DIR/s3" --timeout 130 "w=$stream&resourceVersion=$rv"
wait_for 20 test -f "$T_DIR/s3/ready" || fail "stream 3 did not open"
sleep 3
[[ -z $(events "$T_DIR/s3/w.ts") ]] || fail "a second resume got events again: $(events "$T_DIR/s3/w.ts")"
cp_stop_bg s3
t_log "a wake-up posted while disconnected arrived once, on resume ($name2)"

# --- 3. survives a restart of the proxy --------------------------------------------------------
code=$(post_wakeup "$T_DIR/w3.json" "$(wakeup_body cm-a 6s)")
posted=$(date +%s.%N)
[[ $code == 201 ]] || fail "POST wakeup before the restart: HTTP $code"
name3=$(json_field "$T_DIR/w3.json" '["metadata"]["name"]')
cp_stop_bg proxy
start_proxy proxy-2 $WF_PORT --bookmark-interval 1s --wakeups-namespace "$store_ns"
grep -q "loaded 1 pending wake-ups" "$CP_DIR/logs/proxy-2.log" ||
  wait_for 5 grep -q "loaded 1 pending wake-ups" "$CP_DIR/logs/proxy-2.log" ||
  fail "the restarted proxy did not load the pending wake-up: $(grep -i wake "$CP_DIR/logs/proxy-2.log")"
# A resume after a restart is a 410 (docs/proxy.md, "Restarts"): the client starts afresh.
streams_bg s4 "$T_DIR/s4" --timeout 130 "w=$stream"
wait_for 20 test -f "$T_DIR/s4/ready" || fail "stream 4 did not open"
wait_for 10 has_event "$T_DIR/s4/w.out" MODIFIED cm-a || fail "the wake-up accepted before the restart was not delivered: $(cat "$T_DIR/s4/w.out")"
python3 - "$T_DIR/s4/w.ts" "$posted" <<'EOP' || fail "after the restart: want one MODIFIED of cm-a at its due time"
import sys
ev = [l.split() for l in open(sys.argv[1]) if l.strip() and " BOOKMARK " not in l]
mods = [e for e in ev if e[1] == "MODIFIED"]
late = float(mods[0][0]) - float(sys.argv[2])
print(f"[wakeups_test] after the restart: MODIFIED cm-a {late:.2f} s after the POST", file=sys.stderr)
assert len(mods) == 1 and mods[0][2] == "cm-a", ev
assert 5.0 <= late <= 8.0, late
EOP
wait_for 5 nothing_stored || fail "delivered wake-ups are still in the ConfigMap: [$(stored_keys)]"
cp_stop_bg s4
t_log "a wake-up survived the restart ($name3); the ConfigMap is empty again"

# --- 4. refusals ------------------------------------------------------------------------------
code=$(post_wakeup "$T_DIR/bad.json" '{"metadata":{"name":"bad"},"spec":{"watcher":"w1","after":"1s"}}')
[[ $code == 422 ]] || fail "missing spec.object: HTTP $code, want 422"
[[ $(json_field "$T_DIR/bad.json" '["details"]["causes"][0]["field"]') == spec.object ]] ||
  fail "the 422 does not name spec.object: $(cat "$T_DIR/bad.json")"
[[ $(json_field "$T_DIR/bad.json" '["reason"]') == Invalid ]] || fail "reason: $(cat "$T_DIR/bad.json")"
code=$(post_wakeup "$T_DIR/bad.json" '{"metadata":{"name":"bad"},"spec":{}}')
[[ $code == 422 && $(json_field "$T_DIR/bad.json" '["message"]') == *"spec.watcher: Required value"*"spec.object: Required value"*"spec.after: Required value"* ]] ||
  fail "an empty spec: HTTP $code: $(cat "$T_DIR/bad.json")"
code=$(post_wakeup "$T_DIR/bad.json" '{"metadata":{"name":"bad"},"spec":{"watcher":"w1","object":"cm-a","after":"soon"}}')
[[ $code == 422 && $(json_field "$T_DIR/bad.json" '["details"]["causes"][0]["field"]') == spec.after ]] ||
  fail "after: soon: HTTP $code: $(cat "$T_DIR/bad.json")"
code=$(post_wakeup "$T_DIR/bad.json" '{"metadata":{"name":"bad"},')
[[ $code == 400 ]] || fail "malformed JSON: HTTP $code, want 400"
code=$(post_wakeup "$T_DIR/bad.json" '{"metadata":{"name":"bad","namespace":"elsewhere"},"spec":{"watcher":"w1","object":"cm-a","after":"1s"}}')
[[ $code == 400 ]] || fail "metadata.namespace mismatch: HTTP $code, want 400"
code=$(post_wakeup "$T_DIR/bad.json" 'watcher: w1' application/yaml)
[[ $code == 415 ]] || fail "a YAML body: HTTP $code, want 415"
head -c 70000 /dev/zero | tr '\0' x >"$T_DIR/big"
code=$(cp_exec curl -sk -m 10 -X POST -H 'Content-Type: application/json' -H 'Expect:' --data-binary "@$T_DIR/big" \
  -o "$T_DIR/bad.json" -w '%{http_code}' "https://127.0.0.1:$WF_PORT$wakeups")
[[ $code == 413 ]] || fail "a 70 kB body: HTTP $code, want 413"
[[ -z "$(stored_keys)" ]] || fail "refused wake-ups were stored: [$(stored_keys)]"
t_log "refusals: 422 naming the fields, 400, 415, 413"

# --- 5. through the aggregator, with kubectl --------------------------------------------------
apiservice_install
start_aggregated_proxy proxy-aggregated
wait_apiservice_available 60
cat >"$T_DIR/wakeup.yaml" <<EOY
apiVersion: stream.watchfilter.io/v1alpha1
kind: Wakeup
metadata:
  name: kubectl-made
  namespace: $ns
spec:
  watcher: w1
  object: cm-a
  after: 10m
EOY
cp_kubectl create -f "$T_DIR/wakeup.yaml" >"$T_DIR/kubectl.out" 2>&1 ||
  fail "kubectl create -f wakeup.yaml through the aggregator: $(cat "$T_DIR/kubectl.out")"
grep -q 'wakeup.stream.watchfilter.io/kubectl-made created' "$T_DIR/kubectl.out" || fail "kubectl create said: $(cat "$T_DIR/kubectl.out")"
cp_kubectl -n "$ns" get wakeups -o name >"$T_DIR/kubectl.out" 2>&1 || fail "kubectl get wakeups: $(cat "$T_DIR/kubectl.out")"
grep -qx 'wakeup.stream.watchfilter.io/kubectl-made' "$T_DIR/kubectl.out" || fail "kubectl get wakeups: $(cat "$T_DIR/kubectl.out")"
cp_kubectl -n watchfilter-system get configmap watchfilter-wakeups -o jsonpath='{.data}' | grep -q kubectl-made ||
  fail "not stored in watchfilter-system/watchfilter-wakeups (the manifests' Role)"
cp_kubectl -n "$ns" delete wakeup kubectl-made >"$T_DIR/kubectl.out" 2>&1 || fail "kubectl delete wakeup: $(cat "$T_DIR/kubectl.out")"
cp_kubectl -n watchfilter-system get configmap watchfilter-wakeups -o jsonpath='{.data}' | grep -q kubectl-made &&
  fail "deleted wake-up still stored"
# kubectl's own validation reads our OpenAPI: a wrong type is refused before it is sent, or by
# the proxy's 422; either way it is not created.
sed -i 's/after: 10m/after: 5/' "$T_DIR/wakeup.yaml"
cp_kubectl create -f "$T_DIR/wakeup.yaml" >"$T_DIR/kubectl.out" 2>&1 && fail "a numeric spec.after was accepted"
grep -q 'spec.after' "$T_DIR/kubectl.out" || fail "the refusal does not name spec.after: $(cat "$T_DIR/kubectl.out")"
t_log "kubectl create with after: 5 -> $(head -c 300 "$T_DIR/kubectl.out")"
t_log "PASS: on time once, resume, restart, ConfigMap cleaned, refusals, kubectl create/get/delete through the aggregator"

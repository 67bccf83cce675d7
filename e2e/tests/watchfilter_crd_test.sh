#!/usr/bin/env bash
# The WatchFilter CRD (crds/watchfilter.yaml) and filterRef, against the real control plane:
#   kubectl apply -f crds/ installs it; `kubectl explain wf.spec` documents filter, resync and
#   debounce; `kubectl get wf` shows the printer columns;
#   the proxy (--watchfilter-status-interval 1s) writes Ready=True (reason Valid) for a valid
#   WatchFilter, Ready=False (reason InvalidFilter, the compiler's "col N" message) for one whose
#   expression does not compile;
#   a stream with filterRef=<ns>/<name> gets exactly what the WatchFilter's filter admits (data
#   changes, not label-only ones), and the status counts it: deliveredEvents and observedEvents
#   move (observed > delivered), streams = 1;
#   filterRef to the invalid one is a 400 naming the column, to a missing one kube-apiserver's
#   404 NotFound, to one of another resource a 400; a malformed filterRef a 400; a caller that may
#   watch the configmaps but not get the WatchFilter gets kube-apiserver's 403;
#   editing the WatchFilter's expression applies to the open stream from the next event, making
#   it invalid ends the stream with an ERROR event; counts survive a proxy restart.
source "$(dirname "$0")/../lib/testlib.sh"
WF_PORT=8481

crd_cleanup() {
  t_cleanup
  # Later tests share the control plane: leave it as found.
  cp_kubectl delete -f "$REPO_DIR/crds/" --ignore-not-found --wait=false >/dev/null 2>&1 || true
}
trap crd_cleanup EXIT

apply_project_crds

# kube-apiserver publishes a new CRD's OpenAPI schema a few seconds after Established.
explain_spec() { cp_kubectl explain wf.spec >"$T_DIR/explain.txt" 2>&1; }
wait_for 30 explain_spec || fail "kubectl explain wf.spec: $(cat "$T_DIR/explain.txt")"
explain=$(<"$T_DIR/explain.txt")
for field in filter resync debounce resource labelSelector owned includeOwned; do
  grep -Eq "^ +$field\s+<" <<<"$explain" || fail "kubectl explain wf.spec does not list $field: $explain"
done
grep -q "Go duration" <<<"$explain" || fail "kubectl explain wf.spec: resync/debounce are not described"
cp_kubectl explain wf.spec.owned >"$T_DIR/explain-owned.txt" || fail "kubectl explain wf.spec.owned"
grep -Eq "^ +filter\s+<" "$T_DIR/explain-owned.txt" || fail "kubectl explain wf.spec.owned does not list filter: $(cat "$T_DIR/explain-owned.txt")"

start_proxy proxy $WF_PORT --watchfilter-status-interval 1s

ns=wfcrd-$RANDOM
cp_kubectl create namespace "$ns" >/dev/null
api=/api/v1/namespaces/$ns/configmaps
cp_kubectl apply -n "$ns" -f - >/dev/null <<'EOY' || fail "create WatchFilters"
apiVersion: watchfilter.io/v1alpha1
kind: WatchFilter
metadata: {name: data-changes}
spec:
  resource: {version: v1, resource: configmaps}
  filter: changed(data)
---
apiVersion: watchfilter.io/v1alpha1
kind: WatchFilter
metadata: {name: broken}
spec:
  resource: {version: v1, resource: configmaps}
  filter: changed(data) && nosuch(x)
EOY

wf_field() { cp_kubectl get wf "$1" -n "$ns" -o jsonpath="$2"; }
ready_is() { [[ $(wf_field "$1" '{.status.conditions[?(@.type=="Ready")].status}') == "$2" ]]; }
wait_for 10 ready_is data-changes True || fail "data-changes: Ready is not True within 10 s: $(cp_kubectl get wf data-changes -n "$ns" -o json)"
[[ $(wf_field data-changes '{.status.conditions[?(@.type=="Ready")].reason}') == Valid ]] || fail "data-changes: Ready reason is not Valid"
wait_for 10 ready_is broken False || fail "broken: Ready is not False within 10 s"
reason=$(wf_field broken '{.status.conditions[?(@.type=="Ready")].reason}')
message=$(wf_field broken '{.status.conditions[?(@.type=="Ready")].message}')
[[ $reason == InvalidFilter ]] || fail "broken: Ready reason '$reason', want InvalidFilter"
[[ $message == "col 18: "* ]] || fail "broken: Ready message '$message', want the compiler's 'col 18: ...'"
t_log "broken: Ready=False InvalidFilter: $message"

table=$(cp_kubectl get wf -n "$ns")
t_log "kubectl get wf:"$'\n'"$table"
head -1 <<<"$table" | grep -Eq '^NAME +RESOURCE +FILTER +READY +DELIVERED +OBSERVED +AGE$' || fail "kubectl get wf: columns: $(head -1 <<<"$table")"
grep -Eq '^data-changes +configmaps +changed\(data\) +True ' <<<"$table" || fail "kubectl get wf: no 'data-changes configmaps changed(data) True' row"

# filterRef refusals: invalid (400 with the column), missing (404), another resource (400),
# malformed (400).
refusal() { # path -> "<code> <reason> <message>"
  cp_exec curl -sk -m 10 -o "$T_DIR/refusal.json" -w '%{http_code}' "https://127.0.0.1:$WF_PORT$1" >"$T_DIR/refusal.code"
  python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(sys.argv[2], s.get("reason"), s.get("message"))' \
    "$T_DIR/refusal.json" "$(<"$T_DIR/refusal.code")"
}
got=$(refusal "$api?watch=true&filterRef=$ns%2Fbroken")
[[ $got == "400 BadRequest WatchFilter $ns/broken is invalid (InvalidFilter): col 18: "* ]] || fail "filterRef to an invalid WatchFilter: got '$got'"
got=$(refusal "$api?watch=true&filterRef=$ns%2Fmissing")
[[ $got == "404 NotFound watchfilters.watchfilter.io \"missing\" not found" ]] || fail "filterRef to a missing WatchFilter: got '$got'"
got=$(refusal "/api/v1/namespaces/$ns/secrets?watch=true&filterRef=$ns%2Fdata-changes")
[[ $got == "400 BadRequest WatchFilter $ns/data-changes filters v1/configmaps, not v1/secrets (its spec.resource)" ]] || fail "filterRef on another resource: got '$got'"
got=$(refusal "$api?watch=true&filterRef=data-changes")
[[ $got == "400 BadRequest invalid filterRef \"data-changes\""* ]] || fail "malformed filterRef: got '$got'"
t_log "refusals: invalid 400 (col 18), missing 404, other resource 400, malformed 400"

# filterRef needs `get` on the WatchFilter besides `watch` on the resource: a ServiceAccount
# that may watch the configmaps but not read WatchFilters is refused with kube-apiserver's 403;
# once it may get them, the same request is a stream.
cp_kubectl -n "$ns" create serviceaccount wf-user >/dev/null
cp_kubectl -n "$ns" create role cm-watcher --verb=get,list,watch --resource=configmaps >/dev/null
cp_kubectl -n "$ns" create rolebinding cm-watcher --role=cm-watcher --serviceaccount="$ns:wf-user" >/dev/null
token=$(cp_kubectl -n "$ns" create token wf-user)
as_user() { # path -> "<code> <reason> <message>" for wf-user (no client certificate: curl -q)
  cp_exec curl -q -sk -m 3 -H "Authorization: Bearer $token" -o "$T_DIR/user.json" -w '%{http_code}' \
    "https://127.0.0.1:$WF_PORT$1" >"$T_DIR/user.code" || true
  python3 -c 'import json,sys
try: s=json.load(open(sys.argv[1]))
except ValueError: s={}
print(sys.argv[2], s.get("reason"), s.get("message"))' "$T_DIR/user.json" "$(<"$T_DIR/user.code")"
}
got=$(as_user "$api?watch=true&timeoutSeconds=1&filterRef=$ns%2Fdata-changes")
want="403 Forbidden watchfilters.watchfilter.io \"data-changes\" is forbidden: User \"system:serviceaccount:$ns:wf-user\" cannot get resource \"watchfilters\" in API group \"watchfilter.io\" in the namespace \"$ns\""
[[ $got == "$want"* ]] || fail "filterRef without get on the WatchFilter: got '$got', want '$want'"
cp_kubectl -n "$ns" create role wf-reader --verb=get --resource=watchfilters.watchfilter.io >/dev/null
cp_kubectl -n "$ns" create rolebinding wf-reader --role=wf-reader --serviceaccount="$ns:wf-user" >/dev/null
user_streams() { [[ $(as_user "$api?watch=true&timeoutSeconds=1&filterRef=$ns%2Fdata-changes") == "200 "* ]]; }
# The proxy caches SubjectAccessReview answers for 10 s (allowed and denied alike).
wait_for 15 user_streams || fail "filterRef with get on the WatchFilter: $(as_user "$api?watch=true&timeoutSeconds=1&filterRef=$ns%2Fdata-changes")"
t_log "filterRef authorization: 403 without get on the WatchFilter, a stream with it"

# A stream through the WatchFilter: data changes pass, label-only changes do not.
for i in 1 2; do cp_kubectl create configmap "cm-$i" -n "$ns" --from-literal=v=0 >/dev/null; done
# From the initial state (ADDED cm-1, cm-2): a change predicate is true on an object's first
# event in a stream, so the stream has to know the objects before the changes count.
streams_bg streams "$T_DIR/s" --timeout 90 \
  "ref=$api?watch=true&timeoutSeconds=80&filterRef=$ns%2Fdata-changes"
wait_for 20 test -f "$T_DIR/s/ready" || fail "the filterRef stream did not start: $(cat "$T_DIR/s/ref.end" "$T_DIR/s/ref.out" 2>/dev/null)"
[[ ! -s $T_DIR/s/ref.end ]] || fail "the filterRef stream ended at once: $(cat "$T_DIR/s/ref.end") $(head -c 300 "$T_DIR/s/ref.out")"
patch_cm() { cp_kubectl patch configmap "$1" -n "$ns" --type merge -p "$2" >/dev/null; }
patch_cm cm-1 '{"data":{"v":"1"}}'
patch_cm cm-1 '{"metadata":{"labels":{"l":"1"}}}'
patch_cm cm-2 '{"metadata":{"annotations":{"a":"1"}}}'
patch_cm cm-2 '{"data":{"v":"1"}}'
patch_cm cm-2 '{"metadata":{"labels":{"l":"1"}}}'
patch_cm cm-1 '{"data":{"v":"2"}}'
events_at_least() { (($(wfcheck events "$T_DIR/s/ref.out" | wc -l) >= $1)); }
wait_for 15 events_at_least 5 || fail "the data changes did not arrive: $(wfcheck events "$T_DIR/s/ref.out" | tr '\n' ';')"
sleep 1   # give a label-only change the time to be wrongly delivered
events=$(wfcheck events "$T_DIR/s/ref.out" | cut -d' ' -f1,2 | tr '\n' ';')
[[ $events == "ADDED cm-1;ADDED cm-2;MODIFIED cm-1;MODIFIED cm-2;MODIFIED cm-1;" ]] ||
  fail "filterRef stream: got '$events', want the initial ADDEDs and the three data changes only"
t_log "filterRef stream: $events"

# Status counts (the status writer, every 1 s): 3 changes delivered of 6 observed (+ the 2
# initial events), one stream.
counts() { echo "$(wf_field data-changes '{.status.deliveredEvents}') $(wf_field data-changes '{.status.observedEvents}') $(wf_field data-changes '{.status.streams}')"; }
counts_ok() { read -r d o s <<<"$(counts)"; [[ ${d:-0} -ge 3 && ${o:-0} -ge 6 && ${o:-0} -gt ${d:-0} && $s == 1 ]]; }
wait_for 10 counts_ok || fail "status of data-changes: delivered/observed/streams = $(counts), want >= 3, >= 6 (observed > delivered), 1 [needs the informer core to count binding->delivered/observed/streams]"
t_log "status: delivered/observed/streams = $(counts)"

# Editing the expression applies from the next event; an invalid one ends the stream.
cp_kubectl patch wf data-changes -n "$ns" --type merge -p '{"spec":{"filter":"changed(metadata.labels)"}}' >/dev/null
gen=$(wf_field data-changes '{.metadata.generation}')
observed_generation_is() { [[ $(wf_field data-changes '{.status.observedGeneration}') == "$1" ]]; }
wait_for 10 observed_generation_is "$gen" || fail "status.observedGeneration did not reach $gen"
patch_cm cm-2 '{"data":{"v":"2"}}'
patch_cm cm-2 '{"metadata":{"labels":{"l":"2"}}}'
wait_for 10 events_at_least 6 || fail "after the edit: the label change did not arrive [needs the informer core to swap the filter on a new binding generation]"
sleep 1
events=$(wfcheck events "$T_DIR/s/ref.out" | cut -d' ' -f1,2 | tail -n +6 | tr '\n' ';')
[[ $events == "MODIFIED cm-2;" ]] || fail "after the edit to changed(metadata.labels): got '$events', want the label change of cm-2 only"
t_log "after the edit: $events"

cp_kubectl patch wf data-changes -n "$ns" --type merge -p '{"spec":{"filter":"changed(("}}' >/dev/null
wait_for 10 ready_is data-changes False || fail "data-changes: Ready did not turn False after the invalid edit"
wait_for 10 test -s "$T_DIR/s/ref.end" || fail "the stream did not end after its WatchFilter became invalid [needs the informer core to end streams whose definition has no filter]"
last=$(tail -n 1 "$T_DIR/s/ref.out")
python3 - "$last" <<'EOP' || fail "the stream's last event is not an ERROR event with the WatchFilter's error: $last"
import json, sys
ev = json.loads(sys.argv[1])
sys.exit(0 if ev.get("type") == "ERROR" and "col " in ev.get("object", {}).get("message", "") else 1)
EOP
t_log "invalid edit: Ready=False $(wf_field data-changes '{.status.conditions[?(@.type=="Ready")].message}'); stream ended with $(head -c 200 <<<"$last")"

# Counts survive a restart: the new process continues from what status says.
before=$(wf_field data-changes '{.status.observedEvents}')
cp_stop_bg proxy
start_proxy proxy $WF_PORT --watchfilter-status-interval 1s
cp_kubectl patch wf data-changes -n "$ns" --type merge -p '{"spec":{"filter":"true"}}' >/dev/null
wait_for 10 ready_is data-changes True || fail "after the restart: Ready did not turn True again"
after=$(wf_field data-changes '{.status.observedEvents}')
((after >= before)) || fail "after the restart: observedEvents went down ($before -> $after)"
t_log "PASS: CRD, explain, printer columns, Ready True/False with col N, filterRef stream and refusals, status counts, live edit, invalid edit ends the stream, counts survive a restart"

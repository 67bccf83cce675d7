#!/usr/bin/env bash
# Watcher ids belong to their user (docs/proxy.md, "Named watchers"). Two ServiceAccounts with
# the same rights (get/list/watch configmaps, create wakeups in one namespace), alice and mallory,
# both use `watcher=w` with the same filter, straight to the proxy with their own tokens:
#   1. mallory attaching with alice's id does not end alice's stream, and alice's stream keeps
#      every event: 5 data changes made after mallory attached arrive on both streams;
#   2. mallory's wake-up for her `w` never reaches alice's stream; alice's own one does; the
#      Wakeup shows who made it (spec.username);
#   3. alice's filter state survived mallory: resuming from her last resourceVersion, alice gets
#      the data change made while she was away and not the labels-only change (a reset filter
#      state would deliver it: a first event passes changed());
#   4. mallory's wake-up waited for mallory: her next stream gets it;
#   5. their metrics series are apart (label user).
source "$(dirname "$0")/../lib/testlib.sh"
WF_PORT=8481
ns=ids-$RANDOM
store=$ns-store  # the wake-ups' ConfigMap: not among the watched configmaps
cp_kubectl create namespace "$ns" >/dev/null
cp_kubectl create namespace "$store" >/dev/null
cat <<EOY | cp_kubectl apply -f - >/dev/null
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: watch-and-wake, namespace: $ns}
rules:
- {apiGroups: [""], resources: [configmaps], verbs: [get, list, watch]}
- {apiGroups: [stream.watchfilter.io], resources: [wakeups], verbs: [create, get, list, delete]}
EOY
for who in alice mallory; do
  cp_kubectl -n "$ns" create serviceaccount "$who" >/dev/null
  cp_kubectl -n "$ns" create rolebinding "$who" --role=watch-and-wake --serviceaccount="$ns:$who" >/dev/null
  cp_kubectl -n "$ns" create token "$who" >"$T_DIR/$who.token"
done
cp_kubectl -n "$ns" create configmap cm-1 --from-literal=k=0 >/dev/null
cp_kubectl -n "$ns" create configmap cm-2 --from-literal=k=0 >/dev/null
start_proxy proxy $WF_PORT --bookmark-interval 1s --wakeups-namespace "$store"

stream="/api/v1/namespaces/$ns/configmaps?watch=true&allowWatchBookmarks=true&timeoutSeconds=120&filter=$(urlencode 'changed(data)')&watcher=w"
# as WHO NAME OUTDIR [PATH]: a recorded stream of WHO.
as() {
  streams_bg "$2" "$3" --timeout 130 --token-file "$T_DIR/$1.token" "w=${4:-$stream}"
  wait_for 20 test -f "$3/ready" || fail "$2 did not open"
  [[ ! -f $3/w.end ]] || fail "$2 ended at once: $(cat "$3/w.end") $(head -c 400 "$3/w.out")"
}
# post_wakeup WHO OUT OBJECT AFTER: prints the HTTP code.
post_wakeup() {
  cp_exec curl -q -sk -m 10 -X POST -H "Authorization: Bearer $(cat "$T_DIR/$1.token")" \
    -H 'Content-Type: application/json' -o "$2" -w '%{http_code}' \
    --data-binary "{\"metadata\":{\"generateName\":\"$1-\"},\"spec\":{\"watcher\":\"w\",\"object\":\"$3\",\"resource\":\"configmaps\",\"after\":\"$4\"}}" \
    "https://127.0.0.1:$WF_PORT/apis/stream.watchfilter.io/v1alpha1/namespaces/$ns/wakeups"
}
n_events() { count_events "$1" "$2" "$3"; }
non_bookmarks() { grep -v ' BOOKMARK ' "$1" || true; }
json_field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval("d" + sys.argv[2]))' "$@"; }

# --- 1. mallory attaches with alice's id ----------------------------------------------------
as alice a1 "$T_DIR/a1"
wait_for 10 has_event "$T_DIR/a1/w.out" ADDED cm-2 || fail "alice: no initial events: $(cat "$T_DIR/a1/w.out")"
as mallory m1 "$T_DIR/m1"
wait_for 10 has_event "$T_DIR/m1/w.out" ADDED cm-2 || fail "mallory: no initial events: $(cat "$T_DIR/m1/w.out")"
sleep 1
[[ ! -f $T_DIR/a1/w.end ]] || fail "mallory's watcher=w ended alice's stream ($(cat "$T_DIR/a1/w.end"))"
for i in 1 2 3; do cp_kubectl -n "$ns" patch configmap cm-1 --type merge -p "{\"data\":{\"k\":\"$i\"}}" >/dev/null; done
for i in 1 2; do cp_kubectl -n "$ns" patch configmap cm-2 --type merge -p "{\"data\":{\"k\":\"$i\"}}" >/dev/null; done
got() { [[ $(n_events "$1" MODIFIED cm-1) == 3 && $(n_events "$1" MODIFIED cm-2) == 2 ]]; }
wait_for 10 got "$T_DIR/a1/w.out" ||
  fail "alice's stream lost events after mallory attached with her id: $(non_bookmarks "$T_DIR/a1/w.ts")"
wait_for 10 got "$T_DIR/m1/w.out" || fail "mallory's stream: $(non_bookmarks "$T_DIR/m1/w.ts")"
[[ ! -f $T_DIR/a1/w.end ]] || fail "alice's stream ended: $(cat "$T_DIR/a1/w.end")"
t_log "alice and mallory both on watcher=w: each stream got the 5 data changes"

# --- 2. wake-ups reach their creator's streams only -------------------------------------------
cp_stop_bg m1
code=$(post_wakeup mallory "$T_DIR/wm.json" cm-1 1s)
[[ $code == 201 ]] || fail "mallory's wake-up: HTTP $code: $(cat "$T_DIR/wm.json")"
[[ $(json_field "$T_DIR/wm.json" '["spec"]["username"]') == "system:serviceaccount:$ns:mallory" ]] ||
  fail "the Wakeup does not say who made it (spec.username): $(cat "$T_DIR/wm.json")"
code=$(post_wakeup alice "$T_DIR/wa.json" cm-2 1s)
[[ $code == 201 ]] || fail "alice's wake-up: HTTP $code: $(cat "$T_DIR/wa.json")"
woken() { (($(n_events "$T_DIR/a1/w.out" MODIFIED cm-2) >= 3)); }
wait_for 5 woken ||
  fail "alice's own wake-up did not reach her stream: $(non_bookmarks "$T_DIR/a1/w.ts")"
sleep 2
[[ $(n_events "$T_DIR/a1/w.out" MODIFIED cm-1) == 3 ]] ||
  fail "mallory's wake-up reached alice's stream: $(non_bookmarks "$T_DIR/a1/w.ts")"
[[ $(n_events "$T_DIR/a1/w.out" MODIFIED cm-2) == 3 ]] || fail "alice: $(non_bookmarks "$T_DIR/a1/w.ts")"
t_log "mallory's wake-up stayed off alice's stream; alice's own arrived"

# --- 3. alice's filter state is hers ----------------------------------------------------------
cp_stop_bg a1
rv=$(tail -n 1 "$T_DIR/a1/w.ts" | cut -d' ' -f4)
[[ -n $rv && $rv != - ]] || fail "no resourceVersion to resume from"
cp_kubectl -n "$ns" label configmap cm-1 touched=yes >/dev/null
cp_kubectl -n "$ns" patch configmap cm-2 --type merge -p '{"data":{"k":"away"}}' >/dev/null
as alice a2 "$T_DIR/a2" "$stream&resourceVersion=$rv"
wait_for 10 has_event "$T_DIR/a2/w.out" MODIFIED cm-2 || fail "alice's resume from $rv: $(cat "$T_DIR/a2/w.out")"
sleep 2
[[ $(non_bookmarks "$T_DIR/a2/w.ts" | wc -l) == 1 ]] ||
  fail "alice's resume from $rv: want only the data change of cm-2 (her filter state kept): $(non_bookmarks "$T_DIR/a2/w.ts")"
t_log "alice resumed with her filter state: the labels-only change stayed suppressed"

# --- 4. mallory's wake-up waited for mallory --------------------------------------------------
as mallory m2 "$T_DIR/m2"
wait_for 10 has_event "$T_DIR/m2/w.out" MODIFIED cm-1 ||
  fail "mallory's pending wake-up did not reach her next stream: $(cat "$T_DIR/m2/w.out")"
[[ $(n_events "$T_DIR/a2/w.out" MODIFIED cm-1) == 0 ]] || fail "alice got a MODIFIED of cm-1: $(non_bookmarks "$T_DIR/a2/w.ts")"

# --- 5. metrics -------------------------------------------------------------------------------
alice_d=$(proxy_metric $WF_PORT watchfilter_stream_events_delivered_total "user=system:serviceaccount:$ns:alice" stream=w)
mallory_d=$(proxy_metric $WF_PORT watchfilter_stream_events_delivered_total "user=system:serviceaccount:$ns:mallory" stream=w)
# A named watcher's series lives with its record: alice 2 ADDED + 5 MODIFIED + 1 on the resume;
# mallory 2 + 5 on her first stream + 2 ADDED on her second. Wake-ups are not filter deliveries.
series() { cp_exec curl -sk -m 5 "https://127.0.0.1:$WF_PORT/metrics" | grep '^watchfilter_stream_events_delivered_total'; }
[[ $alice_d == 8 ]] || fail "alice's delivered events: $alice_d, want 8: $(series) $(cat "$T_DIR"/a*/w.ts) $(cat "$T_DIR"/m*/w.ts)"
[[ $mallory_d == 9 ]] || fail "mallory's delivered events: $mallory_d, want 9: $(series)"
t_log "PASS: same id, two users: no takeover, every event kept, filter state and wake-ups per user"

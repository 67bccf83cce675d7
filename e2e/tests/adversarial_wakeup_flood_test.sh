#!/usr/bin/env bash
# One namespace cannot fill the wake-up budget of the cluster (docs/proxy.md, "Security model").
# With --max-wakeups-per-namespace 5 and --max-wakeups 8, a ServiceAccount that may create
# wake-ups in namespace a floods it with 20 POSTs:
#   1. the first 5 are 201, the other 15 the exact 403 Status of an exceeded quota naming
#      --max-wakeups-per-namespace, and nothing refused is stored;
#   2. another user's namespace b still gets 201 (3 of them: the cluster's 8);
#   3. the 9th pending wake-up is the 429 of the global limit (Retry-After, naming --max-wakeups);
#      a deletion in a frees room: namespace c then gets 201;
#   4. watchfilter_limit_refusals_total counts each refusal by its flag.
source "$(dirname "$0")/../lib/testlib.sh"
WF_PORT=8482
ns_a=flood-a-$RANDOM ns_b=flood-b-$RANDOM ns_c=flood-c-$RANDOM store=flood-store-$RANDOM
for ns in "$ns_a" "$ns_b" "$ns_c" "$store"; do cp_kubectl create namespace "$ns" >/dev/null; done
grant() { # NS SA: create/get/list/delete wakeups in NS for ServiceAccount SA of NS_A
  cat <<EOY | cp_kubectl apply -f - >/dev/null
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: wakeups, namespace: $1}
rules:
- {apiGroups: [stream.watchfilter.io], resources: [wakeups], verbs: [create, get, list, delete]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: wakeups-$2, namespace: $1}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: wakeups}
subjects: [{kind: ServiceAccount, name: $2, namespace: $ns_a}]
EOY
}
for sa in flooder neighbour; do
  cp_kubectl -n "$ns_a" create serviceaccount "$sa" >/dev/null
  cp_kubectl -n "$ns_a" create token "$sa" >"$T_DIR/$sa.token"
done
grant "$ns_a" flooder
grant "$ns_b" neighbour
grant "$ns_c" neighbour
start_proxy proxy $WF_PORT --wakeups-namespace "$store" --max-wakeups-per-namespace 5 --max-wakeups 8

# post WHO NS NAME: prints the HTTP code; body in $T_DIR/NAME.json, headers in $T_DIR/NAME.h.
post() {
  cp_exec curl -q -sk -m 10 -X POST -H "Authorization: Bearer $(cat "$T_DIR/$1.token")" \
    -H 'Content-Type: application/json' -D "$T_DIR/$3.h" -o "$T_DIR/$3.json" -w '%{http_code}' \
    --data-binary "{\"metadata\":{\"name\":\"$3\"},\"spec\":{\"watcher\":\"w\",\"object\":\"x\",\"after\":\"1h\"}}" \
    "https://127.0.0.1:$WF_PORT/apis/stream.watchfilter.io/v1alpha1/namespaces/$2/wakeups"
}
# expect_status FILE CODE REASON MESSAGE: the body is exactly that Status.
expect_status() {
  python3 - "$@" <<'EOP' || fail "want a $2 $3 Status \"$4\", got: $(cat "$1")"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["kind"] == "Status" and s["apiVersion"] == "v1" and s["status"] == "Failure", s
assert s["code"] == int(sys.argv[2]) and s["reason"] == sys.argv[3], s
assert s["message"] == sys.argv[4], (s["message"], sys.argv[4])
EOP
}
stored() { # the number of wake-ups in the store
  { cp_kubectl -n "$store" get configmap watchfilter-wakeups -o json 2>/dev/null || echo '{}'; } |
    python3 -c 'import json,sys; print(len(json.load(sys.stdin).get("data") or {}))'
}

# --- 1. the flood -----------------------------------------------------------------------------
created=0 refused=0
for i in $(seq 1 20); do
  code=$(post flooder "$ns_a" "flood-$i")
  if ((i <= 5)); then
    [[ $code == 201 ]] || fail "wake-up $i of 5 in $ns_a: HTTP $code: $(cat "$T_DIR/flood-$i.json")"
    created=$((created + 1))
  else
    [[ $code == 403 ]] || fail "wake-up $i in $ns_a past --max-wakeups-per-namespace: HTTP $code, want 403: $(cat "$T_DIR/flood-$i.json")"
    expect_status "$T_DIR/flood-$i.json" 403 Forbidden \
      "wakeups.stream.watchfilter.io \"flood-$i\" is forbidden: exceeded quota: max-wakeups-per-namespace, requested: wakeups=1, used: wakeups=5, limited: wakeups=5"
    refused=$((refused + 1))
  fi
done
[[ $(stored) == 5 ]] || fail "want the 5 accepted wake-ups stored, found $(stored)"
t_log "flood of $ns_a: $created created, $refused refused with 403 (exceeded quota: max-wakeups-per-namespace)"

# --- 2. the neighbours are not affected -------------------------------------------------------
for i in 1 2 3; do
  code=$(post neighbour "$ns_b" "calm-$i")
  [[ $code == 201 ]] || fail "another namespace ($ns_b) after the flood of $ns_a: HTTP $code: $(cat "$T_DIR/calm-$i.json")"
done
t_log "$ns_b still gets 201 while $ns_a is full"

# --- 3. the cluster's limit -------------------------------------------------------------------
code=$(post neighbour "$ns_b" calm-4)
[[ $code == 429 ]] || fail "the 9th pending wake-up (--max-wakeups 8): HTTP $code, want 429: $(cat "$T_DIR/calm-4.json")"
expect_status "$T_DIR/calm-4.json" 429 TooManyRequests \
  "too many pending wake-ups: 8 are pending, the most --max-wakeups allows; retry after some have been delivered"
grep -qi '^Retry-After: [1-9]' "$T_DIR/calm-4.h" || fail "the 429 has no Retry-After: $(cat "$T_DIR/calm-4.h")"
code=$(cp_exec curl -q -sk -m 10 -X DELETE -H "Authorization: Bearer $(cat "$T_DIR/flooder.token")" -o /dev/null -w '%{http_code}' \
  "https://127.0.0.1:$WF_PORT/apis/stream.watchfilter.io/v1alpha1/namespaces/$ns_a/wakeups/flood-1")
[[ $code == 200 ]] || fail "DELETE flood-1: HTTP $code"
code=$(post neighbour "$ns_c" quiet-1)
[[ $code == 201 ]] || fail "after a deletion, $ns_c: HTTP $code: $(cat "$T_DIR/quiet-1.json")"
[[ $(stored) == 8 ]] || fail "want 8 wake-ups stored, found $(stored)"
t_log "the 9th pending wake-up is the global 429; a deletion makes room"

# --- 4. counted by limit ----------------------------------------------------------------------
per_ns=$(proxy_metric $WF_PORT watchfilter_limit_refusals_total limit=max-wakeups-per-namespace)
global=$(proxy_metric $WF_PORT watchfilter_limit_refusals_total limit=max-wakeups)
[[ $per_ns == 15 ]] || fail "watchfilter_limit_refusals_total{limit=\"max-wakeups-per-namespace\"} = $per_ns, want 15"
[[ $global == 1 ]] || fail "watchfilter_limit_refusals_total{limit=\"max-wakeups\"} = $global, want 1"
t_log "PASS: one namespace cannot take the cluster's wake-ups; refusals are exact Statuses, counted by flag"

#!/usr/bin/env bash
# Issue 11: a filter of 150 outlier(data.kN, 3, 4096) calls was accepted, about 4.9 MB of state
# per object per stream (windows of 4096 samples; 73 KB with today's default statistic).
# Against the real control plane, with the default budgets:
#   - as filter= (a user with configmap rights in one namespace, through the proxy), it is the
#     exact 400 Status naming the limit and the cost, counted in
#     watchfilter_limit_refusals_total{limit="max-filter-state-bytes"}, and so is its windowed
#     form (outlier(..., 3, 4096, "mean every"), 4.9 MB); one outlier(..., 4096, "mad") (the
#     largest call) is accepted and streams;
#   - as a WatchFilter, it is Ready=False, reason InvalidFilter, with the same message, and
#     filterRef to it is a 400 naming it;
#   - --max-filter-nodes 20 refuses a 27-node expression with the node count, a WatchFilter too.
source "$(dirname "$0")/../lib/testlib.sh"
WF_PORT=8473

crd_cleanup() {
  t_cleanup
  cp_kubectl delete -f "$REPO_DIR/crds/" --ignore-not-found --wait=false >/dev/null 2>&1 || true
}
trap crd_cleanup EXIT
apply_project_crds

start_proxy proxy $WF_PORT --watchfilter-status-interval 1s
ns=adv-cost-$RANDOM
cp_kubectl create namespace "$ns" >/dev/null
cp_kubectl -n "$ns" create serviceaccount user >/dev/null
cp_kubectl -n "$ns" create role cm-reader --verb=get,list,watch --resource=configmaps >/dev/null
cp_kubectl -n "$ns" create rolebinding cm-reader --role=cm-reader --serviceaccount="$ns:user" >/dev/null
token=$(cp_kubectl -n "$ns" create token user)
api=/api/v1/namespaces/$ns/configmaps

outliers() { # N WINDOW [MODE]
  python3 -c 'import sys; n, w, m = int(sys.argv[1]), sys.argv[2], sys.argv[3]; print(" || ".join(f"outlier(data.k{i}, 3, {w}{m})" for i in range(n)))' \
    "$1" "$2" "${3:+, \"$3\"}"
}
col_of() { python3 -c 'import sys; print(sys.argv[1].find(sys.argv[2]) + 1)' "$1" "$2"; }
big=$(outliers 150 4096)
# 142 calls of 488 bytes fit in 68 KiB: the message points at the 143rd.
want_message="col $(col_of "$big" "outlier(data.k142,"): filter state too large: 73200 bytes per object (limit 69632, --max-filter-state-bytes; outlier() 150 calls 73200, changed() 0, delta() 0, oldObject 0)"
windows=$(outliers 150 4096 "mean every")
want_windows="col $(col_of "$windows" "outlier(data.k2,"): filter state too large: 4930800 bytes per object (limit 69632, --max-filter-state-bytes; outlier() 150 calls 4930800, changed() 0, delta() 0, oldObject 0)"
status_of() { python3 -c 'import json, sys; print(json.dumps({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": sys.argv[1], "reason": "BadRequest", "code": 400}, separators=(",", ":")))' "$1"; }

get() { # PATH OUT -> code
  cp_exec curl -q -sk -m 10 -o "$2" -w '%{http_code}' -H "Authorization: Bearer $token" "https://127.0.0.1:$WF_PORT$1"
}
code=$(get "$api?watch=true&filter=$(urlencode "$big")" "$T_DIR/big")
[[ $code == 400 ]] || fail "150 outlier() calls: want 400, got $code: $(head -c 300 "$T_DIR/big")"
[[ $(<"$T_DIR/big") == "$(status_of "$want_message")" ]] || fail "150 outlier() calls: $(cat "$T_DIR/big"), want $(status_of "$want_message")"
code=$(get "$api?watch=true&filter=$(urlencode "$windows")" "$T_DIR/windows")
[[ $code == 400 ]] || fail "150 outlier() windows: want 400, got $code: $(head -c 300 "$T_DIR/windows")"
[[ $(<"$T_DIR/windows") == "$(status_of "$want_windows")" ]] || fail "150 outlier() windows: $(cat "$T_DIR/windows"), want $(status_of "$want_windows")"
refusals=$(proxy_metric $WF_PORT watchfilter_limit_refusals_total limit=max-filter-state-bytes)
[[ $refusals == 2 ]] || fail "watchfilter_limit_refusals_total{limit=\"max-filter-state-bytes\"} = $refusals, want 2"
t_log "filter= with 150 outlier() calls: 400 \"$want_message\"; as windows: \"$want_windows\"; counted"

# The largest single call is inside the budget.
echo -n "$token" >"$T_DIR/token"
streams_bg one "$T_DIR/one" --timeout 10 --token-file "$T_DIR/token" \
  "one=$api?watch=true&timeoutSeconds=3&filter=$(urlencode "$(outliers 1 4096 mad) || true")"
wait_for 20 test -f "$T_DIR/one/one.end" || fail "the stream with one outlier(..., 4096, \"mad\") did not end"
[[ $(<"$T_DIR/one/one.end") == eof ]] || fail "one outlier(..., 4096, \"mad\"): $(cat "$T_DIR/one/one.end"): $(head -c 300 "$T_DIR/one/one.out")"

# The same expression as a WatchFilter: Ready=False InvalidFilter with the message; filterRef 400.
python3 - "$big" >"$T_DIR/wf.json" <<'EOP'
import json, sys
print(json.dumps({"apiVersion": "watchfilter.io/v1alpha1", "kind": "WatchFilter",
                  "metadata": {"name": "too-costly"},
                  "spec": {"resource": {"version": "v1", "resource": "configmaps"}, "filter": sys.argv[1]}}))
EOP
cp_kubectl apply -n "$ns" -f "$T_DIR/wf.json" >/dev/null || fail "creating the WatchFilter"
wf_field() { cp_kubectl get wf "$1" -n "$ns" -o jsonpath="$2"; }
ready_false() { [[ $(wf_field too-costly '{.status.conditions[?(@.type=="Ready")].status}') == False ]]; }
wait_for 30 ready_false || fail "too-costly: Ready is not False: $(cp_kubectl get wf too-costly -n "$ns" -o yaml)"
reason=$(wf_field too-costly '{.status.conditions[?(@.type=="Ready")].reason}')
message=$(wf_field too-costly '{.status.conditions[?(@.type=="Ready")].message}')
[[ $reason == InvalidFilter ]] || fail "too-costly: reason $reason, want InvalidFilter"
[[ $message == "$want_message" ]] || fail "too-costly: message '$message', want '$want_message'"
code=$(cp_exec curl -sk -m 10 -o "$T_DIR/ref" -w '%{http_code}' "https://127.0.0.1:$WF_PORT$api?watch=true&filterRef=$ns%2Ftoo-costly")
[[ $code == 400 ]] || fail "filterRef to too-costly: $code $(cat "$T_DIR/ref")"
python3 - "$T_DIR/ref" "WatchFilter $ns/too-costly is invalid (InvalidFilter): $want_message" <<'EOP' || fail "filterRef to too-costly: $(cat "$T_DIR/ref")"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["kind"] == "Status" and s["reason"] == "BadRequest" and s["code"] == 400, s
assert s["message"] == sys.argv[2], (s["message"], sys.argv[2])
EOP
t_log "WatchFilter too-costly: Ready=False InvalidFilter '$message'; filterRef 400"

# The node budget, with its own flag.
cp_stop_bg proxy
start_proxy proxy-nodes $WF_PORT --max-filter-nodes 20 --watchfilter-status-interval 1s
wide="data.a == \"1\" || data.b == \"2\" || data.c == \"3\" || data.d == \"4\" || data.e == \"5\" || data.f == \"6\" || data.g == \"7\""
code=$(get "$api?filter=$(urlencode "$wide")" "$T_DIR/wide")
[[ $code == 400 ]] || fail "27 nodes past --max-filter-nodes 20: $code $(cat "$T_DIR/wide")"
python3 - "$T_DIR/wide" <<'EOP' || fail "27 nodes: $(cat "$T_DIR/wide")"
import json, re, sys
s = json.load(open(sys.argv[1]))
assert s["reason"] == "BadRequest" and s["code"] == 400, s
assert re.fullmatch(r"col \d+: expression too large: 27 nodes \(limit 20, --max-filter-nodes\)", s["message"]), s["message"]
EOP
[[ $(proxy_metric $WF_PORT watchfilter_limit_refusals_total limit=max-filter-nodes) == 1 ]] || fail "the node refusal is not counted"
t_log "PASS: --max-filter-nodes 20: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["message"])' "$T_DIR/wide")"

#!/usr/bin/env bash
# Streams and named watchers are bounded per user (docs/proxy.md, "Security model"). With
# --max-streams-per-user 3 and --max-watchers-per-user 4, two ServiceAccounts alice and bob that
# may watch configmaps in one namespace, straight to the proxy with their tokens:
#   1. alice's 4th open stream is the exact 429 Status naming --max-streams-per-user, with
#      Retry-After; a filtered list is not a stream and is served; bob still gets a stream, and
#      alice's 3 streams keep delivering;
#   2. once alice ends one stream, her next one is served;
#   3. alice's 5th named watcher (4 records kept after their streams ended) is the 429 naming
#      --max-watchers-per-user; reconnecting one of her 4 is served, and so is bob's;
#   4. watchfilter_limit_refusals_total counts each refusal by its flag.
source "$(dirname "$0")/../lib/testlib.sh"
WF_PORT=8483
ns=per-user-$RANDOM
cp_kubectl create namespace "$ns" >/dev/null
cp_kubectl -n "$ns" create role cm-reader --verb=get,list,watch --resource=configmaps >/dev/null
for who in alice bob; do
  cp_kubectl -n "$ns" create serviceaccount "$who" >/dev/null
  cp_kubectl -n "$ns" create rolebinding "$who" --role=cm-reader --serviceaccount="$ns:$who" >/dev/null
  cp_kubectl -n "$ns" create token "$who" >"$T_DIR/$who.token"
done
cp_kubectl -n "$ns" create configmap cm-1 --from-literal=k=0 >/dev/null
start_proxy proxy $WF_PORT --max-streams-per-user 3 --max-watchers-per-user 4
alice="system:serviceaccount:$ns:alice"

api="/api/v1/namespaces/$ns/configmaps"
stream="$api?watch=true&timeoutSeconds=120&filter=$(urlencode 'changed(data)')"
# req WHO OUT QUERY: a GET of $api?QUERY as WHO; prints the HTTP code (headers in OUT.h).
req() {
  cp_exec curl -q -sk -m 10 -H "Authorization: Bearer $(cat "$T_DIR/$1.token")" \
    -D "$2.h" -o "$2" -w '%{http_code}' "https://127.0.0.1:$WF_PORT$api?$3"
}
expect_status() { # FILE CODE REASON MESSAGE
  python3 - "$@" <<'EOP' || fail "want a $2 $3 Status \"$4\", got: $(cat "$1")"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["kind"] == "Status" and s["apiVersion"] == "v1" and s["status"] == "Failure", s
assert s["code"] == int(sys.argv[2]) and s["reason"] == sys.argv[3], s
assert s["message"] == sys.argv[4], (s["message"], sys.argv[4])
EOP
}
# open WHO NAME: a background stream of WHO, recorded in $T_DIR/NAME.
open_stream() {
  streams_bg "$2" "$T_DIR/$2" --timeout 130 --token-file "$T_DIR/$1.token" "w=$stream"
  wait_for 20 test -f "$T_DIR/$2/ready" || fail "$2 did not open"
  wait_for 10 has_event "$T_DIR/$2/w.out" ADDED cm-1 || fail "$2: $(cat "$T_DIR/$2/w.out")"
}

# --- 1. the 4th stream of alice ---------------------------------------------------------------
for i in 1 2 3; do open_stream alice "a$i"; done
code=$(req alice "$T_DIR/a4" "watch=true&timeoutSeconds=5&filter=true")
[[ $code == 429 ]] || fail "alice's 4th stream: HTTP $code, want 429: $(head -c 400 "$T_DIR/a4")"
expect_status "$T_DIR/a4" 429 TooManyRequests \
  "too many open watch streams for user \"$alice\": 3 are open, the most --max-streams-per-user allows"
grep -qi '^Retry-After: [1-9]' "$T_DIR/a4.h" || fail "the 429 has no Retry-After: $(cat "$T_DIR/a4.h")"
code=$(req alice "$T_DIR/a-list" "filter=true")
[[ $code == 200 ]] || fail "alice's filtered list at 3 streams: HTTP $code: $(head -c 400 "$T_DIR/a-list")"
open_stream bob b1
cp_kubectl -n "$ns" patch configmap cm-1 --type merge -p '{"data":{"k":"1"}}' >/dev/null
for s in a1 a2 a3 b1; do
  wait_for 10 has_event "$T_DIR/$s/w.out" MODIFIED cm-1 || fail "stream $s did not get the change: $(cat "$T_DIR/$s/w.out")"
done
t_log "alice's 4th stream: 429 naming --max-streams-per-user; her 3 and bob's stream deliver"

# --- 2. a stream ends, the next one is served -------------------------------------------------
cp_stop_bg a3
served() { [[ $(req alice "$T_DIR/a5" "watch=true&timeoutSeconds=1&filter=true") == 200 ]]; }
wait_for 10 served || fail "after alice ended a stream, her next one: $(head -c 400 "$T_DIR/a5")"
cp_stop_bg a1
cp_stop_bg a2
t_log "once alice ended a stream, her next one was served"

# --- 3. named watchers per user ---------------------------------------------------------------
for i in 1 2 3 4; do
  code=$(req alice "$T_DIR/w$i" "watch=true&timeoutSeconds=1&filter=true&watcher=w$i")
  [[ $code == 200 ]] || fail "alice's watcher w$i: HTTP $code: $(head -c 400 "$T_DIR/w$i")"
done
code=$(req alice "$T_DIR/w5" "watch=true&timeoutSeconds=1&filter=true&watcher=w5")
[[ $code == 429 ]] || fail "alice's 5th named watcher: HTTP $code, want 429: $(head -c 400 "$T_DIR/w5")"
expect_status "$T_DIR/w5" 429 TooManyRequests \
  "too many named watchers for user \"$alice\": 4 are kept (open, or ended less than --watcher-ttl ago), the most --max-watchers-per-user allows"
grep -qi '^Retry-After: [1-9]' "$T_DIR/w5.h" || fail "the 429 has no Retry-After: $(cat "$T_DIR/w5.h")"
code=$(req alice "$T_DIR/w1b" "watch=true&timeoutSeconds=1&filter=true&watcher=w1")
[[ $code == 200 ]] || fail "alice reconnecting her watcher w1: HTTP $code: $(head -c 400 "$T_DIR/w1b")"
code=$(req bob "$T_DIR/bw5" "watch=true&timeoutSeconds=1&filter=true&watcher=w5")
[[ $code == 200 ]] || fail "bob's watcher w5: HTTP $code: $(head -c 400 "$T_DIR/bw5")"
t_log "alice's 5th named watcher: 429 naming --max-watchers-per-user; her reconnect and bob's watcher served"

# --- 4. counted -------------------------------------------------------------------------------
[[ $(proxy_metric $WF_PORT watchfilter_limit_refusals_total limit=max-streams-per-user) == 1 ]] ||
  fail "refusals of max-streams-per-user: $(proxy_metric $WF_PORT watchfilter_limit_refusals_total limit=max-streams-per-user), want 1"
[[ $(proxy_metric $WF_PORT watchfilter_limit_refusals_total limit=max-watchers-per-user) == 1 ]] ||
  fail "refusals of max-watchers-per-user: $(proxy_metric $WF_PORT watchfilter_limit_refusals_total limit=max-watchers-per-user), want 1"
t_log "PASS: streams and named watchers bounded per user, exact Statuses, counted by flag"

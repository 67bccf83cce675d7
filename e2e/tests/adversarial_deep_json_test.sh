#!/usr/bin/env bash
# Request bodies are bounded in size and nesting (docs/proxy.md, "Security model"): the only
# bodies the proxy reads are Wakeup creations. A body of 65,000 nested arrays (which a recursive
# JSON parser follows one stack frame per level) and one 101 objects deep are 400 Status naming
# --max-request-body-depth; a body over --max-request-body-bytes is 413 naming it; the proxy keeps
# serving (a normal Wakeup is then created) and /metrics counts each refusal by its flag.
source "$(dirname "$0")/../lib/testlib.sh"

WF_PORT=8484
ns=deepjson-$RANDOM
cp_kubectl create namespace "$ns" >/dev/null
start_proxy proxy-deep $WF_PORT --wakeups-namespace "$ns"
wakeups=https://127.0.0.1:$WF_PORT/apis/stream.watchfilter.io/v1alpha1/namespaces/$ns/wakeups
# post FILE OUT: POST a body file as the admin; prints the HTTP code.
post() {
  cp_exec curl -sk -m 20 -X POST -H 'Content-Type: application/json' -H 'Expect:' \
    --data-binary "@$1" -o "$2" -w '%{http_code}' "$wakeups" || true
}
depth_message="the request body nests JSON deeper than 100 levels (--max-request-body-depth)"

python3 -c 'import sys; sys.stdout.write("[" * 65000)' >"$T_DIR/arrays.json"
code=$(post "$T_DIR/arrays.json" "$T_DIR/arrays.out")
expect_status "65,000 nested arrays" "$code" "$T_DIR/arrays.out" 400 BadRequest "$depth_message"

python3 - "$T_DIR/objects.json" <<'EOP'
import json, sys
body = {"apiVersion": "stream.watchfilter.io/v1alpha1", "kind": "Wakeup",
        "metadata": {"name": "deep"}, "spec": {"watcher": "w", "object": "o", "after": "1m"}}
x = {}
for _ in range(98):  # the body (1), spec (2), then the 99 levels of spec.extra: 101
    x = {"a": x}
body["spec"]["extra"] = x
json.dump(body, open(sys.argv[1], "w"))
EOP
code=$(post "$T_DIR/objects.json" "$T_DIR/objects.out")
expect_status "101 nested objects" "$code" "$T_DIR/objects.out" 400 BadRequest "$depth_message"

head -c 70000 /dev/zero | tr '\0' '[' >"$T_DIR/big.json"
code=$(post "$T_DIR/big.json" "$T_DIR/big.out")
expect_status "a 70,000-byte body" "$code" "$T_DIR/big.out" 413 RequestEntityTooLarge \
  "request body exceeds 65536 bytes (--max-request-body-bytes)"

# Still serving: a normal Wakeup is created.
printf '{"apiVersion":"stream.watchfilter.io/v1alpha1","kind":"Wakeup","metadata":{"name":"fine"},"spec":{"watcher":"w","object":"o","after":"1h"}}' >"$T_DIR/fine.json"
code=$(post "$T_DIR/fine.json" "$T_DIR/fine.out")
[[ $code == 201 ]] || fail "a normal Wakeup after the refusals: HTTP $code $(head -c 300 "$T_DIR/fine.out")"

[[ $(proxy_metric $WF_PORT watchfilter_limit_refusals_total limit=max-request-body-depth) == 2 &&
   $(proxy_metric $WF_PORT watchfilter_limit_refusals_total limit=max-request-body-bytes) == 1 ]] ||
  fail "/metrics: depth $(proxy_metric $WF_PORT watchfilter_limit_refusals_total limit=max-request-body-depth), bytes $(proxy_metric $WF_PORT watchfilter_limit_refusals_total limit=max-request-body-bytes); want 2 and 1"
t_log "PASS: 65,000 arrays and 101 objects deep are 400, 70,000 bytes 413, each counted by its flag; the proxy kept serving"

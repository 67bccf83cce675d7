#!/usr/bin/env bash
# With authentication in place the proxy may listen on the network (the loopback-only rule of
# the pass-through slice is gone): --bind-address 0.0.0.0 starts, logs what is exposed, answers
# /readyz on the node address to anyone and everything else only to authenticated callers
# (401 Status without credentials; with the admin client certificate a filtered list is 200 and
# an unfiltered one the 403 that says a certificate cannot be forwarded).
source "$(dirname "$0")/../lib/testlib.sh"

port=8479
t_bg proxy-any "$WF_PROXY" --kubeconfig "$CP_DIR/watchfilter.kubeconfig" --bind-address 0.0.0.0 --secure-port "$port"
ready() { [[ $(cp_exec curl -q -sk -m 2 "https://$CP_NODE_IP:$port/readyz" 2>/dev/null) == ok ]]; }
wait_for 20 ready || { tail -n 20 "$CP_DIR/logs/proxy-any.log" >&2; fail "proxy on 0.0.0.0 not ready on $CP_NODE_IP"; }
grep -q 'listening on every interface: /healthz, /livez and /readyz answer anyone; everything else needs' \
  "$CP_DIR/logs/proxy-any.log" || fail "no log line saying what is exposed: $(cat "$CP_DIR/logs/proxy-any.log")"
code=$(cp_exec curl -q -sk -m 5 -o "$T_DIR/anon" -w '%{http_code}' "https://$CP_NODE_IP:$port/api/v1/namespaces/default/configmaps")
[[ $code == 401 ]] && grep -q '"reason":"Unauthorized"' "$T_DIR/anon" || fail "no credentials: want 401 Unauthorized, got $code $(cat "$T_DIR/anon")"
code=$(cp_exec curl -q -sk -m 5 -o "$T_DIR/admin" -w '%{http_code}' --cert "$CP_DIR/admin.crt" --key "$CP_DIR/admin.key" \
  "https://$CP_NODE_IP:$port/api/v1/namespaces/default/configmaps?filter=true")
[[ $code == 200 ]] && grep -q '"kind":"ConfigMapList"' "$T_DIR/admin" ||
  fail "admin client certificate, filtered list: want 200, got $code $(head -c 300 "$T_DIR/admin")"
code=$(http_req "https://$CP_NODE_IP:$port/api/v1/namespaces/default/configmaps" "$T_DIR/admin-plain" \
  --cert "$CP_DIR/admin.crt" --key "$CP_DIR/admin.key")
expect_status "admin client certificate, unfiltered list" "$code" "$T_DIR/admin-plain" 403 Forbidden \
  "watchfilter-proxy forwards requests that are not filtered reads with the caller's own bearer token, and a client certificate cannot be forwarded: request /api/v1/namespaces/default/configmaps from kube-apiserver directly, or authenticate with a bearer token"
t_log "PASS: 0.0.0.0 serves the node address; /readyz open, the API 401 without credentials, a filtered list 200 and an unfiltered one 403 for the admin certificate"

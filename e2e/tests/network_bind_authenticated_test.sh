#!/usr/bin/env bash
# With authentication in place the proxy may listen on the network (the loopback-only rule of
# the pass-through slice is gone): --bind-address 0.0.0.0 starts, logs what is exposed, answers
# /readyz on the node address to anyone and everything else only to authenticated callers
# (401 Status without credentials, 200 with the admin client certificate).
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
  "https://$CP_NODE_IP:$port/api/v1/namespaces/default/configmaps")
[[ $code == 200 ]] || fail "admin client certificate: want 200, got $code $(head -c 300 "$T_DIR/admin")"
t_log "PASS: 0.0.0.0 serves the node address; /readyz open, the API 401 without credentials and 200 for the admin"

#!/usr/bin/env bash
# Until authentication exists every caller acts with the proxy's upstream identity, so the proxy
# must not be reachable from the network: a non-loopback --bind-address (the namespace's node
# address 192.0.2.10, the wildcards 0.0.0.0 and ::) is refused at startup with a message naming
# the address and a non-zero exit, and by default (no --bind-address) the proxy listens on
# loopback only: its listening sockets are 127.0.0.1/::1 and 192.0.2.10 refuses connections.
source "$(dirname "$0")/../lib/testlib.sh"
[[ -x $WF_PROXY ]] || fail "proxy binary $WF_PROXY not built"
port=8460

for addr in 192.0.2.10 0.0.0.0 ::; do
  set +e
  msg=$(cp_exec timeout 10 "$WF_PROXY" --kubeconfig "$CP_DIR/watchfilter.kubeconfig" \
    --bind-address "$addr" --secure-port "$port" 2>&1)
  rc=$?
  set -e
  ((rc != 0 && rc != 124)) || fail "--bind-address $addr: expected a startup error, got exit $rc (124: still running after 10 s): $msg"
  [[ $msg == *"$addr"* && $msg == *loopback* ]] ||
    fail "--bind-address $addr: the message should name the address and say loopback, got: $msg"
  t_log "--bind-address $addr refused (exit $rc): ${msg:0:120}..."
done

# Default bind address: nothing but loopback.
t_bg proxy-default "$WF_PROXY" --kubeconfig "$CP_DIR/watchfilter.kubeconfig" --secure-port "$port" --v 2
wait_for 20 proxy_ready "$port" || { tail -n 20 "$CP_DIR/logs/proxy-default.log" >&2; fail "proxy did not become ready"; }
pid=$(<"$CP_DIR/proxy-default.pid")
listening=$(cp_exec ss -Hltnp | grep "pid=$pid," | awk '{print $4}')
[[ -n $listening ]] || fail "found no listening socket of the proxy (pid $pid)"
while read -r local; do
  [[ $local == 127.* || $local == "[::1]:"* ]] || fail "the proxy listens on $local (want loopback only; all: $(echo $listening))"
done <<<"$listening"
set +e
cp_exec curl -sk -m 5 -o /dev/null "https://$CP_NODE_IP:$port/readyz"; rc=$?
set -e
((rc == 7)) || fail "connecting to $CP_NODE_IP:$port should be refused (curl exit 7), got curl exit $rc"
t_log "PASS: non-loopback addresses refused; by default listening on $(echo $listening) only"

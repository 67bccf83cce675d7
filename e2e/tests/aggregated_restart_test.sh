#!/usr/bin/env bash
# Restarting the proxy while clients watch through kube-apiserver's aggregator loses no
# admitted event. A reflector (e2e/clients/reflector.py: filtered LIST, then WATCH with a
# watcher id from the list's resourceVersion, re-watch from the last resourceVersion read, relist
# on 410) watches configmaps with changed(data) while the proxy is stopped twice (SIGTERM, then
# SIGKILL) and configmaps change before, during and after each outage.
#
# Watcher state lives in proxy memory, so a fresh proxy does not know the watcher id, and its
# new informer's window starts at its own LIST: a resume from an older resourceVersion gets
# 410 Expired and the reflector relists (changes made during the outage arrive as the list's
# current state, as after any relist; nothing is lost, some objects are seen again as ADDED).
# Checked: (1) every data change made while the proxy ran arrives as a watch event carrying
# exactly that resourceVersion (before the first outage, between the outages and after the
# second); (2) each outage ended in a 410 and a relist; (3) the reflector's store converges to
# kube-apiserver's data for every configmap, including deletions and creations made during the
# outages.
source "$(dirname "$0")/../lib/testlib.sh"
source "$TL_DIR/apiservice.sh"

apiservice_install
start_aggregated_proxy proxy-r1 --bookmark-interval 1s
wait_apiservice_available 60

ns=restart-$RANDOM
cp_kubectl create namespace "$ns" >/dev/null
kc() { cp_kubectl -n "$ns" "$@"; }
out=$T_DIR/reflector
t_bg reflector python3 "$CLIENTS_DIR/reflector.py" --base "https://127.0.0.1:$CP_APISERVER_PORT" \
  --cacert "$CP_DIR/ca.crt" --cert "$CP_DIR/admin.crt" --key "$CP_DIR/admin.key" \
  --path "/apis/stream.watchfilter.io/v1alpha1/proxy/api/v1/namespaces/$ns/configmaps" \
  --query "filter=$(urlencode 'changed(data)')" --watcher "w-$ns" --out "$out" --stop "$T_DIR/stop"
wait_for 30 grep -q ' list rv=' "$out/log" 2>/dev/null || fail "reflector did not list: $(cat "$out/log" 2>/dev/null)"

admitted=()   # resourceVersions of data changes made while the proxy ran
data_write() { # name value: create or change data (admitted by changed(data))
  local rv
  if kc get configmap "$1" >/dev/null 2>&1; then
    rv=$(kc patch configmap "$1" --type merge -p "{\"data\":{\"k\":\"$2\"}}" -o jsonpath='{.metadata.resourceVersion}')
  else
    rv=$(kc create configmap "$1" --from-literal=k="$2" -o jsonpath='{.metadata.resourceVersion}')
  fi
  echo "$rv"
}
label_write() { kc label --overwrite configmap "$1" "touch=$2" >/dev/null; }  # suppressed

received() { # rv: a watch event with that resourceVersion was recorded
  python3 - "$out/events.jsonl" "$1" <<'EOP'
import json, sys
rvs = {e["event"]["object"]["metadata"]["resourceVersion"] for e in map(json.loads, open(sys.argv[1]))
       if e["via"] == "watch" and e["event"]["type"] != "BOOKMARK"}
sys.exit(0 if sys.argv[2] in rvs else 1)
EOP
}
converged() { # the reflector's store equals kube-apiserver's data
  kc get configmaps -o json >"$T_DIR/upstream.json" || return 1
  python3 - "$T_DIR/upstream.json" "$out/state.json" <<'EOP'
import json, sys
up = {i["metadata"]["name"]: i.get("data") for i in json.load(open(sys.argv[1]))["items"]
      if i["metadata"]["name"] != "kube-root-ca.crt"}
try:
    st = {k: v for k, v in json.load(open(sys.argv[2])).items() if k != "kube-root-ca.crt"}
except (OSError, ValueError):
    sys.exit(1)
sys.exit(0 if up == st else 1)
EOP
}
phase() { # name: admitted writes while the proxy runs, each must arrive
  local rv
  for w in "c1 $1-a" "c2 $1-a" "c3 $1-a" "c1 $1-b"; do
    rv=$(data_write $w); admitted+=("$rv")
    label_write c1 "$1-$RANDOM"
  done
  for rv in "${admitted[@]}"; do
    wait_for 20 received "$rv" || fail "phase $1: admitted change at resourceVersion $rv never arrived; reflector log: $(cat "$out/log")"
  done
  t_log "phase $1: ${#admitted[@]} admitted changes so far all arrived"
}
relists() { grep -c ' list rv=' "$out/log"; }

phase one
n0=$(relists)
# Outage 1: SIGTERM (streams end cleanly); changes meanwhile, including a delete and a create.
cp_stop_bg proxy-r1
data_write c1 down1 >/dev/null
kc delete configmap c3 >/dev/null
data_write c4 down1 >/dev/null
label_write c2 down1
start_aggregated_proxy proxy-r2 --bookmark-interval 1s
wait_for 60 converged || fail "after the SIGTERM restart the reflector's store differs from kube-apiserver: $(cat "$out/state.json"); log: $(cat "$out/log")"
(( $(relists) > n0 )) || fail "no relist after the first restart: $(cat "$out/log")"
grep -q 'error 410\|-> 410' "$out/log" || fail "the resume after the restart was not a 410: $(cat "$out/log")"
t_log "SIGTERM restart: resume got 410, relist, store converged"

phase two
n1=$(relists)
# Outage 2: SIGKILL (connections cut mid-stream).
kill -KILL "$(<"$CP_DIR/proxy-r2.pid")"
data_write c2 down2 >/dev/null
data_write c5 down2 >/dev/null
kc delete configmap c4 >/dev/null
start_aggregated_proxy proxy-r3 --bookmark-interval 1s
wait_for 60 converged || fail "after the SIGKILL restart the reflector's store differs from kube-apiserver: $(cat "$out/state.json"); log: $(cat "$out/log")"
(( $(relists) > n1 )) || fail "no relist after the second restart: $(cat "$out/log")"
t_log "SIGKILL restart: relist, store converged"

phase three
touch "$T_DIR/stop"
t_log "PASS: ${#admitted[@]} admitted changes made while the proxy ran all arrived as watch events; both restarts ended in 410 + relist and the store converged ($(relists) lists, $(grep -c ' watch ' "$out/log") watch sessions)"

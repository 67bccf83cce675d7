#!/usr/bin/env bash
# A child of watchfilter-host may ask only for what its entry in the children file grants (its
# `rbac:` rules and reading the collections of its `watches:`), although the host's identity (here
# the control plane's admin) could do anything. Against the real control plane:
#   - a granted request reaches kube-apiserver (the child reads and patches its ConfigMap);
#   - a Secret the host's identity can read is refused to the child with a 403 Status from the
#     host, never sent upstream, and counted on /metrics
#     (watchfilter_host_child_requests_refused_total{child});
#   - a second child with no grants cannot read the first child's ConfigMap;
#   - a module that declares a watch its entry does not grant fails the host's start.
source "$(dirname "$0")/../lib/testlib.sh"
source "$TL_DIR/hostlib.sh"
WF_HOST=${WF_HOST:-$REPO_DIR/build/host/watchfilter-host}
TEST_WASM=${TEST_WASM:-$REPO_DIR/build/test/host/host_test_child.wasm}
RING_WASM=${RING_WASM:-$REPO_DIR/build/host/examples/ring.wasm}
for f in "$WF_HOST" "$TEST_WASM" "$RING_WASM"; do [[ -f $f ]] || fail "$f not built"; done
WF_PORT=8491
METRICS_PORT=9491
start_proxy proxy $WF_PORT

cp_kubectl create namespace rbac-a >/dev/null
cp_kubectl create namespace rbac-b >/dev/null
cp_kubectl create namespace rbac-secret >/dev/null
cp_kubectl create secret generic crown-jewels -n rbac-secret --from-literal=password=hunter2 >/dev/null
cp_kubectl create configmap target -n rbac-a --from-literal=value=v1 >/dev/null
# The host's identity can read the Secret: what stops the child is the host, not RBAC upstream.
[[ $(cp_kubectl get secret crown-jewels -n rbac-secret -o jsonpath='{.data.password}') == aHVudGVyMg== ]] ||
  fail "the admin identity cannot read the Secret"

cat >"$T_DIR/children.yaml" <<EOY
hostName: rbac
idleUnload: 1s
children:
- name: granted
  wasm: $TEST_WASM
  watches:
  - {resource: /api/v1/namespaces/rbac-a/configmaps, labelSelector: role=action}
  rbac:
  - {apiGroups: [""], resources: [configmaps], verbs: [patch], namespaces: [rbac-a], resourceNames: [target]}
- name: nothing
  wasm: $TEST_WASM
  watches:
  - {resource: /api/v1/namespaces/rbac-b/configmaps, labelSelector: role=action}
EOY
host_log=$CP_DIR/logs/host-rbac.log
t_bg host-rbac "$WF_HOST" --children "$T_DIR/children.yaml" --kubeconfig "$CP_KUBECONFIG" \
  --proxy "https://127.0.0.1:$WF_PORT" --proxy-insecure-skip-tls-verify \
  --module-cache "$T_DIR/modules" --metrics-bind-address "127.0.0.1:$METRICS_PORT" --v 1
wait_for 30 grep -qs "watchfilter-host: 2 children" "$host_log" || { tail -n 20 "$host_log" >&2; fail "host did not start"; }

refused() { host_metric $METRICS_PORT watchfilter_host_child_requests_refused_total "child=$1"; }
[[ $(refused granted) == 0 && $(refused nothing) == 0 ]] || fail "refusals before any request: $(refused granted)/$(refused nothing)"

# 1. Granted: get the ConfigMap (the watch grants reading rbac-a's ConfigMaps) and patch it.
cp_kubectl create configmap act-kube -n rbac-a --from-literal=action=kube >/dev/null
cp_kubectl label configmap act-kube -n rbac-a role=action >/dev/null
wait_for 20 [ "$(cp_kubectl get configmap target -n rbac-a -o jsonpath='{.data.seen}')" == v1 ] ||
  { tail -n 20 "$host_log" >&2; fail "the granted request did not reach kube-apiserver"; }

# 2. The Secret: 403 from the host, with the Status naming the child and the request.
cp_kubectl create configmap act-secret -n rbac-a --from-literal=action=secret \
  --from-literal=namespace=rbac-secret --from-literal=name=crown-jewels >/dev/null
cp_kubectl label configmap act-secret -n rbac-a role=action >/dev/null
want='secret: HTTP 403 {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"watchfilter-host: child \"granted\" may not get secrets \"crown-jewels\" in the namespace \"rbac-secret\": not granted by its rbac or watches in the children file","reason":"Forbidden","code":403}'
wait_for 20 grep -qsF "$want" "$host_log" || { grep "secret:" "$host_log" >&2; fail "the Secret was not refused with the host's Status"; }
grep -q hunter2 "$host_log" && fail "the Secret's value reached the child"
wait_for 10 [ "$(refused granted)" == 1 ] || fail "refusal not counted once: $(refused granted)"
grep -q "child granted request refused (1): get secrets \"crown-jewels\"" "$host_log" || fail "refusal not logged"

# 3. A child with no grants cannot read its neighbour's ConfigMap (same host identity).
cp_kubectl create configmap act-kube -n rbac-b --from-literal=action=secret \
  --from-literal=namespace=rbac-a --from-literal=name=target >/dev/null
cp_kubectl label configmap act-kube -n rbac-b role=action >/dev/null
wait_for 20 [ "$(refused nothing)" == 1 ] || fail "the neighbour's read was not refused: $(refused nothing)"

# Nothing refused went upstream: kube-apiserver never served a GET of the Secret to the host's
# user agent (its audit is off; its request counter for secrets GETs stays where it was).
before=$(apiserver_metric apiserver_request_total verb=GET resource=secrets)
cp_kubectl create configmap act-secret-2 -n rbac-a --from-literal=action=secret \
  --from-literal=namespace=rbac-secret --from-literal=name=crown-jewels >/dev/null
cp_kubectl label configmap act-secret-2 -n rbac-a role=action >/dev/null
wait_for 20 [ "$(refused granted)" == 2 ] || fail "second refusal not counted: $(refused granted)"
after=$(apiserver_metric apiserver_request_total verb=GET resource=secrets)
[[ $before == "$after" ]] || fail "a refused request reached kube-apiserver: GET secrets $before -> $after"
t_log "refused: granted=$(refused granted) nothing=$(refused nothing); secrets GETs upstream unchanged ($after)"

# 4. A module cannot grant itself a watch: ring.wasm declares a watch of Rings, its entry grants none.
cat >"$T_DIR/ungranted.yaml" <<EOY
children:
- name: ring-0
  wasm: $RING_WASM
  env: {RING_FROM: ring-0}
EOY
out=$(cp_exec "$WF_HOST" --children "$T_DIR/ungranted.yaml" --kubeconfig "$CP_KUBECONFIG" \
  --proxy "https://127.0.0.1:$WF_PORT" --proxy-insecure-skip-tls-verify \
  --module-cache "$T_DIR/modules" --metrics-bind-address 0 2>&1) && fail "the host started with an ungranted watch"
grep -q 'ring-0: the module declares a watch it may not make (watch rings.example.watchfilter.io in the namespace "ring-0")' <<<"$out" ||
  fail "unexpected start failure: $out"
t_log "ok"

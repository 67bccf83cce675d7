#!/usr/bin/env bash
# A watch through watchfilter-proxy (upstream path, the stream.watchfilter.io prefix, and
# kubectl pointed at the proxy) sees the ADDED, MODIFIED and DELETED events of a configmap
# changed with kubectl, byte-identical to the same watch taken directly from kube-apiserver.
# Pass-through carries the caller's own bearer token (docs/proxy.md, "Security model"): the
# watches through the proxy are a ServiceAccount's that may only watch configmaps in default.
source "$(dirname "$0")/../lib/testlib.sh"

start_proxy proxy 8443
sa=passthrough-$RANDOM
cp_kubectl -n default create serviceaccount "$sa" >/dev/null
cp_kubectl -n default create role "$sa" --verb=list,watch --resource=configmaps >/dev/null
cp_kubectl -n default create rolebinding "$sa" --role="$sa" --serviceaccount="default:$sa" >/dev/null
token=$(cp_kubectl -n default create token "$sa")
proxy_kubeconfig_token 8443 "$T_DIR/proxy.kubeconfig" "$token"

name=passthrough-$RANDOM
rv=$(cp_kubectl get --raw /api/v1/namespaces/default/configmaps |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["metadata"]["resourceVersion"])')
path="/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=$rv"
t_log "watching from resourceVersion $rv"

t_bg watch-direct curl -sSN --cacert "$CP_DIR/ca.crt" --cert "$CP_DIR/admin.crt" --key "$CP_DIR/admin.key" \
  -o "$T_DIR/direct.out" "https://127.0.0.1:6443$path"
t_bg watch-proxy curl -q -sSNk -H "Authorization: Bearer $token" -o "$T_DIR/proxy.out" "https://127.0.0.1:8443$path"
t_bg watch-prefix curl -q -sSNk -H "Authorization: Bearer $token" -o "$T_DIR/prefix.out" \
  "https://127.0.0.1:8443/apis/stream.watchfilter.io/v1alpha1/proxy$path"
t_bg watch-kubectl sh -c "exec '$CP_BIN/kubectl' --kubeconfig '$T_DIR/proxy.kubeconfig' get --raw '$path' > '$T_DIR/kubectl.out'"
sleep 1

cp_kubectl create configmap "$name" --from-literal=k=v1 >/dev/null
cp_kubectl patch configmap "$name" --type merge -p '{"data":{"k":"v2"}}' >/dev/null
cp_kubectl delete configmap "$name" >/dev/null

outs=(direct proxy prefix kubectl)
deleted_everywhere() {
  local o
  for o in "${outs[@]}"; do
    [[ $(count_events "$T_DIR/$o.out" DELETED "$name") == 1 ]] || return 1
  done
}
wait_for 30 deleted_everywhere || {
  for o in "${outs[@]}"; do t_log "$o:"; cat "$T_DIR/$o.out" >&2 || true; done
  fail "not every watch saw the DELETED event within 30 s"
}

for t in ADDED MODIFIED DELETED; do
  [[ $(count_events "$T_DIR/direct.out" $t "$name") == 1 ]] || fail "direct watch: expected one $t event"
done
for o in proxy prefix kubectl; do
  cmp "$T_DIR/direct.out" "$T_DIR/$o.out" || fail "$o watch differs from the direct watch"
done
t_log "PASS: $(wc -l <"$T_DIR/direct.out") events, $(wc -c <"$T_DIR/direct.out") bytes, identical through the proxy (path, prefix, kubectl)"
cp_kubectl -n default delete serviceaccount,role,rolebinding "$sa" >/dev/null

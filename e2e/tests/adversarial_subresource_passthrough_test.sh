#!/usr/bin/env bash
# A request that is not a filtered read never uses the proxy's identity (docs/proxy.md, "Security
# model"). Found: pods/<p>/log, nodes/<n>/proxy and anything the proxy's wildcard reader role
# covered were forwarded with the proxy's token after a SubjectAccessReview. Now:
#   - the manifests give the proxy's ServiceAccount no subresource at all (no get on pods/log,
#     nodes/proxy; no create on pods/exec, pods/attach, pods/portforward);
#   - straight to the proxy with a bearer token, pods/log and nodes/proxy are forwarded with the
#     caller's own token: a caller allowed pods/log reads it (which the proxy's ServiceAccount
#     cannot), a caller without rights gets kube-apiserver's own 403 (Audit-Id set) naming
#     the caller - also from a proxy whose upstream identity is a system:masters client
#     certificate (the caller's request must not present it);
#   - with a client certificate there is nothing to forward: the exact refusal Status;
#   - through the aggregator only filtered reads are served: the exact refusal Status.
source "$(dirname "$0")/../lib/testlib.sh"
source "$TL_DIR/apiservice.sh"

apiservice_install
start_aggregated_proxy proxy-subresources
wait_apiservice_available 60

proxy_sa=system:serviceaccount:$AS_NS:$AS_SVC
for check in "get pods/log" "get nodes/proxy" "get services/proxy" "create pods/exec" \
  "create pods/attach" "create pods/portforward" "get pods/exec" "get secrets"; do
  answer=$(cp_kubectl auth can-i $check --all-namespaces --as "$proxy_sa" 2>/dev/null || true)
  [[ $answer == no ]] || fail "the manifests let $proxy_sa $check (kubectl auth can-i: $answer)"
done
for check in "list configmaps" "watch configmaps" "list secrets"; do
  answer=$(cp_kubectl auth can-i $check --all-namespaces --as "$proxy_sa" 2>/dev/null || true)
  [[ $answer == yes ]] || fail "$proxy_sa cannot $check, which its informers need"
done
t_log "the proxy's ServiceAccount may list and watch, and read no subresource"

ns=subres-$RANDOM node=wf-e2e-node-$RANDOM
cp_kubectl create namespace "$ns" >/dev/null
# No scheduler or kubelet here: the Pod stays unassigned and the Node is a bare object, which is
# enough for kube-apiserver to authorize and answer.
cp_kubectl -n "$ns" create serviceaccount default >/dev/null  # no controller-manager makes it
cp_kubectl create -f - >/dev/null <<EOY
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: $ns}
spec:
  automountServiceAccountToken: false
  containers: [{name: c, image: registry.invalid/none}]
---
apiVersion: v1
kind: Node
metadata: {name: $node}
EOY
cp_kubectl -n "$ns" create serviceaccount logreader >/dev/null
cp_kubectl -n "$ns" create serviceaccount nobody >/dev/null
cp_kubectl -n "$ns" create role logs --verb=get --resource=pods,pods/log >/dev/null
cp_kubectl -n "$ns" create rolebinding logs --role=logs --serviceaccount="$ns:logreader" >/dev/null
reader=$(cp_kubectl -n "$ns" create token logreader)
nobody=$(cp_kubectl -n "$ns" create token nobody)
nobody_user=system:serviceaccount:$ns:nobody
P=/apis/stream.watchfilter.io/v1alpha1/proxy
log=/api/v1/namespaces/$ns/pods/p/log
nodeproxy=/api/v1/nodes/$node/proxy/configz
direct=https://$CP_NODE_IP:$AS_PORT

# What kube-apiserver itself answers the reader (authorized; an unassigned pod has no log), which
# the proxy's ServiceAccount would get a 403 for.
want_code=$(http_req "https://127.0.0.1:$CP_APISERVER_PORT$log" "$T_DIR/reader-apiserver" -H "Authorization: Bearer $reader")
[[ $want_code != 403 ]] || fail "kube-apiserver refuses the reader's pods/log: $(head -c 300 "$T_DIR/reader-apiserver")"

for path in "$log" "$P$log"; do
  code=$(http_req "$direct$path" "$T_DIR/reader" -H "Authorization: Bearer $reader")
  [[ $code == "$want_code" ]] && cmp -s "$T_DIR/reader" "$T_DIR/reader-apiserver" ||
    fail "reader, $path: want kube-apiserver's answer to the reader ($want_code $(head -c 200 "$T_DIR/reader-apiserver")), got $code $(head -c 300 "$T_DIR/reader")"
  from_apiserver "$T_DIR/reader" || fail "reader, $path: no Audit-Id: not kube-apiserver's answer"

  code=$(http_req "$direct$path" "$T_DIR/nobody-log" -H "Authorization: Bearer $nobody")
  expect_status "nobody, $path" "$code" "$T_DIR/nobody-log" 403 Forbidden \
    "$(forbidden_message get pods/log "$ns" "$nobody_user" p)"
  from_apiserver "$T_DIR/nobody-log" || fail "nobody, $path: the 403 is not kube-apiserver's own"
done
code=$(http_req "$direct$nodeproxy" "$T_DIR/nobody-node" -H "Authorization: Bearer $nobody")
expect_status "nobody, nodes/proxy" "$code" "$T_DIR/nobody-node" 403 Forbidden \
  "$(forbidden_message get nodes/proxy "" "$nobody_user" "$node")"
from_apiserver "$T_DIR/nobody-node" || fail "nobody, nodes/proxy: the 403 is not kube-apiserver's own"
t_log "direct: pods/log and nodes/proxy forwarded with the caller's token"

# A client certificate cannot be forwarded.
code=$(http_req "$direct$log" "$T_DIR/admin-cert" --cert "$CP_DIR/admin.crt" --key "$CP_DIR/admin.key")
expect_status "admin certificate, pods/log" "$code" "$T_DIR/admin-cert" 403 Forbidden \
  "watchfilter-proxy forwards requests that are not filtered reads with the caller's own bearer token, and a client certificate cannot be forwarded: request $log from kube-apiserver directly, or authenticate with a bearer token"

# Through the aggregator: only filtered reads.
for path in "$P$log" "$P$nodeproxy"; do
  code=$(http_req "https://127.0.0.1:$CP_APISERVER_PORT$path" "$T_DIR/aggregated" -H "Authorization: Bearer $reader")
  expect_status "aggregator, $path" "$code" "$T_DIR/aggregated" 403 Forbidden \
    "watchfilter-proxy serves only filtered reads (filter, filterRef or watcher) through the aggregated API; request ${path#"$P"} from kube-apiserver directly"
done
t_log "client certificate and aggregator: refused with the exact Status"

# A proxy whose own upstream identity is a system:masters client certificate: the caller's
# request carries the caller's token on a connection without that certificate.
start_proxy proxy-masters 8482
code=$(http_req "https://127.0.0.1:8482$log" "$T_DIR/masters-nobody" -H "Authorization: Bearer $nobody")
expect_status "nobody via a system:masters proxy" "$code" "$T_DIR/masters-nobody" 403 Forbidden \
  "$(forbidden_message get pods/log "$ns" "$nobody_user" p)"
from_apiserver "$T_DIR/masters-nobody" || fail "nobody via a system:masters proxy: the 403 is not kube-apiserver's own"

metric() { cp_exec curl -sk -m 5 "$direct/metrics" | wfcheck metric "$@"; }
[[ $(metric watchfilter_passthrough_refusals_total reason=client_certificate) == 1 &&
   $(metric watchfilter_passthrough_refusals_total reason=aggregated) == 2 ]] ||
  fail "refusals in /metrics: client_certificate $(metric watchfilter_passthrough_refusals_total reason=client_certificate), aggregated $(metric watchfilter_passthrough_refusals_total reason=aggregated); want 1 and 2"
cp_kubectl delete node "$node" >/dev/null
t_log "PASS: no subresource in the proxy's RBAC; pods/log and nodes/proxy carry the caller's identity; certificate and aggregator refused and counted"

#!/usr/bin/env bash
# Issue 15's attacks on views (docs/views.md), straight to a standalone proxy whose own upstream
# identity is system:masters (so anything sent with the proxy's identity would succeed):
#   - who may use a view: a ServiceAccount without `get` on the WatchView gets the exact 403,
#     for a filtered read and for a write it would forward; one with `get` on its namespace's
#     view gets the same 403 for another namespace's view;
#   - identity: under a view, a request that is not a filtered read carries the caller's own
#     token: a Secret the caller may not read is kube-apiserver's own 403 naming the caller
#     (Audit-Id), never the proxy's read; a client certificate and the front proxy's
#     certificate get the proxy's refusals (their filtered reads are served);
#   - paths: the view prefix doubled (plain and %76-escaped), under the proxy prefix, the
#     proxy's own group after a view, `..` plain and %2E-escaped, a view name that is no DNS
#     name, a path naming no view: each the exact 404/400, none forwarded;
#   - filter parameters under a view are a 400, a view that does not exist a 404;
#   - every refusal is counted in watchfilter_view_refusals_total{reason}.
source "$(dirname "$0")/../lib/testlib.sh"
WF_PORT=8496
views_cleanup() {
  t_cleanup
  local ns
  for ns in ${nsa:-} ${nsb:-}; do cp_kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1 || true; done
}
trap views_cleanup EXIT

apply_project_crds
start_proxy proxy $WF_PORT

nsa=views-a-$RANDOM
nsb=views-b-$RANDOM
for ns in $nsa $nsb; do
  cp_kubectl create namespace "$ns" >/dev/null
  configmap_view "$ns"
done
# alice: configmaps in a, `get` on a's view only; mallory: configmaps in a, no view.
cp_kubectl apply -n "$nsa" -f - >/dev/null <<EOY || fail "ServiceAccounts and RBAC"
apiVersion: v1
kind: ServiceAccount
metadata: {name: alice}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: mallory}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm1}
data: {k: v}
---
apiVersion: v1
kind: Secret
metadata: {name: s1}
stringData: {password: hunter2}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: configmaps}
rules:
- {apiGroups: [""], resources: [configmaps], verbs: [get, list, watch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: view-v}
rules:
- {apiGroups: [watchfilter.io], resources: [watchviews], resourceNames: [v], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: configmaps}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: configmaps}
subjects:
- {kind: ServiceAccount, name: alice, namespace: $nsa}
- {kind: ServiceAccount, name: mallory, namespace: $nsa}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: view-v}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: view-v}
subjects: [{kind: ServiceAccount, name: alice, namespace: $nsa}]
EOY
alice=$(cp_kubectl -n "$nsa" create token alice --duration 30m)
mallory=$(cp_kubectl -n "$nsa" create token mallory --duration 30m)
base=https://127.0.0.1:$WF_PORT
as() { # TOKEN PATH OUT [curl args]: one request with that bearer token
  local token=$1 path=$2 out=$3; shift 3
  http_req "$base$path" "$out" -H "Authorization: Bearer $token" "$@"
}
no_secret() { ! grep -q hunter2 "$1" && ! grep -q aHVudGVyMg "$1"; }
view_forbidden() { # USER NS
  echo "watchviews.watchfilter.io \"v\" is forbidden: User \"$1\" cannot get resource \"watchviews\" in API group \"watchfilter.io\" in the namespace \"$2\""
}
cms=/api/v1/namespaces/$nsa/configmaps
o=$T_DIR/out

# 1. Who may use a view.
code=$(as "$mallory" "/views/$nsa/v$cms" "$o")
expect_status "mallory's list through the view" "$code" "$o" 403 Forbidden "$(view_forbidden "system:serviceaccount:$nsa:mallory" "$nsa")"
from_apiserver "$o" && fail "the view's 403 came from kube-apiserver: the proxy must refuse it itself"
code=$(as "$mallory" "/views/$nsa/v/apis/coordination.k8s.io/v1/namespaces/$nsa/leases" "$o" -X POST \
  -H 'Content-Type: application/json' -d '{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"x"}}')
expect_status "mallory's write through the view" "$code" "$o" 403 Forbidden "$(view_forbidden "system:serviceaccount:$nsa:mallory" "$nsa")"
code=$(as "$alice" "/views/$nsb/v/api/v1/namespaces/$nsb/configmaps" "$o")
expect_status "alice on another namespace's view" "$code" "$o" 403 Forbidden "$(view_forbidden "system:serviceaccount:$nsa:alice" "$nsb")"
code=$(as "$alice" "/views/$nsa/v$cms" "$o")
[[ $code == 200 ]] || fail "alice's list through her view: $code $(head -c 300 "$o")"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["kind"]=="ConfigMapList" and [i["metadata"]["name"] for i in d["items"]]==["cm1"], d' "$o" ||
  fail "alice's list through the view is not the ConfigMapList of cm1"
from_apiserver "$o" && fail "the filtered list was forwarded instead of served from the informer"

# 2. Identity: forwarded requests carry the caller's own token, never the proxy's.
code=$(as "$alice" "/views/$nsa/v/api/v1/namespaces/$nsa/secrets/s1" "$o")
expect_status "alice's Secret through the view" "$code" "$o" 403 Forbidden \
  "$(forbidden_message get secrets "$nsa" "system:serviceaccount:$nsa:alice" s1)"
from_apiserver "$o" || fail "the Secret's 403 did not come from kube-apiserver"
no_secret "$o" || fail "the Secret's data reached alice"
code=$(as "$alice" "/views/$nsa/v/api/v1/namespaces/$nsa/secrets?watch=true&timeoutSeconds=1" "$o")
expect_status "alice's Secret watch through the view" "$code" "$o" 403 Forbidden \
  "$(forbidden_message watch secrets "$nsa" "system:serviceaccount:$nsa:alice")"
code=$(http_req "$base/views/$nsa/v/api/v1/namespaces/$nsa/secrets/s1" "$o" --cert "$CP_DIR/admin.crt" --key "$CP_DIR/admin.key")
expect_status "a client certificate's forwarded request" "$code" "$o" 403 Forbidden \
  "watchfilter-proxy forwards requests that are not filtered reads with the caller's own bearer token, and a client certificate cannot be forwarded: request /api/v1/namespaces/$nsa/secrets/s1 from kube-apiserver directly, or authenticate with a bearer token"
no_secret "$o" || fail "the Secret reached a client certificate"
code=$(http_req "$base/views/$nsa/v$cms" "$o" --cert "$CP_DIR/admin.crt" --key "$CP_DIR/admin.key")
[[ $code == 200 ]] || fail "a client certificate's filtered read through the view: $code"
# The front proxy's certificate with alice's name (what the aggregator would send): it hands over
# no credential, so nothing is forwarded for it either.
front=(--cert "$CP_DIR/front-proxy-client.crt" --key "$CP_DIR/front-proxy-client.key"
  -H "X-Remote-User: system:serviceaccount:$nsa:alice" -H "X-Remote-Group: system:serviceaccounts")
code=$(http_req "$base/views/$nsa/v/api/v1/namespaces/$nsa/secrets/s1" "$o" "${front[@]}")
expect_status "the front proxy's forwarded request" "$code" "$o" 403 Forbidden \
  "watchfilter-proxy serves only filtered reads (filter, filterRef or watcher) through the aggregated API; request /api/v1/namespaces/$nsa/secrets/s1 from kube-apiserver directly"
no_secret "$o" || fail "the Secret reached the front proxy's caller"
code=$(http_req "$base/views/$nsa/v$cms" "$o" "${front[@]}")
[[ $code == 200 ]] || fail "the front proxy's filtered read through the view: $code $(head -c 300 "$o")"
code=$(http_req "$base/views/$nsa/nope$cms" "$o" --cert "$CP_DIR/admin.crt" --key "$CP_DIR/admin.key")
expect_status "a view that does not exist" "$code" "$o" 404 NotFound 'watchviews.watchfilter.io "nope" not found'

# 3. Paths: none of these is forwarded, whatever the caller may do.
secrets=/api/v1/namespaces/$nsa/secrets
not_found_nested() { echo "the server could not find the requested resource: $1 is under /views/ again; the path after a view is a kube-apiserver path"; }
code=$(as "$alice" "/views/$nsa/v/views/$nsa/v$secrets" "$o")
expect_status "the view prefix doubled" "$code" "$o" 404 NotFound "$(not_found_nested "/views/$nsa/v$secrets")"
code=$(as "$alice" "/views/$nsa/v/%76iews/$nsa/v$secrets" "$o")
expect_status "the view prefix doubled, escaped" "$code" "$o" 404 NotFound "$(not_found_nested "/views/$nsa/v$secrets")"
code=$(as "$alice" "/apis/stream.watchfilter.io/v1alpha1/proxy/views/$nsa/v$secrets" "$o")
expect_status "a view under the proxy prefix" "$code" "$o" 404 NotFound \
  "the server could not find the requested resource: /views/$nsa/v$secrets is a view path, served at the root only (/views/<namespace>/<name>/<path>)"
code=$(as "$alice" "/views/$nsa/v/apis/stream.watchfilter.io/v1alpha1/proxy$secrets" "$o")
expect_status "the proxy's own group after a view" "$code" "$o" 404 NotFound \
  "the server could not find the requested resource: /apis/stream.watchfilter.io/v1alpha1/proxy$secrets is a path of watchfilter-proxy's own API group, which it never sends to kube-apiserver"
code=$(as "$alice" "/views/$nsa/v/../..$secrets" "$o")
expect_status "a view path with .." "$code" "$o" 400 BadRequest \
  "malformed request path \"/views/$nsa/v/../..$secrets\": \`.\`, \`..\` and empty path segments are not accepted"
code=$(as "$alice" "/views/$nsa/v/%2E%2E/x$secrets" "$o")
[[ $code == 400 ]] || fail "an escaped .. under a view: $code"
code=$(as "$alice" "/views/$nsa/V_1$secrets" "$o")
expect_status "a view name that is no DNS name" "$code" "$o" 400 BadRequest \
  "invalid view \"$nsa/V_1\": a view is /views/<namespace>/<name> with a DNS-1123 label and subdomain"
code=$(as "$alice" "/views/$nsa" "$o")
expect_status "a path naming no view" "$code" "$o" 404 NotFound \
  "the server could not find the requested resource: /views/$nsa names no view (/views/<namespace>/<name>/<path>)"
code=$(as "$alice" "/views/$nsa/v$cms?watch=true&filter=true" "$o")
expect_status "filter parameters under a view" "$code" "$o" 400 BadRequest \
  "requests under a view take their filters from the WatchView $nsa/v: remove filter, filterRef and watcher"
for f in "$T_DIR"/out; do no_secret "$f" || fail "a Secret leaked"; done

# 4. Counted.
metric() { proxy_metric $WF_PORT watchfilter_view_refusals_total "reason=$1"; }
[[ $(metric forbidden) == 3 ]] || fail "forbidden refusals: $(metric forbidden)"
[[ $(metric bad_path) == 5 ]] || fail "bad_path refusals: $(metric bad_path)"
[[ $(metric not_found) == 1 ]] || fail "not_found refusals: $(metric not_found)"
[[ $(metric filter_params) == 1 ]] || fail "filter_params refusals: $(metric filter_params)"
for reason in client_certificate aggregated; do
  [[ $(proxy_metric $WF_PORT watchfilter_passthrough_refusals_total reason=$reason) == 1 ]] ||
    fail "$reason refusals: $(proxy_metric $WF_PORT watchfilter_passthrough_refusals_total reason=$reason)"
done
t_log "ok"

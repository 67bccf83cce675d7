#!/usr/bin/env bash
# Writes with large bodies through a view (docs/views.md, "Writes"): an operator's ConfigMap or
# Secret may be up to kube-apiserver's 3 MB, so under a view a write whose bearer token
# authenticates, from a caller who may `get` the WatchView, may carry up to
# --max-forwarded-body-bytes (here 1Mi), read only after both are checked; everyone else's body
# stays at --max-request-body-bytes (64Ki), read before authentication. Checked, against a
# standalone proxy:
#   - a 200 KiB ConfigMap created and a 900 KiB update through the view arrive whole in
#     kube-apiserver (the caller's own write: Audit-Id);
#   - the same 200 KiB body without a token, with a token that does not authenticate, with a
#     client certificate, and from a caller who may write ConfigMaps but not use the view: 413
#     naming --max-request-body-bytes;
#   - 1.5 MiB from the authenticated writer, with a Content-Length and chunked: 413 naming
#     --max-forwarded-body-bytes;
#   - two slow 900 KiB uploads hold 1.8 MiB of --max-forwarded-body-bytes-total (2Mi): a third
#     write meanwhile is 429 naming it, the two complete, and the third goes through afterwards;
#   - every refusal is a Status the client reads (the proxy drains what is still being sent)
#     and is counted in watchfilter_limit_refusals_total; the proxy keeps serving.
source "$(dirname "$0")/../lib/testlib.sh"
WF_PORT=8498
bodies_cleanup() {
  t_cleanup
  [[ -n ${ns:-} ]] && cp_kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1 || true
}
trap bodies_cleanup EXIT

apply_project_crds
start_proxy proxy $WF_PORT --max-forwarded-body-bytes 1Mi --max-forwarded-body-bytes-total 2Mi

ns=view-bodies-$RANDOM
cp_kubectl create namespace "$ns" >/dev/null
configmap_view "$ns"
cp_kubectl apply -n "$ns" -f - >/dev/null <<EOY || fail "the writer, the outsider and their RBAC"
apiVersion: v1
kind: ServiceAccount
metadata: {name: writer}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: writer}
rules:
- {apiGroups: [""], resources: [configmaps], verbs: [get, list, watch, create, update]}
- {apiGroups: [watchfilter.io], resources: [watchviews], resourceNames: [v], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: writer}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: writer}
subjects: [{kind: ServiceAccount, name: writer, namespace: $ns}]
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: outsider}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: outsider}
rules:
- {apiGroups: [""], resources: [configmaps], verbs: [get, list, watch, create, update]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: outsider}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: outsider}
subjects: [{kind: ServiceAccount, name: outsider, namespace: $ns}]
EOY
writer=$(cp_kubectl -n "$ns" create token writer --duration 30m)
outsider=$(cp_kubectl -n "$ns" create token outsider --duration 30m)
view=https://127.0.0.1:$WF_PORT/views/$ns/v
cms=/api/v1/namespaces/$ns/configmaps
o=$T_DIR/out

# configmap_json FILE NAME KIB: a ConfigMap whose one value is KIB KiB of text.
configmap_json() {
  python3 - "$@" <<'EOP'
import json, sys
path, name, kib = sys.argv[1], sys.argv[2], int(sys.argv[3])
json.dump({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name},
           "data": {"blob": "x" * (kib * 1024)}}, open(path, "w"))
EOP
}
send() { # METHOD PATH FILE OUT [curl args]: the file as a JSON body, through the view
  local method=$1 path=$2 file=$3 out=$4; shift 4
  cp_exec curl -q -sk -m 30 -A watchfilter-e2e -D "$out.headers" -o "$out" -w '%{http_code}' \
    -X "$method" -H 'Content-Type: application/json' --data-binary "@$file" "$@" "$view$path" || true
}
blob_kib() { # NAME: the size of the ConfigMap's blob in kube-apiserver, in KiB
  cp_kubectl -n "$ns" get configmap "$1" -o jsonpath='{.data.blob}' | wc -c | awk '{print int($1 / 1024)}'
}
auth=(-H "Authorization: Bearer $writer")

# 1. The writer's large writes go through, whole.
configmap_json "$T_DIR/big.json" big 200
code=$(send POST "$cms" "$T_DIR/big.json" "$o" "${auth[@]}")
[[ $code == 201 ]] || fail "a 200 KiB ConfigMap through the view: HTTP $code $(head -c 300 "$o")"
from_apiserver "$o" || fail "the create was not kube-apiserver's answer"
[[ $(blob_kib big) == 200 ]] || fail "kube-apiserver holds $(blob_kib big) KiB, not 200"
configmap_json "$T_DIR/update.json" big 900
code=$(send PUT "$cms/big" "$T_DIR/update.json" "$o" "${auth[@]}")
[[ $code == 200 ]] || fail "a 900 KiB update through the view: HTTP $code $(head -c 300 "$o")"
[[ $(blob_kib big) == 900 ]] || fail "kube-apiserver holds $(blob_kib big) KiB after the update, not 900"

# 2. Nobody else's body passes --max-request-body-bytes.
small="request body exceeds 65536 bytes (--max-request-body-bytes)"
configmap_json "$T_DIR/other.json" other 200
code=$(send POST "$cms" "$T_DIR/other.json" "$o")
expect_status "200 KiB without a token" "$code" "$o" 413 RequestEntityTooLarge "$small"
code=$(send POST "$cms" "$T_DIR/other.json" "$o" -H "Authorization: Bearer not-a-token")
expect_status "200 KiB with a token that does not authenticate" "$code" "$o" 413 RequestEntityTooLarge "$small"
code=$(send POST "$cms" "$T_DIR/other.json" "$o" --cert "$CP_DIR/admin.crt" --key "$CP_DIR/admin.key")
expect_status "200 KiB with a client certificate" "$code" "$o" 413 RequestEntityTooLarge "$small"
# An authenticated caller who may write ConfigMaps but not use the view: its body stays small
# too (it would be refused anyway, and must not hold the forwarded-body budget meanwhile).
code=$(send POST "$cms" "$T_DIR/other.json" "$o" -H "Authorization: Bearer $outsider")
expect_status "200 KiB from a caller without the view" "$code" "$o" 413 RequestEntityTooLarge "$small"
cp_kubectl -n "$ns" get configmap other >/dev/null 2>&1 && fail "a refused body was written"

# 3. Nor the writer's past --max-forwarded-body-bytes.
large="request body exceeds 1048576 bytes (--max-forwarded-body-bytes)"
configmap_json "$T_DIR/huge.json" huge 1536
code=$(send POST "$cms" "$T_DIR/huge.json" "$o" "${auth[@]}")
expect_status "1.5 MiB from the writer" "$code" "$o" 413 RequestEntityTooLarge "$large"
code=$(send POST "$cms" "$T_DIR/huge.json" "$o" "${auth[@]}" -H 'Transfer-Encoding: chunked')
expect_status "1.5 MiB from the writer, chunked" "$code" "$o" 413 RequestEntityTooLarge "$large"
cp_kubectl -n "$ns" get configmap huge >/dev/null 2>&1 && fail "a refused body was written"

# 4. All bodies together stay within --max-forwarded-body-bytes-total.
configmap_json "$T_DIR/slow1.json" slow1 900
configmap_json "$T_DIR/slow2.json" slow2 900
configmap_json "$T_DIR/third.json" third 300
pids=()
for n in 1 2; do
  send POST "$cms" "$T_DIR/slow$n.json" "$T_DIR/slow$n.out" "${auth[@]}" --limit-rate 150k >"$T_DIR/slow$n.code" &
  pids+=($!)
done
sleep 2
code=$(send POST "$cms" "$T_DIR/third.json" "$o" "${auth[@]}")
held=$((2 * $(stat -c %s "$T_DIR/slow1.json")))
expect_status "a third body while two slow ones are held" "$code" "$o" 429 TooManyRequests \
  "too many request bodies are being forwarded: they hold $held of 2097152 bytes (--max-forwarded-body-bytes-total); please try again later"
grep -qi '^retry-after: 1' "$o.headers" || fail "the 429 has no Retry-After: 1"
wait "${pids[@]}"
for n in 1 2; do
  [[ $(cat "$T_DIR/slow$n.code") == 201 ]] || fail "slow upload $n: HTTP $(cat "$T_DIR/slow$n.code") $(head -c 300 "$T_DIR/slow$n.out")"
  [[ $(blob_kib slow$n) == 900 ]] || fail "slow$n holds $(blob_kib slow$n) KiB, not 900"
done
code=$(send POST "$cms" "$T_DIR/third.json" "$o" "${auth[@]}")
[[ $code == 201 ]] || fail "the third body once the others were done: HTTP $code $(head -c 300 "$o")"

# 5. Counted, and the proxy still serves the view.
for want in max-request-body-bytes=4 max-forwarded-body-bytes=2 max-forwarded-body-bytes-total=1; do
  got=$(proxy_metric $WF_PORT watchfilter_limit_refusals_total "limit=${want%=*}")
  [[ $got == "${want#*=}" ]] || fail "watchfilter_limit_refusals_total{limit=\"${want%=*}\"} is $got, want ${want#*=}"
done
code=$(http_req "$view$cms" "$o" "${auth[@]}")
[[ $code == 200 ]] || fail "the view's list after the refusals: HTTP $code"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); n={i["metadata"]["name"] for i in d["items"]}; assert {"big","slow1","slow2","third"} <= n and not {"other","huge"} & n, n' "$o" ||
  fail "the view's list does not hold the four ConfigMaps written (and only those of the refused bodies missing)"
t_log "PASS: 200 KiB, 900 KiB and 2 x 900 KiB slow writes forwarded whole; 4 + 2 + 1 refusals as Statuses"

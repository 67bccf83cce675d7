#!/usr/bin/env bash
# The product's main entry point: `kubectl apply -k manifests/` (ServiceAccount, RBAC, Service,
# APIService) plus the proxy on the node address behind a hand-made EndpointSlice, reading
# upstream with the manifests' ServiceAccount token. Shows: the APIService becomes Available
# (kube-aggregator's discovery of /apis falls back to our APIResourceList), `kubectl
# api-resources` lists stream.watchfilter.io, the group's OpenAPI v3 is served through the
# aggregator, and `kubectl get --raw '/apis/stream.watchfilter.io/v1alpha1/proxy/...&filter=
# changed(data)'` through kube-apiserver streams exactly the admitted events.
source "$(dirname "$0")/../lib/testlib.sh"
source "$TL_DIR/apiservice.sh"

apiservice_install
# The manifests' RBAC for the proxy's own identity: reviews, and the authentication ConfigMap
# through the Role in kube-system (not only through the wide reader role).
sa=system:serviceaccount:$AS_NS:$AS_SVC
for check in "create tokenreviews.authentication.k8s.io" "create subjectaccessreviews.authorization.k8s.io"; do
  [[ $(cp_kubectl auth can-i $check --as "$sa") == yes ]] || fail "$sa cannot $check"
done
cp_kubectl -n kube-system get rolebinding "$AS_SVC:extension-apiserver-authentication-reader" -o jsonpath='{.roleRef.name}' |
  grep -qx extension-apiserver-authentication-reader || fail "no RoleBinding to extension-apiserver-authentication-reader in kube-system"
start_aggregated_proxy proxy-aggregated
wait_apiservice_available 60
t_log "APIService $AS_NAME Available"

cp_kubectl api-resources --api-group=stream.watchfilter.io >"$T_DIR/api-resources" ||
  fail "kubectl api-resources: $(cat "$T_DIR/api-resources")"
grep -Eq '^proxy +stream.watchfilter.io/v1alpha1 +false +FilteredStream' "$T_DIR/api-resources" ||
  fail "kubectl api-resources does not list the group: $(cat "$T_DIR/api-resources")"
cp_kubectl get --raw /apis/stream.watchfilter.io/v1alpha1 | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["kind"] == "APIResourceList" and d["groupVersion"] == "stream.watchfilter.io/v1alpha1", d
assert [r["name"] for r in d["resources"]] == ["proxy", "wakeups"], d' || fail "discovery document through the aggregator"
# kube-aggregator asked /apis for aggregated discovery v2, got our APIGroupList and fell back to
# the group version document.
grep -q 'GET /apis$' "$CP_DIR/logs/proxy-aggregated.log" ||
  t_log "note: the aggregator did not ask /apis (it may have used its cache)"
openapi_v3_lists_group() { cp_kubectl get --raw /openapi/v3 2>/dev/null | grep -q '"apis/stream.watchfilter.io/v1alpha1"'; }
wait_for 60 openapi_v3_lists_group ||
  fail "/openapi/v3 of kube-apiserver does not list apis/stream.watchfilter.io/v1alpha1"

# A filtered watch through kube-apiserver's aggregator.
name=agg-$RANDOM
path="/apis/stream.watchfilter.io/v1alpha1/proxy/api/v1/namespaces/default/configmaps?watch=true&filter=$(urlencode 'changed(data)')&fieldSelector=metadata.name%3D$name"
t_bg watch-aggregated sh -c "exec '$CP_BIN/kubectl' --kubeconfig '$CP_KUBECONFIG' get --raw '$path' >'$T_DIR/watch.out' 2>'$T_DIR/watch.err'"
wait_for 20 grep -q "GET $path\|filtered watch stream" "$CP_DIR/logs/proxy-aggregated.log" || fail "the watch did not reach the proxy"
sleep 1
cp_kubectl create configmap "$name" --from-literal=k=v1 >/dev/null
cp_kubectl label configmap "$name" suppressed=yes >/dev/null              # no data change
cp_kubectl patch configmap "$name" --type merge -p '{"data":{"k":"v2"}}' >/dev/null
cp_kubectl annotate configmap "$name" also=suppressed >/dev/null
cp_kubectl delete configmap "$name" >/dev/null
wait_for 20 has_event "$T_DIR/watch.out" DELETED "$name" || fail "no DELETED through the aggregator: $(cat "$T_DIR/watch.out" "$T_DIR/watch.err")"
types=$(python3 -c '
import json, sys
print(" ".join(json.loads(l)["type"] for l in open(sys.argv[1]) if l.strip()))' "$T_DIR/watch.out")
[[ $types == "ADDED MODIFIED DELETED" ]] || fail "through the aggregator: got [$types], want [ADDED MODIFIED DELETED] (label and annotation changes suppressed)"
python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert ev[1]["object"]["data"] == {"k": "v2"}, ev[1]' "$T_DIR/watch.out" || fail "MODIFIED does not carry the data change"
t_log "PASS: Available, api-resources lists stream.watchfilter.io, openapi v3 merged, filtered watch through the aggregator: $types"

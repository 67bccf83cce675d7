#!/usr/bin/env bash
# A stock controller-runtime operator (e2e/operator: dbop, controller-runtime v0.25.3, For
# Database + Owns ConfigMap and Deployment, no predicates, leader election, status patches,
# events), built from Go modules and run unchanged, with a ServiceAccount token, against
# kube-apiserver. The write script (e2e/clients/trace_heartbeats.py) replays rows of
# ../shared/data/wasm-operator-traces/traces_persona.csv, time-compressed: each row a status
# heartbeat of both Databases, every 12th row also a spec change (docs/adoption.md, "The
# measurement"). Checked:
#   - leader election: the operator holds its Lease, which is renewed during the run;
#   - every spec change is reconciled: each generation the script made appears in the
#     operator's "reconciled" log lines, and at the end status.observedGeneration, the
#     ConfigMap and the Deployment follow the last spec (status writes work), Events were made;
#   - the heartbeats wake it: controller_runtime_reconcile_total grows by at least half the
#     heartbeats written (it has no predicate to stop them).
# Then the same binary, only its KUBECONFIG's server changed to a view of watchfilter-proxy
# (https://127.0.0.1:8495/views/<ns>/dbop: changed(spec) + resync 30m for Databases,
# changed(spec) for Deployments, changed(data) for ConfigMaps), on the same write script:
#   - the same checks pass (every spec change reconciled, Lease held and renewed through the
#     view, status writes and Events through the view, in the proxy's log);
#   - it reconciles at most a quarter as often as the direct run;
#   - kubectl on the view works: `get` (forwarded Table), `get --raw` (the filtered list),
#     `--server <view URL>`.
# Prints the writes and the reconciles of both runs.
source "$(dirname "$0")/../lib/testlib.sh"
TRACE=${TRACE:-$REPO_DIR/../shared/data/wasm-operator-traces/traces_persona.csv}
[[ -f $TRACE ]] || fail "$TRACE not found"
ROWS=${REPLAY_ROWS:-144}
SPEEDUP=${REPLAY_SPEEDUP:-24}
SPEC_EVERY=${REPLAY_SPEC_EVERY:-12}
DATABASES=/apis/dbop.example.watchfilter.io/v1
DBOP=$("$REPO_DIR/e2e/operator/build-operator.sh") || fail "building the operator"

operator_cleanup() {
  t_cleanup
  local ns
  for ns in "${namespaces[@]}"; do cp_kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1 || true; done
  # Later tests share the control plane: leave it as found (owned_resources_test has a
  # Database kind of its own, and `kubectl get database` must not find two).
  cp_kubectl delete -f "$REPO_DIR/e2e/operator/database-crd.yaml" --ignore-not-found --wait=false >/dev/null 2>&1 || true
}
namespaces=()
trap operator_cleanup EXIT

cp_kubectl apply -f "$REPO_DIR/e2e/operator/database-crd.yaml" >/dev/null || fail "the Database CRD"
cp_kubectl wait --for condition=Established --timeout 30s crd/databases.dbop.example.watchfilter.io >/dev/null ||
  fail "the Database CRD did not become Established"
wait_for 20 cp_kubectl get --raw $DATABASES >/dev/null 2>&1 || fail "the databases API is not served"

# operator_namespace NS: the namespace, the operator's ServiceAccount and Role (what a
# kubebuilder operator's RBAC markers would make), and two Databases.
operator_namespace() {
  local ns=$1
  cp_kubectl create namespace "$ns" >/dev/null
  namespaces+=("$ns")
  cp_kubectl apply -n "$ns" -f - >/dev/null <<EOY || fail "RBAC and Databases in $ns"
apiVersion: v1
kind: ServiceAccount
metadata: {name: dbop}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: dbop}
rules:
- {apiGroups: [dbop.example.watchfilter.io], resources: [databases], verbs: [get, list, watch, update, patch]}
- {apiGroups: [dbop.example.watchfilter.io], resources: [databases/status], verbs: [get, update, patch]}
- {apiGroups: [""], resources: [configmaps], verbs: [get, list, watch, create, update, patch, delete]}
- {apiGroups: [apps], resources: [deployments], verbs: [get, list, watch, create, update, patch, delete]}
- {apiGroups: [coordination.k8s.io], resources: [leases], verbs: [get, list, watch, create, update, patch, delete]}
- {apiGroups: ["", events.k8s.io], resources: [events], verbs: [create, patch, update]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: dbop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: dbop}
subjects: [{kind: ServiceAccount, name: dbop, namespace: $ns}]
---
apiVersion: dbop.example.watchfilter.io/v1
kind: Database
metadata: {name: db1}
spec: {engine: mongo, version: 7.0.0, members: 3, settings: {cacheSizeGB: "0"}}
---
apiVersion: dbop.example.watchfilter.io/v1
kind: Database
metadata: {name: db2}
spec: {engine: mongo, version: 7.0.0, members: 3, settings: {cacheSizeGB: "0"}}
EOY
}

# operator_kubeconfig SERVER NS FILE CA: what a Pod of the operator would have: its
# ServiceAccount's token and the server's CA (SERVER: any URL with a path, e.g. a view).
operator_kubeconfig() {
  local token
  token=$(cp_kubectl -n "$2" create token dbop --duration 1h) || fail "token for $2/dbop"
  cat >"$3" <<EOK
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "$1", certificate-authority-data: $(base64 -w0 <"$4")}}]
users: [{name: dbop, user: {token: "$token"}}]
contexts: [{name: c, context: {cluster: c, user: dbop, namespace: $2}}]
current-context: c
EOK
}

reconciles() { # PORT: the operator's controller_runtime_reconcile_total for the database controller
  cp_exec curl -q -s -m 5 "http://127.0.0.1:$1/metrics" | wfcheck metric controller_runtime_reconcile_total controller=database || true
}
lease_field() { # NS JSONPATH
  cp_kubectl get lease dbop.example.watchfilter.io -n "$1" -o "jsonpath={$2}" 2>/dev/null || true
}
# db_follows NS NAME: the Database's status, ConfigMap and Deployment follow its current spec.
db_follows() {
  local ns=$1 name=$2
  python3 - "$(cp_kubectl get -n "$ns" databases.dbop.example.watchfilter.io "$name" -o json)" \
    "$(cp_kubectl get -n "$ns" configmap "$name-config" -o json 2>/dev/null || echo '{}')" \
    "$(cp_kubectl get -n "$ns" deployment "$name" -o json 2>/dev/null || echo '{}')" <<'EOP'
import json, sys
db, cm, dep = (json.loads(a) for a in sys.argv[1:4])
spec, st = db["spec"], db.get("status", {})
want = {"engine": spec["engine"], "version": spec["version"], "members": str(spec["members"])}
want.update({"setting." + k: v for k, v in spec.get("settings", {}).items()})
ok = (st.get("observedGeneration") == db["metadata"]["generation"] and st.get("phase") == "Ready"
      and cm.get("data") == want
      and dep.get("spec", {}).get("replicas") == spec["members"]
      and dep["spec"]["template"]["spec"]["containers"][0]["image"] == "%s:%s" % (spec["engine"], spec["version"]))
sys.exit(0 if ok else 1)
EOP
}
# stable PORT: the reconcile count did not move for 3 s.
stable() {
  local a b
  a=$(reconciles "$1"); sleep 3; b=$(reconciles "$1")
  [[ $a == "$b" && $a != absent ]]
}
# reconciled_generations LOG NAME: the generations of NAME in the operator's "reconciled" lines.
reconciled_generations() {
  python3 - "$1" "$2" <<'EOP'
import json, sys
seen = set()
for line in open(sys.argv[1], errors="replace"):
    try:
        r = json.loads(line)
    except ValueError:
        continue
    if r.get("msg") == "reconciled" and r.get("name") == sys.argv[2]:
        seen.add(r["generation"])
print(" ".join(str(g) for g in sorted(seen)))
EOP
}
# written_generations VERSIONS NAME: the generations the script's spec changes made (mutate.py
# records every object version written; status writes do not change the generation).
written_generations() {
  python3 - "$1" "$2" <<'EOP'
import json, sys
gens = set()
for line in open(sys.argv[1]):
    r = json.loads(line)
    m = r["object"]["metadata"]
    if m["name"] == sys.argv[2]:
        gens.add(m["generation"])
print(" ".join(str(g) for g in sorted(gens)))
EOP
}

# run_operator NAME SERVER CA NS METRICS_PORT: dbop for namespace NS, its KUBECONFIG's server
# SERVER (whose CA is CA); the write script on NS; the checks above. Sets RUN_WRITES,
# RUN_HEARTBEATS, RUN_SPEC_CHANGES, RUN_RECONCILES.
run_operator() {
  local name=$1 server=$2 ca=$3 ns=$4 port=$5 log=$CP_DIR/logs/$1.log
  operator_kubeconfig "$server" "$ns" "$T_DIR/$name.kubeconfig" "$ca"
  t_bg "$name" env KUBECONFIG="$T_DIR/$name.kubeconfig" WATCH_NAMESPACE="$ns" \
    "$DBOP" --leader-elect --metrics-bind-address "127.0.0.1:$port"
  wait_for 60 eval '[[ -n $(lease_field '"$ns"' .spec.holderIdentity) ]]' ||
    { tail -n 20 "$log" >&2; fail "$name: no leader Lease"; }
  wait_for 60 db_follows "$ns" db1 && wait_for 30 db_follows "$ns" db2 ||
    { tail -n 20 "$log" >&2; fail "$name: the Databases were not reconciled at the start"; }
  wait_for 30 stable "$port" || fail "$name: the reconciles do not settle"
  local before renew_before plan
  before=$(reconciles "$port")
  renew_before=$(lease_field "$ns" .spec.renewTime)

  plan=$(python3 "$CLIENTS_DIR/trace_heartbeats.py" --trace "$TRACE" --rows "$ROWS" --speedup "$SPEEDUP" \
    --spec-every "$SPEC_EVERY" --database "$DATABASES/namespaces/$ns/databases/db1" \
    --database "$DATABASES/namespaces/$ns/databases/db2" --out "$T_DIR/$name.jsonl")
  RUN_HEARTBEATS=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["heartbeats"])' "$plan")
  RUN_SPEC_CHANGES=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["spec_changes"])' "$plan")
  t_log "$name: replaying $ROWS trace rows ($(python3 -c 'import json,sys; p=json.loads(sys.argv[1]); print(p["trace_seconds"], "s of trace in", p["replay_seconds"])' "$plan") s): $RUN_HEARTBEATS heartbeats, $RUN_SPEC_CHANGES spec changes"
  mutate "$T_DIR/$name.jsonl" "$T_DIR/$name-versions.jsonl" || fail "$name: the write script failed"
  RUN_WRITES=$(wc -l <"$T_DIR/$name-versions.jsonl")

  wait_for 60 db_follows "$ns" db1 && wait_for 30 db_follows "$ns" db2 ||
    { tail -n 20 "$log" >&2; fail "$name: the Databases do not follow their last spec"; }
  wait_for 60 stable "$port" || fail "$name: the reconciles do not settle"
  RUN_RECONCILES=$(( $(reconciles "$port") - before ))
  local db written seen g
  for db in db1 db2; do
    written=$(written_generations "$T_DIR/$name-versions.jsonl" $db)
    seen=" $(reconciled_generations "$log" $db) "
    for g in $written; do
      [[ $seen == *" $g "* ]] || fail "$name: generation $g of $db (a spec change) was never reconciled; reconciled:$seen"
    done
  done
  [[ $(lease_field "$ns" .spec.renewTime) != "$renew_before" ]] || fail "$name: the Lease was not renewed during the run"
  # Events are sent by the recorder in the background.
  wait_for 20 eval 'cp_kubectl get events -n "$ns" --field-selector reason=Updated -o name | grep -q .' ||
    fail "$name: the operator made no Event"
  t_log "$name: $RUN_WRITES writes ($RUN_HEARTBEATS heartbeats, $RUN_SPEC_CHANGES spec changes): $RUN_RECONCILES reconciles, every spec change reconciled"
}

ns_direct=dbop-direct-$RANDOM
operator_namespace "$ns_direct"
run_operator dbop-direct https://127.0.0.1:$CP_APISERVER_PORT "$CP_DIR/ca.crt" "$ns_direct" 9495
direct_reconciles=$RUN_RECONCILES
((direct_reconciles * 2 >= RUN_HEARTBEATS)) ||
  fail "direct: $direct_reconciles reconciles for $RUN_HEARTBEATS heartbeats: the heartbeats should wake an operator without predicates"
direct_writes=$RUN_WRITES

# 2. The same binary through a view of watchfilter-proxy (standalone, its own serving
#    certificate): WatchFilters changed(spec) with resync 30m for Databases, changed(spec) for
#    Deployments, changed(data) for ConfigMaps, and the WatchView naming them.
WF_PORT=8495
proxy_serving_cert
apply_project_crds
start_proxy proxy $WF_PORT --tls-cert-file "$T_DIR/proxy-serving.crt" --tls-private-key-file "$T_DIR/proxy-serving.key"
ns_view=dbop-view-$RANDOM
operator_namespace "$ns_view"
cp_kubectl apply -n "$ns_view" -f - >/dev/null <<EOY || fail "the view in $ns_view"
apiVersion: watchfilter.io/v1alpha1
kind: WatchFilter
metadata: {name: databases}
spec:
  resource: {group: dbop.example.watchfilter.io, version: v1, resource: databases}
  filter: changed(spec)
  resync: 30m
---
apiVersion: watchfilter.io/v1alpha1
kind: WatchFilter
metadata: {name: deployments}
spec:
  resource: {group: apps, version: v1, resource: deployments}
  filter: changed(spec)
---
apiVersion: watchfilter.io/v1alpha1
kind: WatchFilter
metadata: {name: configmaps}
spec:
  resource: {version: v1, resource: configmaps}
  filter: changed(data)
---
apiVersion: watchfilter.io/v1alpha1
kind: WatchView
metadata: {name: dbop}
spec:
  filters: [{name: databases}, {name: deployments}, {name: configmaps}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: dbop-view}
rules:
- {apiGroups: [watchfilter.io], resources: [watchviews], resourceNames: [dbop], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: dbop-view}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: dbop-view}
subjects: [{kind: ServiceAccount, name: dbop, namespace: $ns_view}]
EOY
view_url=https://127.0.0.1:$WF_PORT/views/$ns_view/dbop
run_operator dbop-view "$view_url" "$T_DIR/proxy-ca.crt" "$ns_view" 9496
view_reconciles=$RUN_RECONCILES
[[ $RUN_WRITES == "$direct_writes" ]] || fail "the runs wrote $direct_writes and $RUN_WRITES times"
((view_reconciles * 4 <= direct_reconciles)) ||
  fail "through the view $view_reconciles reconciles, direct $direct_reconciles: not far fewer"

# Its lists and watches came from the view's WatchFilters, everything else was forwarded with its
# own token: leader election (the Lease's PUTs) and status writes among them.
filtered=$(proxy_metric $WF_PORT watchfilter_view_requests_total route=filtered)
forwarded=$(proxy_metric $WF_PORT watchfilter_view_requests_total route=forwarded)
((filtered >= 3 && forwarded >= 1)) || fail "view requests: $filtered filtered, $forwarded forwarded"
proxy_log=$CP_DIR/logs/proxy.log
grep -qE "PUT /views/$ns_view/dbop/apis/coordination.k8s.io/v1/namespaces/$ns_view/leases/dbop.example.watchfilter.io(\?[^ ]*)? -> 200" "$proxy_log" ||
  fail "no Lease renewal went through the view"
grep -qE "PATCH /views/$ns_view/dbop/apis/dbop.example.watchfilter.io/v1/namespaces/$ns_view/databases/db[12]/status(\?[^ ]*)? -> 200" "$proxy_log" ||
  fail "no status write went through the view"
delivered=$(proxy_metric $WF_PORT watchfilter_stream_events_delivered_total "filter=filterRef=$ns_view/databases")
suppressed=$(proxy_metric $WF_PORT watchfilter_stream_events_suppressed_total "filter=filterRef=$ns_view/databases")

# 3. kubectl on the view, as the operator's ServiceAccount: `get` (a Table, which
#    kube-apiserver makes: forwarded), `get --raw` of the list (the filtered list from the
#    informer), and --server on the command line.
view_kubectl() { cp_exec "$CP_BIN/kubectl" --kubeconfig "$T_DIR/dbop-view.kubeconfig" "$@"; }
[[ $(view_kubectl get databases.dbop.example.watchfilter.io -o name | sort | tr '\n' ' ') == "database.dbop.example.watchfilter.io/db1 database.dbop.example.watchfilter.io/db2 " ]] ||
  fail "kubectl get databases through the view: $(view_kubectl get databases.dbop.example.watchfilter.io 2>&1)"
raw=$(view_kubectl get --raw "/apis/dbop.example.watchfilter.io/v1/namespaces/$ns_view/databases") ||
  fail "kubectl get --raw through the view"
[[ $(python3 -c 'import json,sys; print(" ".join(sorted(i["metadata"]["name"] for i in json.loads(sys.argv[1])["items"])))' "$raw") == "db1 db2" ]] ||
  fail "the list through the view: $raw"
token=$(cp_kubectl -n "$ns_view" create token dbop --duration 10m)
cp_exec "$CP_BIN/kubectl" --server "$view_url" --certificate-authority "$T_DIR/proxy-ca.crt" --token "$token" \
  -n "$ns_view" get deployments db1 -o jsonpath='{.spec.replicas}' | grep -qx '[34]' ||
  fail "kubectl --server $view_url get deployments"

t_log "direct: $direct_reconciles reconciles; through the view: $view_reconciles reconciles ($filtered filtered lists/watches, $forwarded forwarded requests; the Databases' filter delivered $delivered, suppressed $suppressed) for $RUN_WRITES writes each, every spec change reconciled in both"

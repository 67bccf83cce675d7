#!/usr/bin/env bash
# One stream watches a primary resource and the secondaries it owns (WatchFilter spec.owned):
#   - a Database (a CR) owns a Deployment (ownerReferences, controller=true); no
#     kube-controller-manager runs, so Deployments are just stored objects;
#   - scaling the Deployment (admitted by the owned filter changed(spec.replicas)) delivers one
#     MODIFIED event of the Database on the Database stream, within a few seconds;
#   - a label change of the Deployment (rejected by that filter) delivers nothing, nor does
#     scaling a Deployment that the Database does not own;
#   - with spec.includeOwned the woken Database carries its current Deployments in the annotation
#     watchfilter.io/owned (a JSON array), so the child need not GET them; the Database's own
#     events do not carry it, nor do owner events of a WatchFilter without includeOwned;
#   - watchfilter_synthetic_events_total{reason="owner"} counts the owner events.
source "$(dirname "$0")/../lib/testlib.sh"
WF_PORT=8476

owned_cleanup() {
  t_cleanup
  # Later tests share the control plane: leave it as found.
  [[ -n ${ns:-} ]] && cp_kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1
  cp_kubectl delete crd databases.e2e.watchfilter.io --ignore-not-found --wait=false >/dev/null 2>&1
  cp_kubectl delete -f "$REPO_DIR/crds/" --ignore-not-found --wait=false >/dev/null 2>&1 || true
}
trap owned_cleanup EXIT

apply_project_crds
apply_test_crd Database databases <<'EOY'
type: object
x-kubernetes-preserve-unknown-fields: true
EOY
wait_for 20 cp_kubectl get wf -A >/dev/null 2>&1 || fail "watchfilters API not served"
start_proxy proxy $WF_PORT --watchfilter-status-interval 1s --bookmark-interval 1s

ns=owned-$RANDOM
cp_kubectl create namespace "$ns" >/dev/null
cp_kubectl apply -n "$ns" -f - >/dev/null <<'EOY' || fail "kubectl apply: Database, WatchFilters"
apiVersion: e2e.watchfilter.io/v1
kind: Database
metadata: {name: db1}
spec: {engine: mongo, members: 3}
---
apiVersion: watchfilter.io/v1alpha1
kind: WatchFilter
metadata: {name: db}
spec:
  resource: {group: e2e.watchfilter.io, version: v1, resource: databases}
  filter: changed(spec)
  owned:
  - resource: {group: apps, version: v1, resource: deployments}
    filter: changed(spec.replicas)
---
apiVersion: watchfilter.io/v1alpha1
kind: WatchFilter
metadata: {name: db-full}
spec:
  resource: {group: e2e.watchfilter.io, version: v1, resource: databases}
  filter: changed(spec)
  includeOwned: true
  owned:
  - resource: {group: apps, version: v1, resource: deployments}
    filter: changed(spec.replicas)
EOY
uid=$(cp_kubectl get databases.e2e.watchfilter.io db1 -n "$ns" -o jsonpath='{.metadata.uid}')
[[ -n $uid ]] || fail "no uid for db1"
deployment() { # name replicas [owner-uid]
  local owner=""
  [[ -n ${3:-} ]] && owner="
  ownerReferences:
  - {apiVersion: e2e.watchfilter.io/v1, kind: Database, name: db1, uid: \"$3\", controller: true, blockOwnerDeletion: true}"
  cp_kubectl apply -n "$ns" -f - >/dev/null <<EOY || fail "kubectl apply: Deployment $1"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: $1
  labels: {app: $1}$owner
spec:
  replicas: $2
  selector: {matchLabels: {app: $1}}
  template:
    metadata: {labels: {app: $1}}
    spec: {containers: [{name: c, image: registry.invalid/none:1}]}
EOY
}
deployment db1-mongo 1 "$uid"
deployment stranger 1
[[ $(cp_kubectl get deployment db1-mongo -n "$ns" -o jsonpath='{.metadata.ownerReferences[0].uid}') == "$uid" ]] ||
  fail "the Deployment does not name db1 as its owner"
ready_wf() { [[ $(cp_kubectl get wf "$1" -n "$ns" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}') == True ]]; }
wait_for 20 ready_wf db || fail "WatchFilter db is not Ready: $(cp_kubectl get wf db -n "$ns" -o yaml)"
wait_for 20 ready_wf db-full || fail "WatchFilter db-full is not Ready"

api=/apis/e2e.watchfilter.io/v1/namespaces/$ns/databases
streams_bg streams "$T_DIR/s" --timeout 60 \
  "db=$api?watch=true&allowWatchBookmarks=true&filterRef=$ns/db" \
  "full=$api?watch=true&allowWatchBookmarks=true&filterRef=$ns/db-full"
wait_for 20 test -f "$T_DIR/s/ready" || fail "the streams did not start: $(cat "$T_DIR"/s/*.end 2>/dev/null)"
wait_for 10 has_event "$T_DIR/s/db.out" ADDED db1 || fail "no initial ADDED of db1: $(head -c 300 "$T_DIR/s/db.out")"
wait_for 10 has_event "$T_DIR/s/full.out" ADDED db1 || fail "includeOwned: no initial ADDED of db1"
# The owned watches are subscribed right after the streams start.
sleep 1

# Rejected by the owned filter, and not owned at all: nothing.
cp_kubectl label deployment db1-mongo -n "$ns" tier=gold >/dev/null
cp_kubectl scale deployment stranger -n "$ns" --replicas 4 >/dev/null
sleep 4
for s in db full; do
  [[ $(count_events "$T_DIR/s/$s.out" MODIFIED db1) == 0 ]] ||
    fail "$s: a rejected or unowned Deployment change woke the Database stream: $(wfcheck records "$T_DIR/s/$s.out" | tr '\n' ';')"
done

# Admitted: the owner is delivered, once.
t0=$(date +%s.%N)
cp_kubectl scale deployment db1-mongo -n "$ns" --replicas 3 >/dev/null
wait_for 10 has_event "$T_DIR/s/db.out" MODIFIED db1 || fail "scaling the owned Deployment did not wake the Database stream"
woke=$(python3 -c "import sys,time; print(round(time.time()-float(sys.argv[1]),2))" "$t0")
wait_for 10 has_event "$T_DIR/s/full.out" MODIFIED db1 || fail "includeOwned: scaling did not wake the stream"
sleep 2
for s in db full; do
  [[ $(count_events "$T_DIR/s/$s.out" MODIFIED db1) == 1 ]] ||
    fail "$s: one scale, $(count_events "$T_DIR/s/$s.out" MODIFIED db1) owner events: $(wfcheck records "$T_DIR/s/$s.out" | tr '\n' ';')"
done

# The Database's own change: delivered by its filter, without the annotation.
cp_kubectl patch databases.e2e.watchfilter.io db1 -n "$ns" --type merge -p '{"spec":{"members":5}}' >/dev/null
wait_for 10 test "$(count_events "$T_DIR/s/full.out" MODIFIED db1)" -ge 2 || fail "includeOwned: the spec change of db1 was not delivered"
wait_for 10 test "$(count_events "$T_DIR/s/db.out" MODIFIED db1)" -ge 2 || fail "the spec change of db1 was not delivered"

python3 - "$T_DIR/s/db.out" "$T_DIR/s/full.out" <<'EOP' || fail "the owner events do not carry what they should: $(grep -h MODIFIED "$T_DIR/s/full.out" | head -c 1500)"
import json, sys
def modified(path):
    out = []
    for line in open(path):
        ev = json.loads(line)
        if ev["type"] == "MODIFIED" and ev["object"]["metadata"]["name"] == "db1":
            out.append(ev["object"])
    return out
db, full = modified(sys.argv[1]), modified(sys.argv[2])
assert len(db) == 2 and len(full) == 2, (len(db), len(full))
# Without includeOwned: the Database as stored, no annotation.
assert "watchfilter.io/owned" not in db[0]["metadata"].get("annotations", {}), db[0]["metadata"]
# With it: the owner event carries the Deployments it owns, full objects, current replicas.
owned = json.loads(full[0]["metadata"]["annotations"]["watchfilter.io/owned"])
assert isinstance(owned, list), owned
names = {(o["kind"], o["metadata"]["name"]): o for o in owned}
assert set(names) == {("Deployment", "db1-mongo")}, sorted(names)
d = names[("Deployment", "db1-mongo")]
assert d["apiVersion"] == "apps/v1", d.get("apiVersion")
assert d["spec"]["replicas"] == 3, d["spec"]
assert d["metadata"]["labels"]["tier"] == "gold", d["metadata"]["labels"]
# The owner is the Database's current object otherwise (the spec before the patch).
assert full[0]["spec"]["members"] == 3, full[0]["spec"]
# The Database's own event: no annotation (only owner events woken by a secondary carry it).
assert full[1]["spec"]["members"] == 5, full[1]["spec"]
assert "watchfilter.io/owned" not in full[1]["metadata"].get("annotations", {}), full[1]["metadata"]
EOP

owner_events=$(proxy_metric $WF_PORT watchfilter_synthetic_events_total reason=owner)
[[ $owner_events == 2 ]] || fail "watchfilter_synthetic_events_total{reason=\"owner\"} is $owner_events, want 2"

# A named watcher that was away: a scale made meanwhile wakes the owner when it resumes from the
# last resourceVersion it read (the owned watch resumes with it; at least once).
named="$api?watch=true&allowWatchBookmarks=true&filterRef=$ns/db&watcher=dbw&timeoutSeconds=4"
cp_exec curl -sk -N -m 10 -o "$T_DIR/w1.out" "https://127.0.0.1:$WF_PORT$named"
has_event "$T_DIR/w1.out" ADDED db1 || fail "named watcher: no initial ADDED of db1: $(head -c 300 "$T_DIR/w1.out")"
rv=$(wfcheck records "$T_DIR/w1.out" | tail -n 1 | cut -d' ' -f3)
[[ -n $rv ]] || fail "named watcher: no resourceVersion to resume from"
cp_kubectl scale deployment db1-mongo -n "$ns" --replicas 5 >/dev/null
cp_exec curl -sk -N -m 10 -o "$T_DIR/w2.out" "https://127.0.0.1:$WF_PORT$named&resourceVersion=$rv"
has_event "$T_DIR/w2.out" MODIFIED db1 ||
  fail "named watcher: a scale while it was away did not wake db1 on its resume from $rv: $(wfcheck records "$T_DIR/w2.out" | tr '\n' ';')"

# Authorization: the owned resources reach the stream too, so a caller who may watch
# Databases and read the WatchFilter but not watch Deployments gets a 403 naming deployments.
cp_kubectl -n "$ns" create serviceaccount dbreader >/dev/null
cp_kubectl -n "$ns" create role dbreader --verb=get,list,watch \
  --resource=databases.e2e.watchfilter.io,watchfilters.watchfilter.io >/dev/null
cp_kubectl -n "$ns" create rolebinding dbreader --role=dbreader --serviceaccount="$ns:dbreader" >/dev/null
token=$(cp_kubectl -n "$ns" create token dbreader)
code=$(cp_exec curl -q -sk -m 10 -o "$T_DIR/denied.out" -w '%{http_code}' -H "Authorization: Bearer $token" \
  "https://127.0.0.1:$WF_PORT$api?watch=true&filterRef=$ns/db&timeoutSeconds=2")
[[ $code == 403 ]] || fail "a caller who cannot watch deployments: want 403, got $code $(head -c 300 "$T_DIR/denied.out")"
grep -q 'cannot watch resource \\"deployments\\"' "$T_DIR/denied.out" || fail "the 403 does not name deployments: $(head -c 400 "$T_DIR/denied.out")"
cp_kubectl -n "$ns" create role deploy-watcher --verb=watch --resource=deployments.apps >/dev/null
cp_kubectl -n "$ns" create rolebinding deploy-watcher --role=deploy-watcher --serviceaccount="$ns:dbreader" >/dev/null
allowed() {
  [[ $(cp_exec curl -q -sk -m 10 -o "$T_DIR/allowed.out" -w '%{http_code}' -H "Authorization: Bearer $token" \
    "https://127.0.0.1:$WF_PORT$api?watch=true&filterRef=$ns/db&timeoutSeconds=1") == 200 ]]
}
# The proxy caches SubjectAccessReviews for 10 s.
wait_for 20 allowed || fail "with watch on deployments the stream is still refused: $(head -c 300 "$T_DIR/allowed.out")"

t_log "owner woken by its Deployment's scale after $woke s (includeOwned carries the Deployment at 3 replicas); label change and unowned Deployment: no event; a named watcher's resume gets the owner of a Deployment scaled while it was away"

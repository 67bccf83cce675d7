#!/usr/bin/env bash
# Stock client-go against a view (issue 15): wfwatch --informer (e2e/clients/go: a typed
# SharedInformer on ConfigMaps, no watchfilter parameter added, nothing but its kubeconfig's
# server changed) with a ServiceAccount token, three at once on the same writes:
#   - direct: server https://127.0.0.1:6443 (the baseline);
#   - view: server https://127.0.0.1:8497/views/<ns>/cms, a WatchView naming one WatchFilter,
#     ConfigMaps `changed(data)`;
#   - restart: the same view, with its reflector's watches ending every 2 s (timeoutSeconds set
#     through the informer factory's TweakListOptions; client-go's own rotation is 5-10 min).
# Two ConfigMaps exist before the informers start; the write script (as admin) creates a third,
# then changes each in turn: data changes among label-only and annotation-only changes, deletes
# one in the middle, and at the end changes one's data and deletes another. Checked:
#   - each informer syncs: its initial list (client-go 0.36's WatchList through the view) holds
#     the two ConfigMaps;
#   - direct: every write is one handler call, in order (type, name, resourceVersion, data);
#   - view: exactly the creation, the data changes and the deletes, in order, with their data and
#     resourceVersions; no label-only or annotation-only change; its requests went to /views/...
#     with no filter parameter, served as filtered reads (watchfilter_view_requests_total);
#   - restart: at least 3 re-watches, each from a resourceVersion at or past the last event it
#     handled, and no relist (one initial list, every request 200); every data change and delete
#     arrives in order with its data; besides, at most one event per object per re-watch (an
#     anonymous stream resumes with a fresh filter state, docs/views.md), each a real version.
# Prints the handler calls of each (writes, direct, view, restart) and the proxy's counts.
source "$(dirname "$0")/../lib/testlib.sh"
gobin=$("$CLIENTS_DIR/build-go-client.sh") || fail "could not build the client-go program"
WF_PORT=8497
WATCH_TIMEOUT=${WATCH_TIMEOUT:-2}
STEPS=${REFLECTOR_STEPS:-12}

proxy_serving_cert
apply_project_crds
start_proxy proxy $WF_PORT --tls-cert-file "$T_DIR/proxy-serving.crt" --tls-private-key-file "$T_DIR/proxy-serving.key"

ns=reflector-$RANDOM
cp_kubectl create namespace "$ns" >/dev/null
reflector_cleanup() {
  t_cleanup
  cp_kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1 || true
}
trap reflector_cleanup EXIT
configmap_view "$ns" cms configmaps
# The program's ServiceAccount: what an operator reading ConfigMaps has, and `get` on the view.
cp_kubectl apply -n "$ns" -f - >/dev/null <<EOY || fail "the ServiceAccount, its RBAC and the ConfigMaps in $ns"
apiVersion: v1
kind: ServiceAccount
metadata: {name: reflector}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reflector}
rules:
- {apiGroups: [""], resources: [configmaps], verbs: [get, list, watch]}
- {apiGroups: [watchfilter.io], resources: [watchviews], resourceNames: [cms], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reflector}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reflector}
subjects: [{kind: ServiceAccount, name: reflector, namespace: $ns}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: a}
data: {v: "0"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: b}
data: {v: "0"}
EOY
view_url=https://127.0.0.1:$WF_PORT/views/$ns/cms
# Once the proxy knows the WatchFilter, a list under the view is a filtered read, which the
# admin's client certificate may make (a forwarded one would be the client-certificate 403).
view_list_filtered() {
  [[ $(cp_exec curl -sk -m 5 -o /dev/null -w '%{http_code}' "$view_url/api/v1/namespaces/$ns/configmaps") == 200 ]]
}
wait_for 20 view_list_filtered || fail "the view's configmaps are not served as filtered reads"

token=$(cp_kubectl -n "$ns" create token reflector --duration 1h) || fail "a token for $ns/reflector"
kubeconfig() { # FILE SERVER CA
  cat >"$1" <<EOK
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "$2", certificate-authority-data: $(base64 -w0 <"$3")}}]
users: [{name: reflector, user: {token: "$token"}}]
contexts: [{name: c, context: {cluster: c, user: reflector, namespace: $ns}}]
current-context: c
EOK
}
kubeconfig "$T_DIR/direct.kubeconfig" "https://127.0.0.1:$CP_APISERVER_PORT" "$CP_DIR/ca.crt"
kubeconfig "$T_DIR/view.kubeconfig" "$view_url" "$T_DIR/proxy-ca.crt"

runs=(direct view restart)
informer() { # NAME KUBECONFIG [flags...]
  local name=$1 kc=$2; shift 2
  t_bg "informer-$name" "$gobin" --informer --kubeconfig "$kc" --namespace "$ns" --timeout 120 \
    --out "$T_DIR/$name.out" "$@"
}
informer direct "$T_DIR/direct.kubeconfig"
informer view "$T_DIR/view.kubeconfig"
informer restart "$T_DIR/view.kubeconfig" --watch-timeout "$WATCH_TIMEOUT"
synced() { local r; for r in "${runs[@]}"; do grep -q '^OPEN' "$T_DIR/$r.out" 2>/dev/null || return 1; done; }
wait_for 30 synced || {
  for r in "${runs[@]}"; do tail -n 5 "$T_DIR/$r.out" "$CP_DIR/logs/informer-$r.log" >&2; done
  fail "the informers did not sync"
}
for r in "${runs[@]}"; do
  grep -qx 'SYNCED 2' "$T_DIR/$r.out" || fail "$r: the informer synced on $(grep SYNCED "$T_DIR/$r.out"), not the 2 ConfigMaps"
  for n in a b; do
    grep -q "^ADDED $n .* data={\"v\":\"0\"}$" "$T_DIR/$r.out" || fail "$r: no ADDED $n from the initial list"
  done
done

# The write script: c created; then STEPS rounds over a, b, c, each object getting a data, a
# label-only or an annotation-only change in turn; b deleted after the half; a's data changed
# and c deleted at the end. A round every 0.8 s, so that the restart run's watches end during it.
cm=/api/v1/namespaces/$ns/configmaps
python3 - "$cm" "$STEPS" >"$T_DIR/ops.jsonl" <<'EOP'
import json, sys
cm, steps = sys.argv[1], int(sys.argv[2])
op = lambda **o: print(json.dumps(o))
op(method="POST", path=cm, body={"metadata": {"name": "c"}, "data": {"v": "0"}})
names = ["a", "b", "c"]
for step in range(1, steps + 1):
    if step == steps // 2 + 1:
        op(method="DELETE", path=f"{cm}/b")
        names.remove("b")
    for i, n in enumerate(names):
        kind = (step + i) % 3
        if kind == 0:
            op(method="PATCH", path=f"{cm}/{n}", body={"data": {"v": str(step)}})
        elif kind == 1:
            op(method="PATCH", path=f"{cm}/{n}", body={"metadata": {"labels": {"step": str(step)}}})
        else:
            op(method="PATCH", path=f"{cm}/{n}", body={"metadata": {"annotations": {"step": str(step)}}})
    op(sleep=0.8)
op(method="PATCH", path=f"{cm}/a", body={"data": {"v": "final", "w": "x"}})
op(method="DELETE", path=f"{cm}/c")
EOP
mutate "$T_DIR/ops.jsonl" "$T_DIR/versions.jsonl" || fail "the write script failed"
seen_end() { local r; for r in "${runs[@]}"; do grep -q '^DELETED c ' "$T_DIR/$r.out" || return 1; done; }
wait_for 30 seen_end || fail "not every informer got the DELETED of c"
sleep 1
# The series of anonymous streams go with their last stream: read while the informers run.
delivered=$(proxy_metric $WF_PORT watchfilter_stream_events_delivered_total "filter=filterRef=$ns/configmaps")
suppressed=$(proxy_metric $WF_PORT watchfilter_stream_events_suppressed_total "filter=filterRef=$ns/configmaps")
for r in "${runs[@]}"; do cp_stop_bg "informer-$r"; done
for r in "${runs[@]}"; do grep -q '^SUMMARY' "$T_DIR/$r.out" || fail "$r: no SUMMARY (the informer did not stop cleanly)"; done

# check MODE OUT: the handler calls after OPEN against the writes (e2e/clients/mutate.py's
# versions; a DELETE's reply is a Status, so DELETED is compared by name). MODE all: every
# write; data: the creations, data changes and deletes; restart: those in order, and the
# others only as real versions, at most one per object per re-watch. Prints a summary line.
check() {
  python3 - "$1" "$2" "$T_DIR/versions.jsonl" <<'EOP'
import json, sys
mode, out, versions = sys.argv[1:4]
enc = lambda d: json.dumps(d, separators=(",", ":"), sort_keys=True)
want, other, data = [], set(), {}
for line in open(out):  # the data of the listed objects, before OPEN (checked by the test)
    f = line.split()
    if f and f[0] == "OPEN":
        break
    if f and f[0] == "ADDED":
        data[f[1]] = f[4][5:]
for line in open(versions):
    r = json.loads(line)
    if r["type"] == "DELETED":
        o = r["object"]
        name = (o.get("details") or o.get("metadata"))["name"]
        want.append(("DELETED", name, None, None))
        continue
    md = r["object"]["metadata"]
    d = enc(r["object"].get("data"))
    rec = (r["type"], md["name"], md["resourceVersion"], d)
    if mode == "all" or r["type"] == "ADDED" or data.get(md["name"]) != d:
        want.append(rec)
    else:
        other.add(rec[1:3])
    data[md["name"]] = d
got, requests, after_open = [], [], False
for line in open(out):
    f = line.split()
    if f and f[0] == "OPEN":
        after_open = True
    elif f and f[0] == "REQUEST":
        requests.append((f[1], f[2][3:], f[4], len(got), after_open))
    elif after_open and f and f[0] in ("ADDED", "MODIFIED", "DELETED"):
        got.append((f[0], f[1], f[2], f[4][5:]))
key = lambda e: e[:2] if e[0] == "DELETED" else e
def fail(msg):
    print(f"{mode} {out}: {msg}\n  want: {[' '.join(map(str, w)) for w in want]}\n  got:  {[' '.join(map(str, g)) for g in got]}", file=sys.stderr)
    sys.exit(1)
extra = []
if mode != "restart":
    if [key(g) for g in got] != [key(w) for w in want]:
        fail("the handler calls are not the expected ones")
else:
    wanted = {key(w) for w in want}
    main = [g for g in got if key(g) in wanted]
    extra = [g for g in got if key(g) not in wanted]
    if [key(g) for g in main] != [key(w) for w in want]:
        fail("the data changes and deletes did not all arrive in order")
    bad = [g for g in extra if g[0] != "MODIFIED" or (g[1], g[2]) not in other]
    if bad:
        fail(f"events that are no version the script wrote: {bad}")
    lists = [q for q in requests if q[0] != "WATCH"]
    rewatches = [q for q in requests if q[0] == "WATCH"]
    if len(lists) != 1:
        fail(f"{len(lists)} lists: {requests} (a relist)")
    if any(q[2] != "200" for q in requests):
        fail(f"a request was not answered 200: {requests}")
    if len(rewatches) < 3:
        fail(f"only {len(rewatches)} re-watches: {requests}")
    # A re-watch resumes from the reflector's last resourceVersion: never before an event it
    # handled (the handler runs after the store took the event).
    for kind, rv, code, handled, _ in rewatches:
        last = max([int(g[2]) for g in got[:handled] if g[0] != "DELETED"] + [0])
        if not rv.isdigit() or int(rv) < last:
            fail(f"a re-watch from resourceVersion {rv!r}, before the handled {last}")
    per_object = {}
    for g in extra:
        per_object[g[1]] = per_object.get(g[1], 0) + 1
    if any(v > len(rewatches) for v in per_object.values()):
        fail(f"more label/annotation-only changes per object than re-watches: {per_object}, {len(rewatches)} re-watches")
    print(f"{len(main)} of {len(want)} expected in order, {len(extra)} label/annotation-only "
          f"after {len(rewatches)} re-watches and 1 list")
    sys.exit(0)
print(f"{len(got)} handler calls, exactly the {len(want)} expected")
EOP
}
writes=$(wc -l <"$T_DIR/versions.jsonl")
direct_sum=$(check all "$T_DIR/direct.out") || fail "direct: not every write arrived as one handler call, in order"
view_sum=$(check data "$T_DIR/view.out") || fail "view: not exactly the creation, data changes and deletes"
restart_sum=$(check restart "$T_DIR/restart.out") || fail "restart: the reflector did not survive its watch restarts"
grep -q '^MODIFIED a .* data={"v":"final","w":"x"}$' "$T_DIR/view.out" || fail "view: a's final data did not arrive"

# The view's programs sent stock requests: under /views/..., no watchfilter parameter.
for r in view restart; do
  log=$CP_DIR/logs/informer-$r.log
  grep -q "^wfwatch: GET /views/$ns/cms/api/v1/namespaces/$ns/configmaps?" "$log" || fail "$r: no request under the view"
  ! grep -E '^wfwatch: .*[?&](filter|filterRef|watcher)=' "$log" || fail "$r: a watchfilter parameter was sent"
done
filtered=$(proxy_metric $WF_PORT watchfilter_view_requests_total route=filtered)
rewatches=$(grep -c '^REQUEST WATCH ' "$T_DIR/restart.out")
((filtered >= 2 + rewatches)) || fail "watchfilter_view_requests_total{route=filtered} is $filtered, want >= $((2 + rewatches))"

for r in "${runs[@]}"; do t_log "$r: $(grep '^SUMMARY' "$T_DIR/$r.out")"; done
t_log "restart: its reflector's requests: $(grep '^REQUEST' "$T_DIR/restart.out" | cut -d' ' -f2,3 | tr '\n' ' ')"
t_log "PASS: $writes writes; direct: $direct_sum; view: $view_sum; restart (watches of ${WATCH_TIMEOUT}s): $restart_sum; the proxy: $filtered filtered reads, the WatchFilter delivered $delivered and suppressed $suppressed"

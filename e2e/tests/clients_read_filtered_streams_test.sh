#!/usr/bin/env bash
# Unmodified client libraries read filtered streams: kubectl get --raw, the python kubernetes
# client (Watch().stream(), typed decoding) and client-go (typed clientset and dynamic client,
# the filter added by a WrapTransport), each on a core resource (configmaps), a custom resource
# (widgets.e2e.watchfilter.io) and a cluster-scoped one (namespaces, with a labelSelector);
# and a client-go SharedInformer (list + WatchList through the proxy) on the configmaps.
# Each client must get exactly the events watchfilter-eval admits from kube-apiserver's own
# watch of the same changes (kubectl: the same bytes; the libraries: the same types, names and
# resourceVersions, decoded into their types), and, with --bookmark-interval 1s, a BOOKMARK
# carrying a resourceVersion at least that of the last suppressed change of a quiet phase in
# which every change was suppressed.
source "$(dirname "$0")/../lib/testlib.sh"
[[ -x $WF_EVAL ]] || fail "$WF_EVAL not built"
gobin=$("$CLIENTS_DIR/build-go-client.sh") || fail "could not build the client-go program"
WF_PORT=8464
start_proxy proxy $WF_PORT --bookmark-interval 1s
proxy_kubeconfig $WF_PORT "$T_DIR/proxy.kubeconfig"
ensure_widgets_crd

id=$RANDOM
ns=clients-$id
cp_kubectl create namespace "$ns" >/dev/null
# resource: path, filter, python/go resource argument, label selector
declare -A path filter res sel
path[cm]=/api/v1/namespaces/$ns/configmaps;  filter[cm]='changed(data)'; res[cm]=configmaps
path[wd]=$WIDGETS/namespaces/$ns/widgets;     filter[wd]='delta(spec.size) >= 3 || changed(spec.tier)'; res[wd]=e2e.watchfilter.io/v1/widgets
path[ns]=/api/v1/namespaces;                  filter[ns]='changed(metadata.labels["stage"])'; res[ns]=namespaces
sel[cm]=""; sel[wd]=""; sel[ns]="e2e-clients=$id"
kinds=(cm wd ns)

direct=()
for k in "${kinds[@]}"; do
  q="watch=true&allowWatchBookmarks=true&timeoutSeconds=120"
  [[ -n ${sel[$k]} ]] && q+="&labelSelector=$(urlencode "${sel[$k]}")"
  direct+=("$k=${path[$k]}?$q&resourceVersion=$(resource_version "${path[$k]}${sel[$k]:+?labelSelector=$(urlencode "${sel[$k]}")}")")
  t_bg "kubectl-$k" sh -c "exec '$CP_BIN/kubectl' --kubeconfig '$T_DIR/proxy.kubeconfig' get --raw '${path[$k]}?$q&filter=$(urlencode "${filter[$k]}")' >'$T_DIR/kubectl-$k.out'"
  common=(--kubeconfig "$T_DIR/proxy.kubeconfig" --resource "${res[$k]}" --filter "${filter[$k]}" --timeout 120)
  [[ $k != ns ]] && common+=(--namespace "$ns")
  [[ -n ${sel[$k]} ]] && common+=(--label-selector "${sel[$k]}")
  t_bg "python-$k" "$PY_KUBE" "$CLIENTS_DIR/py_kube_watch.py" "${common[@]}" --out "$T_DIR/python-$k.out"
  t_bg "go-$k" "$gobin" "${common[@]}" --out "$T_DIR/go-$k.out"
done
# And a client-go SharedInformer (its reflector lists and watches, with WatchList in client-go
# 0.36) on the configmaps: its handler calls must be the admitted events too.
t_bg informer-cm "$gobin" --informer --kubeconfig "$T_DIR/proxy.kubeconfig" --namespace "$ns" \
  --filter "${filter[cm]}" --timeout 120 --out "$T_DIR/informer-cm.out"
direct_streams_bg direct "$T_DIR/d" --timeout 130 "${direct[@]}"
opened() {
  local c k
  for c in python go; do for k in "${kinds[@]}"; do grep -q '^OPEN' "$T_DIR/$c-$k.out" 2>/dev/null || return 1; done; done
  grep -q '^OPEN' "$T_DIR/informer-cm.out" 2>/dev/null
}
wait_for 30 opened || { head "$T_DIR"/*.out "$CP_DIR"/logs/{python,go}-*.log >&2; fail "the clients did not open their watches"; }
wait_for 20 test -f "$T_DIR/d/ready" || fail "the direct watches did not start"
sleep 1

outs() {
  local k=$1
  echo "$T_DIR/d/$k.out $T_DIR/kubectl-$k.out $T_DIR/python-$k.out $T_DIR/go-$k.out"
  [[ $k != cm ]] || echo "$T_DIR/informer-cm.out"
}
seen_by_all() { # kind type name
  local o
  for o in $(outs "$1"); do
    [[ $o == *.out && $(wfcheck records "$o" | grep -c "^$2 $3 ") -ge 1 ]] || return 1
  done
}

# The sentinels tell when every stream is live, and when it has seen everything.
cns=/api/v1/namespaces
python3 - "$ns" "$id" "$WIDGETS" start >"$T_DIR/start.jsonl" <<'EOP'
import json, sys
ns, id, widgets, phase = sys.argv[1:5]
print(json.dumps({"method": "POST", "path": f"/api/v1/namespaces/{ns}/configmaps", "body": {"metadata": {"name": "sentinel"}, "data": {"s": "1"}}}))
print(json.dumps({"method": "POST", "path": f"{widgets}/namespaces/{ns}/widgets", "body": {"apiVersion": "e2e.watchfilter.io/v1", "kind": "Widget", "metadata": {"name": "sentinel"}, "spec": {"size": 0}}}))
print(json.dumps({"method": "POST", "path": "/api/v1/namespaces", "body": {"metadata": {"name": f"clients-{id}-sentinel", "labels": {"e2e-clients": id}}}}))
EOP
mutate "$T_DIR/start.jsonl" "$T_DIR/start.versions" || fail "creating the sentinels failed"
for k in cm wd; do wait_for 30 seen_by_all $k ADDED sentinel || fail "$k: not every client saw the sentinel's ADDED"; done
wait_for 30 seen_by_all ns ADDED "clients-$id-sentinel" || fail "ns: not every client saw the sentinel's ADDED"

# Three objects of each kind; admitted and suppressed changes; a quiet phase of suppressed
# changes only (the bookmarks must move on through it); admitted changes; the end.
python3 - "$ns" "$id" "$WIDGETS" "$T_DIR/quiet-rv" >"$T_DIR/ops.jsonl" <<'EOP'
import json, sys
ns, id, widgets, quiet = sys.argv[1:5]
cm = f"/api/v1/namespaces/{ns}/configmaps"; wd = f"{widgets}/namespaces/{ns}/widgets"; nsp = "/api/v1/namespaces"
op = lambda **o: print(json.dumps(o))
names = ["a", "b", "c"]
for n in names:
    op(method="POST", path=cm, body={"metadata": {"name": n}, "data": {"v": "0"}})
    op(method="POST", path=wd, body={"apiVersion": "e2e.watchfilter.io/v1", "kind": "Widget", "metadata": {"name": n}, "spec": {"size": 10, "tier": "gold"}})
    op(method="POST", path=nsp, body={"metadata": {"name": f"clients-{id}-{n}", "labels": {"e2e-clients": id, "stage": "one"}}})
def mixed(step):
    for i, n in enumerate(names):
        if (step + i) % 2:   # admitted
            op(method="PATCH", path=f"{cm}/{n}", body={"data": {"v": str(step)}})
            op(method="PATCH", path=f"{wd}/{n}", body={"spec": {"size": 10 + 4 * step}})
            op(method="PATCH", path=f"{nsp}/clients-{id}-{n}", body={"metadata": {"labels": {"stage": f"s{step}"}}})
        else:                # suppressed
            suppressed(step, n)
def suppressed(step, n):
    op(method="PATCH", path=f"{cm}/{n}", body={"metadata": {"annotations": {"step": str(step)}}})
    op(method="PATCH", path=f"{wd}/{n}", body={"spec": {"note": f"step {step}"}})
    op(method="PATCH", path=f"{nsp}/clients-{id}-{n}", body={"metadata": {"labels": {"other": f"o{step}"}}})
for step in range(1, 5):
    mixed(step)
for step in range(5, 8):   # the quiet phase
    for n in names:
        suppressed(step, n)
op(wait_file=quiet + ".go", timeout=30)
for step in range(8, 10):
    mixed(step)
op(method="DELETE", path=f"{cm}/a")
op(method="DELETE", path=f"{wd}/b")
# c stops matching the label selector: a DELETED event for the selector's watchers.
op(method="PATCH", path=f"{nsp}/clients-{id}-c", body={"metadata": {"labels": {"e2e-clients": None}}})
EOP
# mutate waits before the last phase; meanwhile find the quiet phase's last resourceVersion
# and give the 1 s bookmarks time to carry it.
mutate "$T_DIR/ops.jsonl" "$T_DIR/versions.jsonl" & mpid=$!
quiet_done() { [[ $(grep -c '"annotations":{"step":"7"}\|"note":"step 7"\|"other":"o7"' "$T_DIR/versions.jsonl" 2>/dev/null) -ge 9 ]]; }
wait_for 60 quiet_done || { kill $mpid; fail "the changes did not reach the quiet phase"; }
# Per kind, the resourceVersion of the last (suppressed) change of the quiet phase.
declare -A quiet_rv
while read -r k v; do quiet_rv[$k]=$v; done < <(python3 - "$T_DIR/versions.jsonl" <<'EOP'
import json, sys
kinds = {"ConfigMap": "cm", "Widget": "wd", "Namespace": "ns"}
last = {}
for line in open(sys.argv[1]):
    o = json.loads(line)["object"]
    md = o["metadata"]
    if "7" in ((md.get("annotations") or {}).get("step"), (md.get("labels") or {}).get("other", "")[-1:], (o.get("spec") or {}).get("note", "")[-1:]):
        last[kinds[o["kind"]]] = md["resourceVersion"]
for k, v in last.items():
    print(k, v)
EOP
)
((${#quiet_rv[@]} == 3)) || fail "could not find the quiet phase's resourceVersions"
sleep 3
touch "$T_DIR/quiet-rv.go"
wait $mpid || fail "applying the changes failed"

python3 - "$ns" "$id" "$WIDGETS" >"$T_DIR/end.jsonl" <<'EOP'
import json, sys
ns, id, widgets = sys.argv[1:4]
print(json.dumps({"method": "DELETE", "path": f"/api/v1/namespaces/{ns}/configmaps/sentinel"}))
print(json.dumps({"method": "DELETE", "path": f"{widgets}/namespaces/{ns}/widgets/sentinel"}))
print(json.dumps({"method": "PATCH", "path": f"/api/v1/namespaces/clients-{id}-sentinel", "body": {"metadata": {"labels": {"e2e-clients": None}}}}))
EOP
mutate "$T_DIR/end.jsonl" "$T_DIR/end.versions" || fail "ending failed"
for k in cm wd; do wait_for 30 seen_by_all $k DELETED sentinel || fail "$k: not every client saw the sentinel's DELETED"; done
wait_for 30 seen_by_all ns DELETED "clients-$id-sentinel" || fail "ns: not every client saw the sentinel's DELETED"

declare -A pytype=([cm]=V1ConfigMap [wd]=dict [ns]=V1Namespace) gotype=([cm]=v1.ConfigMap [wd]=*unstructured.Unstructured [ns]=v1.Namespace)
summary=""
for k in "${kinds[@]}"; do
  wfcheck strip-bookmarks "$T_DIR/d/$k.out" >"$T_DIR/upstream-$k.jsonl"
  "$WF_EVAL" --filter "${filter[$k]}" <"$T_DIR/upstream-$k.jsonl" >"$T_DIR/expected-$k.jsonl"
  wfcheck events "$T_DIR/expected-$k.jsonl" >"$T_DIR/expected-$k.txt"
  total=$(wc -l <"$T_DIR/upstream-$k.jsonl") admitted=$(wc -l <"$T_DIR/expected-$k.txt")
  ((admitted > 5 && admitted < total)) || fail "$k: the filter admits $admitted of $total events: not a test of filtering"
  wfcheck strip-bookmarks "$T_DIR/kubectl-$k.out" >"$T_DIR/kubectl-$k.events"
  wfcheck same "$T_DIR/expected-$k.jsonl" "$T_DIR/kubectl-$k.events" watchfilter-eval "kubectl ($k)" ||
    fail "$k: kubectl get --raw did not get exactly the admitted events"
  clients=(python go); [[ $k == cm ]] && clients+=(informer)
  for c in "${clients[@]}"; do
    wfcheck records "$T_DIR/$c-$k.out" | grep -v '^BOOKMARK' >"$T_DIR/$c-$k.txt" || true
    diff "$T_DIR/expected-$k.txt" "$T_DIR/$c-$k.txt" >&2 || fail "$k: the $c client did not get exactly the admitted events"
    [[ $c == python ]] && want=${pytype[$k]} || want=${gotype[$k]}   # go and informer: client-go types
    bad=$(grep -E '^(ADDED|MODIFIED|DELETED) ' "$T_DIR/$c-$k.out" | awk -v t="$want" '$4 != t' | head -n1)
    [[ -z $bad ]] || fail "$k: the $c client decoded an event into something else than $want: $bad"
    ! grep -q '^ERROR' "$T_DIR/$c-$k.out" || fail "$k: the $c client got an error: $(grep '^ERROR' "$T_DIR/$c-$k.out")"
  done
  for c in kubectl python go; do
    wfcheck bookmark-covers "$T_DIR/$c-$k.out" "${quiet_rv[$k]}" ||
      fail "$k: $c got no BOOKMARK at resourceVersion >= ${quiet_rv[$k]} (the last change of the quiet phase) before the next event"
  done
  summary+=" $k: $admitted of $total;"
done
t_log "the informer's requests: $(grep -o 'GET [^ ]*' "$CP_DIR/logs/informer-cm.log" | sed 's/filter=[^&]*&//' | sort -u | tr '\n' ' ')"
t_log "PASS: kubectl, python, client-go (and a client-go informer on configmaps) each got exactly the admitted events ($summary) and a BOOKMARK through the suppressed phase"

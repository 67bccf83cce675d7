#!/usr/bin/env bash
# changed(path) compares a hash of the raw JSON of a subtree with the hash last delivered, so it
# relies on kube-apiserver writing the same object version as the same bytes. This pins it: a
# Deployment read by GET (from etcd and from the watch cache), inside a LIST and inside a watch
# event is the same byte sequence; and after an update that leaves spec alone, changed(spec)
# (watchfilter-eval, the filters library) does not fire while changed(metadata.labels) does.
source "$(dirname "$0")/../lib/testlib.sh"
eval_tool=${WF_EVAL:-$REPO_DIR/build/filters/watchfilter-eval}
[[ -x $eval_tool ]] || fail "$eval_tool not built"

name=determinism-$RANDOM
cat >"$T_DIR/deploy.yaml" <<EOY
apiVersion: apps/v1
kind: Deployment
metadata: {name: $name, namespace: default, labels: {app: $name}, annotations: {note: "ü ✓ <&>"}}
spec:
  replicas: 3
  selector: {matchLabels: {app: $name}}
  template:
    metadata: {labels: {app: $name, tier: edge}}
    spec:
      containers:
      - name: c
        image: registry.invalid/app:1
        env: [{name: B, value: "2"}, {name: A, value: "1"}]
        resources: {limits: {cpu: 500m, memory: 64Mi}}
EOY
cp_kubectl apply -f "$T_DIR/deploy.yaml" >/dev/null
api=https://127.0.0.1:6443/apis/apps/v1/namespaces/default/deployments
cp_curl -o "$T_DIR/get1" "$api/$name"
cp_curl -o "$T_DIR/get2" "$api/$name"
cp_curl -o "$T_DIR/get-cache" "$api/$name?resourceVersion=0"
cp_curl -o "$T_DIR/list" "$api"
cp_curl -o "$T_DIR/watch" "$api?watch=true&resourceVersion=0&timeoutSeconds=1&fieldSelector=metadata.name%3D$name"

python3 - "$T_DIR" <<'EOP' || fail "serialization differs (see above)"
import sys, json
d = sys.argv[1]
raw = lambda f: open(f"{d}/{f}", "rb").read().rstrip(b"\n")
get1, get2, cache, lst, watch = (raw(f) for f in ("get1", "get2", "get-cache", "list", "watch"))
ok = True
def check(what, cond):
    global ok
    print(("ok   " if cond else "FAIL ") + what, file=sys.stderr)
    ok &= cond
check("two GETs are byte-identical", get1 == get2)
check("GET from the watch cache (resourceVersion=0) equals GET from etcd", cache == get1)
head = b'{"kind":"Deployment","apiVersion":"apps/v1",'
check("GET starts with kind and apiVersion", get1.startswith(head))
check("the LIST item is the GET body without kind/apiVersion", b"{" + get1[len(head):] in lst)
lines = watch.split(b"\n")
check("the watch event is the GET body, verbatim", lines[0] == b'{"type":"ADDED","object":' + get1 + b"}")
sys.exit(0 if ok else 1)
EOP

# A label-only update: the spec subtree keeps its bytes, so changed(spec) stays quiet.
rv=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["metadata"]["resourceVersion"])' "$T_DIR/get1")
cp_kubectl label deployment "$name" extra=yes >/dev/null
cp_kubectl scale deployment "$name" --replicas=4 >/dev/null
cp_curl -o "$T_DIR/watch2" "$api?watch=true&resourceVersion=$rv&timeoutSeconds=2&fieldSelector=metadata.name%3D$name"
[[ $(wc -l <"$T_DIR/watch2") == 2 ]] || fail "expected 2 MODIFIED events, got: $(cat "$T_DIR/watch2")"
{ head -n1 "$T_DIR/watch"; cat "$T_DIR/watch2"; } >"$T_DIR/events"
admitted() { "$eval_tool" --filter "$1" <"$T_DIR/events" | wc -l; }
[[ $(admitted 'changed(spec)') == 2 ]] || fail "changed(spec) should admit the ADDED and the scale event only"
[[ $(admitted 'changed(metadata.labels)') == 2 ]] || fail "changed(metadata.labels) should admit ADDED and the label event"
[[ $(admitted 'changed(spec.template)') == 1 ]] || fail "changed(spec.template) should admit the ADDED event only"
cp_kubectl delete deployment "$name" >/dev/null
t_log "PASS: same object version, same bytes (GET, cache GET, LIST, watch); changed() follows real updates"

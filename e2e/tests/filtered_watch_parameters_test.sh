#!/usr/bin/env bash
# The standard watch parameters keep their meaning on a filtered watch, compared with what
# kube-apiserver itself answers (its events run through watchfilter-eval):
#   resourceVersion unset / "0": ADDED events of the current objects that pass, the same lines
#     upstream sends (in any order), then live events;
#   sendInitialEvents=true&resourceVersionMatch=NotOlderThan: those ADDEDs, then a BOOKMARK
#     annotated k8s.io/initial-events-end: "true";
#   labelSelector, fieldSelector: only matching objects; timeoutSeconds: the stream ends;
#   a non-watch GET with a filter: the List of the objects that pass, and a watch from its
#     resourceVersion (a reflector's list-then-watch) gets exactly the changes after it; a GET
#     of one object (.../configmaps/NAME?filter=...) answers the object, not a List;
#   DELETED is delivered even when the filter says false;
#   a filter that does not compile: 400 with a Status naming the column, no stream.
source "$(dirname "$0")/../lib/testlib.sh"
[[ -x $WF_EVAL ]] || fail "$WF_EVAL not built"
WF_PORT=8468
start_proxy proxy $WF_PORT

ns=params-$RANDOM
cp_kubectl create namespace "$ns" >/dev/null
api=/api/v1/namespaces/$ns/configmaps
f='data.keep == "yes"'
fq=$(urlencode "$f")
for i in 0 1 2 3 4 5 6 7; do
  keep=no; ((i % 3 == 0)) && keep=yes
  cp_kubectl create configmap "cm-$i" -n "$ns" --from-literal=keep=$keep --from-literal=i=$i >/dev/null
  cp_kubectl label configmap "cm-$i" -n "$ns" tier=$((i % 2)) >/dev/null
done

# Upstream's own initial events (resourceVersion unset), through the filter.
cp_curl -m 10 -o "$T_DIR/upstream-initial.jsonl" "https://127.0.0.1:6443$api?watch=true&timeoutSeconds=1"
"$WF_EVAL" --filter "$f" <"$T_DIR/upstream-initial.jsonl" | sort >"$T_DIR/expected-initial.jsonl"
[[ $(wc -l <"$T_DIR/expected-initial.jsonl") == 3 ]] || fail "expected 3 admitted initial objects, the oracle has $(wc -l <"$T_DIR/expected-initial.jsonl")"

# A reflector's list-then-watch: a filtered list through the proxy, then a watch from its
# resourceVersion gets the changes after it and nothing before.
cp_exec curl -sk -m 10 -o "$T_DIR/list0.json" "https://127.0.0.1:$WF_PORT$api?filter=$fq"
read -r list_rv names0 < <(python3 -c 'import json,sys; l=json.load(open(sys.argv[1])); print(l["metadata"]["resourceVersion"], ",".join(sorted(i["metadata"]["name"] for i in l["items"])))' "$T_DIR/list0.json") ||
  fail "filtered list: $(head -c 300 "$T_DIR/list0.json")"
[[ $names0 == cm-0,cm-3,cm-6 ]] || fail "filtered list: got $names0, want cm-0,cm-3,cm-6"

streams_bg streams "$T_DIR/s" --timeout 30 \
  "fromlist=$api?watch=true&resourceVersion=$list_rv&timeoutSeconds=20&filter=$fq" \
  "unset=$api?watch=true&timeoutSeconds=20&filter=$fq" \
  "zero=$api?watch=true&resourceVersion=0&timeoutSeconds=20&filter=$fq" \
  "watchlist=$api?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=20&filter=$fq" \
  "label=$api?watch=true&labelSelector=tier%3D1&timeoutSeconds=20&filter=$fq" \
  "field=$api?watch=true&fieldSelector=metadata.name%3Dcm-6&timeoutSeconds=20&filter=$fq" \
  "never=$api?watch=true&timeoutSeconds=20&filter=false" \
  "short=$api?watch=true&timeoutSeconds=2&filter=$fq" \
  "bad=$api?watch=true&filter=$(urlencode 'changed(spec, status')"
wait_for 20 test -f "$T_DIR/s/ready" || fail "the streams did not start"
t0=$SECONDS
sleep 1
# Live: cm-1 starts to pass, cm-3 (tier 1) changes, cm-6 stops passing, cm-0 is deleted.
cp_kubectl patch configmap cm-1 -n "$ns" --type merge -p '{"data":{"keep":"yes"}}' >/dev/null
cp_kubectl patch configmap cm-3 -n "$ns" --type merge -p '{"data":{"i":"33"}}' >/dev/null
cp_kubectl patch configmap cm-6 -n "$ns" --type merge -p '{"data":{"keep":"no"}}' >/dev/null
cp_kubectl delete configmap cm-0 -n "$ns" >/dev/null
cp_kubectl get --raw "$api/cm-1" >"$T_DIR/cm-1.json"

# timeoutSeconds=2 ends the stream (the others end at 20 s; the test does not wait for them).
wait_for 10 test -s "$T_DIR/s/short.end" || fail "timeoutSeconds=2: the stream did not end"
[[ $(<"$T_DIR/s/short.end") == eof ]] || fail "timeoutSeconds=2: the stream ended with '$(<"$T_DIR/s/short.end")', want a clean end"
t_log "timeoutSeconds=2: ended after $((SECONDS - t0)) s"
[[ $(<"$T_DIR/s/bad.end") == "http 400" ]] || fail "a filter that does not compile: got '$(cat "$T_DIR/s/bad.end")', want http 400"
python3 - "$T_DIR/s/bad.out" <<'EOP' || fail "the 400 answer is not a Status naming the column: $(cat "$T_DIR/s/bad.out")"
import json, sys
st = json.load(open(sys.argv[1]))
sys.exit(0 if st.get("kind") == "Status" and st.get("code") == 400 and "col " in st.get("message", "") else 1)
EOP
t_log "bad filter: $(head -c 300 "$T_DIR/s/bad.out")"

wait_for 15 has_event "$T_DIR/s/never.out" DELETED cm-0 || fail "filter=false: the DELETED event was not delivered"
[[ $(wc -l <"$T_DIR/s/never.out") == 1 ]] || fail "filter=false: expected only the DELETED event, got $(wfcheck records "$T_DIR/s/never.out" | tr '\n' ';')"
for s in unset zero watchlist fromlist; do
  wait_for 15 has_event "$T_DIR/s/$s.out" DELETED cm-0 || fail "$s: the live changes did not arrive: $(wfcheck records "$T_DIR/s/$s.out" | tr '\n' ' ')$(head -c 300 "$T_DIR/s/$s.out")"
done
wait_for 15 has_event "$T_DIR/s/label.out" MODIFIED cm-3 || fail "labelSelector: the live change did not arrive"
sleep 1   # the field selector's stream gets no live event (cm-6 stopped passing): give it time to be wrong

# resourceVersion unset / 0: the initial ADDEDs are upstream's lines; then the live events.
live_rv() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["metadata"]["resourceVersion"])' "$1"; }
for s in unset zero watchlist; do
  wfcheck strip-bookmarks "$T_DIR/s/$s.out" | sed -n 1,3p | sort >"$T_DIR/$s-initial.jsonl"
  cmp -s "$T_DIR/expected-initial.jsonl" "$T_DIR/$s-initial.jsonl" || {
    wfcheck same "$T_DIR/expected-initial.jsonl" "$T_DIR/$s-initial.jsonl" upstream "$s" || true
    fail "$s: the initial events are not upstream's admitted ADDED lines"
  }
  live=$(wfcheck events "$T_DIR/s/$s.out" | tail -n +4 | cut -d' ' -f1,2 | tr '\n' ';')
  [[ $live == "MODIFIED cm-1;MODIFIED cm-3;DELETED cm-0;" ]] ||
    fail "$s: live events: got '$live', want cm-1 (now passing), cm-3, the DELETED cm-0 (cm-6 stopped passing: suppressed)"
done
python3 - "$T_DIR/s/watchlist.out" <<'EOP' || fail "sendInitialEvents: no BOOKMARK annotated k8s.io/initial-events-end right after the initial events"
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
bm = evs[3] if len(evs) > 3 else {}
ann = bm.get("object", {}).get("metadata", {}).get("annotations", {})
ok = [e["type"] for e in evs[:3]] == ["ADDED"] * 3 and bm.get("type") == "BOOKMARK" and ann.get("k8s.io/initial-events-end") == "true"
sys.exit(0 if ok else 1)
EOP
fromlist=$(wfcheck events "$T_DIR/s/fromlist.out" | cut -d' ' -f1,2 | tr '\n' ';')
[[ $fromlist == "MODIFIED cm-1;MODIFIED cm-3;DELETED cm-0;" ]] || fail "watch from the list's resourceVersion $list_rv: got '$fromlist'"
label=$(wfcheck events "$T_DIR/s/label.out" | cut -d' ' -f1,2 | tr '\n' ';')
[[ $label == "ADDED cm-3;MODIFIED cm-1;MODIFIED cm-3;" ]] || fail "labelSelector=tier=1: got '$label'"
field=$(wfcheck events "$T_DIR/s/field.out" | cut -d' ' -f1,2 | tr '\n' ';')
[[ $field == "ADDED cm-6;" ]] || fail "fieldSelector=metadata.name=cm-6: got '$field'"

# A list through the filter: the objects that pass now (cm-1, cm-3).
cp_exec curl -sk -m 10 -o "$T_DIR/list.json" -w '%{http_code}' "https://127.0.0.1:$WF_PORT$api?filter=$fq" >"$T_DIR/list.code"
[[ $(<"$T_DIR/list.code") == 200 ]] || fail "filtered list: HTTP $(<"$T_DIR/list.code"): $(head -c 300 "$T_DIR/list.json")"
names=$(python3 -c 'import json,sys; l=json.load(open(sys.argv[1])); print(l["kind"], *sorted(i["metadata"]["name"] for i in l["items"]))' "$T_DIR/list.json")
[[ $names == "ConfigMapList cm-1 cm-3" ]] || fail "filtered list: got '$names', want ConfigMapList cm-1 cm-3"
# A GET of one object with a filter is a get, not a list: the object itself, as upstream answers.
cp_exec curl -sk -m 10 -o "$T_DIR/get.json" "https://127.0.0.1:$WF_PORT$api/cm-1?filter=$fq"
got=$(python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); print(o.get("kind"), o.get("metadata", {}).get("name"), len(o.get("items") or []))' "$T_DIR/get.json")
[[ $got == "ConfigMap cm-1 0" ]] || fail "GET $api/cm-1?filter=...: got '$got' (kind, name, items), want the ConfigMap itself, as GET $api/cm-1 answers: $(head -c 200 "$T_DIR/get.json")"
cp_stop_bg streams
t_log "PASS: initial events (unset, 0, sendInitialEvents + initial-events-end), selectors, timeoutSeconds, list, DELETED through filter=false, 400 for a bad filter"

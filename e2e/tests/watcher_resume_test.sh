#!/usr/bin/env bash
# A watcher (watcher=<id>) on a delta-threshold filter hangs up four times while changes flow --
# twice after some events (events still in flight are lost with the connection), twice at a
# BOOKMARK that moved past suppressed changes -- and each time reconnects at once with the last
# resourceVersion it read. All its sessions together must hold exactly the lines
# watchfilter-eval admits from kube-apiserver's own watch of the whole sequence: every admitted
# event once, in order, with the filter's state (the last delivered size) carried across the
# reconnects. Then, with --informer-window-events 60 and far more changes since, a resume from
# an early resourceVersion gets a single ERROR event, 410 Expired, as kube-apiserver sends.
source "$(dirname "$0")/../lib/testlib.sh"
[[ -x $WF_EVAL ]] || fail "$WF_EVAL not built"
WF_PORT=8466
start_proxy proxy $WF_PORT --informer-window-events 60 --bookmark-interval 1s
ensure_widgets_crd

ns=resume-$RANDOM
cp_kubectl create namespace "$ns" >/dev/null
api=$WIDGETS/namespaces/$ns/widgets
f='delta(spec.size) >= 5 || changed(spec.tier)'
watcher=resume-$RANDOM
wpath="$api?watch=true&allowWatchBookmarks=true&timeoutSeconds=120&filter=$(urlencode "$f")&watcher=$watcher"

rv0=$(resource_version "$api")
direct_streams_bg direct "$T_DIR/d" --timeout 130 "up=$api?watch=true&resourceVersion=$rv0&timeoutSeconds=120"
t_bg reader python3 "$CLIENTS_DIR/resume_reader.py" --base "https://127.0.0.1:$WF_PORT" --path "$wpath" \
  --out "$T_DIR/r" --plan n:8,bm,n:8,bm,end:DELETED:sentinel --timeout 120
wait_for 20 test -f "$T_DIR/r/session-1.open" || fail "the watcher's first session did not open: $(cat "$T_DIR/r/plan.done" 2>/dev/null)"
wait_for 20 test -f "$T_DIR/d/ready" || fail "the direct watch did not start"
sleep 1

# Three widgets drifting in steps of 1-2 (the filter fires every few steps), notes that no filter
# reads, two quiet phases of suppressed changes only, 40 ms apart: about 11 s.
python3 - "$api" >"$T_DIR/ops.jsonl" <<'EOP'
import json, random, sys
api = sys.argv[1]; r = random.Random(5)
size = {"x": 0, "y": 100, "z": 50}
op = lambda **o: print(json.dumps(o))
op(method="POST", path=api, body={"apiVersion": "e2e.watchfilter.io/v1", "kind": "Widget", "metadata": {"name": "sentinel"}, "spec": {"size": 0}})
for n in size:
    op(method="POST", path=api, body={"apiVersion": "e2e.watchfilter.io/v1", "kind": "Widget", "metadata": {"name": n}, "spec": {"size": size[n], "tier": "a"}})
def active(count):
    for _ in range(count):
        n = r.choice(list(size))
        size[n] += r.choice([1, 2, 1, -1])
        op(method="PATCH", path=f"{api}/{n}", body={"spec": {"size": size[n]}})
        op(sleep=0.04)
def quiet(seconds):
    for i in range(int(seconds / 0.25)):
        op(method="PATCH", path=f"{api}/{r.choice(list(size))}", body={"spec": {"note": f"q{i}"}})
        op(sleep=0.25)
active(60); quiet(3)
active(60); op(method="PATCH", path=f"{api}/y", body={"spec": {"tier": "b"}}); quiet(3)
active(60)
op(method="DELETE", path=f"{api}/x")
op(method="DELETE", path=f"{api}/sentinel")
EOP
mutate "$T_DIR/ops.jsonl" "$T_DIR/versions.jsonl" || fail "applying the changes failed"
wait_for 30 test -f "$T_DIR/r/plan.done" || fail "the watcher did not reach the sentinel's DELETED event"
[[ $(<"$T_DIR/r/plan.done") == ok ]] || fail "the watcher's plan failed: $(<"$T_DIR/r/plan.done")"
wait_for 20 has_event "$T_DIR/d/up.out" DELETED sentinel || fail "the direct watch did not see the end"

sessions=$(ls "$T_DIR"/r/session-*.out | wc -l)
((sessions == 5)) || fail "expected 5 sessions, got $sessions"
for i in 2 3 4 5; do
  [[ -n $(<"$T_DIR/r/session-$i.rv") ]] || fail "session $i did not resume from a resourceVersion"
done
for i in 2 4; do   # sessions 2 and 4 ended at a BOOKMARK newer than the last event read
  [[ $(<"$T_DIR/r/session-$i.end") == BOOKMARK* ]] || fail "session $i did not end at an advancing BOOKMARK: $(<"$T_DIR/r/session-$i.end")"
done
wfcheck strip-bookmarks "$T_DIR/d/up.out" >"$T_DIR/upstream.jsonl"
"$WF_EVAL" --filter "$f" <"$T_DIR/upstream.jsonl" >"$T_DIR/expected.jsonl"
for i in $(seq "$sessions"); do wfcheck strip-bookmarks "$T_DIR/r/session-$i.out"; done >"$T_DIR/delivered.jsonl"
total=$(wc -l <"$T_DIR/upstream.jsonl") admitted=$(wc -l <"$T_DIR/expected.jsonl")
((admitted > 20 && admitted < total / 2)) || fail "the filter admits $admitted of $total: not a test of a threshold"
wfcheck same "$T_DIR/expected.jsonl" "$T_DIR/delivered.jsonl" watchfilter-eval "watcher sessions" || {
  for i in $(seq "$sessions"); do t_log "session $i from rv $(<"$T_DIR/r/session-$i.rv"): $(wfcheck records "$T_DIR/r/session-$i.out" | tr '\n' ';' | head -c 600)"; done
  fail "the watcher's sessions did not receive every admitted event exactly once, in order"
}
t_log "resume: $sessions sessions, hung up after: $(for i in 1 2 3 4; do echo -n "$(<"$T_DIR/r/session-$i.end"); "; done)got exactly the $admitted admitted of $total events"

# A resume point far outside the window (60 events; ~200 changes since): 410 Expired.
old_rv=$(wfcheck records "$T_DIR/r/session-1.out" | grep -v '^BOOKMARK' | sed -n 2p | cut -d' ' -f3)
[[ -n $old_rv ]] || fail "no early resourceVersion"
streams_bg expired "$T_DIR/x" --timeout 20 \
  "watcher=$wpath&resourceVersion=$old_rv" \
  "plain=$api?watch=true&timeoutSeconds=20&filter=$(urlencode "$f")&resourceVersion=$old_rv"
for s in watcher plain; do
  wait_for 25 test -s "$T_DIR/x/$s.end" || fail "$s: a resume from $old_rv did not end"
  python3 - "$T_DIR/x/$s.out" "$(<"$T_DIR/x/$s.end")" "$s" <<'EOP' || fail "$s: a resume from an expired resourceVersion should get one ERROR event (410 Expired)"
import json, sys
path, end, name = sys.argv[1:4]
lines = [l for l in open(path, "rb").read().split(b"\n") if l.strip()]
ok = end in ("eof", "closed") and len(lines) == 1
if ok:
    ev = json.loads(lines[0]); st = ev.get("object", {})
    ok = (ev.get("type") == "ERROR" and st.get("kind") == "Status" and st.get("code") == 410
          and st.get("reason") == "Expired" and "too old resource version" in st.get("message", ""))
print(f"[watcher_resume_test] {name}: stream ended '{end}', {len(lines)} line(s): {lines[0][:300] if lines else b''!r}", file=sys.stderr)
sys.exit(0 if ok else 1)
EOP
done
t_log "PASS: every admitted event exactly once across 5 sessions; a resume from $old_rv got 410 Expired"

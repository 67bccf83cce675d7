#!/usr/bin/env bash
# Having more to send than --stream-queue-bytes at the start of a stream is not being a slow
# client: a client that has not had the chance to read must not be cut. With
# --stream-queue-bytes 262144 and configmaps of 50 KiB:
#   (1) a new stream (resourceVersion unset) whose initial state is 7 x 50 KiB gets the 7 ADDED
#       events and its clean end (timeoutSeconds=3);
#   (2) a named watcher that hung up resumes from its last resourceVersion after 20 updates
#       (~1 MiB) and gets exactly those 20 events;
#   (3) a plain filtered watch from that same resourceVersion (inside the window) gets them too.
# A client resuming after a slow_client cut (client-go re-watches after the 429) is case (2).
source "$(dirname "$0")/../lib/testlib.sh"
WF_PORT=8469
start_proxy proxy $WF_PORT --stream-queue-bytes 262144

ns=catchup-$RANDOM
cp_kubectl create namespace "$ns" >/dev/null
api=/api/v1/namespaces/$ns/configmaps
f='changed(data)'
spath="$api?watch=true&filter=$(urlencode "$f")"
gen() { # first count: creates (first == 0: 7 configmaps) or updates, 50 KiB each
  python3 - "$api" "$1" "$2" <<'EOP'
import json, random, string, sys
api, first, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]); r = random.Random(first)
blob = lambda: "".join(r.choices(string.ascii_letters, k=50 * 1024))
for n in range(first, first + count):
    if first == 0:
        print(json.dumps({"method": "POST", "path": api, "body": {"metadata": {"name": f"big-{n}"}, "data": {"blob": blob()}}}))
    else:
        print(json.dumps({"method": "PATCH", "path": f"{api}/big-{n % 7}", "body": {"data": {"blob": blob()}}}))
EOP
}
gen 0 7 >"$T_DIR/create.jsonl"
gen 100 20 >"$T_DIR/update.jsonl"
# A named watcher reads the configmaps being created (on an empty namespace: nothing to catch
# up with), then hangs up.
watcher=catchup-$RANDOM
streams_bg first "$T_DIR/w1" --timeout 20 --max-events 7 "w=$spath&timeoutSeconds=30&watcher=$watcher"
wait_for 20 test -f "$T_DIR/w1/ready" || fail "the watcher's first session did not start"
sleep 1
mutate "$T_DIR/create.jsonl" "$T_DIR/create.versions" || fail "creating the configmaps failed"
wait_for 20 test -s "$T_DIR/w1/w.end" || fail "the watcher's first session did not end"
[[ $(<"$T_DIR/w1/w.end") == stopped ]] || fail "the watcher's first session: '$(<"$T_DIR/w1/w.end")' before 7 events: $(wfcheck records "$T_DIR/w1/w.out" | tr '\n' ' ')"
rv=$(wfcheck records "$T_DIR/w1/w.out" | tail -n 1 | cut -d' ' -f3)

problems=()
# (1) A new stream on 350 KiB of current state.
streams_bg fresh "$T_DIR/f" --timeout 20 "fresh=$spath&timeoutSeconds=3"
wait_for 20 test -s "$T_DIR/f/fresh.end" || fail "a stream with timeoutSeconds=3 did not end"
added=$(wfcheck records "$T_DIR/f/fresh.out" | grep -c '^ADDED ' || true)
[[ $added == 7 && $(<"$T_DIR/f/fresh.end") == eof ]] ||
  problems+=("(1) GET $spath&timeoutSeconds=3 on 7 configmaps of 50 KiB: got $added of 7 ADDED events, then '$(<"$T_DIR/f/fresh.end")': $(wfcheck records "$T_DIR/f/fresh.out" | tr '\n' ' ')$(grep -o '"message":"[^"]*"' "$T_DIR/f/fresh.out" | head -n 1)")
t_log "(1) fresh stream: $added ADDED, end: $(<"$T_DIR/f/fresh.end")"

# (2), (3): 20 updates after the watcher hung up; it resumes, and so does a plain watch.
mutate "$T_DIR/update.jsonl" "$T_DIR/update.versions" || fail "updating the configmaps failed"
last=$(tail -n 1 "$T_DIR/update.versions" | python3 -c 'import json,sys; print(json.load(sys.stdin)["object"]["metadata"]["resourceVersion"])')
python3 -c 'import json,sys; [print(json.loads(l)["type"], json.loads(l)["object"]["metadata"]["name"], json.loads(l)["object"]["metadata"]["resourceVersion"]) for l in open(sys.argv[1])]' \
  "$T_DIR/update.versions" >"$T_DIR/expected.txt"
streams_bg resumes "$T_DIR/w2" --timeout 20 \
  "named=$spath&timeoutSeconds=5&watcher=$watcher&resourceVersion=$rv" \
  "plain=$spath&timeoutSeconds=5&resourceVersion=$rv"
wait_for 20 test -s "$T_DIR/w2/named.end" -a -s "$T_DIR/w2/plain.end" || fail "the resumed streams (timeoutSeconds=5) did not end"
for s in named plain; do
  wfcheck records "$T_DIR/w2/$s.out" | grep -v '^BOOKMARK' >"$T_DIR/$s.txt" || true
  n=$(grep -c '^MODIFIED ' "$T_DIR/$s.txt" || true)
  t_log "($s) resumed from $rv: $n of 20 MODIFIED events, end: $(<"$T_DIR/w2/$s.end")"
  cmp -s "$T_DIR/expected.txt" "$T_DIR/$s.txt" ||
    problems+=("($s) GET $spath&timeoutSeconds=5$([[ $s == named ]] && echo "&watcher=$watcher")&resourceVersion=$rv after 20 updates of 50 KiB (through $last): got $n of the 20 events: $(tr '\n' ' ' <"$T_DIR/$s.txt")$(grep -o '"message":"[^"]*"' "$T_DIR/w2/$s.out" | head -n 1)")
done
((${#problems[@]} == 0)) || { for p in "${problems[@]}"; do t_log "problem: $p"; done; fail "${#problems[@]} stream(s) cut before they could read (above)"; }
t_log "PASS: a 350 KiB initial state and 1 MiB resumes go through a 256 KiB stream queue"

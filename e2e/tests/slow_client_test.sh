#!/usr/bin/env bash
# A client that stops reading does not slow anyone: with --stream-queue-bytes 262144, twenty
# readers and one client that reads the response headers and then nothing (a 4 KiB receive
# buffer) watch configmaps carrying 50 KiB of data while ~5 MiB of updates flow. The twenty get
# every event, byte for byte, each within 2 s of the write (median under 0.5 s); the silent one
# is cut: when it reads again it finds a clean prefix of the events, an ERROR event and the end
# of the stream, and watchfilter_stream_disconnects_total{cause="slow_client"} = 1 (it alone).
# The informer keeps going: later updates still reach the readers on time, through the same
# single upstream watch, without a relist. (Catching up after the cut: catch_up_is_not_slow_test.)
source "$(dirname "$0")/../lib/testlib.sh"
[[ -x $WF_EVAL ]] || fail "$WF_EVAL not built"
WF_PORT=8465
start_proxy proxy $WF_PORT --stream-queue-bytes 262144

ns=slow-$RANDOM
cp_kubectl create namespace "$ns" >/dev/null
api=/api/v1/namespaces/$ns/configmaps
f='changed(data)'
spath="$api?watch=true&timeoutSeconds=120&filter=$(urlencode "$f")"
N=20
silent_client_streams $N "$api" "$spath"
all_readers_have() { wfcheck all-have "$1" "$2" "$T_DIR"/r/r*.out; }
cp_kubectl create configmap sentinel -n "$ns" --from-literal=s=1 >/dev/null
wait_for 20 all_readers_have ADDED sentinel || fail "the readers did not get the sentinel"

ops() { # first count: (4 configmaps first, then) updates of 50 KiB each, 20 per second
  python3 - "$api" "$1" "$2" <<'EOP'
import json, random, string, sys
api, first, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]); r = random.Random(first)
blob = lambda: "".join(r.choices(string.ascii_letters + string.digits, k=50 * 1024))
if first == 0:
    for j in range(4):
        print(json.dumps({"method": "POST", "path": api, "body": {"metadata": {"name": f"big-{j}"}, "data": {"blob": blob()}}}))
for n in range(first, first + count):
    print(json.dumps({"method": "PATCH", "path": f"{api}/big-{n % 4}", "body": {"data": {"blob": blob(), "n": str(n)}}}))
    print(json.dumps({"sleep": 0.05}))
EOP
}
ops 0 100 >"$T_DIR/ops1.jsonl"
ops 100 20 >"$T_DIR/ops2.jsonl"
mutate "$T_DIR/ops1.jsonl" "$T_DIR/versions1.jsonl" || fail "applying the changes failed"

# The silent client reads again: it finds a clean prefix of the events, an ERROR event, the end.
touch "$T_DIR/read-again"
wait_for 15 test -s "$T_DIR/s/slow.end" || fail "the silent client's stream did not end after it read again"
python3 - "$T_DIR/s/slow.out" "$T_DIR/d/up.out" "$(<"$T_DIR/s/slow.end")" <<'EOP' || fail "the silent client's stream did not end as it should"
import json, sys
got = [l for l in open(sys.argv[1], "rb").read().split(b"\n") if l.strip()]
want = [l for l in open(sys.argv[2], "rb").read().split(b"\n") if l.strip() and b'"type":"BOOKMARK"' not in l]
end = sys.argv[3]
events = got[:-1] if got and json.loads(got[-1]).get("type") == "ERROR" else got
print(f"[slow_client_test] silent client: {len(events)} of {len(want)} events, then "
      f"{got[-1][:300] if len(got) > len(events) else b'no ERROR event'!r}; connection: {end}", file=sys.stderr)
ok = events == want[:len(events)] and len(events) < len(want) and len(got) == len(events) + 1
sys.exit(0 if ok and (end == "eof" or end.startswith("closed")) else 1)
EOP
slow_cut() { [[ $(proxy_metric $WF_PORT watchfilter_stream_disconnects_total cause=slow_client) == 1 ]]; }
wait_for 10 slow_cut ||
  fail "watchfilter_stream_disconnects_total{cause=\"slow_client\"} = $(proxy_metric $WF_PORT watchfilter_stream_disconnects_total cause=slow_client), want 1"
streams=$(proxy_metric $WF_PORT watchfilter_streams)
[[ $streams == "$N" ]] || fail "watchfilter_streams = $streams after the cut, want the $N readers"
t_log "the silent client was cut; 20 more updates"
mutate "$T_DIR/ops2.jsonl" "$T_DIR/versions2.jsonl" || fail "applying the changes failed"
cp_kubectl delete configmap sentinel -n "$ns" >/dev/null
wait_for 30 all_readers_have DELETED sentinel || fail "the readers did not get every event"

# Every reader got exactly the events (byte for byte), each soon after its write.
wfcheck strip-bookmarks "$T_DIR/d/up.out" >"$T_DIR/upstream.jsonl"
"$WF_EVAL" --filter "$f" <"$T_DIR/upstream.jsonl" >"$T_DIR/expected.jsonl"
((($(wc -l <"$T_DIR/expected.jsonl")) >= 126)) || fail "expected at least 126 events, the oracle has $(wc -l <"$T_DIR/expected.jsonl")"
for ((i = 0; i < N; i++)); do
  wfcheck same "$T_DIR/expected.jsonl" "$T_DIR/r/r$i.out" expected "reader r$i" || fail "reader r$i did not get every event"
done
cat "$T_DIR/versions1.jsonl" "$T_DIR/versions2.jsonl" >"$T_DIR/versions.jsonl"
python3 - "$T_DIR" "$N" <<'EOP' || fail "readers were slowed down"
import json, statistics, sys
d, n = sys.argv[1], int(sys.argv[2])
written = {}
for line in open(f"{d}/versions.jsonl"):
    v = json.loads(line)
    written[v["object"]["metadata"]["resourceVersion"]] = v["t"]
late = {json.loads(l)["object"]["metadata"]["resourceVersion"] for l in open(f"{d}/versions2.jsonl")}
delays, late_delays = [], []
for i in range(n):
    for line in open(f"{d}/r/r{i}.ts"):
        t, typ, name, rv = line.split()
        if rv in written:
            delays.append(float(t) - written[rv])
            if rv in late:
                late_delays.append(float(t) - written[rv])
med, worst = statistics.median(delays), max(delays)
print(f"[slow_client_test] {len(delays)} deliveries: delay after the write median {med * 1000:.0f} ms, "
      f"max {worst * 1000:.0f} ms; after the cut max {max(late_delays) * 1000:.0f} ms", file=sys.stderr)
sys.exit(0 if len(delays) == n * len(written) and med < 0.5 and worst < 2.0 else 1)
EOP
upstream=$(proxy_metric $WF_PORT watchfilter_upstream_watches)
relists=$(proxy_metric $WF_PORT watchfilter_informer_relists_total)
[[ $upstream == 1 ]] || fail "watchfilter_upstream_watches = $upstream, want 1"
[[ $relists == 0 ]] || fail "watchfilter_informer_relists_total = $relists, want 0"
t_log "PASS: $N readers got all $(wc -l <"$T_DIR/expected.jsonl") events on time; the silent client was cut alone; one upstream watch, no relist"


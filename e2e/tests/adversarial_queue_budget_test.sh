#!/usr/bin/env bash
# One byte budget for all stream queues (docs/proxy.md, "Backpressure"): with the default
# --stream-queue-bytes (8 MiB each, more than this test ever queues for one client) and
# --max-stream-queue-bytes-total 2Mi, five readers and one client that stops reading after the
# headers watch configmaps while 100 updates of 50 KiB flow (5 MiB). The silent client is cut
# once the budget is full, with an ERROR event (429) naming --max-stream-queue-bytes-total; the
# readers, whose queues stay near empty, get every event byte for byte; the refusal is counted
# in watchfilter_limit_refusals_total{limit="max-stream-queue-bytes-total"}.
source "$(dirname "$0")/../lib/testlib.sh"
[[ -x $WF_EVAL ]] || fail "$WF_EVAL not built"
WF_PORT=8484
start_proxy proxy $WF_PORT --max-stream-queue-bytes-total 2Mi

ns=budget-$RANDOM
cp_kubectl create namespace "$ns" >/dev/null
api=/api/v1/namespaces/$ns/configmaps
f='changed(data)'
spath="$api?watch=true&timeoutSeconds=120&filter=$(urlencode "$f")"
N=5
silent_client_streams $N "$api" "$spath"

python3 - "$api" >"$T_DIR/ops.jsonl" <<'EOP'
import json, random, string, sys
api = sys.argv[1]; r = random.Random(7)
blob = lambda: "".join(r.choices(string.ascii_letters + string.digits, k=50 * 1024))
for j in range(4):
    print(json.dumps({"method": "POST", "path": api, "body": {"metadata": {"name": f"big-{j}"}, "data": {"blob": blob()}}}))
for n in range(100):
    print(json.dumps({"method": "PATCH", "path": f"{api}/big-{n % 4}", "body": {"data": {"blob": blob(), "n": str(n)}}}))
    print(json.dumps({"sleep": 0.05}))
print(json.dumps({"method": "POST", "path": api, "body": {"metadata": {"name": "sentinel"}, "data": {"s": "1"}}}))
EOP
mutate "$T_DIR/ops.jsonl" "$T_DIR/versions.jsonl" || fail "applying the changes failed"
all_readers_have() { wfcheck all-have "$1" "$2" "$T_DIR"/r/r*.out; }
wait_for 30 all_readers_have ADDED sentinel || fail "the readers did not get every event"

# The silent client reads again: a clean prefix of the events, the ERROR naming the budget.
touch "$T_DIR/read-again"
wait_for 15 test -s "$T_DIR/s/slow.end" || fail "the silent client's stream did not end: the budget did not cut it"
python3 - "$T_DIR/s/slow.out" <<'EOP' || fail "the silent client's stream did not end with the budget's ERROR event"
import json, sys
got = [l for l in open(sys.argv[1], "rb").read().split(b"\n") if l.strip()]
last = json.loads(got[-1])
print(f"[adversarial_queue_budget_test] silent client: {len(got) - 1} events, then {got[-1][:400]!r}", file=sys.stderr)
assert last["type"] == "ERROR", last
s = last["object"]
assert s["kind"] == "Status" and s["code"] == 429 and s["reason"] == "TooManyRequests", s
assert "more than its share of the proxy's stream queues, which are full (--max-stream-queue-bytes-total 2097152)" in s["message"], s
EOP
refused=$(proxy_metric $WF_PORT watchfilter_limit_refusals_total limit=max-stream-queue-bytes-total)
[[ $refused == 1 ]] || fail "watchfilter_limit_refusals_total{limit=\"max-stream-queue-bytes-total\"} = $refused, want 1"

# Every reader got exactly the events, byte for byte.
wfcheck strip-bookmarks "$T_DIR/d/up.out" >"$T_DIR/upstream.jsonl"
"$WF_EVAL" --filter "$f" <"$T_DIR/upstream.jsonl" >"$T_DIR/expected.jsonl"
((($(wc -l <"$T_DIR/expected.jsonl")) >= 105)) || fail "expected at least 105 events, the oracle has $(wc -l <"$T_DIR/expected.jsonl")"
for ((i = 0; i < N; i++)); do
  wfcheck same "$T_DIR/expected.jsonl" "$T_DIR/r/r$i.out" expected "reader r$i" || fail "reader r$i did not get every event"
done
[[ $(proxy_metric $WF_PORT watchfilter_streams) == "$N" ]] || fail "watchfilter_streams = $(proxy_metric $WF_PORT watchfilter_streams), want the $N readers"
t_log "PASS: the silent client was cut by the shared budget; $N readers got all $(wc -l <"$T_DIR/expected.jsonl") events"

#!/usr/bin/env bash
# Events of the proxy's own making on a real control plane (docs/proxy.md, "Resync, debounce,
# wake-ups"):
#   resync=4s on three configmaps that never change (filter changed(data), bookmarks on): after
#     the initial ADDEDs, each object comes back as a MODIFIED carrying its current object
#     (same resourceVersion) every 4 s (+-1 s between consecutive ones), each batch followed by
#     a BOOKMARK, and nothing else, for 13 s;
#   debounce=2s on one configmap whose data changes 10 times in a quick burst: at most 2 events
#     of it while the burst lasts, and the last event carries the final data and
#     resourceVersion.
# Both streams run side by side on their own namespaces; the test takes about 20 s.
source "$(dirname "$0")/../lib/testlib.sh"
WF_PORT=8477
start_proxy proxy $WF_PORT

ns_r=resync-$RANDOM
ns_d=debounce-$RANDOM
cp_kubectl create namespace "$ns_r" >/dev/null
cp_kubectl create namespace "$ns_d" >/dev/null
for c in a b c; do cp_kubectl create configmap "cm-$c" -n "$ns_r" --from-literal=v=0 >/dev/null; done
cp_kubectl create configmap cm-d -n "$ns_d" --from-literal=v=0 >/dev/null
fq=$(urlencode 'changed(data)')

streams_bg streams "$T_DIR/s" --timeout 40 \
  "resync=/api/v1/namespaces/$ns_r/configmaps?watch=true&timeoutSeconds=13&allowWatchBookmarks=true&resync=4s&filter=$fq" \
  "debounce=/api/v1/namespaces/$ns_d/configmaps?watch=true&timeoutSeconds=30&debounce=2s&filter=$fq" \
  "badresync=/api/v1/namespaces/$ns_d/configmaps?watch=true&resync=500ms&filter=$fq"
wait_for 20 test -f "$T_DIR/s/ready" || fail "the streams did not start"
[[ $(<"$T_DIR/s/badresync.end") == "http 400" ]] || fail "resync=500ms: got '$(cat "$T_DIR/s/badresync.end")', want http 400"

# The burst starts once the initial ADDED's debounce window has passed.
sleep 3
script=$T_DIR/burst.jsonl
for i in $(seq 1 10); do
  echo "{\"method\": \"PATCH\", \"path\": \"/api/v1/namespaces/$ns_d/configmaps/cm-d\", \"body\": {\"data\": {\"v\": \"$i\"}}}"
  echo '{"sleep": 0.05}'
done >"$script"
mutate "$script" "$T_DIR/burst-versions.jsonl" || fail "the burst of writes failed"

wait_for 25 test -s "$T_DIR/s/resync.end" || fail "the resync stream did not end"
[[ $(<"$T_DIR/s/resync.end") == eof ]] || fail "resync stream ended with '$(cat "$T_DIR/s/resync.end")'"
sleep 3   # the debounced last change is due 2 s after the first one of the burst

python3 - "$T_DIR/s/resync.out" "$T_DIR/s/resync.ts" <<'EOP' || fail "resync: see above"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
stamps = [float(l.split()[0]) for l in open(sys.argv[2])]
assert len(lines) == len(stamps)
added = {}
modified = {}
for i, (ev, t) in enumerate(zip(lines, stamps)):
    typ, md = ev["type"], ev["object"]["metadata"]
    if typ == "ADDED":
        assert i < 3, f"line {i}: an ADDED after the initial ones: {md['name']}"
        added[md["name"]] = md["resourceVersion"]
    elif typ == "MODIFIED":
        name = md["name"]
        assert md["resourceVersion"] == added.get(name), f"{name}: resync carries rv {md['resourceVersion']}, the object is at {added.get(name)}"
        assert ev["object"]["data"] == {"v": "0"}, f"{name}: {ev['object']['data']}"
        modified.setdefault(name, []).append(t)
        # Each batch of synthetic events ends with a BOOKMARK (clients resume from it).
        j = i + 1
        while j < len(lines) and lines[j]["type"] == "MODIFIED":
            j += 1
        assert j < len(lines) and lines[j]["type"] == "BOOKMARK", f"line {i}: no BOOKMARK after the resync batch"
        assert int(lines[j]["object"]["metadata"]["resourceVersion"]) >= int(md["resourceVersion"])
    elif typ != "BOOKMARK":
        raise AssertionError(f"line {i}: unexpected {typ}")
assert sorted(added) == ["cm-a", "cm-b", "cm-c"], f"initial: {sorted(added)}"
assert sorted(modified) == ["cm-a", "cm-b", "cm-c"], f"resynced: {sorted(modified)}"
for name, times in sorted(modified.items()):
    gaps = [round(b - a, 2) for a, b in zip(times, times[1:])]
    print(f"  {name}: {len(times)} resyncs, gaps {gaps}")
    assert len(times) >= 2, f"{name}: only {len(times)} resync(s) in 13 s"
    assert all(3.0 <= g <= 5.0 for g in gaps), f"{name}: gaps {gaps}, want 4 s +- 1 s"
EOP
t_log "resync: each object every 4 s, each batch followed by a BOOKMARK"

python3 - "$T_DIR/s/debounce.out" "$T_DIR/s/debounce.ts" "$T_DIR/burst-versions.jsonl" <<'EOP' || fail "debounce: see above"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
stamps = [float(l.split()[0]) for l in open(sys.argv[2])]
writes = [json.loads(l) for l in open(sys.argv[3])]
start, end = writes[0]["t"], writes[-1]["t"]
final = writes[-1]["object"]
events = [(t, ev) for t, ev in zip(stamps, lines) if ev["type"] == "MODIFIED"]
during = [t for t, _ in events if start - 0.5 <= t <= end + 0.05]
print(f"  burst of {len(writes)} writes over {end - start:.2f} s; {len(events)} MODIFIED, {len(during)} during the burst")
assert len(during) <= 2, f"{len(during)} events during the burst"
assert events, "no MODIFIED at all"
last = events[-1][1]["object"]
assert last["data"] == final["data"], f"last event carries {last['data']}, the final data is {final['data']}"
assert last["metadata"]["resourceVersion"] == final["metadata"]["resourceVersion"]
assert len(events) <= 2 + int((end - start) / 2.0), f"{len(events)} events for a burst of {end - start:.2f} s"
EOP
t_log "debounce: the burst of 10 arrived as $(count_events "$T_DIR/s/debounce.out" MODIFIED cm-d) events, the last with the final data"

synthetic=$(proxy_metric $WF_PORT watchfilter_synthetic_events_total reason=resync)
[[ $synthetic != absent && $synthetic -ge 6 ]] || fail "watchfilter_synthetic_events_total{reason=resync} is $synthetic, want >= 6"
t_log "ok"

#!/usr/bin/env python3
"""Turns a wasm-operator reconcile trace (../shared/data/wasm-operator-traces/*.csv: one
ISO-8601 timestamp a line, header "reconsile_dates") into a mutate.py script of status updates of
one Percona-style Cluster, and prints the plan as JSON (standard library only).

    trace_replay.py replay --trace CSV --rows N --speedup S --object PATH --out SCRIPT
    trace_replay.py quiet --seconds T --interval I --object PATH --size K --out SCRIPT

replay: row i of the trace is the operator's status write at that moment, replayed after the
trace's gap divided by S: a heartbeat (status.lastReconcile, status.reconciles) that keeps
status.size. The trace is the Percona operator's 5 s RequeueAfter loop; a row that comes less
than 4.5 s after the previous one was not the timer but a real change waking the operator, so
there status.size also moves (a member leaves: size-1; the next such row: it rejoins). Every
--spec-every rows (0: never) the user rescales spec.size (3 <-> 4), a separate PATCH. The plan
counts the writes and the changes a `changed(spec) || delta(status.size) >= 1` filter admits.

quiet: heartbeat-only status writes (size unchanged) every I seconds for T seconds: nothing the
filter admits.
"""
import argparse
import datetime
import json
import sys

from reconcile_trace import read_trace


def status_patch(obj, size, stamp, i):
    return {"method": "PATCH", "path": obj + "/status", "patch": "merge",
            "body": {"status": {"size": size, "lastReconcile": stamp, "reconciles": i}}}


def replay(a):
    ts = read_trace(a.trace, a.rows)
    script, size, spec_size = [], a.size, a.size
    plan = {"rows": len(ts), "updates": 0, "status_size_changes": 0, "spec_changes": 0,
            "trace_seconds": (ts[-1] - ts[0]).total_seconds() if ts else 0,
            "replay_seconds": 0.0}
    for i, t in enumerate(ts):
        if i > 0:
            gap = (t - ts[i - 1]).total_seconds()
            script.append({"sleep": gap / a.speedup})
            plan["replay_seconds"] = round(plan["replay_seconds"] + gap / a.speedup, 3)
            if gap < 4.5:
                size = a.size - 1 if size == a.size else a.size
                plan["status_size_changes"] += 1
        script.append(status_patch(a.object, size, t.isoformat(), i))
        plan["updates"] += 1
        if a.spec_every and i > 0 and i % a.spec_every == 0:
            spec_size = a.size + 1 if spec_size == a.size else a.size
            script.append({"method": "PATCH", "path": a.object, "patch": "merge",
                           "body": {"spec": {"size": spec_size}}})
            plan["updates"] += 1
            plan["spec_changes"] += 1
    plan["admitted_expected"] = plan["status_size_changes"] + plan["spec_changes"]
    plan["final_size"] = size
    return script, plan


def quiet(a):
    script, n = [], int(a.seconds / a.interval)
    for i in range(n):
        stamp = datetime.datetime.now(datetime.timezone.utc).isoformat()
        script.append(status_patch(a.object, a.size, stamp, 100000 + i))
        script.append({"sleep": a.interval})
    return script, {"updates": n, "admitted_expected": 0}


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="mode", required=True)
    r = sub.add_parser("replay")
    r.add_argument("--trace", required=True)
    r.add_argument("--rows", type=int, default=300)
    r.add_argument("--speedup", type=float, default=100)
    r.add_argument("--spec-every", type=int, default=100)
    r.add_argument("--size", type=int, default=3)
    q = sub.add_parser("quiet")
    q.add_argument("--seconds", type=float, default=5)
    q.add_argument("--interval", type=float, default=0.1)
    q.add_argument("--size", type=int, default=3)
    for s in (r, q):
        s.add_argument("--object", required=True)
        s.add_argument("--out", required=True)
    a = p.parse_args()
    script, plan = replay(a) if a.mode == "replay" else quiet(a)
    with open(a.out, "w") as f:
        for op in script:
            f.write(json.dumps(op) + "\n")
    json.dump(plan, sys.stdout)
    print()


if __name__ == "__main__":
    sys.exit(main())

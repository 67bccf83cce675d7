#!/usr/bin/env python3
"""Turns a wasm-operator reconcile trace (../shared/data/wasm-operator-traces/*.csv: one ISO-8601
timestamp a line, header "reconsile_dates") into a mutate.py script of status heartbeats and spec
changes of some Databases (dbop, e2e/operator), and prints the plan as JSON (standard library
only).

    trace_heartbeats.py --trace CSV --rows N --speedup S --spec-every K \\
        --database PATH [--database PATH ...] --out SCRIPT

The time compression: rows 0..N-1 of the trace are replayed (a bounded subset), each after the
trace's gap to the previous row divided by S. Row i is a status heartbeat of every Database
(status.heartbeat = the row's timestamp, status.heartbeats = i, through the status subresource:
what a database's members report on the Percona operator's 5 s loop). Every K-th row (i > 0) also
carries one spec change, of the Databases in turn, cycling through members (3 <-> 4), version and
a setting (each a real change), so that each kind of change reaches the operator's ConfigMap or Deployment.

The plan: rows, trace_seconds, replay_seconds, heartbeats (status writes), spec_changes, and for
each Database its spec changes in order (the generation each one makes is read from mutate.py's
output, which records every object version written).
"""
import argparse
import json
import sys

from reconcile_trace import read_trace


def spec_change(j, members):
    """The j-th spec change (j >= 0): members (3 <-> 4, from the Database's current MEMBERS),
    version and a setting in turn; each differs from what the Database has."""
    kind = j % 3
    if kind == 0:
        return {"members": 4 if members == 3 else 3}
    if kind == 1:
        return {"version": "7.0.%d" % (j + 1)}
    return {"settings": {"cacheSizeGB": str(j + 1)}}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--trace", required=True)
    p.add_argument("--rows", type=int, default=144)
    p.add_argument("--speedup", type=float, default=24)
    p.add_argument("--spec-every", type=int, default=12)
    p.add_argument("--database", action="append", required=True)
    p.add_argument("--members", type=int, default=3, help="spec.members of every Database at the start")
    p.add_argument("--out", required=True)
    a = p.parse_args()
    ts = read_trace(a.trace, a.rows)
    if len(ts) < a.rows:
        print("trace_heartbeats: the trace has only %d rows" % len(ts), file=sys.stderr)
        return 1
    script = []
    members = {path: a.members for path in a.database}
    plan = {"rows": len(ts), "speedup": a.speedup, "trace_seconds": (ts[-1] - ts[0]).total_seconds(),
            "replay_seconds": 0.0, "heartbeats": 0, "spec_changes": 0,
            "changes": {path: [] for path in a.database}}
    for i, t in enumerate(ts):
        if i > 0:
            gap = (t - ts[i - 1]).total_seconds() / a.speedup
            script.append({"sleep": gap})
            plan["replay_seconds"] = round(plan["replay_seconds"] + gap, 3)
        for path in a.database:
            script.append({"method": "PATCH", "path": path + "/status", "patch": "merge",
                           "body": {"status": {"heartbeat": t.isoformat(), "heartbeats": i}}})
            plan["heartbeats"] += 1
        if a.spec_every and i > 0 and i % a.spec_every == 0:
            j = plan["spec_changes"]
            path = a.database[j % len(a.database)]
            change = spec_change(j, members[path])
            members[path] = change.get("members", members[path])
            script.append({"method": "PATCH", "path": path, "patch": "merge", "body": {"spec": change}})
            plan["changes"][path].append(change)
            plan["spec_changes"] += 1
    with open(a.out, "w") as f:
        for op in script:
            f.write(json.dumps(op) + "\n")
    json.dump(plan, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())

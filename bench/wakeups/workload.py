#!/usr/bin/env python3
"""The workload of the wake-up study (docs/benchmarks.md): N Percona-style Clusters, each
replaying a wasm-operator reconcile trace as status heartbeats, with meaningful changes at known
moments, and the oracle that lists them. Standard library only.

    workload.py plan --trace CSV --nab CSV --children N --rows R --namespace NS --out DIR
    workload.py write --ops FILE --scale S --server URL --cacert CA --cert CRT --key KEY \\
                      --out VERSIONS [--start-file F]

plan writes DIR/setup.jsonl (the Clusters, created with their first status), DIR/plan.jsonl (the
replay: one write a line, at trace second "at") and DIR/oracle.json (every meaningful change).

The trace (one ISO-8601 timestamp a line) is the moments the Percona MongoDB operator
reconciled. Every row is a status write of every Cluster (Cluster i shifted by i/N of the median
gap, so that N objects do not write at once): status.seq (the row), status.heartbeat (the
trace's timestamp) and status.latencyMs, the next value of a NAB series (Cluster i reads it from
its own offset). Meaningful changes, the ones the operator must see:
  spec      every 100 rows (Cluster i at rows = 37*i mod 100) the user rescales spec.size 3 <-> 4
            (its own write);
  size      status.size follows a rescale 2 rows later; and a row that came less than 4.5 s after
            the previous one was not the operator's 5 s timer but a real event: a member leaves
            (size - 1), and at the next such row it rejoins (as e2e/clients/trace_replay.py);
  latency   status.latencyMs is an outlier by the operator's rule, outlier(x, 3, 32, "mean every") of
            docs/filters.md (mean and sample standard deviation of the previous 32 values,
            nothing before 8); the oracle lists the values whose score is above 3.5 (a margin
            for the proxy's observations of the object that this replay does not make, such as
            a wake-up) and ignores those between 2.5 and 3.5;
  secondary every 200 rows (Cluster i at rows = 37*i + 50 mod 200) someone changes each
            configuration's topology ConfigMap (data.phase: tampered): the operator must repair
            it, which it learns by polling or by an owned-object event (configuration 4).
Each entry of the oracle: object, kind, the index of the write that makes the change, and "until":
the index of the write after which the change is no longer visible in the object (the next change
of the same field; for latency, the next status write), so that "reconciled" means the operator
ran on a version in [write, until).

write runs the ops at at/S seconds after its start (a late op is sent at once and its lag
recorded) over one keep-alive connection, and records every write as
  {"i": op index, "t_send": unix time before sending, "t_ack": after the answer, "code": HTTP,
   "rv": the object's resourceVersion in the answer}
A 404 on a "secondary" op (its ConfigMap does not exist) is recorded; any other failure stops it.
"""
import argparse
import csv
import http.client
import json
import math
import os
import ssl
import statistics
import sys
import time
from urllib.parse import urlsplit

# The trace reader the e2e replays use too (this script runs from the repository, as run.sh does).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../e2e/clients"))
from reconcile_trace import read_trace  # noqa: E402

GROUP_PATH = "/apis/example.watchfilter.io/v1"
CONFIGS = ("c1", "c2", "c3", "c4")
Z_MUST, Z_IGNORE = 3.5, 2.5


def nab_values(path):
    with open(path) as f:
        return [float(r["value"]) for r in csv.DictReader(f)]


def zscore(window, x):
    if len(window) < 8:
        return 0.0
    mean = statistics.fmean(window)
    sd = statistics.stdev(window)
    if sd == 0:
        return math.inf if x != mean else 0.0
    return abs(x - mean) / sd


def cluster_path(ns, name):
    return f"{GROUP_PATH}/namespaces/{ns}/clusters/{name}"


def plan(a):
    ts = read_trace(a.trace, a.rows)
    if len(ts) < 2:
        sys.exit("plan: the trace has fewer than 2 rows")
    offsets = [(t - ts[0]).total_seconds() for t in ts]
    gaps = [offsets[r] - offsets[r - 1] for r in range(1, len(ts))]
    spread = statistics.median(gaps)
    series = nab_values(a.nab)
    if len(series) < len(ts) + 1:
        sys.exit("plan: the NAB series is shorter than the trace")
    n = a.children
    setup, ops, oracle = [], [], []
    for i in range(n):
        name = f"c-{i:03d}"
        path = cluster_path(a.namespace, name)
        lat_at = (i * 997) % (len(series) - len(ts))
        lat = series[lat_at]
        spec_size = applied = size = 3   # applied: the spec size the members have reached
        member_out = False
        grow_at = None       # row at which status.size follows a rescale
        setup.append({"method": "POST", "path": f"{GROUP_PATH}/namespaces/{a.namespace}/clusters",
                      "body": {"apiVersion": "example.watchfilter.io/v1", "kind": "Cluster",
                               "metadata": {"name": name, "namespace": a.namespace},
                               "spec": {"size": spec_size}}})
        setup.append({"method": "PATCH", "path": path + "/status", "object": name,
                      "body": {"status": {"size": size, "seq": -1, "latencyMs": lat}}})
        window = [lat]       # the proxy observes the Cluster as the stream starts
        shift = spread * i / n
        # Per object, in write order: (trace second, op, oracle kinds opened by it).
        mine = []
        open_change = {}     # kind -> index in `oracle` of its last change, to close "until"
        for r, at in enumerate(offsets):
            at += shift
            kinds = []
            if r > 0 and (r - 37 * i) % 100 == 0:
                spec_size = 4 if spec_size == 3 else 3
                mine.append((at, {"method": "PATCH", "path": path, "object": name, "kind": "spec",
                                  "body": {"spec": {"size": spec_size}}}, ["spec"]))
                window.append(lat)   # a spec write is another version: the same latency observed
                window = window[-32:]
                grow_at = r + 2
            if r > 0 and gaps[r - 1] < 4.5:
                member_out = not member_out
            if grow_at == r:
                applied = spec_size
                grow_at = None
            # One change of status.size per row at most, however many moves made it (a member
            # leaving as the rescale arrives may also cancel out).
            new_size = applied - (1 if member_out else 0)
            if new_size != size:
                size = new_size
                kinds.append("size")
            lat = series[lat_at + 1 + r]
            z = zscore(window, lat)
            window.append(lat)
            window = window[-32:]
            if z > Z_MUST:
                kinds.append("latency")
            elif z > Z_IGNORE:
                kinds.append("latency-borderline")
            beat = {"method": "PATCH", "path": path + "/status", "object": name,
                    "kind": "heartbeat",
                    "body": {"status": {"size": size, "seq": r, "latencyMs": lat,
                                        "heartbeat": ts[r].isoformat()}}}
            if z > Z_IGNORE:
                beat["z"] = round(min(z, 1e6), 2)
            mine.append((at, beat, kinds))
            if r > 0 and (r - 37 * i - 50) % 200 == 0:
                for c in CONFIGS:
                    mine.append((at, {"method": "PATCH", "object": name, "kind": "secondary",
                                      "config": c,
                                      "path": f"/api/v1/namespaces/{a.namespace}/configmaps/"
                                              f"{name}-topology-{c}",
                                      "body": {"data": {"phase": "tampered"}}},
                                 [f"secondary:{c}"]))
        for at, op, kinds in mine:
            op["at"] = round(at, 3)
            op["i"] = len(ops)
            ops.append(op)
            status_write = op["path"].endswith("/status")
            # A latency outlier stays visible until the next status write; a size or spec change
            # until the next change of the same kind.
            if status_write and "latency" in open_change:
                oracle[open_change.pop("latency")]["until"] = op["i"]
            for k in kinds:
                if k == "latency-borderline":
                    continue
                if k in ("spec", "size") and k in open_change:
                    oracle[open_change[k]]["until"] = op["i"]
                entry = {"object": name, "kind": k, "write": op["i"], "until": None}
                if k == "latency":
                    entry["z"] = op["z"]
                open_change[k] = len(oracle)
                oracle.append(entry)
    empty = [e for e in oracle if e["until"] is not None and e["until"] <= e["write"]]
    if empty:
        sys.exit(f"plan: {len(empty)} changes superseded by their own write, e.g. {empty[0]}")
    ops.sort(key=lambda o: (o["at"], o["i"]))
    index = {}
    for j, op in enumerate(ops):
        index[op["i"]] = j
    for j, op in enumerate(ops):
        op["i"] = j
    for e in oracle:
        e["write"] = index[e["write"]]
        if e["until"] is not None:
            e["until"] = index[e["until"]]
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "setup.jsonl"), "w") as f:
        for op in setup:
            f.write(json.dumps(op) + "\n")
    with open(os.path.join(a.out, "plan.jsonl"), "w") as f:
        for op in ops:
            f.write(json.dumps(op) + "\n")
    summary = {"children": n, "rows": len(ts), "trace": os.path.basename(a.trace),
               "nab": os.path.basename(a.nab), "trace_seconds": round(offsets[-1] + spread, 3),
               "writes": len(ops),
               "heartbeats": sum(1 for o in ops if o["kind"] == "heartbeat"),
               "changes": {}}
    for e in oracle:
        summary["changes"][e["kind"]] = summary["changes"].get(e["kind"], 0) + 1
    with open(os.path.join(a.out, "oracle.json"), "w") as f:
        json.dump({"summary": summary, "changes": oracle}, f, indent=0)
    json.dump(summary, sys.stdout)
    print()


def write(a):
    ops = [json.loads(line) for line in open(a.ops) if line.strip()]
    ctx = ssl.create_default_context(cafile=a.cacert)
    ctx.load_cert_chain(a.cert, a.key)
    u = urlsplit(a.server)
    conn = http.client.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=30)
    out = open(a.out, "w", buffering=1)
    start = time.time()
    if a.start_file:
        with open(a.start_file, "w") as f:
            f.write(f"{start:.3f}\n")
    worst_lag = 0.0
    for j, op in enumerate(ops):
        if a.scale > 0 and "at" in op:
            due = start + op["at"] / a.scale
            wait = due - time.time()
            if wait > 0:
                time.sleep(wait)
            else:
                worst_lag = max(worst_lag, -wait)
        method = op["method"]
        ctype = "application/merge-patch+json" if method == "PATCH" else "application/json"
        headers = {"Accept": "application/json", "Content-Type": ctype,
                   "User-Agent": "watchfilter-bench-writer"}
        body = json.dumps(op["body"]).encode()
        t_send = time.time()
        conn.request(method, op["path"], body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        t_ack = time.time()
        rv = None
        if 200 <= resp.status < 300:
            rv = json.loads(data).get("metadata", {}).get("resourceVersion")
        elif not (resp.status == 404 and op.get("kind") == "secondary"):
            print(f"workload: op {j}: {method} {op['path']}: {resp.status} {data[:300]!r}",
                  file=sys.stderr)
            return 1
        out.write(json.dumps({"i": op.get("i", j), "t_send": round(t_send, 4),
                              "t_ack": round(t_ack, 4), "code": resp.status, "rv": rv},
                             separators=(",", ":")) + "\n")
    print(json.dumps({"ops": len(ops), "seconds": round(time.time() - start, 2),
                      "worst_lag_seconds": round(worst_lag, 3)}))
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="mode", required=True)
    pl = sub.add_parser("plan")
    pl.add_argument("--trace", required=True)
    pl.add_argument("--nab", required=True)
    pl.add_argument("--children", type=int, required=True)
    pl.add_argument("--rows", type=int, default=1001)
    pl.add_argument("--namespace", required=True)
    pl.add_argument("--out", required=True)
    w = sub.add_parser("write")
    w.add_argument("--ops", required=True)
    w.add_argument("--scale", type=float, default=0, help="trace seconds per second; 0: no pacing")
    for flag in ("--server", "--cacert", "--cert", "--key", "--out"):
        w.add_argument(flag, required=True)
    w.add_argument("--start-file")
    a = p.parse_args()
    return plan(a) if a.mode == "plan" else write(a)


if __name__ == "__main__":
    sys.exit(main())

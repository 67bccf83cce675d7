#!/usr/bin/env python3
"""How late a requeue comes, kept by the host (--requeue local) or by the proxy (a Wakeup): one
Percona-style child per way, nothing written, the child asking for "again in P seconds" at every
reconcile. From the child's LOG_RECONCILES lines:

    requeue_lateness.py --period P --out requeue.json WAY=HOST_LOG ...

For each way, the gaps between consecutive reconciles minus P: the reconcile itself (its GET
and PATCH) plus everything between the child's answer and its next call (a timer in the host; a
POST to the proxy, the proxy's ConfigMap write, its timer and the stream). Standard library only.
"""
import argparse
import json
import re
import statistics
import sys

RECONCILE = re.compile(r"reconcile \S+ rv=\d+ t=([\d.]+) ")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--period", type=float, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("logs", nargs="+")
    a = p.parse_args()
    out = {"period_seconds": a.period}
    for arg in a.logs:
        way, path = arg.split("=", 1)
        times = [float(m.group(1)) for line in open(path, errors="replace")
                 if (m := RECONCILE.search(line))]
        late = sorted(b - t - a.period for t, b in zip(times, times[1:]))
        out[way] = {"reconciles": len(times),
                    "late_p50_seconds": statistics.median(late) if late else None,
                    "late_mean_seconds": statistics.fmean(late) if late else None,
                    "late_max_seconds": max(late) if late else None}
        print(f"requeue ({way}): {len(times)} reconciles, late by "
              + (f"{statistics.median(late) * 1000:.0f} ms median, {max(late) * 1000:.0f} ms max"
                 if late else "-"), file=sys.stderr)
    with open(a.out, "w") as f:
        json.dump(out, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Samples the processes of one run of the wake-up study until STOP_FILE exists (or --seconds):

    sampler.py --out samples.jsonl --interval 0.5 --stop-file F \\
               --proc NAME=PID ... --host NAME=METRICS_PORT ...

Every interval, one line: {"t": unix time, "proc": {NAME: {"rss": bytes, "pss": bytes,
"cpu": seconds}}, "host": {NAME: {"wakeups": n, "timer_wakeups": n, "loads": n, "unloads": n,
"events": n, "loaded": n}}}. RSS and PSS from /proc/PID/smaps_rollup (PSS splits the pages
shared with other processes -- the four hosts share their binary -- between them), CPU as utime +
stime from /proc/PID/stat. Host counters are sums over the children of its plain-HTTP /metrics
(run this inside the network namespace of the hosts). Standard library only.
"""
import argparse
import json
import os
import sys
import time
import urllib.request

TICKS = os.sysconf("SC_CLK_TCK")
HOST_METRICS = {
    "watchfilter_host_child_wakeups_total": "wakeups",
    "watchfilter_host_child_timer_wakeups_total": "timer_wakeups",
    "watchfilter_host_child_loads_total": "loads",
    "watchfilter_host_child_unloads_total": "unloads",
    "watchfilter_host_watch_events_total": "events",
    "watchfilter_host_child_loaded": "loaded",
}


def proc_sample(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in ("Rss", "Pss"):
                    out[key.lower()] = int(rest.split()[0]) * 1024
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        out["cpu"] = (int(fields[11]) + int(fields[12])) / TICKS
    except OSError:
        return None
    return out


def host_sample(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as r:
            text = r.read().decode()
    except OSError:
        return None
    out = {v: 0 for v in HOST_METRICS.values()}
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        name = line.split("{", 1)[0].split(" ", 1)[0]
        if name in HOST_METRICS:
            out[HOST_METRICS[name]] += int(float(line.rsplit(" ", 1)[1]))
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--interval", type=float, default=0.5)
    p.add_argument("--stop-file", required=True)
    p.add_argument("--seconds", type=float, default=7200)
    p.add_argument("--proc", action="append", default=[])
    p.add_argument("--host", action="append", default=[])
    a = p.parse_args()
    procs = dict(x.split("=", 1) for x in a.proc)
    hosts = dict(x.split("=", 1) for x in a.host)
    deadline = time.time() + a.seconds
    with open(a.out, "w", buffering=1) as out:
        while not os.path.exists(a.stop_file) and time.time() < deadline:
            t = time.time()
            line = {"t": round(t, 3),
                    "proc": {n: s for n, pid in procs.items() if (s := proc_sample(pid))},
                    "host": {n: s for n, port in hosts.items() if (s := host_sample(port))}}
            out.write(json.dumps(line, separators=(",", ":")) + "\n")
            time.sleep(max(0.0, a.interval - (time.time() - t)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

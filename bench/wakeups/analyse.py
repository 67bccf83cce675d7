#!/usr/bin/env python3
"""One run of the wake-up study (a directory written by bench/wakeups/run.sh) -> result.json:

    analyse.py [--assert] RUN_DIR

Per configuration: wake-ups (reconcile calls) while idle and during the replay, those of the
host's own timer, loads and unloads (host /metrics snapshots at the phase boundaries), wake-ups
per child per hour of trace, CPU seconds of the host and of its proxy, RSS and PSS over the replay
(samples.jsonl), kube-apiserver watches it added (watches.json), and the oracle check: each
meaningful change (oracle.json) is reconciled when the child ran, and did not throw the event
away (LOG_RECONCILES lines of the host's log: outcome other than "unchanged"), on a version of the
object from the change's write up to the write that superseded it; the delivery latency is from
the change's write being sent to that reconcile starting. A changed secondary (a tampered
topology ConfigMap) is repaired by the first later reconcile of that configuration that wrote
the ConfigMap.

--assert checks what holds whatever the machine's speed (make test): configuration 3 wakes
nobody while idle, misses no change, and wakes at least 10x less than configuration 2 during the
replay. Exit status 1 when one fails. Standard library only.
"""
import argparse
import json
import math
import os
import re
import sys

CONFIGS = ("c1", "c2", "c3", "c4")
PRIMARY = ("spec", "size", "latency")
RECONCILE = re.compile(r"reconcile (\S+)/(\S+) rv=(\d+) t=([\d.]+) (\w+)")
HOST_COUNTERS = {
    "wakeups": "watchfilter_host_child_wakeups_total",
    "timer_wakeups": "watchfilter_host_child_timer_wakeups_total",
    "loads": "watchfilter_host_child_loads_total",
    "unloads": "watchfilter_host_child_unloads_total",
    "events": "watchfilter_host_watch_events_total",
    "requeues": "watchfilter_host_child_requeues_total",
    "requeues_absorbed": "watchfilter_host_child_requeues_absorbed_total",
}


def metric_sum(path, name, label=None):
    total, seen = 0.0, False
    try:
        with open(path) as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                head, _, value = line.rstrip().rpartition(" ")
                if head.split("{", 1)[0] != name or (label and label not in head):
                    continue
                total += float(value)
                seen = True
    except OSError:
        return None
    return total if seen else 0.0


def percentile(values, q):
    if not values:
        return None
    v = sorted(values)
    k = (len(v) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def load_jsonl(path):
    if not os.path.exists(path):
        return []
    return [json.loads(line) for line in open(path) if line.strip()]


def reconciles(log):
    """object name -> [(t, rv, outcome)] in log order."""
    out = {}
    if not os.path.exists(log):
        return out
    for line in open(log, errors="replace"):
        m = RECONCILE.search(line)
        if m:
            out.setdefault(m.group(2), []).append((float(m.group(4)), int(m.group(3)), m.group(5)))
    return out


def window_stats(samples, t0, t1, key, field):
    xs = [s["proc"][key][field] for s in samples
          if t0 <= s["t"] <= t1 and key in s["proc"] and field in s["proc"][key]]
    if not xs:
        return None, None
    return sum(xs) / len(xs), max(xs)


def cpu_between(samples, t0, t1, key):
    inside = [s for s in samples if t0 <= s["t"] <= t1 and key in s["proc"]]
    if len(inside) < 2:
        return None
    return inside[-1]["proc"][key]["cpu"] - inside[0]["proc"][key]["cpu"]


def analyse(run):
    oracle = json.load(open(os.path.join(run, "oracle.json")))
    plan = load_jsonl(os.path.join(run, "plan.jsonl"))
    versions = {v["i"]: v for v in load_jsonl(os.path.join(run, "versions.jsonl"))}
    phases = json.load(open(os.path.join(run, "phases.json")))
    configs = json.load(open(os.path.join(run, "configs.json")))
    watches = json.load(open(os.path.join(run, "watches.json")))
    samples = load_jsonl(os.path.join(run, "samples.jsonl"))
    summary = oracle["summary"]
    scale = configs["scale"]
    n = summary["children"]
    replay_trace_hours = summary["trace_seconds"] / 3600
    write_summary = json.load(open(os.path.join(run, "write-summary.json")))
    result = {"run": os.path.basename(os.path.normpath(run)), "children": n,
              "trace": summary["trace"], "rows": summary["rows"], "scale": scale,
              "trace_seconds": summary["trace_seconds"], "writes": summary["writes"],
              "ballast_mib": configs.get("ballast_mib", 0),
              "heartbeats": summary["heartbeats"], "changes": summary["changes"],
              "writer": write_summary, "filter": configs["filter"],
              "proxy_watches": watches.get("proxies"), "configs": {}}

    def snap(cfg, phase, key, proxy=False):
        name = f"proxy-{cfg}-{phase}.txt" if proxy else f"{cfg}-{phase}.txt"
        return metric_sum(os.path.join(run, "metrics", name), key)

    for cfg in CONFIGS:
        c = {"description": configs["configs"][cfg]["description"]}
        for phase, (a, b) in {"idle": ("idle_start", "idle_end"),
                              "replay": ("replay_start", "drained")}.items():
            c[phase] = {}
            for k, m in HOST_COUNTERS.items():
                x, y = snap(cfg, a, m), snap(cfg, b, m)
                c[phase][k] = None if x is None or y is None else int(y - x)
        if not configs["configs"][cfg]["proxy"]:
            # What a timer that keeps up would do while idle: one wake-up per child per period.
            c["idle"]["expected_timer_wakeups"] = int(
                n * 300 / configs["configs"][cfg]["requeue_seconds"])
        c["wakeups_per_child_trace_hour"] = (
            round(c["replay"]["wakeups"] / n / replay_trace_hours, 1)
            if c["replay"]["wakeups"] is not None else None)
        if configs["configs"][cfg]["proxy"]:
            c["proxy_wakeups_delivered"] = {
                phase: (lambda x, y: None if x is None or y is None else int(y - x))(
                    metric_sum(os.path.join(run, "metrics", f"proxy-{cfg}-{a}.txt"),
                               "watchfilter_synthetic_events_total", 'reason="wakeup"'),
                    metric_sum(os.path.join(run, "metrics", f"proxy-{cfg}-{b}.txt"),
                               "watchfilter_synthetic_events_total", 'reason="wakeup"'))
                for phase, (a, b) in {"idle": ("idle_start", "idle_end"),
                                      "replay": ("replay_start", "drained")}.items()}
        for hist in ("cold_start", "reconcile"):
            name = f"watchfilter_host_child_{hist}_seconds"
            s0, s1 = snap(cfg, "replay_start", name + "_sum"), snap(cfg, "drained", name + "_sum")
            n0, n1 = snap(cfg, "replay_start", name + "_count"), snap(cfg, "drained", name + "_count")
            c[f"{hist}_mean_seconds"] = (
                (s1 - s0) / (n1 - n0) if None not in (s0, s1, n0, n1) and n1 > n0 else None)
        c["upstream_watches"] = watches.get(cfg)
        # A host that cannot keep up still has events queued when the run ends (30 s of drain).
        queued = snap(cfg, "drained", "watchfilter_host_events_queued")
        c["queued_at_end"] = None if queued is None else int(queued)

        t_idle, t_replay, t_end = phases["idle_start"], phases["replay_start"], phases["drained"]
        procs = [f"host-{cfg}"] + ([f"proxy-{cfg}"] if configs["configs"][cfg]["proxy"] else [])
        cpu = {p: cpu_between(samples, t_idle, t_end, p) for p in procs}
        c["cpu_seconds"] = {"host": cpu[procs[0]],
                            "proxy": cpu.get(f"proxy-{cfg}"),
                            "total": sum(v for v in cpu.values() if v is not None)}
        for field in ("rss", "pss"):
            host_mean, host_max = window_stats(samples, t_replay, t_end, f"host-{cfg}", field)
            pm, px = window_stats(samples, t_replay, t_end, f"proxy-{cfg}", field)
            c[field] = {"host_mean": host_mean, "host_max": host_max,
                        "proxy_mean": pm, "proxy_max": px,
                        "total_mean": (host_mean or 0) + (pm or 0),
                        "total_max": (host_max or 0) + (px or 0)}

        # The oracle.
        seen = reconciles(os.path.join(run, "logs", f"host-{cfg}.log"))
        c["reconciles_logged"] = sum(len(v) for v in seen.values())
        c["reconciles_acted"] = sum(1 for v in seen.values() for r in v if r[2] != "unchanged")
        latencies, missed, by_kind = [], [], {}
        repairs, unrepaired = [], []
        for e in oracle["changes"]:
            kind = e["kind"]
            w = versions.get(e["write"])
            if kind.startswith("secondary:"):
                if kind != f"secondary:{cfg}" or not w or w["code"] != 200:
                    continue
                fix = next((t for t, _, out in seen.get(e["object"], [])
                            if t > w["t_ack"] and out in ("patched", "created")), None)
                if fix is None:
                    unrepaired.append(e["object"])
                else:
                    repairs.append(fix - w["t_send"])
                continue
            if kind not in PRIMARY:
                continue
            k = by_kind.setdefault(kind, {"changes": 0, "missed": 0})
            k["changes"] += 1
            if not w or w["rv"] is None:
                k["missed"] += 1
                missed.append({"object": e["object"], "kind": kind, "write": e["write"],
                               "why": "not written"})
                continue
            lo = int(w["rv"])
            until = versions.get(e["until"]) if e["until"] is not None else None
            hi = int(until["rv"]) if until and until["rv"] else math.inf
            hit = next((t for t, rv, out in seen.get(e["object"], [])
                        if lo <= rv < hi and out != "unchanged"), None)
            if hit is None:
                k["missed"] += 1
                thrown = any(lo <= rv < hi for _, rv, _ in seen.get(e["object"], []))
                missed.append({"object": e["object"], "kind": kind, "write": e["write"],
                               "rv": lo, "why": "woken, thrown away" if thrown else "not woken"})
            else:
                latencies.append(hit - w["t_send"])
        c["oracle"] = {"changes": sum(k["changes"] for k in by_kind.values()),
                       "missed": len(missed), "by_kind": by_kind, "missed_changes": missed}
        c["latency_seconds"] = {"n": len(latencies), "p50": percentile(latencies, 0.5),
                                "p99": percentile(latencies, 0.99),
                                "max": max(latencies) if latencies else None,
                                "all": [round(x, 4) for x in sorted(latencies)]}
        c["secondary"] = {"tampered": len(repairs) + len(unrepaired), "repaired": len(repairs),
                          "p50_seconds": percentile(repairs, 0.5),
                          "max_seconds": max(repairs) if repairs else None,
                          "unrepaired": len(unrepaired)}
        result["configs"][cfg] = c
    return result


def check(result):
    c2, c3 = result["configs"]["c2"], result["configs"]["c3"]
    out = []
    idle = c3["idle"]["wakeups"]
    out.append(("configuration 3 wakes nobody while idle", idle == 0,
                f"{idle} wake-ups in {round(300 / result['scale'], 1)} s of idle"))
    out.append(("configuration 3 misses no change of the oracle", c3["oracle"]["missed"] == 0,
                f"{c3['oracle']['missed']} of {c3['oracle']['changes']} missed: "
                + ", ".join(f"{m['object']} {m['kind']} at write {m['write']} ({m['why']})"
                            for m in c3["oracle"]["missed_changes"][:10])))
    w2, w3 = c2["replay"]["wakeups"], c3["replay"]["wakeups"]
    out.append(("configuration 3 wakes at least 10x less than configuration 2",
                w2 is not None and w3 is not None and w2 >= 10 * max(w3, 1),
                f"{w2} against {w3} wake-ups during the replay"))
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--assert", dest="check", action="store_true")
    p.add_argument("run")
    a = p.parse_args()
    result = analyse(a.run)
    ok = True
    if a.check:
        result["assertions"] = []
        for what, passed, detail in check(result):
            result["assertions"].append({"what": what, "passed": passed, "detail": detail})
            print(f"bench-wakeups: {'ok  ' if passed else 'FAIL'} {what}: {detail}", file=sys.stderr)
            ok = ok and passed
    with open(os.path.join(a.run, "result.json"), "w") as f:
        json.dump(result, f, indent=1)
    for cfg, c in result["configs"].items():
        lat = c["latency_seconds"]
        fmt = (lambda x: "-" if x is None else f"{x * 1000:.0f} ms")
        print(f"{result['run']} {cfg}: wake-ups idle {c['idle']['wakeups']}, replay "
              f"{c['replay']['wakeups']} (timer {c['replay']['timer_wakeups']}), loads "
              f"{c['replay']['loads']}, missed {c['oracle']['missed']}/{c['oracle']['changes']}, "
              f"latency p50 {fmt(lat['p50'])} p99 {fmt(lat['p99'])}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

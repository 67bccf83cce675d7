#!/usr/bin/env python3
"""The report of the wake-up study: tables and plots from the results of bench/wakeups/run.sh.

    report.py --out DIR [--docs DOCS_DIR] RESULTS_DIR

Reads RESULTS_DIR/machine.json, RESULTS_DIR/runs/*/result.json (analyse.py) with their
samples.jsonl and phases.json, and RESULTS_DIR/ring-*/ring.json; writes DIR/report.md and, per
run, three plots: wake-ups over the replay per configuration, RSS (host + its proxy) over the
replay, and the CDF of the delivery latency of the oracle's changes. With --docs the block between
the markers <!-- bench-wakeups:begin --> and <!-- bench-wakeups:end --> of DOCS_DIR/benchmarks.md
is replaced by the report, and the plots go to DOCS_DIR/benchmarks/ (the old ones removed). Needs matplotlib (Debian's python3-matplotlib).
"""
import argparse
import glob
import json
import os
import shutil
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

CONFIGS = ("c1", "c2", "c3", "c4")
COLORS = {"c1": "#d62728", "c2": "#ff7f0e", "c3": "#1f77b4", "c4": "#2ca02c"}
BEGIN, END = "<!-- bench-wakeups:begin -->", "<!-- bench-wakeups:end -->"
MIB = 1024 * 1024


def ms(x):
    if x is None:
        return "-"
    if x < 0.01:
        return f"{x * 1000:.2f} ms"
    return f"{x * 1000:.0f} ms" if x < 10 else f"{x:.1f} s"


def mib(x):
    return "-" if not x else f"{x / MIB:.1f}"


def num(x, digits=1):
    return "-" if x is None else f"{x:.{digits}f}"


def load_samples(run_dir):
    path = os.path.join(run_dir, "samples.jsonl")
    return [json.loads(l) for l in open(path) if l.strip()] if os.path.exists(path) else []


def plots(run_dir, result, out_dir, prefix):
    samples = load_samples(run_dir)
    phases = json.load(open(os.path.join(run_dir, "phases.json")))
    t0, t1 = phases["replay_start"], phases["drained"]
    scale = result["scale"]
    inside = [s for s in samples if t0 <= s["t"] <= t1]
    files = {}
    kids = "1 child" if result["children"] == 1 else f"{result['children']} children"
    if result.get("ballast_mib"):
        kids += f" of {result['ballast_mib']} MiB"
    title = f"{result['trace']}, {result['rows']} rows, {kids}, {scale:g}x real time"

    fig, ax = plt.subplots(figsize=(7, 4))
    for cfg in CONFIGS:
        pts = [(s["t"], s["host"][cfg]["wakeups"]) for s in inside if cfg in s["host"]]
        if not pts:
            continue
        base = pts[0][1]
        ax.plot([(t - t0) * scale / 60 for t, _ in pts], [w - base for _, w in pts],
                color=COLORS[cfg], label=f"{cfg}: {result['configs'][cfg]['description']}")
    ax.set_xlabel("trace time (minutes)")
    ax.set_ylabel("wake-ups since the replay began (all children)")
    ax.set_yscale("symlog")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    files["wakeups"] = f"{prefix}-wakeups.png"
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, files["wakeups"]), dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 4))
    for cfg in CONFIGS:
        xs, rss, pss = [], [], []
        for s in inside:
            h = s["proc"].get(f"host-{cfg}")
            if not h:
                continue
            p = s["proc"].get(f"proxy-{cfg}", {})
            xs.append((s["t"] - t0) * scale / 60)
            rss.append((h["rss"] + p.get("rss", 0)) / MIB)
            pss.append((h["pss"] + p.get("pss", 0)) / MIB)
        if xs:
            ax.plot(xs, rss, color=COLORS[cfg], linewidth=0.8,
                    label=f"{cfg} RSS (mean {sum(rss) / len(rss):.0f})")
            ax.plot(xs, pss, color=COLORS[cfg], linewidth=0.8, linestyle=":",
                    label=f"{cfg} PSS (mean {sum(pss) / len(pss):.0f})")
    ax.set_xlabel("trace time (minutes)")
    ax.set_ylabel("MiB (host, + its proxy for c3 and c4)")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, ncol=2)
    ax.grid(alpha=0.3)
    files["rss"] = f"{prefix}-rss.png"
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, files["rss"]), dpi=110)
    plt.close(fig)

    if not any(result["configs"][cfg]["latency_seconds"]["all"] for cfg in CONFIGS):
        return files  # no change of the oracle in these rows
    fig, ax = plt.subplots(figsize=(7, 4))
    for cfg in CONFIGS:
        lat = result["configs"][cfg]["latency_seconds"]["all"]
        total = result["configs"][cfg]["oracle"]["changes"]
        if not lat or not total:
            continue
        # Missed changes never arrive: the curve ends below 1 by their share.
        ax.step([x * 1000 for x in lat], [(i + 1) / total for i in range(len(lat))],
                where="post", color=COLORS[cfg], label=f"{cfg} ({len(lat)}/{total} reconciled)")
    ax.set_xscale("log")
    ax.set_xlabel("write -> reconcile (ms)")
    ax.set_ylabel("share of the oracle's changes")
    ax.set_ylim(0, 1.02)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3, which="both")
    files["latency"] = f"{prefix}-latency-cdf.png"
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, files["latency"]), dpi=110)
    plt.close(fig)
    return files


def run_table(r):
    changes = ", ".join(f"{k} {v}" for k, v in sorted(r["changes"].items())
                        if not k.startswith("secondary")) or "none in these rows"
    heavy = f", each writing {r['ballast_mib']} MiB of heap at every load" if r.get("ballast_mib") else ""
    lines = [f"**{r['trace']}, {r['rows']} rows ({r['trace_seconds'] / 60:.0f} min of trace), "
             f"{r['children']} {'child' if r['children'] == 1 else 'children'}{heavy}, "
             f"{r['scale']:g}x real time**: {r['writes']} writes "
             f"({r['heartbeats']} heartbeats), the oracle's changes: {changes}; "
             f"{r['changes'].get('secondary:c1', 0)} secondaries changed per configuration. "
             f"Writer: worst lag {r['writer'].get('worst_lag_seconds')} s.",
             "",
             "| | wake-ups idle (timer periods due) | wake-ups replay (of them timer / Wakeup) | per child per trace hour | loads / unloads (mean load) "
             "| CPU s host + proxy | RSS MiB mean (max), host + proxy | PSS MiB mean | kube-apiserver "
             "watches | latency p50 / p99 | changes missed | secondaries repaired (p50) |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for cfg in CONFIGS:
        c = r["configs"][cfg]
        rep, lat, sec = c["replay"], c["latency_seconds"], c["secondary"]
        cpu = c["cpu_seconds"]
        cpu_text = num(cpu["host"]) + (f" + {num(cpu['proxy'])}" if cpu["proxy"] is not None else "")
        rss = c["rss"]
        rss_text = f"{mib(rss['total_mean'])} ({mib(rss['total_max'])})"
        if rss["proxy_mean"]:
            rss_text += f" = {mib(rss['host_mean'])} + {mib(rss['proxy_mean'])}"
        lines.append(
            f"| {cfg}: {c['description']} | {c['idle']['wakeups']}"
            + (f" ({c['idle']['expected_timer_wakeups']} due)" if "expected_timer_wakeups" in c["idle"] else "")
            + f" | {rep['wakeups']} "
            f"({rep['timer_wakeups'] if cfg in ('c1', 'c2') else c.get('proxy_wakeups_delivered', {}).get('replay')}) "
            f"| {num(c['wakeups_per_child_trace_hour'])} | {rep['loads']} / {rep['unloads']} "
            f"({ms(c.get('cold_start_mean_seconds'))}) "
            f"| {cpu_text} | {rss_text} | {mib(c['pss']['total_mean'])} "
            f"| {c['upstream_watches']} | {ms(lat['p50'])} / {ms(lat['p99'])} "
            f"| {c['oracle']['missed']} / {c['oracle']['changes']} "
            f"| {sec['repaired']} / {sec['tampered']} ({ms(sec['p50_seconds'])}) |")
    backlog = [f"{cfg} {r['configs'][cfg]['queued_at_end']}" for cfg in CONFIGS
               if r["configs"][cfg].get("queued_at_end")]
    if backlog:
        lines += ["", "Events still queued in the host when the run ended (it did not keep up; what "
                      "they carried counts as not woken): " + ", ".join(backlog) + "."]
    missed = [(cfg, m) for cfg in CONFIGS for m in r["configs"][cfg]["oracle"]["missed_changes"]]
    if missed:
        by = {}
        for cfg, m in missed:
            by.setdefault((cfg, m["kind"], m["why"]), 0)
            by[(cfg, m["kind"], m["why"])] += 1
        lines += ["", "Missed changes: " + "; ".join(
            f"{cfg} {n} {kind} ({why})" for (cfg, kind, why), n in sorted(by.items())) + "."]
    lines += ["", f"The proxies' own watches of kube-apiserver: {r['proxy_watches']} (WatchFilters and "
              "the like, counted before any stream)."]
    return lines


def ring_table(results_dir):
    rows = []
    for path in sorted(glob.glob(os.path.join(results_dir, "ring-*", "ring.json"))):
        way = os.path.basename(os.path.dirname(path))[len("ring-"):]
        r = json.load(open(path))
        secs = [p["seconds"] for p in r["passes"]]
        ok = [s for s in secs if s is not None]
        rows.append(f"| {way} | {r['children']} | {len(secs)} | "
                    + (f"{min(ok):.2f} / {sum(ok) / len(ok):.2f} / {max(ok):.2f} | "
                       f"{sum(ok) / len(ok) / (r['children'] - 1) * 1000:.0f} ms" if ok else "- | -")
                    + f" | {r['pause_seconds']} s |")
    if not rows:
        return []
    return ["| watches | children | passes | chained latency min / mean / max (s) | per hop | "
            "pause before each pass (all children unloaded) |",
            "|---|---|---|---|---|---|"] + rows


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--docs")
    p.add_argument("results")
    a = p.parse_args()
    machine = json.load(open(os.path.join(a.results, "machine.json")))
    runs = []
    for path in glob.glob(os.path.join(a.results, "runs", "*", "result.json")):
        run_dir = os.path.dirname(path)
        started = json.load(open(os.path.join(run_dir, "phases.json")))["idle_start"]
        runs.append((started, run_dir, json.load(open(path))))
    runs = [(d, r) for _, d, r in sorted(runs)]  # in the order they ran
    os.makedirs(a.out, exist_ok=True)
    lines = [f"Measured {machine['date']} at commit {machine['commit']} with `{machine['command']}` "
             f"({machine.get('seconds', '?')} s): {machine['cpu']}, {machine['cores']} cores, "
             f"{machine['memory_kib'] // 1024} MiB, {machine['os']}, Linux {machine['kernel']}; "
             f"kube-apiserver {machine['kube']}, etcd {machine['etcd']}. Load average before / after: "
             f"{machine['load_before']} / {machine.get('load_after', '?')}.", ""]
    for run_dir, r in runs:
        prefix = f"wakeups-{r['run']}"
        files = plots(run_dir, r, a.out, prefix)
        lines += run_table(r)
        lines += ["", " ".join(f"![{key}]({name})" for key, name in files.items()), ""]
    ring = ring_table(a.results)
    if ring:
        lines += ["The ring (host/examples/ring, the seed's ring-rust-controller):", ""] + ring + [""]
    requeue_path = os.path.join(a.results, "requeue", "requeue.json")
    if os.path.exists(requeue_path):
        rq = json.load(open(requeue_path))
        lines += [f"How late a {rq['period_seconds']:g} s requeue comes (one child, nothing written; "
                  "the gap between two reconciles minus the period, the reconcile's own GET and "
                  "PATCH included):", "",
                  "| kept by | reconciles | late by, median | mean | max |", "|---|---|---|---|---|"]
        for way, v in rq.items():
            if way == "period_seconds":
                continue
            lines.append(f"| {way} | {v['reconciles']} | {ms(v['late_p50_seconds'])} | "
                         f"{ms(v['late_mean_seconds'])} | {ms(v['late_max_seconds'])} |")
        lines.append("")
    assertions = [x for _, r in runs for x in r.get("assertions", [])]
    if assertions:
        lines += ["Checks (`analyse.py --assert`): " + "; ".join(
            f"{'ok' if x['passed'] else 'FAILED'}: {x['what']} ({x['detail']})" for x in assertions)
            + ".", ""]
    report = "\n".join(lines)
    with open(os.path.join(a.out, "report.md"), "w") as f:
        f.write(report)
    print(report)
    if a.docs:
        img_dir = os.path.join(a.docs, "benchmarks")
        os.makedirs(img_dir, exist_ok=True)
        for old in glob.glob(os.path.join(img_dir, "wakeups-*.png")):
            os.remove(old)
        for name in glob.glob(os.path.join(a.out, "wakeups-*.png")):
            shutil.copy(name, img_dir)
        doc_path = os.path.join(a.docs, "benchmarks.md")
        doc = open(doc_path).read()
        if BEGIN not in doc or END not in doc:
            print(f"report: {doc_path} has no {BEGIN} ... {END} block", file=sys.stderr)
            return 1
        block = report.replace("](wakeups-", "](benchmarks/wakeups-")
        head, rest = doc.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        with open(doc_path, "w") as f:
            f.write(head + BEGIN + "\n" + block + "\n" + END + tail)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The proxy benchmark's report (bench/proxy/run.sh): reads the JSON of one run's directory and
writes report.md and the plots; --docs also rewrites the proxy section of docs/benchmarks.md
(between its bench-proxy markers) and copies the plots to docs/benchmarks/; --assert checks what
holds on any machine (the quick run of `make test`) and exits 1 when it does not."""
import argparse
import glob
import json
import os
import re
import shutil
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

BEGIN, END = "<!-- bench-proxy:begin -->", "<!-- bench-proxy:end -->"
GOALS = {
    "added_p99_standalone_ms": 1.0,
    "rss_1000_mib": 64.0,
    "rss_10000_mib": 200.0,
    "p99_added_10000_ms": 5.0,
    "p99_fanout_1000_ms": 2.0,
}


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def ms(v):
    return "-" if v is None else (f"{v:.2f}" if abs(v) < 10 else f"{v:.1f}")


def mib(v):
    return "-" if v is None else f"{v:.1f}"


class Report:
    def __init__(self, out):
        self.out = out
        self.lines = []
        self.plots = []
        self.goals = []  # (goal, measured, met)
        self.failures = []

    def add(self, *lines):
        self.lines.extend(lines)

    def goal(self, what, measured, target, unit, lower_is_better=True):
        if measured is None:
            self.goals.append((what, "not measured", "-"))
            return
        met = measured < target if lower_is_better else measured > target
        by = "" if met else f" (missed by {measured - target:.1f} {unit}, {measured / target:.1f}x)"
        self.goals.append((what, f"{measured:.2f} {unit}", ("met" if met else "**missed**") + by))


def latency_section(r, d):
    lat = load(os.path.join(d, "latency.json"))
    if not lat:
        return
    w = lat["write"]
    r.add("### Added latency", "",
          f"One writer patches 20 ConfigMaps (1 KiB) at {w['target_rate']:.0f}/s ({w['writes']} writes, worst lag "
          f"behind schedule {w['worst_lag_ms']:.0f} ms); three watches of the namespace read every event at once: "
          "straight from kube-apiserver, through the standalone proxy (`filter=changed(data)`, which admits every "
          "write) and through kube-apiserver's aggregator to a second proxy. Write -> event is from the PATCH being "
          "sent to the event being read; *added* is each event's arrival on the path minus its arrival on the "
          "direct watch.", "",
          "| path | events | write -> event p50 / p99 / max (ms) | added per event p50 / p99 / max (ms) | missing |",
          "|---|---|---|---|---|")
    for p in lat["paths"]:
        a = p["added"]
        added = "-" if p["name"] == "direct" else f"{ms(a['p50_ms'])} / {ms(a['p99_ms'])} / {ms(a['max_ms'])}"
        L = p["latency"]
        r.add(f"| {p['name']} | {L['n']} | {ms(L['p50_ms'])} / {ms(L['p99_ms'])} / {ms(L['max_ms'])} | {added} | {p['missing']} |")
        if p["missing"]:
            r.failures.append(f"latency: {p['name']} missed {p['missing']} writes")
    r.add("")
    paths = {p["name"]: p for p in lat["paths"]}
    if "proxy" in paths and "direct" in paths:
        r.add(f"p99 of the proxy's write -> event minus the direct watch's: "
              f"{paths['proxy']['latency']['p99_ms'] - paths['direct']['latency']['p99_ms']:+.2f} ms standalone"
              + (f", {paths['aggregator']['latency']['p99_ms'] - paths['direct']['latency']['p99_ms']:+.2f} ms through the aggregator"
                 if "aggregator" in paths else "") + "; p50: "
              f"{paths['proxy']['latency']['p50_ms'] - paths['direct']['latency']['p50_ms']:+.2f} ms"
              + (f" and {paths['aggregator']['latency']['p50_ms'] - paths['direct']['latency']['p50_ms']:+.2f} ms"
                 if "aggregator" in paths else "") + ".", "")
        r.goal("added latency p99, standalone: p99 minus the direct p99 (< 1 ms)",
               paths["proxy"]["latency"]["p99_ms"] - paths["direct"]["latency"]["p99_ms"], GOALS["added_p99_standalone_ms"], "ms")
        r.goal("added latency p99, standalone: p99 of each event's difference (< 1 ms)",
               paths["proxy"]["added"]["p99_ms"], GOALS["added_p99_standalone_ms"], "ms")


def fanout_runs(d):
    runs = {}
    for f in glob.glob(os.path.join(d, "fanout-*.json")):
        m = re.match(r"fanout-(\d+)-(proxy|direct)\.json$", os.path.basename(f))
        if m:
            runs[(int(m.group(1)), m.group(2))] = load(f)
    return runs


def fanout_section(r, d):
    runs = fanout_runs(d)
    if not runs:
        return
    r.add("### Fan-out", "",
          "N streams at once, a quarter each with `changed(data)`, `changed(metadata.labels)`, "
          "`metadata.labels[\"tier\"] == \"hot\"`, `changed(data) && metadata.name.endsWith(\"7\")`, through "
          "one proxy; against N direct (unfiltered) watches of kube-apiserver, in a run of their own. One writer "
          "creates 20 ConfigMaps, then patches them (one write in five a label, the others data) at the rate given. "
          "The load client (wfload, Go) reads every stream in a goroutine on the same 2 cores. *Complete*: streams "
          "that got exactly the events the direct watch's recording gives through `watchfilter-eval` with their "
          "filter, in order (type and resourceVersion of each). Latency is write -> event over every event of "
          "every stream; *added* is its p50/p99 minus a direct watch's read at the same time.", "",
          "| streams | way | writes/s | events delivered/s | latency p50 / p99 (ms) | added p50 / p99 (ms) | proxy CPU % / RSS before the streams -> max (MiB) | kube-apiserver CPU % / RSS start -> max (MiB) | watches added on kube-apiserver | complete |",
          "|---|---|---|---|---|---|---|---|---|---|")
    for (n, way) in sorted(runs, key=lambda k: (k[0], k[1] != "proxy")):
        x = runs[(n, way)]
        if not x:
            r.add(f"| {n} | {way} | failed | | | | | | | |")
            r.failures.append(f"fan-out {n} {way}: no result")
            continue
        u = x["usage"]
        p = u.get("proxy")
        ka = u["kube-apiserver"]
        complete = sum(g["complete"] for g in x["groups"])
        before = (x.get("rss_mib_before_streams") or {}).get("proxy", p and p["rss_mib_start"])
        pcol = "-" if not p else f"{p['cpu_percent']:.0f} / {mib(before)} -> {mib(p['rss_mib_max'])}"
        L = x["latency"]
        r.add(f"| {n} | {way} | {x['write']['rate_per_second']:.1f} | {x['events_per_second']:.0f} | "
              f"{ms(L['p50_ms'])} / {ms(L['p99_ms'])} | {ms(x['added_p50_ms'])} / {ms(x['added_p99_ms'])} | {pcol} | "
              f"{ka['cpu_percent']:.0f} / {mib(ka['rss_mib_start'])} -> {mib(ka['rss_mib_max'])} | "
              f"{x['apiserver_watches_added']:.0f} | {complete} / {x['streams']} |")
    r.add("")
    for (n, way), x in sorted(runs.items()):
        if way == "proxy" and x:
            bad = [g for g in x["groups"] if g["complete"] != g["streams"]]
            for g in bad:
                r.add(f"- {n} streams, `{g['filter']}`: {g['short']} short, {g['wrong']} wrong: {g.get('first_difference', '')}")
            for e in x.get("errors") or []:
                r.add(f"- {n} streams: error: {e}")
    ratios = []
    for n in sorted({k[0] for k in runs}):
        px, dx = runs.get((n, "proxy")), runs.get((n, "direct"))
        if px and dx and n > 1:
            pk, dk = px["usage"]["kube-apiserver"], dx["usage"]["kube-apiserver"]
            prss = px["usage"]["proxy"]
            before = (px.get("rss_mib_before_streams") or {}).get("proxy", prss["rss_mib_start"])
            ratios.append(
                f"- **{n} streams**: kube-apiserver held {px['apiserver_watches_added']:.0f} watch for them "
                f"against {dx['apiserver_watches_added']:.0f}; its CPU {pk['cpu_percent']:.0f}% against "
                f"{dk['cpu_percent']:.0f}%, its RSS growth {pk['rss_mib_max'] - pk['rss_mib_start']:.1f} against "
                f"{dk['rss_mib_max'] - dk['rss_mib_start']:.1f} MiB; the proxy grew by "
                f"{(prss['rss_mib_max'] - before) * 1024 / n:.1f} KiB per stream "
                f"(used {prss['cpu_percent']:.0f}% of a core).")
    if ratios:
        r.add("", *ratios)
    r.add("")
    p1000 = runs.get((1000, "proxy"))
    p10k = runs.get((10000, "proxy"))
    r.goal("1,000 streams: proxy RSS (< 64 MiB)", p1000 and p1000["usage"]["proxy"]["rss_mib_max"], GOALS["rss_1000_mib"], "MiB")
    r.goal("1,000 streams: stream latency p99 minus direct p99 (< 2 ms)", p1000 and p1000["added_p99_ms"], GOALS["p99_fanout_1000_ms"], "ms")
    r.goal("10,000 streams: proxy RSS (< 200 MiB)", p10k and p10k["usage"]["proxy"]["rss_mib_max"], GOALS["rss_10000_mib"], "MiB")
    r.goal("10,000 streams: added p99 (< 5 ms)", p10k and p10k["added_p99_ms"], GOALS["p99_added_10000_ms"], "ms")


def check_quick(r, d):
    x = load(os.path.join(d, "fanout-1000-proxy.json"))
    if not x:
        r.failures.append("fan-out with 1,000 proxy streams: no result")
        return
    if x["apiserver_watches_added"] != 1:
        r.failures.append(f"1,000 proxy streams added {x['apiserver_watches_added']} watches on kube-apiserver, not 1")
    if not x["all_complete"]:
        r.failures.append("1,000 proxy streams: not every stream got exactly its filter's events: " +
                          "; ".join(g.get("first_difference", "") for g in x["groups"] if g["complete"] != g["streams"]))
    if x.get("errors"):
        r.failures.append("1,000 proxy streams: stream errors: " + "; ".join(x["errors"]))
    if x["write"]["errors"]:
        r.failures.append(f"the writer had {x['write']['errors']} failed writes")


def memory_section(r, d):
    rows = []
    for f in sorted(glob.glob(os.path.join(d, "memory-proxy-*.json"))):
        p = load(f)
        g = load(os.path.join(d, f"informer-{p['kind']}-{p['objects']}.json"))
        if not g:
            continue
        proxy_kib = (p["rss_kib_synced"] - p["rss_kib_before"]) / p["objects"]
        go_kib = (g["rss_mib_synced"] - g["rss_mib_before"]) * 1024 / g["objects"]
        rows.append((p["kind"], p["objects"], p["rss_kib_before"] / 1024, p["rss_kib_synced"] / 1024, proxy_kib,
                     g["rss_mib_before"], g["rss_mib_synced"], go_kib, g["heap_inuse_mib"] * 1024 / g["objects"]))
    if not rows:
        return
    r.add("### Memory per cached object", "",
          "A fresh proxy, then one stream (`filter=false`: its informer LISTs and holds every object, the stream "
          "gets nothing); against a client-go v0.36.3 SharedInformer (typed objects) in a Go program of its own "
          "(wfload informer), measured after a GC. Per object: RSS after the sync minus RSS before it, over the "
          "objects. ConfigMaps carry 1 KiB of data; Deployments a one-container template (about 1.3 KiB as JSON).", "",
          "| objects | proxy RSS before -> synced (MiB) | proxy per object (KiB) | client-go RSS before -> synced (MiB) | client-go per object (KiB; Go heap in use) | proxy / client-go |",
          "|---|---|---|---|---|---|")
    for kind, n, p0, p1, pk, g0, g1, gk, gh in sorted(rows, key=lambda t: (t[0], t[1])):
        r.add(f"| {n:,} {kind} | {p0:.1f} -> {p1:.1f} | {pk:.2f} | {g0:.1f} -> {g1:.1f} | {gk:.2f} ({gh:.2f}) | {pk / gk:.2f} |")
        r.goal(f"{n:,} {kind}: proxy KiB per object below client-go's", pk, gk, "KiB")
    r.add("")


def owned_section(r, d):
    rows = [load(f) for f in glob.glob(os.path.join(d, "owned-*.json"))]
    rows = sorted([x for x in rows if x], key=lambda x: x["secondaries"])
    if not rows:
        return
    r.add("### Primary + secondaries", "",
          "A Database (a CRD) owns one Deployment, k ConfigMaps (1 KiB) and k Secrets; a trial changes one more "
          "owned ConfigMap. Through the proxy: one `filterRef` stream of a WatchFilter with `spec.owned` "
          "(deployments, configmaps, secrets) and `includeOwned`, whose owner event carries the Database and "
          "every secondary: the time from the write to that event. Directly, as a reconcile does today: its own "
          "watch's event, then a GET of the Database and a LIST of each of the three resources by label, one after "
          "the other; or a GET of each object.", "",
          "| secondaries (ConfigMaps + Secrets + Deployment) | trials | includeOwned stream p50 / p99 (ms) | watch + LISTs p50 / p99 (ms) | watch + GETs p50 / p99 (ms) | direct watch alone p50 (ms) | LISTs / stream (p50) | the owner event carried |",
          "|---|---|---|---|---|---|---|---|")
    for x in rows:
        s, l, g = x["include_owned_stream"], x["direct_lists"], x["direct_gets"]
        k = x["secondaries"]
        r.add(f"| {k + 1} + {k} + 1 | {x['trials']} | {ms(s['p50_ms'])} / {ms(s['p99_ms'])} | {ms(l['p50_ms'])} / {ms(l['p99_ms'])} | "
              f"{ms(g['p50_ms'])} / {ms(g['p99_ms'])} | {ms(x['direct_watch']['p50_ms'])} | {l['p50_ms'] / s['p50_ms']:.1f}x | {x['owned_seen']} |")
        r.goal(f"{k} secondaries: includeOwned faster than the direct LISTs (p50)", s["p50_ms"], l["p50_ms"], "ms")
        if not x["complete"]:
            r.failures.append(f"owned {k}: an owner event did not carry every secondary")
    r.add("")


def engine_section(r, d):
    e = load(os.path.join(d, "engine.json"))
    if not e:
        return
    r.add("### The engine's ceiling", "",
          "`bench/proxy/fanout_engine_bench` (Google Benchmark, one core, no network): the fan-out run's recorded "
          "events (or generated ConfigMap events) replayed through one `EventParser` parse each and the decisions "
          "of N streams with the same mix of four filters, each stream its own `FilterState`.", "",
          "| benchmark | streams | events/s | decisions/s (events x streams) | ns per decision |", "|---|---|---|---|---|")
    for b in e.get("benchmarks", []):
        if b.get("run_type") == "aggregate":
            continue
        n = b.get("streams", 0)
        eps = b.get("events/s", 0)
        r.add(f"| {b['name']} | {n:.0f} | {eps:,.0f} | {eps * n:,.0f} | {1e9 / (eps * n) if eps and n else 0:.0f} |")
    r.add("")


def soak_section(r, d):
    x = load(os.path.join(d, "soak.json"))
    if not x:
        return
    series = x.get("rss_series", {}).get("proxy", [])
    png = "proxy-soak-rss.png"
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.plot([t / 60 for t, _ in series], [v for _, v in series], marker="o")
    ax.set_xlabel("minutes")
    ax.set_ylabel("proxy RSS (MiB)")
    ax.set_ylim(bottom=0)
    ax.set_title(f"{x['streams']} streams, {x['write']['rate_per_second']:.0f} writes/s")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(os.path.join(r.out, png), dpi=100)
    plt.close(fig)
    r.plots.append(png)
    warm = [v for t, v in series if t >= 60]
    growth = (warm[-1] - warm[0]) if len(warm) > 1 else None
    complete = sum(g["complete"] for g in x["groups"])
    r.add("### Soak", "",
          f"{x['streams']} streams (the fan-out's filters) for {x['write']['seconds'] / 60:.0f} minutes at "
          f"{x['write']['rate_per_second']:.0f} writes/s ({x['write']['writes']} writes, {x['events_delivered']:,} events "
          f"delivered); proxy RSS every 30 s: {' '.join(f'{v:.0f}' for _, v in series)} MiB. After the first minute "
          f"it moved by {growth:+.1f} MiB. Complete streams: {complete} / {x['streams']}; latency p50 / p99 "
          f"{ms(x['latency']['p50_ms'])} / {ms(x['latency']['p99_ms'])} ms.", "", f"![soak](benchmarks/{png})", "")
    if growth is not None:
        r.goal("soak: proxy RSS growth after warm-up (flat: < 8 MiB)", growth, 8.0, "MiB")


def flame(folded, path, min_share=0.006):
    """An icicle-style flame graph of folded stacks (root at the top)."""
    total = 0
    tree = {}
    for line in open(folded):
        stack, _, n = line.rstrip("\n").rpartition(" ")
        n = int(n)
        total += n
        node = tree
        for f in stack.split(";"):
            child = node.setdefault(f, [0, {}])
            child[0] += n
            node = child[1]
    if not total:
        return False
    fig, ax = plt.subplots(figsize=(16, 9))
    depth_max = [0]

    def draw(node, x0, depth):
        x = x0
        for name, (n, kids) in sorted(node.items(), key=lambda kv: -kv[1][0]):
            w = n / total
            if w < min_share:
                x += w
                continue
            depth_max[0] = max(depth_max[0], depth)
            ax.add_patch(plt.Rectangle((x, -depth - 1), w, 0.95, color=plt.cm.YlOrRd(0.25 + 0.5 * ((hash(name) % 100) / 100)), lw=0))
            label = re.sub(r"\(.*", "", name)
            label = re.sub(r"<.*>", "<>", label)
            chars = int(w * 230)
            if chars > 3:
                ax.text(x + 0.002, -depth - 0.55, label[:chars], fontsize=6.5, va="center")
            draw(kids, x, depth + 1)
            x += w

    draw(tree, 0, 0)
    ax.set_xlim(0, 1)
    ax.set_ylim(-depth_max[0] - 2, 0)
    ax.axis("off")
    ax.set_title(f"watchfilter-proxy, {total} samples (frames under {min_share:.1%} left out)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


# Where a sample's time goes, judged from its stack (leaf first): the first rule that matches.
COST_RULES = [
    ("filter engine: parse and decide (simdjson, FilterState)", r"simdjson|filters::|FilterState|EventParser"),
    ("TLS encryption (OpenSSL)", r"libcrypto|libssl|aesni|gcm|EVP_|ssl3_|SSL_write|SSL_read|tls1_|ossl_"),
    ("socket writes (kernel: sendmsg, TCP)", r"sendmsg|tcp_sendmsg|__sys_sendto|tcp_write|sock_sendmsg"),
    ("socket reads (kernel)", r"recvmsg|tcp_recvmsg|sock_read|__sys_recvfrom"),
    ("waits and scheduling (kernel: epoll, futex, context switches)", r"epoll_wait|schedule|futex|finish_task_switch|__x64_sys_epoll|pthread_cond"),
    ("memory allocation (malloc, free)", r"malloc|free|_int_|operator new|operator delete|tcache"),
    ("informer: cache, window, records, AdmittedLog", r"informer::|InformerCore|AdmittedLog|EventWindow|ObjectCache"),
    ("stream queue and bookmarks (WatchStream)", r"WatchStream|StreamQueue|BookmarkPolicy|update_gauge"),
    ("metrics", r"Metrics|StreamMetrics|metrics"),
    ("Asio/Beast machinery (posts, strands, handlers)", r"boost::asio|boost::beast"),
]


def cost_shares(folded):
    shares, total = {}, 0
    for line in open(folded):
        stack, _, n = line.rstrip("\n").rpartition(" ")
        n = int(n)
        total += n
        frames = stack.split(";")
        cat = "other"
        for frame in reversed(frames[-4:]):  # the leaf and its callers: whose work the sample is
            hit = next((name for name, rx in COST_RULES if re.search(rx, frame)), None)
            if hit:
                cat = hit
                break
        shares[cat] = shares.get(cat, 0) + n
    return total, sorted(shares.items(), key=lambda kv: -kv[1])


def short_symbol(sym):
    while True:
        shorter = re.sub(r"<[^<>]*>", "", sym)
        if shorter == sym:
            return sym[:110]
        sym = shorter


def perf_section(r, d):
    pdir = os.path.join(d, "perf")
    if os.path.exists(os.path.join(pdir, "perf-missing.txt")):
        r.add("### Profile", "", open(os.path.join(pdir, "perf-missing.txt")).read().strip(), "")
        return
    if not os.path.isdir(pdir):
        return
    r.add("### Profile of the 1,000-stream fan-out", "",
          "`perf stat` and `perf record -F 499 --call-graph dwarf` of the proxy for "
          "10 s while the 1,000 streams were served (Debian's linux-perf; this VM exposes no hardware counters, so "
          "cycles and instructions are not supported: task-clock, context switches and page faults are).", "")
    stat = os.path.join(pdir, "perf-stat.txt")
    if os.path.exists(stat):
        r.add("```", *[l.rstrip() for l in open(stat) if re.search(r"task-clock|context-switches|migrations|page-faults|seconds time", l)], "```", "")
    rep = os.path.join(pdir, "perf-report.txt")
    if os.path.exists(rep):
        top = [l.rstrip() for l in open(rep) if re.match(r"\s+\d+\.\d+%", l)][:15]
        top = [re.sub(r"\s{2,}", "  ", short_symbol(l.strip())) for l in top]
        r.add("Top self costs (`perf report --no-children --sort dso,symbol`):", "", "```", *top, "```", "")
    folded = os.path.join(pdir, "perf-folded.txt")
    if os.path.exists(folded):
        total, shares = cost_shares(folded)
        if total:
            r.add("Where the samples went, by what the leaf frames are doing (bench/proxy/report.py, COST_RULES):", "",
                  "| cost | share of samples |", "|---|---|",
                  *[f"| {name} | {100 * n / total:.1f}% |" for name, n in shares], "")
    png = "proxy-fanout-flame.png"
    if os.path.exists(folded) and flame(folded, os.path.join(r.out, png)):
        r.plots.append(png)
        r.add(f"![flame graph](benchmarks/{png})", "")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--out", required=True)
    ap.add_argument("--docs")
    ap.add_argument("--assert", dest="check", action="store_true")
    a = ap.parse_args()
    m = load(os.path.join(a.dir, "machine.json")) or {}
    r = Report(a.out)
    r.add(f"Measured {m.get('date')} at commit {m.get('commit')} with `{m.get('command')}` ({m.get('seconds', '?')} s): "
          f"{m.get('cpu')}, {m.get('cores')} cores, {int(m.get('memory_kib', 0)) // 1024} MiB, {m.get('os')}, Linux "
          f"{m.get('kernel')}; kube-apiserver {m.get('kube')}, etcd {m.get('etcd')}. Load average before / after: "
          f"{m.get('load_before')} / {m.get('load_after')}.", "")
    latency_section(r, a.dir)
    fanout_section(r, a.dir)
    memory_section(r, a.dir)
    owned_section(r, a.dir)
    engine_section(r, a.dir)
    soak_section(r, a.dir)
    perf_section(r, a.dir)
    if r.goals:
        r.add("### Goals", "", "| goal | measured | |", "|---|---|---|")
        r.add(*[f"| {g} | {v} | {s} |" for g, v, s in r.goals], "")
    if a.check:
        check_quick(r, a.dir)
    if r.failures:
        r.add("**Failed checks:**", "", *[f"- {f}" for f in r.failures], "")
    text = "\n".join(r.lines)
    with open(os.path.join(a.out, "report.md"), "w") as f:
        f.write(text + "\n")
    print(text)
    if a.docs:
        doc = os.path.join(a.docs, "benchmarks.md")
        body = open(doc).read()
        if BEGIN not in body:
            sys.exit(f"report.py: {doc} has no {BEGIN} marker")
        head, rest = body.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        open(doc, "w").write(head + BEGIN + "\n" + text + "\n" + END + tail)
        os.makedirs(os.path.join(a.docs, "benchmarks"), exist_ok=True)
        for p in r.plots:
            shutil.copy(os.path.join(a.out, p), os.path.join(a.docs, "benchmarks", p))
    if r.failures:
        print("report.py: " + "; ".join(r.failures), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The four configurations of the wake-up study (docs/benchmarks.md), as files for one run:

    configs.py --children N --namespace NS --scale S --wasm PERCONA_WASM [--ballast-mib B] --out DIR

writes DIR/children-c{1,2,3,4}.yaml, DIR/watchfilter-c4.yaml and DIR/configs.json (per
configuration: what it is, the host's extra flags, whether it uses a proxy). The same child
(host/examples/percona) and the same Clusters (c-000 .. in NS, one per child, each child watching
its own with a field selector) in every configuration; only the watch and the requeue differ:

  c1  the seed's way: a plain watch of kube-apiserver, every event a reconcile, and the child's
      5 s requeue kept as a timer in the host (watchfilter-host --watch-from kube-apiserver
      --requeue local), as wasm-operator runs the Percona operator
  c2  client-side predicates: the same, with the filter evaluated inside the child (PREDICATE=client)
  c3  watchfilter: the filter on the proxy, the requeue a server-side Wakeup with a long period
      (30 min of trace time)
  c4  watchfilter + owned: c3 through a WatchFilter whose spec.owned adds the child's topology
      ConfigMaps to the same stream (changed(data)), so a changed secondary wakes it at once

Trace time is compressed S times (workload.py write --scale S), so every period is divided by S
too: the 5 s requeue, the 30 min one, and the host's idle unload (1 s). --ballast-mib B makes
every child write B MiB of heap at each load (the percona child's BALLAST_MIB), the weight of a
real operator, with a memory limit to match (the host then needs --max-memory B + 32 Mi).
Standard library only.
"""
import argparse
import json
import os
import sys

FILTER = 'changed(spec) || delta(status.size) >= 1 || outlier(status.latencyMs, 3, 32, "mean every")'
SEED_REQUEUE_SECONDS = 5.0
LONG_REQUEUE_SECONDS = 1800.0
IDLE_UNLOAD_SECONDS = 1.0

DESCRIPTION = {
    "c1": "seed: unfiltered watch + 5 s timer in the host",
    "c2": "client-side predicate + 5 s timer",
    "c3": "watchfilter: server-side filter + Wakeup (30 min)",
    "c4": "watchfilter + owned secondaries",
}


def duration(seconds):
    ms = max(1, round(seconds * 1000))
    return f"{ms}ms"


def children_file(cfg, a):
    requeue = SEED_REQUEUE_SECONDS if cfg in ("c1", "c2") else LONG_REQUEUE_SECONDS
    collection = f"/apis/example.watchfilter.io/v1/namespaces/{a.namespace}/clusters"
    lines = [f"# The wake-up study, configuration {cfg}: {DESCRIPTION[cfg]} (bench/wakeups/configs.py)",
             f"hostName: {cfg}",
             f"idleUnload: {duration(IDLE_UNLOAD_SECONDS / a.scale)}",
             "callTimeout: 5s",
             f"memoryLimit: {16 + a.ballast_mib}Mi",
             "children:"]
    for i in range(a.children):
        name = f"c-{i:03d}"
        watch = f"{{resource: {collection}, fieldSelector: metadata.name={name}"
        if cfg == "c3":
            watch += f", filter: '{FILTER}'"
        elif cfg == "c4":
            watch += f", filterRef: {a.namespace}/percona-c4"
        watch += "}"
        env = {"CLUSTER_NAMESPACE": a.namespace, "OPERATOR_ID": cfg, "LOG_RECONCILES": "1",
               "RESYNC_SECONDS": f"{requeue / a.scale:.6g}"}
        if cfg == "c2":
            env["PREDICATE"] = "client"
        if a.ballast_mib:
            env["BALLAST_MIB"] = str(a.ballast_mib)
        lines += [f"- name: {name}",
                  f"  wasm: {a.wasm}",
                  "  env: {" + ", ".join(f'{k}: "{v}"' for k, v in env.items()) + "}",
                  f"  watches: [{watch}]",
                  "  rbac:",
                  "  - {apiGroups: [example.watchfilter.io], resources: [clusters], "
                  f"verbs: [get, list, watch], namespaces: [{a.namespace}]}}",
                  '  - {apiGroups: [""], resources: [configmaps], verbs: [get, create, patch], '
                  f"namespaces: [{a.namespace}]}}"]
    return "\n".join(lines) + "\n"


def watchfilter(a):
    return f"""apiVersion: watchfilter.io/v1alpha1
kind: WatchFilter
metadata: {{name: percona-c4, namespace: {a.namespace}}}
spec:
  resource: {{group: example.watchfilter.io, version: v1, resource: clusters}}
  filter: '{FILTER}'
  owned:
  - resource: {{version: v1, resource: configmaps}}
    labelSelector: example.watchfilter.io/operator=c4
    filter: changed(data)
"""


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--children", type=int, required=True)
    p.add_argument("--namespace", required=True)
    p.add_argument("--scale", type=float, required=True)
    p.add_argument("--wasm", required=True)
    p.add_argument("--ballast-mib", type=int, default=0)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    configs = {}
    for cfg in ("c1", "c2", "c3", "c4"):
        with open(os.path.join(a.out, f"children-{cfg}.yaml"), "w") as f:
            f.write(children_file(cfg, a))
        seed = cfg in ("c1", "c2")
        configs[cfg] = {
            "description": DESCRIPTION[cfg],
            "host_flags": (["--watch-from", "kube-apiserver", "--requeue", "local"] if seed else [])
                          + ([f"--max-memory", f"{a.ballast_mib + 32}Mi"] if a.ballast_mib else []),
            "proxy": not seed,
            "requeue_seconds": (SEED_REQUEUE_SECONDS if seed else LONG_REQUEUE_SECONDS),
        }
    with open(os.path.join(a.out, "watchfilter-c4.yaml"), "w") as f:
        f.write(watchfilter(a))
    with open(os.path.join(a.out, "configs.json"), "w") as f:
        json.dump({"filter": FILTER, "scale": a.scale, "ballast_mib": a.ballast_mib,
                   "configs": configs}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())

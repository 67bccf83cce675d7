#!/usr/bin/env python3
"""The seed's ring test (wasm-operator's ring-rust-controller): a change made to the Ring r1 in
namespace ring-0 travels through N children, each copying the spec to the next namespace, and
the time until it reaches ring-(N-1) is the chained latency. Run with the ring's host started
(host/examples/ring), inside the control plane's network namespace:

    ring.py --server URL --cacert CA --cert CRT --key KEY --children N --passes P \\
            --pause SECONDS --timeout SECONDS --out ring.json

Pass 1 creates r1 (value 1), pass p > 1 sets spec.value to p. Between passes it waits `pause`
seconds so that every child is unloaded again (pause > the host's idleUnload): each hop then
includes a load, the worst case of the seed's talk ("100 operators chaining themselves up to
12 seconds"). For each pass: the seconds from the write's answer to the event of the last
namespace's Ring carrying the value, read from a plain watch of kube-apiserver opened before the
write. Standard library only.
"""
import argparse
import http.client
import json
import ssl
import sys
import threading
import time
from urllib.parse import urlsplit

RINGS = "/apis/example.watchfilter.io/v1/namespaces/{ns}/rings"


class Api:
    def __init__(self, a):
        self.ctx = ssl.create_default_context(cafile=a.cacert)
        self.ctx.load_cert_chain(a.cert, a.key)
        self.u = urlsplit(a.server)

    def conn(self, timeout):
        return http.client.HTTPSConnection(self.u.hostname, self.u.port, context=self.ctx,
                                           timeout=timeout)

    def call(self, method, path, body=None, ctype="application/json"):
        c = self.conn(30)
        c.request(method, path, body=json.dumps(body) if body is not None else None,
                  headers={"Content-Type": ctype, "Accept": "application/json"})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, json.loads(data) if data else {}


def wait_for_value(api, ns, value, timeout, rv):
    """Reads a watch of ns's rings from rv until r1 carries spec.value == value; returns the
    unix time the event arrived, or None."""
    c = api.conn(timeout)
    path = RINGS.format(ns=ns) + f"?watch=true&resourceVersion={rv}&timeoutSeconds={int(timeout)}"
    c.request("GET", path, headers={"Accept": "application/json"})
    r = c.getresponse()
    deadline = time.time() + timeout
    while time.time() < deadline:
        line = r.readline()
        if not line:
            return None
        ev = json.loads(line)
        obj = ev.get("object", {})
        if obj.get("metadata", {}).get("name") == "r1" and obj.get("spec", {}).get("value") == value:
            return time.time()
    return None


def main():
    p = argparse.ArgumentParser()
    for flag in ("--server", "--cacert", "--cert", "--key", "--out"):
        p.add_argument(flag, required=True)
    p.add_argument("--children", type=int, required=True)
    p.add_argument("--passes", type=int, default=3)
    p.add_argument("--pause", type=float, default=3)
    p.add_argument("--timeout", type=float, default=120)
    a = p.parse_args()
    api = Api(a)
    last = f"ring-{a.children - 1}"
    results = []
    for value in range(1, a.passes + 1):
        if value > 1:
            time.sleep(a.pause)
        status, lst = api.call("GET", RINGS.format(ns=last))
        if status != 200:
            print(f"ring: list {last}: {status}", file=sys.stderr)
            return 1
        rv = lst["metadata"]["resourceVersion"]
        arrived = {}
        watcher = threading.Thread(
            target=lambda: arrived.update(t=wait_for_value(api, last, value, a.timeout, rv)))
        watcher.start()
        time.sleep(0.2)  # the watch is open before the write
        if value == 1:
            status, _ = api.call("POST", RINGS.format(ns="ring-0"),
                                 {"apiVersion": "example.watchfilter.io/v1", "kind": "Ring",
                                  "metadata": {"name": "r1", "namespace": "ring-0"},
                                  "spec": {"value": value}})
        else:
            status, _ = api.call("PATCH", RINGS.format(ns="ring-0") + "/r1",
                                 {"spec": {"value": value}}, "application/merge-patch+json")
        written = time.time()
        if not 200 <= status < 300:
            print(f"ring: write of value {value}: {status}", file=sys.stderr)
            return 1
        watcher.join(a.timeout + 5)
        t = arrived.get("t")
        results.append({"pass": value, "seconds": round(t - written, 3) if t else None})
        print(f"ring: pass {value}: "
              + (f"{t - written:.2f} s through {a.children} children" if t else "did not arrive"),
              file=sys.stderr)
    with open(a.out, "w") as f:
        json.dump({"children": a.children, "pause_seconds": a.pause, "passes": results}, f)
    return 0 if all(r["seconds"] is not None for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Filtered LISTs of one namespace's configmaps, each with another label selector and another
spelling of the namespace, as one user (a bearer token), over one keep-alive connection.

    selector_flood.py --base https://127.0.0.1:8443 --token-file F --namespace NS --count N
                      --out FILE [--deadline SECONDS] [--direct]

Request i: the upstream path or the stream.watchfilter.io prefix (alternately), the namespace
as is, with its first letter percent-encoded, all percent-encoded, or all percent-encoded in
upper-case hex (in turn), and a label selector of its own (selector(i), also importable).
FILE gets one JSON line per request: {"i", "path", "code", "items"} ("items": names of the
List, or the body when it is no List). --direct: the same lists from kube-apiserver itself (no
prefix, no filter), the oracle. Stops at the deadline (default 120 s); prints the
number of requests made. Standard library only.
"""
import argparse
import http.client
import json
import ssl
import time
import urllib.parse

PREFIX = "/apis/stream.watchfilter.io/v1alpha1/proxy"


def selector(i):
    """A distinct, valid label selector per i, in every shape of the syntax."""
    shapes = [
        f"shard=s{i}",
        f"shard!=s{i}",
        f"shard in (s{i},other)",
        f"shard notin (s{i})",
        f"!gone{i}",
        f"team,x{i} notin (y)",
        f"team==blue,n{i}!=1",
        f"app.kubernetes.io/name notin (n{i})",
    ]
    return shapes[i % len(shapes)]


def spell(ns, i):
    k = i % 4
    if k == 0:
        return ns
    if k == 1:
        return "%{:02x}".format(ord(ns[0])) + ns[1:]
    if k == 2:
        return "".join("%{:02x}".format(ord(c)) for c in ns)
    return "".join("%{:02X}".format(ord(c)) for c in ns)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--base", required=True)
    p.add_argument("--token-file", required=True)
    p.add_argument("--namespace", required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--deadline", type=float, default=120)
    p.add_argument("--direct", action="store_true")
    a = p.parse_args()
    token = open(a.token_file).read().strip()
    url = urllib.parse.urlsplit(a.base)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    conn = None
    end = time.time() + a.deadline
    done = 0
    with open(a.out, "w") as out:
        for i in range(a.count):
            if time.time() > end:
                break
            prefix = PREFIX if i % 2 and not a.direct else ""
            path = (f"{prefix}/api/v1/namespaces/{spell(a.namespace, i)}/configmaps"
                    f"?{'' if a.direct else 'filter=true&'}"
                    f"labelSelector={urllib.parse.quote(selector(i), safe='')}")
            for attempt in range(2):  # a keep-alive connection the server closed: once more
                try:
                    if conn is None:
                        conn = http.client.HTTPSConnection(url.hostname, url.port, context=ctx,
                                                           timeout=30)
                    conn.request("GET", path, headers={"Authorization": f"Bearer {token}",
                                                       "Accept": "application/json",
                                                       "User-Agent": "watchfilter-e2e"})
                    r = conn.getresponse()
                    body = r.read()
                    break
                except (http.client.HTTPException, OSError):
                    conn = None
                    if attempt:
                        raise
            try:
                doc = json.loads(body)
            except ValueError:
                doc = None
            if isinstance(doc, dict) and doc.get("kind") == "ConfigMapList":
                items = sorted(o["metadata"]["name"] for o in doc.get("items", []))
            else:
                items = body.decode("utf-8", "replace")
            out.write(json.dumps({"i": i, "path": path, "code": r.status, "items": items}) + "\n")
            done += 1
    print(done)


if __name__ == "__main__":
    main()

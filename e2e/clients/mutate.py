#!/usr/bin/env python3
"""Applies a scripted sequence of writes to kube-apiserver over one keep-alive HTTPS
connection (far faster than one kubectl or curl process per change) and records every
object version it produced, which is what the e2e oracles are built from.

    mutate.py --server https://127.0.0.1:6443 --cacert CA --cert CRT --key KEY \\
              --script ops.jsonl --out versions.jsonl

Each script line is one of
    {"method": "POST"|"PUT"|"PATCH"|"DELETE", "path": "/api/v1/...", "body": {...},
     "patch": "merge"|"json"|"strategic"}          (patch type, PATCH only; default merge)
    {"sleep": SECONDS}
    {"wait_file": PATH, "timeout": SECONDS}        (go on once PATH exists)
Each write appends a line to --out:
    {"i": <script line>, "t": <unix time when the response came>, "method": ..., "code": ...,
     "type": "ADDED"|"MODIFIED"|"DELETED", "object": <response body>}
A response other than 2xx stops the run with exit status 1. Standard library only.
"""
import argparse
import http.client
import json
import os
import ssl
import sys
import time
from urllib.parse import urlsplit

PATCH_TYPES = {"merge": "application/merge-patch+json", "json": "application/json-patch+json",
               "strategic": "application/strategic-merge-patch+json"}
EVENT_TYPE = {"POST": "ADDED", "PUT": "MODIFIED", "PATCH": "MODIFIED", "DELETE": "DELETED"}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--server", required=True)
    p.add_argument("--cacert", required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--script", required=True)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    ctx = ssl.create_default_context(cafile=a.cacert)
    ctx.load_cert_chain(a.cert, a.key)
    u = urlsplit(a.server)
    conn = http.client.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=30)
    out = open(a.out, "w", buffering=1)
    n = 0
    for i, line in enumerate(open(a.script), 1):
        if not line.strip():
            continue
        op = json.loads(line)
        if "sleep" in op:
            time.sleep(op["sleep"])
            continue
        if "wait_file" in op:
            deadline = time.time() + op.get("timeout", 30)
            while not os.path.exists(op["wait_file"]):
                if time.time() > deadline:
                    print(f"mutate: line {i}: {op['wait_file']} did not appear", file=sys.stderr)
                    return 1
                time.sleep(0.05)
            continue
        method = op["method"]
        headers = {"Accept": "application/json", "User-Agent": "watchfilter-e2e-mutate"}
        body = None
        if "body" in op:
            body = json.dumps(op["body"]).encode()
            headers["Content-Type"] = (PATCH_TYPES[op.get("patch", "merge")] if method == "PATCH"
                                       else "application/json")
        conn.request(method, op["path"], body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        now = time.time()
        if not 200 <= resp.status < 300:
            print(f"mutate: line {i}: {method} {op['path']}: {resp.status} {data[:300]!r}",
                  file=sys.stderr)
            return 1
        out.write(json.dumps({"i": i, "t": now, "method": method, "code": resp.status,
                              "type": EVENT_TYPE[method], "object": json.loads(data)},
                             separators=(",", ":")) + "\n")
        n += 1
    print(f"mutate: {n} writes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

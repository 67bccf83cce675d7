#!/usr/bin/env python3
"""A watcher that disconnects and resumes, as an operator restarting would.

    resume_reader.py --base https://127.0.0.1:PORT --path '/api/...?watch=true&filter=..&watcher=ID'
                     --out DIR --plan n:8,bm,n:8,bm,end:DELETED:sentinel [--timeout 120]

Session 1 opens PATH as given. Every later session opens PATH plus
resourceVersion=<the resourceVersion of the last line the previous session read> (an event's or
a BOOKMARK's), right after the previous session closed its connection. --plan says when each
session hangs up:
  n:K                after K more events that are not BOOKMARKs
  bm                 at the first BOOKMARK newer than the last event read (so the next session
                     resumes from a BOOKMARK's resourceVersion)
  end:TYPE:NAME      after the TYPE event of object NAME (the last session)
DIR/session-N.out holds each session's lines as received, DIR/session-N.rv the resourceVersion
it resumed from, DIR/session-N.end why it hung up ("8 events", "BOOKMARK 812 after the last
event at 790", "DELETED sentinel"), DIR/plan.done the outcome ("ok", or what went wrong).
A BOOKMARK counts as newer than the resume point when no event came yet. Standard library only.
"""
import argparse
import os
import socket
import ssl
import sys
import time
from urllib.parse import urlsplit

sys.dont_write_bytecode = True  # no __pycache__ in the clone
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from watch_streams import Reader, StreamEnd, describe  # noqa: E402


def session(a, ctx, n, path, rule, deadline, resume_rv):
    u = urlsplit(a.base)
    raw = socket.create_connection((u.hostname, u.port), timeout=10)
    sock = ctx.wrap_socket(raw, server_hostname=u.hostname)
    out = open(os.path.join(a.out, f"session-{n}.out"), "wb")
    last_rv, last_event_rv, events = None, resume_rv, 0
    try:
        sock.sendall((f"GET {path} HTTP/1.1\r\nHost: {u.netloc}\r\nAccept: application/json\r\n"
                      "User-Agent: watchfilter-e2e-resume\r\nConnection: close\r\n\r\n").encode())
        r = Reader(sock, deadline)
        status = r.until(b"\r\n\r\n").split(b"\r\n")[0].decode()
        if " 200 " not in status + " ":
            raise StreamEnd(f"session {n}: {status}")
        open(os.path.join(a.out, f"session-{n}.open"), "w").close()
        line = bytearray()
        while True:
            size = int(r.until(b"\r\n").split(b";")[0], 16)
            if size == 0:
                raise StreamEnd(f"session {n}: the server ended the stream")
            line += r.exactly(size); r.exactly(2)
            while (i := line.find(b"\n")) >= 0:
                one = bytes(line[:i + 1]); del line[:i + 1]
                out.write(one); out.flush()
                typ, name, rv = describe(one)
                if typ == "ERROR":
                    raise StreamEnd(f"session {n}: ERROR event: {one[:300]!r}")
                last_rv = rv
                if typ == "BOOKMARK":
                    if rule[0] == "bm" and last_event_rv is not None and int(rv) > int(last_event_rv):
                        return last_rv, f"BOOKMARK {rv} after the last event at {last_event_rv}"
                    continue
                last_event_rv = rv
                events += 1
                if rule[0] == "n" and events >= int(rule[1]):
                    return last_rv, f"{events} events"
                if rule[0] == "end" and typ == rule[1] and name == rule[2]:
                    return last_rv, f"{typ} {name}"
    finally:
        out.close()
        sock.close()   # hang up at once, whatever is still in flight


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--base", required=True)
    p.add_argument("--path", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--plan", required=True)
    p.add_argument("--timeout", type=float, default=120)
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    # The proxy authenticates its callers: the identity testlib exports (admin client cert).
    if os.environ.get("WF_E2E_CLIENT_CERT"):
        ctx.load_cert_chain(os.environ["WF_E2E_CLIENT_CERT"], os.environ.get("WF_E2E_CLIENT_KEY"))
    deadline = time.time() + a.timeout
    rv, outcome = None, "ok"
    try:
        for n, rule in enumerate(a.plan.split(","), 1):
            path = a.path if rv is None else f"{a.path}&resourceVersion={rv}"
            with open(os.path.join(a.out, f"session-{n}.rv"), "w") as f:
                f.write(f"{rv or ''}\n")
            new_rv, reason = session(a, ctx, n, path, rule.split(":"), deadline, rv)
            with open(os.path.join(a.out, f"session-{n}.end"), "w") as f:
                f.write(reason + "\n")
            rv = new_rv or rv
    except StreamEnd as e:
        outcome = str(e)
    except Exception as e:  # noqa: BLE001 - recorded for the test to judge
        outcome = f"{e.__class__.__name__}: {e}"
    with open(os.path.join(a.out, "plan.done"), "w") as f:
        f.write(outcome + "\n")


if __name__ == "__main__":
    main()

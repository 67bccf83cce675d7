#!/usr/bin/env python3
"""Opens watch streams (HTTP/1.1 over TLS, chunked) and records what arrives, byte for byte.

    watch_streams.py --base https://127.0.0.1:8443 --out DIR [options] NAME=PATH ...

For every NAME=PATH, one thread (all in this process, so fifty streams cost one process):
  DIR/NAME.out   the stream's lines exactly as received (each ends with "\\n")
  DIR/NAME.ts    one line per received line: "<unix time> <type> <name> <resourceVersion>"
  DIR/NAME.end   how it ended: "eof" (the server ended the stream), "closed" (the server
                 closed the connection without ending the stream), "stopped" (--max-events),
                 "deadline" (--timeout), "http <code>" (no stream: the body is in NAME.out),
                 "error <message>"
DIR/ready appears once every stream has its response headers.

Options: --cacert/--cert/--key (else the server certificate is not verified: the proxy's is
self-signed), --token-file FILE (authenticate with that bearer token instead of a client
certificate: a ServiceAccount's `kubectl create token`), --timeout SECONDS (every stream ends by then; default 120), --max-events N (close
the connection after N events that are not BOOKMARKs), --slow-until FILE with --rcvbuf BYTES
(after the headers, stop reading until FILE exists: a client that does not read; a small
receive buffer so that the server feels it soon; then read on and record as usual).
Standard library only.
"""
import argparse
import json
import os
import socket
import ssl
import sys
import threading
import time
from urllib.parse import urlsplit


class StreamEnd(Exception):
    pass


def describe(line):
    try:
        ev = json.loads(line)
        md = (ev.get("object") or {}).get("metadata") or {}
        return ev.get("type", "?"), md.get("name", "-"), md.get("resourceVersion", "-")
    except ValueError:
        return "?", "-", "-"


class Reader:
    def __init__(self, sock, deadline):
        self.sock, self.buf, self.deadline = sock, bytearray(), deadline

    def fill(self):
        left = self.deadline - time.time()
        if left <= 0:
            raise StreamEnd("deadline")
        self.sock.settimeout(min(left, 1.0))
        try:
            data = self.sock.recv(65536)
        except (socket.timeout, TimeoutError):
            return
        except ssl.SSLError as e:
            raise StreamEnd(f"closed ({e.__class__.__name__}: {e.reason})")
        except OSError as e:
            raise StreamEnd(f"closed ({e.__class__.__name__})")
        if not data:
            raise StreamEnd("closed")
        self.buf += data

    def until(self, sep):
        while True:
            i = self.buf.find(sep)
            if i >= 0:
                out = bytes(self.buf[:i])
                del self.buf[:i + len(sep)]
                return out
            self.fill()

    def exactly(self, n):
        while len(self.buf) < n:
            self.fill()
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out


def run_stream(a, ctx, name, path, ready_barrier):
    host = urlsplit(a.base)
    out = open(os.path.join(a.out, name + ".out"), "wb")
    ts = open(os.path.join(a.out, name + ".ts"), "w")
    deadline = time.time() + a.timeout
    end = "error ?"
    signalled = False
    sock = None
    try:
        raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if a.rcvbuf:
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, a.rcvbuf)
        raw.settimeout(10)
        raw.connect((host.hostname, host.port or 443))
        sock = ctx.wrap_socket(raw, server_hostname=host.hostname)
        auth = f"Authorization: Bearer {a.token}\r\n" if a.token else ""
        sock.sendall((f"GET {path} HTTP/1.1\r\nHost: {host.netloc}\r\n"
                      "Accept: application/json\r\nUser-Agent: watchfilter-e2e\r\n"
                      f"{auth}Connection: close\r\n\r\n").encode())
        r = Reader(sock, deadline)
        head = r.until(b"\r\n\r\n").decode("latin-1").split("\r\n")
        code = int(head[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, v in (h.split(":", 1) for h in head[1:] if ":" in h)}
        chunked = headers.get("transfer-encoding", "").lower() == "chunked"
        ready_barrier(); signalled = True
        if code != 200:
            try:
                if chunked:
                    while True:
                        n = int(r.until(b"\r\n").split(b";")[0], 16)
                        if n == 0:
                            break
                        out.write(r.exactly(n)); r.exactly(2)
                else:
                    out.write(r.exactly(int(headers.get("content-length", "0"))))
            except StreamEnd:
                pass
            raise StreamEnd(f"http {code}")
        if a.slow_until:
            while not os.path.exists(a.slow_until):
                if time.time() > deadline:
                    raise StreamEnd("deadline")
                time.sleep(0.1)
        line, events = bytearray(), 0
        while True:
            if chunked:
                n = int(r.until(b"\r\n").split(b";")[0], 16)
                if n == 0:
                    raise StreamEnd("eof")
                data = r.exactly(n); r.exactly(2)
            else:
                if not r.buf:
                    try:
                        r.fill()
                    except StreamEnd as e:
                        raise StreamEnd("eof" if str(e) == "closed" else str(e))
                data = bytes(r.buf); r.buf.clear()
            line += data
            while True:
                i = line.find(b"\n")
                if i < 0:
                    break
                one = bytes(line[:i + 1]); del line[:i + 1]
                now = time.time()
                out.write(one); out.flush()
                typ, nm, rv = describe(one)
                ts.write(f"{now:.6f} {typ} {nm} {rv}\n"); ts.flush()
                if typ != "BOOKMARK":
                    events += 1
                    if a.max_events and events >= a.max_events:
                        raise StreamEnd("stopped")
    except StreamEnd as e:
        end = str(e)
    except Exception as e:  # noqa: BLE001 - recorded for the test to judge
        end = f"error {e.__class__.__name__}: {e}"
    finally:
        if not signalled:
            ready_barrier()
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass
        out.close(); ts.close()
        with open(os.path.join(a.out, name + ".end"), "w") as f:
            f.write(end + "\n")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--base", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--cacert"); p.add_argument("--cert"); p.add_argument("--key")
    p.add_argument("--timeout", type=float, default=120)
    p.add_argument("--max-events", type=int, default=0)
    p.add_argument("--slow-until")
    p.add_argument("--rcvbuf", type=int, default=0)
    p.add_argument("--token-file")
    p.add_argument("streams", nargs="+", metavar="NAME=PATH")
    a = p.parse_args()
    a.token = open(a.token_file).read().strip() if a.token_file else ""
    os.makedirs(a.out, exist_ok=True)
    if a.cacert:
        ctx = ssl.create_default_context(cafile=a.cacert)
        if a.cert:
            ctx.load_cert_chain(a.cert, a.key)
    else:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        # The proxy authenticates its callers: --cert, else the identity testlib exports.
        # A bearer token is checked after client certificates: with one, send no certificate.
        cert = a.cert or (None if a.token else os.environ.get("WF_E2E_CLIENT_CERT"))
        if cert:
            ctx.load_cert_chain(cert, a.key or os.environ.get("WF_E2E_CLIENT_KEY"))
    pending = [len(a.streams)]
    lock = threading.Lock()

    def ready():
        with lock:
            pending[0] -= 1
            if pending[0] == 0:
                open(os.path.join(a.out, "ready"), "w").close()

    threads = []
    for spec in a.streams:
        name, path = spec.split("=", 1)
        t = threading.Thread(target=run_stream, args=(a, ctx, name, path, ready), daemon=True)
        t.start()
        threads.append(t)
    for t in threads:
        t.join()


if __name__ == "__main__":
    sys.exit(main())

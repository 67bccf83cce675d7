#!/usr/bin/env python3
"""A reflector through the aggregated API: LIST (filtered) then WATCH from the list's
resourceVersion with a watcher id; on a clean end or a broken connection it re-watches from the
last resourceVersion it read, on 410 Expired it relists, on 5xx/connection refused it retries.
Standard library only; runs until --stop FILE exists (checked between sessions) or it is
terminated.

    reflector.py --base https://127.0.0.1:6443 --cacert CA --cert CRT --key KEY \\
        --path /apis/stream.watchfilter.io/v1alpha1/proxy/api/v1/namespaces/NS/configmaps \\
        --query 'filter=...' --watcher ID --out DIR --stop FILE

Writes DIR/events.jsonl (every event line received, with the session number and the kind of
session: {"session":n,"via":"list"|"watch","event":{...}}), DIR/log (one line per session:
start resourceVersion and how it ended) and DIR/state.json (name -> data of the reflector's
store after each change, the last one is final).
"""
import argparse, http.client, json, os, ssl, time, urllib.parse


def main():
    p = argparse.ArgumentParser()
    for a in ("--base", "--cacert", "--cert", "--key", "--path", "--query", "--watcher", "--out", "--stop"):
        p.add_argument(a, required=a not in ("--query",))
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    ctx = ssl.create_default_context(cafile=a.cacert)
    ctx.load_cert_chain(a.cert, a.key)
    u = urllib.parse.urlsplit(a.base)
    events = open(os.path.join(a.out, "events.jsonl"), "a", buffering=1)
    log = open(os.path.join(a.out, "log"), "a", buffering=1)
    store, rv, session = {}, None, 0

    def dump():
        with open(os.path.join(a.out, "state.json.tmp"), "w") as f:
            json.dump(store, f, sort_keys=True)
        os.replace(os.path.join(a.out, "state.json.tmp"), os.path.join(a.out, "state.json"))

    def get(target, timeout):
        c = http.client.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=timeout)
        c.request("GET", target, headers={"Accept": "application/json", "User-Agent": "wf-e2e-reflector"})
        return c, c.getresponse()

    while not os.path.exists(a.stop):
        session += 1
        try:
            if rv is None:
                c, r = get(f"{a.path}?{a.query}", 10)
                body = r.read()
                c.close()
                if r.status != 200:
                    log.write(f"{session} list -> {r.status} {body[:200]!r}\n")
                    time.sleep(0.3)
                    continue
                lst = json.loads(body)
                store = {i["metadata"]["name"]: i.get("data") for i in lst["items"]}
                rv = lst["metadata"]["resourceVersion"]
                for i in lst["items"]:
                    events.write(json.dumps({"session": session, "via": "list", "event": {"type": "ADDED", "object": i}}) + "\n")
                dump()
                log.write(f"{session} list rv={rv} items={len(store)}\n")
                continue
            q = f"{a.query}&watch=true&allowWatchBookmarks=true&watcher={a.watcher}&resourceVersion={rv}&timeoutSeconds=300"
            c, r = get(f"{a.path}?{q}", 5)
            if r.status != 200:
                body = r.read()
                c.close()
                log.write(f"{session} watch rv={rv} -> {r.status} {body[:200]!r}\n")
                if r.status == 410:
                    rv = None
                time.sleep(0.3)
                continue
            c.sock.settimeout(None)  # a watch is quiet for as long as nothing is admitted
            ended = "clean end"
            buf = b""
            while True:
                try:
                    line = r.readline()
                except (OSError, http.client.HTTPException) as e:
                    ended = f"broken: {e!r}"
                    break
                if not line:
                    break
                buf += line
                if not buf.endswith(b"\n"):
                    continue
                ev, buf = json.loads(buf), b""
                t, obj = ev["type"], ev["object"]
                if t == "ERROR":
                    ended = f"error {obj.get('code')}: {obj.get('message')}"
                    if obj.get("code") == 410:
                        rv = None
                    break
                events.write(json.dumps({"session": session, "via": "watch", "event": ev}) + "\n")
                rv = obj["metadata"]["resourceVersion"]
                if t in ("ADDED", "MODIFIED"):
                    store[obj["metadata"]["name"]] = obj.get("data")
                    dump()
                elif t == "DELETED":
                    store.pop(obj["metadata"]["name"], None)
                    dump()
            c.close()
            log.write(f"{session} watch ended ({ended}), rv now {rv}\n")
        except (OSError, http.client.HTTPException, ValueError) as e:
            log.write(f"{session} failed: {e!r}\n")
            time.sleep(0.3)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Small checks on recorded watch streams, shared by the e2e tests (standard library only).

  wfcheck.py events FILE              "TYPE name resourceVersion" of every line but BOOKMARKs
  wfcheck.py strip-bookmarks FILE     the raw lines that are not BOOKMARK events
  wfcheck.py same FILE_A FILE_B [LABEL_A LABEL_B]
                                      exit 0 when both hold the same lines, byte for byte;
                                      else report the first difference (type/name/RV) and exit 1
  wfcheck.py bookmark-advanced FILE   exit 0 when some BOOKMARK carries a resourceVersion newer
                                      than the last event delivered before it (the stream
                                      advanced past suppressed events); prints the evidence
  wfcheck.py bookmark-covers FILE RV  exit 0 when a BOOKMARK with resourceVersion >= RV comes
                                      before any event newer than RV
  wfcheck.py records FILE             "TYPE name resourceVersion" of every event, BOOKMARKs too
  wfcheck.py monotonic FILE           exit 0 when the resourceVersions of the events and BOOKMARKs
                                      never go down (a client resumes from the last one it saw)
  wfcheck.py all-have TYPE NAME FILE...   exit 0 when every FILE (present) holds a TYPE event of
                                      object NAME
FILE is a recorded stream (JSON lines) or the output of a test client (e2e/clients/go,
py_kube_watch.py: "TYPE name resourceVersion ..." lines, OPEN/END/ERROR lines skipped).
  wfcheck.py versions-to-events VERSIONS   mutate.py output -> watch event lines
  wfcheck.py metric NAME [label=value ...] < metrics.txt
                                      sum of the samples of NAME carrying those labels;
                                      "absent" (exit 1) when none
"""
import json
import re
import sys


def lines(path):
    with open(path, "rb") as f:
        return [l for l in f.read().split(b"\n") if l.strip()]


def ev_of(line):
    try:
        ev = json.loads(line)
    except ValueError:
        return {"type": "?", "object": {}}
    return ev if isinstance(ev, dict) else {"type": "?", "object": {}}


def key(line):
    ev = ev_of(line)
    md = (ev.get("object") or {}).get("metadata") or {}
    return f'{ev.get("type")} {md.get("name", "-")} {md.get("resourceVersion", "-")}'


def is_bookmark(line):
    return ev_of(line).get("type") == "BOOKMARK"


def rv(line):
    try:
        return int(((ev_of(line).get("object") or {}).get("metadata") or {}).get("resourceVersion", "0"))
    except ValueError:
        return 0


def cmd_events(path):
    for l in lines(path):
        if not is_bookmark(l):
            print(key(l))


def cmd_strip(path):
    out = sys.stdout.buffer
    for l in lines(path):
        if not is_bookmark(l):
            out.write(l + b"\n")


def cmd_same(a, b, la="expected", lb="got"):
    A, B = lines(a), lines(b)
    for i in range(max(len(A), len(B))):
        x = A[i] if i < len(A) else None
        y = B[i] if i < len(B) else None
        if x != y:
            print(f"line {i + 1} differs: {la}: {key(x) if x else '(end)'} | {lb}: {key(y) if y else '(end)'}"
                  f" ({la} has {len(A)} lines, {lb} {len(B)})", file=sys.stderr)
            if x and y and key(x) == key(y):
                j = next((k for k in range(min(len(x), len(y))) if x[k] != y[k]), min(len(x), len(y)))
                print(f"  same event, bytes differ at offset {j}: {la} ...{x[max(0, j - 40):j + 40]!r}"
                      f" | {lb} ...{y[max(0, j - 40):j + 40]!r}", file=sys.stderr)
            return 1
    return 0


def records(path):
    """(type, name, resourceVersion) of every event, from JSON lines or client summaries."""
    out = []
    for l in lines(path):
        if l.startswith(b"{"):
            ev = ev_of(l)
            md = (ev.get("object") or {}).get("metadata") or {}
            out.append((ev.get("type", "?"), md.get("name", "-"), md.get("resourceVersion", "-")))
        else:
            f = l.decode().split()
            if f[0] in ("ADDED", "MODIFIED", "DELETED", "BOOKMARK") and len(f) >= 3:
                out.append((f[0], f[1], f[2]))
    return out


def num(v):
    try:
        return int(v)
    except ValueError:
        return 0


def cmd_all_have(typ, name, *paths):
    for p in paths:
        try:
            if not any(t == typ and n == name for t, n, _ in records(p)):
                return 1
        except FileNotFoundError:
            return 1
    return 0


def cmd_monotonic(path):
    last = None
    for typ, name, v in records(path):
        if v in ("-", "?"):
            continue
        if last is not None and num(v) < num(last[2]):
            print(f"{path}: {typ} {name} at resourceVersion {v} comes after {last[0]} {last[1]} at {last[2]}",
                  file=sys.stderr)
            return 1
        last = (typ, name, v)
    return 0


def cmd_records(path):
    for r in records(path):
        print(*r)


def cmd_bookmark_advanced(path):
    last = None
    for typ, _, v in records(path):
        if typ == "BOOKMARK":
            if last is not None and num(v) > last:
                print(f"BOOKMARK at resourceVersion {v} after the last delivered event at {last}")
                return 0
        else:
            last = num(v)
    print(f"{path}: no BOOKMARK newer than the event before it", file=sys.stderr)
    return 1


def cmd_bookmark_covers(path, want):
    for typ, name, v in records(path):
        if typ == "BOOKMARK" and num(v) >= int(want):
            return 0
        if typ != "BOOKMARK" and num(v) > int(want):
            print(f"{path}: {typ} {name} {v} came before any BOOKMARK at >= {want}", file=sys.stderr)
            return 1
    print(f"{path}: no BOOKMARK at resourceVersion >= {want}", file=sys.stderr)
    return 1


def cmd_versions(path):
    for l in lines(path):
        v = json.loads(l)
        print(json.dumps({"type": v["type"], "object": v["object"]}, separators=(",", ":")))


def cmd_metric(name, *labels):
    want = dict(l.split("=", 1) for l in labels)
    total, seen = 0.0, False
    pat = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)')
    for line in sys.stdin:
        m = pat.match(line)
        if not m or m.group(1) != name:
            continue
        have = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        if all(have.get(k) == v for k, v in want.items()):
            total += float(m.group(4))
            seen = True
    if not seen:
        print("absent")
        return 1
    print(int(total) if total == int(total) else total)
    return 0


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    fn = {"events": cmd_events, "strip-bookmarks": cmd_strip, "same": cmd_same,
          "bookmark-advanced": cmd_bookmark_advanced, "bookmark-covers": cmd_bookmark_covers,
          "records": cmd_records, "all-have": cmd_all_have, "monotonic": cmd_monotonic, "versions-to-events": cmd_versions,
          "metric": cmd_metric}[cmd]
    return fn(*args) or 0


if __name__ == "__main__":
    sys.exit(main())

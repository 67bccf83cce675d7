"""Folds `perf script` call stacks into one line per distinct stack ("root;...;leaf count"),
the input of a flame graph (report.py draws it). Reads stdin, writes stdout."""
import collections
import re
import sys

OFFSET = re.compile(r"\+0x[0-9a-f]+$")


def frame_name(line):
    # "\t    55d0c0a1b2c3 watchfilter::proxy::Foo::bar(int)+0x1f (/path/watchfilter-proxy)"
    parts = line.strip().split(None, 1)
    if len(parts) < 2:
        return None
    sym = parts[1].rsplit(" (", 1)[0]
    sym = OFFSET.sub("", sym)
    if sym == "[unknown]":
        dso = parts[1].rsplit(" (", 1)[-1].rstrip(")")
        sym = "[" + dso.rsplit("/", 1)[-1] + "]"
    return sym.replace(";", ",")


def main():
    counts = collections.Counter()
    frames = []
    for line in sys.stdin:
        if not line.strip():
            if frames:
                counts[";".join(reversed(frames))] += 1
            frames = []
        elif line[0] in " \t":
            name = frame_name(line)
            if name:
                frames.append(name)
    if frames:
        counts[";".join(reversed(frames))] += 1
    for stack, n in counts.most_common():
        print(f"{stack} {n}")


if __name__ == "__main__":
    main()

"""A wasm-operator reconcile trace (../shared/data/wasm-operator-traces/*.csv: one ISO-8601
timestamp a line, header "reconsile_dates"), read the same way by every replay of it:
e2e/clients/trace_heartbeats.py, e2e/clients/trace_replay.py and bench/wakeups/workload.py.
Standard library only."""
import datetime


def read_trace(path, rows):
    """The first `rows` timestamps of the trace at `path`, as aware datetimes."""
    out = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("reconsile"):
                continue
            out.append(datetime.datetime.fromisoformat(line.replace("Z", "+00:00")))
            if len(out) == rows:
                break
    return out

#!/usr/bin/env bash
# kube-apiserver goes away under the proxy's informer, twice (stopped, then killed), and the
# second time the proxy's resume point is also compacted away in etcd, so the informer must take
# the 410 path (relist).
# Two streams (filter changed(data), and true) must lose no admitted event and repeat none: what
# they deliver is compared with an oracle built from the object versions the test itself wrote
# (type, name, resourceVersion; DELETED by name, since after a relist the deletion's own
# resourceVersion is not observable). The second outage:
#   SIGSTOP the proxy; restart kube-apiserver; one change per object (modify a, modify b's
#   labels only, delete c, create e); compact etcd at its current revision; SIGCONT.
# (Writes elsewhere before the restart put the new watch cache past the proxy's resume point.)
# Those four changes may arrive in any order, everything else in the order written.
# watchfilter_informer_relists_total must rise, no stream may see an ADDED storm, and the
# resourceVersions in a stream never go down (clients resume from the last one they saw).
source "$(dirname "$0")/../lib/testlib.sh"
[[ -x $WF_EVAL ]] || fail "$WF_EVAL not built"
WF_PORT=8467

# Whatever happens, leave kube-apiserver running and the proxy continued for the next tests.
restore() {
  [[ -f $CP_DIR/proxy.pid ]] && kill -CONT "$(<"$CP_DIR/proxy.pid")" 2>/dev/null
  if [[ $(cp_curl -m 2 https://127.0.0.1:6443/readyz 2>/dev/null) != ok ]]; then
    t_log "restoring kube-apiserver"
    cp_stop_bg kube-apiserver; cp_start_apiserver; cp_wait_ready 90 || true
  fi
  t_cleanup
}
trap restore EXIT
restart_apiserver() { # term|kill
  local t0=$SECONDS pid
  if [[ $1 == kill ]]; then   # a crash
    pid=$(<"$CP_DIR/kube-apiserver.pid")
    kill -KILL "$pid"
    wait_for 10 eval '! kill -0 '"$pid"' 2>/dev/null' || fail "kube-apiserver did not die"
    rm -f "$CP_DIR/kube-apiserver.pid"
  else                        # a graceful stop (TERM, KILL after 10 s)
    cp_stop_bg kube-apiserver
  fi
  cp_start_apiserver
  cp_wait_ready 90 || fail "kube-apiserver did not come back"
  t_log "kube-apiserver restarted ($1) in $((SECONDS - t0)) s"
}

start_proxy proxy $WF_PORT --bookmark-interval 1s
ns=restart-$RANDOM
cp_kubectl create namespace "$ns" >/dev/null
api=/api/v1/namespaces/$ns/configmaps
fa='changed(data)'
streams_bg streams "$T_DIR/s" --timeout 170 \
  "data=$api?watch=true&allowWatchBookmarks=true&timeoutSeconds=170&filter=$(urlencode "$fa")" \
  "all=$api?watch=true&allowWatchBookmarks=true&timeoutSeconds=170&filter=true"
wait_for 20 test -f "$T_DIR/s/ready" || fail "the streams did not start"
for s in data all; do [[ ! -s $T_DIR/s/$s.end ]] || fail "stream $s: $(cat "$T_DIR/s/$s.end"): $(head -c 300 "$T_DIR/s/$s.out")"; done
sleep 1

phases=()
phase() { # name: apply $T_DIR/NAME.jsonl, keep its versions for the oracle
  mutate "$T_DIR/$1.jsonl" "$T_DIR/$1.versions" || fail "phase $1: applying the changes failed"
  phases+=("$1")
}
# the "all" stream has the object version RV of NAME (or its DELETED event)
all_has() {
  local records; records=$(wfcheck records "$T_DIR/s/all.out")
  if [[ -n ${3:-} ]]; then grep -qx "$1 $2 $3" <<<"$records"; else grep -q "^$1 $2 " <<<"$records"; fi
}
last_rv() { tail -n1 "$T_DIR/$1.versions" | python3 -c 'import json,sys; print(json.load(sys.stdin)["object"]["metadata"]["resourceVersion"])'; }
gen() { # phase: the scripted changes of a phase, as mutate.py lines
  python3 - "$api" "$1" <<'EOP'
import json, sys
api, phase = sys.argv[1:3]
op = lambda **o: print(json.dumps(o))
cm = lambda name, **data: op(method="POST", path=api, body={"metadata": {"name": name, "labels": {"v": "0"}}, "data": data})
patch = lambda name, body: op(method="PATCH", path=f"{api}/{name}", body=body)
if phase == "start":
    cm("sentinel", s="0")
elif phase == "before":            # data changes (admitted) and label changes (suppressed by changed(data))
    for n in "abcd": cm(n, x="0")
    for i in range(24):
        n = "abcd"[i % 4]
        patch(n, {"data": {"x": str(i)}} if i % 3 else {"metadata": {"labels": {"v": str(i)}}})
elif phase.startswith("probe"):    # one change: tells when the informer is back
    patch("sentinel", {"data": {"s": phase}})
elif phase == "between":
    for i in range(24):
        n = "abcd"[i % 4]
        patch(n, {"data": {"x": f"b{i}"}} if i % 3 else {"metadata": {"labels": {"v": f"b{i}"}}})
elif phase == "stopped":           # at most one change per object: a relist sees each of them
    patch("a", {"data": {"x": "stopped"}})
    patch("b", {"metadata": {"labels": {"v": "stopped"}}})
    op(method="DELETE", path=f"{api}/c")
    cm("e", x="new")
elif phase == "after":
    for i in range(16):
        n = "abde"[i % 4]
        patch(n, {"data": {"x": f"a{i}"}} if i % 3 else {"metadata": {"labels": {"v": f"a{i}"}}})
    op(method="DELETE", path=f"{api}/sentinel")
EOP
}
for p in start before probe1 between stopped after; do gen $p >"$T_DIR/$p.jsonl"; done

phase start
wait_for 20 all_has ADDED sentinel || fail "the streams did not deliver the sentinel"
phase before
wait_for 20 all_has MODIFIED d "$(last_rv before)" || fail "the streams did not get the first changes"

# Outage 1: kube-apiserver stops and starts again; the informer must resume (or relist) by itself.
restart_apiserver term
phase probe1
wait_for 60 all_has MODIFIED sentinel "$(last_rv probe1)" || fail "the informer did not come back after the restart"
phase between
wait_for 20 all_has MODIFIED d "$(last_rv between)" || fail "the streams did not get the changes after the restart"
relists0=$(proxy_metric $WF_PORT watchfilter_informer_relists_total)
[[ $relists0 != absent ]] || fail "no watchfilter_informer_relists_total metric"

# Outage 2: the proxy is frozen while kube-apiserver restarts, objects change once each, and
# etcd compacts its history: the proxy's resume point is gone everywhere (410).
pid=$(<"$CP_DIR/proxy.pid")
kill -STOP "$pid"
# Writes elsewhere move etcd's revision past the proxy's last resourceVersion, so that the new
# kube-apiserver's watch cache starts after it (else the cache could still serve the resume).
bump=restart-bump-$RANDOM
cp_kubectl create configmap "$bump" -n default >/dev/null
cp_kubectl delete configmap "$bump" -n default >/dev/null
restart_apiserver kill
phase stopped
rev=$(etcd_revision)
etcd_compact "$rev"
t_log "etcd compacted at revision $rev; resuming the proxy"
kill -CONT "$pid"
relisted() { all_has MODIFIED a "$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["object"]["metadata"]["resourceVersion"])' "$T_DIR/stopped.versions")" && all_has ADDED e && all_has DELETED c; }
wait_for 60 relisted || fail "the streams did not get the changes made while the proxy was stopped"
relists1=$(proxy_metric $WF_PORT watchfilter_informer_relists_total)
((relists1 > relists0)) || fail "watchfilter_informer_relists_total did not rise ($relists0 -> $relists1): the 410 path did not run"
phase after
wait_for 30 all_has DELETED sentinel || fail "the streams did not get the last changes"
wait_for 10 has_event "$T_DIR/s/data.out" DELETED sentinel || fail "the filtered stream did not get the last changes"

python3 - "$T_DIR" "$WF_EVAL" "$fa" "${phases[@]}" <<'EOP' || fail "a stream lost or repeated events (see above)"
import json, subprocess, sys
d, tool, fa, phases = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
written = []   # (phase, event line) in the order written
seen = set()
for p in phases:
    for line in open(f"{d}/{p}.versions"):
        v = json.loads(line); o = v["object"]
        if o.get("kind") == "Status":   # a DELETE may answer with a Status: the object's name and uid
            o = {"kind": "ConfigMap", "apiVersion": "v1", "metadata": {k: o["details"][k] for k in ("name", "uid")}}
        elif (o["metadata"]["name"], o["metadata"]["resourceVersion"]) in seen:
            continue   # a patch that changed nothing: no new version, no event
        else:
            seen.add((o["metadata"]["name"], o["metadata"]["resourceVersion"]))
        written.append((p, json.dumps({"type": v["type"], "object": o}, separators=(",", ":"))))
def key(typ, name, rv):
    return (typ, name) if typ == "DELETED" else (typ, name, rv)
def key_of(line):
    ev = json.loads(line); md = ev["object"]["metadata"]
    return key(ev["type"], md["name"], md.get("resourceVersion"))
def expected(filt):
    out = subprocess.run([tool, "--filter", filt], input="\n".join(l for _, l in written) + "\n",
                         capture_output=True, text=True, check=True).stdout.splitlines()
    exp, i = [], 0
    for line in out:   # admitted lines are a subsequence of the input: recover their phases
        while written[i][1] != line:
            i += 1
        exp.append((written[i][0], key_of(line))); i += 1
    return exp
def delivered(name):
    got = []
    for line in open(f"{d}/s/{name}.out"):
        ev = json.loads(line)
        if ev["type"] == "BOOKMARK":
            continue
        md = ev["object"].get("metadata", {})
        got.append(key(ev["type"], md.get("name"), md.get("resourceVersion")))
    return got
ok = True
for stream, filt in (("data", fa), ("all", "true")):
    exp, got = expected(filt), delivered(stream)
    problems, i = [], 0
    for p in phases:
        want = [k for ph, k in exp if ph == p]
        have = got[i:i + len(want)]; i += len(want)
        if (sorted(have) if p == "stopped" else have) != (sorted(want) if p == "stopped" else want):
            problems.append(f"phase {p}: want {want}, got {have}")
    if i != len(got):
        problems.append(f"{len(got) - i} events more than the {i} expected: {got[i:][:10]}")
    adds = sum(1 for k in got if k[0] == "ADDED")
    print(f"[upstream_restart_test] stream {stream}: {len(got)} events ({adds} ADDED), {len(exp)} expected"
          + ("" if not problems else ": " + "; ".join(problems)[:2000]), file=sys.stderr)
    ok &= not problems
sys.exit(0 if ok else 1)
EOP
# A client resumes from the last resourceVersion it saw: in a stream they never go down.
for st in data all; do
  wfcheck monotonic "$T_DIR/s/$st.out" || fail "stream $st: resourceVersions go down (a client resuming from the last one would get events again)"
done
t_log "after the relist, c's DELETED event carried resourceVersion $(wfcheck records "$T_DIR/s/all.out" | grep '^DELETED c ' | cut -d' ' -f3) (c's last version: $(python3 -c 'import json,sys; [print(json.loads(l)["object"]["metadata"]["resourceVersion"]) for l in open(sys.argv[1]) if json.loads(l)["object"]["metadata"].get("name") == "c"]' "$T_DIR/between.versions" | tail -n 1), etcd revision at the compaction: $rev)"
t_log "PASS: two kube-apiserver restarts and a compaction (relists $relists0 -> $relists1): no admitted event lost or repeated"

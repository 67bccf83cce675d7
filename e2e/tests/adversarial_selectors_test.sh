#!/usr/bin/env bash
# One user with get/list/watch on the configmaps of one namespace only (a ServiceAccount token,
# straight to the standalone proxy) sends 500 filtered requests, each with a label selector of
# its own (every shape of the syntax) and the namespace spelled four ways (as is, first letter
# percent-encoded, all percent-encoded in lower and upper case), 400 lists and 100 watches held
# open at once (issue 11: 200 such lists made 200 informers and 202 upstream watches):
#   - kube-apiserver serves exactly one more configmaps WATCH (its own
#     apiserver_longrunning_requests), the proxy reports 1 informer and 1 upstream watch;
#   - the proxy's RSS grows by less than 48 MiB (the bound: one informer's cache of the 120
#     configmaps, ~0.6 MB, plus 100 streams' buffers; one informer per selector, as before,
#     would cache them 500 times over, ~300 MB);
#   - every list has exactly the items kube-apiserver lists for the same selector;
#   - a label-selected watch sees exactly what kube-apiserver's does for the same selector
#     (ADDED when the label is added, MODIFIED while it matches, DELETED when it is removed);
#   - a selector kube-apiserver refuses is refused with kube-apiserver's own 400 message, a
#     namespace that is no DNS label with a 400;
#   - with --max-informers 2 and both informers streaming, the user's request is the exact 429
#     Status with Retry-After, counted in watchfilter_limit_refusals_total{limit="max-informers"};
#     once those streams are gone, an idle informer makes room.
source "$(dirname "$0")/../lib/testlib.sh"
WF_PORT=8471
start_proxy proxy $WF_PORT --informer-linger 3s
proxy_pid=$(<"$CP_DIR/proxy.pid")
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

ns=adv-sel-$RANDOM
cp_kubectl create namespace "$ns" >/dev/null
cp_kubectl -n "$ns" create serviceaccount flooder >/dev/null
cp_kubectl -n "$ns" create role cm-reader --verb=get,list,watch --resource=configmaps >/dev/null
cp_kubectl -n "$ns" create rolebinding cm-reader --role=cm-reader --serviceaccount="$ns:flooder" >/dev/null
cp_kubectl -n "$ns" create token flooder --duration=1h >"$T_DIR/token"
token=$(<"$T_DIR/token")
api=/api/v1/namespaces/$ns/configmaps
watches() { apiserver_metric apiserver_longrunning_requests verb=WATCH resource=configmaps; }

# 120 configmaps of ~4 KiB, labelled so that the selectors select different subsets.
python3 - "$ns" >"$T_DIR/create.jsonl" <<'EOP'
import json, sys
ns = sys.argv[1]
for j in range(120):
    labels = {"shard": f"s{j}", "app.kubernetes.io/name": f"n{j % 7}"}
    if j % 3 == 0: labels["team"] = "blue"
    if j % 5 == 0: labels[f"gone{j}"] = "y"
    print(json.dumps({"method": "POST", "path": f"/api/v1/namespaces/{ns}/configmaps",
                      "body": {"metadata": {"name": f"cm-{j}", "labels": labels},
                               "data": {"payload": "x" * 4000}}}))
EOP
mutate "$T_DIR/create.jsonl" "$T_DIR/create.out" || fail "creating the configmaps failed"

# Prime the one informer, then take the baselines.
code=$(cp_exec curl -q -sk -m 20 -o "$T_DIR/prime" -w '%{http_code}' -H "Authorization: Bearer $token" \
  "https://127.0.0.1:$WF_PORT$api?filter=true")
[[ $code == 200 ]] || fail "the user's first filtered list: $code $(head -c 300 "$T_DIR/prime")"
sleep 1
before=$(watches)
[[ $before != absent ]] || fail "kube-apiserver has no apiserver_longrunning_requests for configmaps"
rss0=$(rss_kib "$proxy_pid")

# 100 watches held open at once, each with its own selector and spelling (requests 400-499).
mapfile -t specs < <(python3 - "$ns" "$CLIENTS_DIR" <<'EOP'
import sys, urllib.parse
sys.path.insert(0, sys.argv[2])
from selector_flood import selector, spell, PREFIX
ns = sys.argv[1]
for i in range(400, 500):
    prefix = PREFIX if i % 2 else ""
    print(f"w{i}={prefix}/api/v1/namespaces/{spell(ns, i)}/configmaps?watch=true&timeoutSeconds=120"
          f"&filter=true&labelSelector={urllib.parse.quote(selector(i), safe='')}")
EOP
)
((${#specs[@]} == 100)) || fail "want 100 watch specs, got ${#specs[@]}"
streams_bg flood-watches "$T_DIR/w" --timeout 150 --token-file "$T_DIR/token" "${specs[@]}"
wait_for 60 test -f "$T_DIR/w/ready" || fail "the 100 watches did not all get response headers"
for f in "$T_DIR"/w/*.end; do
  [[ ! -s $f ]] || fail "watch $(basename "$f" .end) ended: $(cat "$f"): $(head -c 300 "${f%.end}.out")"
done

# 400 lists (requests 0-399), then the same 400 selectors straight from kube-apiserver.
flood() { # BASE OUT [--direct]
  cp_exec timeout 300 python3 "$CLIENTS_DIR/selector_flood.py" --base "$1" --token-file "$T_DIR/token" \
    --namespace "$ns" --count 400 --out "$2" --deadline 240 "${@:3}"
}
start=$SECONDS
n=$(flood "https://127.0.0.1:$WF_PORT" "$T_DIR/lists.jsonl") || fail "the list flood failed"
t_log "400 filtered lists with distinct selectors in $((SECONDS - start)) s"
((n == 400)) || fail "only $n of 400 lists were made before the deadline"
n=$(flood https://127.0.0.1:6443 "$T_DIR/direct.jsonl" --direct) || fail "the direct lists failed"
((n == 400)) || fail "only $n of 400 direct lists"

after=$(watches)
informers=$(proxy_metric $WF_PORT watchfilter_informers)
upstream=$(proxy_metric $WF_PORT watchfilter_upstream_watches)
streams=$(proxy_metric $WF_PORT watchfilter_streams)
rss1=$(rss_kib "$proxy_pid")
t_log "kube-apiserver configmap WATCHes: $before before, $after after 500 requests; proxy: informers=$informers upstream_watches=$upstream streams=$streams; RSS ${rss0} KiB -> ${rss1} KiB"
((after == before)) || fail "kube-apiserver serves $((after - before)) more configmap watches, want none (the one informer was already open)"
[[ $informers == 1 ]] || fail "watchfilter_informers = $informers, want 1 (one per resource and namespace)"
[[ $upstream == 1 ]] || fail "watchfilter_upstream_watches = $upstream, want 1"
[[ $streams == 100 ]] || fail "watchfilter_streams = $streams, want the 100 watches"
((rss1 - rss0 < 48 * 1024)) || fail "the proxy's RSS grew by $(( (rss1 - rss0) / 1024 )) MiB for 500 selectors, want < 48 MiB"

python3 - "$T_DIR/lists.jsonl" "$T_DIR/direct.jsonl" <<'EOP' || fail "the filtered lists are not what kube-apiserver lists for the same selectors"
import json, sys
got = [json.loads(l) for l in open(sys.argv[1])]
want = [json.loads(l) for l in open(sys.argv[2])]
assert len(got) == len(want) == 400
sizes = set()
for g, w in zip(got, want):
    assert g["code"] == 200, g
    assert w["code"] == 200, w
    assert g["items"] == w["items"], (g["path"], len(g["items"]), len(w["items"]))
    sizes.add(len(w["items"]))
# The selectors select different subsets (none, one, some, all but one...).
assert len(sizes) >= 4 and 0 in sizes and 120 in sizes, sorted(sizes)
EOP

# Each watch started with exactly the objects its selector selects (its initial ADDED events).
python3 - "$T_DIR/w" "$CLIENTS_DIR" <<'EOP' || fail "a watch's initial events are not its selector's objects"
import json, os, re, sys
d = sys.argv[1]
sys.path.insert(0, sys.argv[2])
for i in range(400, 500):
    names = set()
    for line in open(os.path.join(d, f"w{i}.out")):
        ev = json.loads(line)
        assert ev["type"] == "ADDED", ev["type"]
        names.add(ev["object"]["metadata"]["name"])
    # The same selection, computed from how the objects were labelled.
    from selector_flood import selector
    sel = selector(i)
    def labels(j):
        l = {"shard": f"s{j}", "app.kubernetes.io/name": f"n{j % 7}"}
        if j % 3 == 0: l["team"] = "blue"
        if j % 5 == 0: l[f"gone{j}"] = "y"
        return l
    def req(r, l):
        r = r.strip()
        m = re.fullmatch(r"(\S+) (in|notin) \((.*)\)", r)
        if m:
            k, op, vs = m.group(1), m.group(2), m.group(3).split(",")
            return (k in l and l[k] in vs) if op == "in" else not (k in l and l[k] in vs)
        if r.startswith("!"): return r[1:] not in l
        m = re.fullmatch(r"([^!=]+)(==|=|!=)(.*)", r)
        if m:
            k, op, v = m.groups()
            return (l.get(k) == v) if op != "!=" else (l.get(k) != v)
        return r in l
    parts = re.split(r",(?![^()]*\))", sel)
    want = {f"cm-{j}" for j in range(120) if all(req(p, labels(j)) for p in parts)}
    assert names == want, (i, sel, len(names), len(want))
EOP
cp_stop_bg flood-watches
t_log "500 requests, 100 of them watches: one informer, one upstream watch; RSS +$(( (rss1 - rss0) / 1024 )) MiB; every list and watch holds exactly its selector's objects"

# A label-selected watch through the proxy against kube-apiserver's own, for the same changes.
sel=$(urlencode 'team=blue,shard')
rv=$(resource_version "$api")
streams_bg sel "$T_DIR/sel" --timeout 60 --token-file "$T_DIR/token" \
  "proxy=$api?watch=true&resourceVersion=$rv&timeoutSeconds=60&filter=true&labelSelector=$sel"
direct_streams_bg dsel "$T_DIR/dsel" --timeout 60 "direct=$api?watch=true&resourceVersion=$rv&timeoutSeconds=60&labelSelector=$sel"
wait_for 20 test -f "$T_DIR/sel/ready" || fail "the selected watch did not start"
wait_for 20 test -f "$T_DIR/dsel/ready" || fail "the direct selected watch did not start"
cat >"$T_DIR/labels.jsonl" <<EOJ
{"method": "PATCH", "path": "$api/cm-1", "body": {"metadata": {"labels": {"team": "blue"}}}}
{"method": "PATCH", "path": "$api/cm-1", "body": {"data": {"k": "v1"}}}
{"method": "PATCH", "path": "$api/cm-2", "body": {"data": {"k": "v1"}}}
{"method": "PATCH", "path": "$api/cm-1", "body": {"metadata": {"labels": {"team": null}}}}
{"method": "POST", "path": "$api", "body": {"metadata": {"name": "late", "labels": {"team": "blue", "shard": "x"}}}}
{"method": "PATCH", "path": "$api/cm-3", "body": {"metadata": {"labels": {"team": "red"}}}}
{"method": "DELETE", "path": "$api/late"}
{"method": "POST", "path": "$api", "body": {"metadata": {"name": "end", "labels": {"team": "blue", "shard": "e"}}}}
EOJ
mutate "$T_DIR/labels.jsonl" "$T_DIR/labels.out" || fail "the label changes failed"
wait_for 20 has_event "$T_DIR/sel/proxy.out" ADDED end || fail "the selected watch did not see the last change: $(cat "$T_DIR/sel/proxy.out")"
wait_for 20 has_event "$T_DIR/dsel/direct.out" ADDED end || fail "the direct watch did not see the last change"
cp_stop_bg sel
cp_stop_bg dsel
summary() { python3 -c '
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["type"] != "BOOKMARK": print(e["type"], e["object"]["metadata"]["name"])' "$1"; }
summary "$T_DIR/sel/proxy.out" >"$T_DIR/sel.summary"
summary "$T_DIR/dsel/direct.out" >"$T_DIR/dsel.summary"
want=$'ADDED cm-1\nMODIFIED cm-1\nDELETED cm-1\nADDED late\nDELETED cm-3\nDELETED late\nADDED end'
[[ $(<"$T_DIR/dsel.summary") == "$want" ]] || fail "kube-apiserver's selected watch: $(cat "$T_DIR/dsel.summary")"
[[ $(<"$T_DIR/sel.summary") == "$want" ]] || fail "the proxy's selected watch: $(cat "$T_DIR/sel.summary"), want kube-apiserver's: $want"
t_log "a label-selected watch: ADDED on label added, MODIFIED while matching, DELETED on label removed, as kube-apiserver's"

# Selectors kube-apiserver refuses: its own message, as a 400 Status.
for bad in 'a b' 'a in (x' 'a>x' '/x=y' 'a=-y'; do
  enc=$(urlencode "$bad")
  code=$(cp_exec curl -q -sk -m 10 -o "$T_DIR/bad" -w '%{http_code}' -H "Authorization: Bearer $token" \
    "https://127.0.0.1:$WF_PORT$api?filter=true&labelSelector=$enc")
  dcode=$(cp_exec curl -q -sk -m 10 -o "$T_DIR/dbad" -w '%{http_code}' -H "Authorization: Bearer $token" \
    "https://127.0.0.1:6443$api?labelSelector=$enc")
  [[ $code == 400 && $dcode == 400 ]] || fail "selector '$bad': proxy $code, kube-apiserver $dcode"
  python3 - "$T_DIR/bad" "$T_DIR/dbad" <<'EOP' || fail "selector '$bad': $(cat "$T_DIR/bad") vs kube-apiserver's $(cat "$T_DIR/dbad")"
import json, sys
got, want = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert got["kind"] == "Status" and got["apiVersion"] == "v1" and got["status"] == "Failure", got
assert got["reason"] == "BadRequest" and got["code"] == 400, got
assert got["message"] == want["message"], (got["message"], want["message"])
EOP
done
code=$(cp_exec curl -sk -m 10 -o "$T_DIR/badns" -w '%{http_code}' \
  "https://127.0.0.1:$WF_PORT/api/v1/namespaces/Default/configmaps?filter=true")
[[ $code == 400 ]] || fail "namespace Default: want 400, got $code $(cat "$T_DIR/badns")"
grep -q '"message":"invalid namespace \\"Default\\": a lowercase RFC 1123 label' "$T_DIR/badns" || fail "namespace Default: $(cat "$T_DIR/badns")"
t_log "bad selectors: kube-apiserver's 400 messages; a namespace that is no DNS label: 400"

# The informer cap: a second proxy with --max-informers 2, both informers streaming (admin,
# two other namespaces): the user's request is refused, and admitted once they are idle.
WF_PORT=8472
start_proxy proxy-cap $WF_PORT --max-informers 2 --informer-linger 60s
for x in 1 2; do cp_kubectl create namespace "$ns-x$x" >/dev/null; done
streams_bg hold "$T_DIR/hold" --timeout 90 \
  "x1=/api/v1/namespaces/$ns-x1/configmaps?watch=true&timeoutSeconds=90&filter=true" \
  "x2=/api/v1/namespaces/$ns-x2/configmaps?watch=true&timeoutSeconds=90&filter=true"
wait_for 20 test -f "$T_DIR/hold/ready" || fail "the two holding streams did not start"
[[ $(proxy_metric $WF_PORT watchfilter_informers) == 2 ]] || fail "want 2 informers, got $(proxy_metric $WF_PORT watchfilter_informers)"
cp_exec curl -q -sk -m 10 -D "$T_DIR/cap.headers" -o "$T_DIR/cap" -H "Authorization: Bearer $token" \
  "https://127.0.0.1:$WF_PORT$api?watch=true&filter=true&labelSelector=$sel" >/dev/null
grep -qi '^HTTP/1.1 429' "$T_DIR/cap.headers" || fail "past --max-informers: $(head -1 "$T_DIR/cap.headers") $(cat "$T_DIR/cap")"
grep -qi '^Retry-After: 10' "$T_DIR/cap.headers" || fail "no Retry-After: 10 in $(cat "$T_DIR/cap.headers")"
want_cap='{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too many informers: watchfilter-proxy runs its limit of 2 shared informers (--max-informers), all with streams, and configmaps in namespace '"$ns"' would need another; try again later","reason":"TooManyRequests","details":{"retryAfterSeconds":10},"code":429}'
[[ $(<"$T_DIR/cap") == "$want_cap" ]] || fail "past --max-informers: $(cat "$T_DIR/cap"), want $want_cap"
[[ $(proxy_metric $WF_PORT watchfilter_limit_refusals_total limit=max-informers) == 1 ]] ||
  fail "watchfilter_limit_refusals_total{limit=\"max-informers\"} = $(proxy_metric $WF_PORT watchfilter_limit_refusals_total limit=max-informers), want 1"
cp_stop_bg hold
sleep 1
code=$(cp_exec curl -q -sk -m 20 -o "$T_DIR/cap2" -w '%{http_code}' -H "Authorization: Bearer $token" \
  "https://127.0.0.1:$WF_PORT$api?filter=true&labelSelector=$sel")
[[ $code == 200 ]] || fail "with the two informers idle, the user's list: $code $(cat "$T_DIR/cap2")"
[[ $(proxy_metric $WF_PORT watchfilter_informers) -le 2 ]] || fail "more informers than --max-informers: $(proxy_metric $WF_PORT watchfilter_informers)"
t_log "PASS: --max-informers 2: the exact 429 Status with Retry-After, counted; an idle informer makes room"

# Sourced by every e2e test (e2e/tests/*_test.sh): the shared control plane started by
# run.sh, helpers to start the proxy and watches inside its namespace, and a cleanup that
# stops whatever the test started.
set -euo pipefail
TL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$TL_DIR/controlplane.sh"
cp_attach
REPO_DIR=$(cd "$TL_DIR/../.." && pwd)
WF_PROXY=${WF_PROXY:-$REPO_DIR/build/proxy/watchfilter-proxy}
TEST_NAME=$(basename "$0" .sh)
T_DIR=$(mktemp -d "$CP_DIR/$TEST_NAME.XXXX")
t_started=()

# The proxy authenticates every caller (docs/proxy.md). Test clients talk to it as the admin
# (client certificate of the cluster's client CA, O=system:masters): the python clients read
# WF_E2E_CLIENT_CERT/KEY, curl reads $CURL_HOME/.curlrc (explicit --cert wins; `curl -q` skips
# it, for requests that must carry no credentials), kubectl gets proxy_kubeconfig.
export WF_E2E_CLIENT_CERT=$CP_DIR/admin.crt WF_E2E_CLIENT_KEY=$CP_DIR/admin.key
export CURL_HOME=$CP_DIR/curl-home
if [[ ! -f $CURL_HOME/.curlrc ]]; then
  mkdir -p "$CURL_HOME"
  printf 'cert = "%s"\nkey = "%s"\n' "$WF_E2E_CLIENT_CERT" "$WF_E2E_CLIENT_KEY" >"$CURL_HOME/.curlrc"
fi

t_log() { echo "[$TEST_NAME] $*" >&2; }
fail() { t_log "FAIL: $*"; exit 1; }

t_bg() { # name cmd...: a background process inside the namespace, stopped at exit
  cp_start_bg "$@"
  t_started+=("$1")
}

t_cleanup() {
  local n
  for n in "${t_started[@]}"; do cp_stop_bg "$n"; done
}
trap t_cleanup EXIT

# wait_for SECONDS CMD...: poll CMD every 0.2 s until it succeeds.
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# start_proxy NAME PORT [extra flags...]: watchfilter-proxy on 127.0.0.1:PORT.
start_proxy() {
  local name=$1 port=$2; shift 2
  [[ -x $WF_PROXY ]] || fail "proxy binary $WF_PROXY not built"
  t_bg "$name" "$WF_PROXY" --kubeconfig "$CP_DIR/watchfilter.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$port" --v 2 "$@"
  wait_for 20 proxy_ready "$port" || { tail -n 20 "$CP_DIR/logs/$name.log" >&2; fail "$name did not become ready"; }
}
proxy_ready() { [[ $(cp_exec curl -sk -m 2 "https://127.0.0.1:$1/readyz" 2>/dev/null) == ok ]]; }

# proxy_kubeconfig PORT FILE [CRT KEY]: a kubeconfig whose server is the proxy (standalone
# mode), authenticating with a client certificate of the cluster's client CA (default: admin).
proxy_kubeconfig() {
  local crt=${3:-$CP_DIR/admin.crt} key=${4:-$CP_DIR/admin.key}
  cat >"$2" <<EOK
apiVersion: v1
kind: Config
clusters: [{name: proxy, cluster: {server: "https://127.0.0.1:$1", insecure-skip-tls-verify: true}}]
users: [{name: admin, user: {client-certificate-data: $(base64 -w0 <"$crt"), client-key-data: $(base64 -w0 <"$key")}}]
contexts: [{name: proxy, context: {cluster: proxy, user: admin, namespace: default}}]
current-context: proxy
EOK
}

# proxy_kubeconfig_token PORT FILE TOKEN: the same with a bearer token, which the proxy forwards
# for requests that are not filtered reads (a client certificate cannot be forwarded).
proxy_kubeconfig_token() {
  cat >"$2" <<EOK
apiVersion: v1
kind: Config
clusters: [{name: proxy, cluster: {server: "https://127.0.0.1:$1", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: "$3"}}]
contexts: [{name: proxy, context: {cluster: proxy, user: u, namespace: default}}]
current-context: proxy
EOK
}

# http_req URL OUT [curl args...]: one request without the admin certificate (curl -q skips the
# curlrc) and with the path sent as written (--path-as-is keeps `..` and `//`); the body goes to
# OUT, the response header to OUT.headers, the HTTP code to stdout.
http_req() {
  local url=$1 out=$2; shift 2
  cp_exec curl -q -sk -m 10 -A watchfilter-e2e --path-as-is -D "$out.headers" -o "$out" \
    -w '%{http_code}' "$@" "$url" || true
}

# expect_status WHAT GOT FILE CODE REASON MESSAGE: the reply (HTTP code GOT, body in FILE) is
# exactly this Kubernetes Status.
expect_status() {
  local what=$1 got=$2 file=$3 code=$4 reason=$5 message=$6
  [[ $got == "$code" ]] || fail "$what: want HTTP $code, got $got: $(head -c 400 "$file")"
  python3 - "$file" "$code" "$reason" "$message" <<'EOP' ||
import json, sys
s = json.load(open(sys.argv[1]))
assert s.get("kind") == "Status" and s.get("apiVersion") == "v1" and s.get("status") == "Failure", s
assert s.get("code") == int(sys.argv[2]) and s.get("reason") == sys.argv[3], s
assert s.get("message") == sys.argv[4], "message:\n  got  %r\n  want %r" % (s.get("message"), sys.argv[4])
EOP
    fail "$what: not the Status $code $reason \"$message\": $(head -c 600 "$file")"
}

# from_apiserver FILE: the reply (its OUT.headers from http_req) was written by kube-apiserver,
# which sets Audit-Id on every response; the proxy's own replies have none.
from_apiserver() { grep -qi '^audit-id: ' "$1.headers"; }

# forbidden_message VERB RESOURCE NAMESPACE USER [NAME]: kube-apiserver's RBAC 403 message for a
# core-group resource ("" namespace: cluster scope; RESOURCE may be "pods/log").
forbidden_message() {
  local verb=$1 resource=$2 ns=$3 user=$4 name=${5:-} subject=${2%%/*} scope
  if [[ -n $ns ]]; then scope="in the namespace \"$ns\""; else scope="at the cluster scope"; fi
  [[ -n $name ]] && subject="$subject \"$name\""
  echo "$subject is forbidden: User \"$user\" cannot $verb resource \"$resource\" in API group \"\" $scope"
}

# Lines of a watch output file whose event is of TYPE for object NAME.
count_events() { # file type name
  python3 - "$@" <<'EOP'
import json, sys
path, typ, name = sys.argv[1:4]
n = 0
for line in open(path, encoding="utf-8", errors="replace"):
    try:
        ev = json.loads(line)
    except ValueError:
        continue
    if ev.get("type") == typ and ev.get("object", {}).get("metadata", {}).get("name") == name:
        n += 1
print(n)
EOP
}

# --- Filtered streams (e2e/clients/) -----------------------------------------------------
CLIENTS_DIR=$REPO_DIR/e2e/clients
WF_EVAL=${WF_EVAL:-$REPO_DIR/build/filters/watchfilter-eval}
PY_KUBE=/usr/bin/python3   # Debian's python, which has python3-kubernetes (not a pyenv shim)

urlencode() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }

# wfcheck ARGS: e2e/clients/wfcheck.py (events, same, strip-bookmarks, metric, ...).
wfcheck() { python3 "$CLIENTS_DIR/wfcheck.py" "$@"; }

# proxy_metric PORT NAME [label=value...]: sum of the proxy's /metrics samples ("absent" if none).
proxy_metric() {
  local port=$1; shift
  cp_exec curl -sk -m 5 "https://127.0.0.1:$port/metrics" | wfcheck metric "$@" || true
}
# apiserver_metric NAME [label=value...]: the same for kube-apiserver's own /metrics.
apiserver_metric() { cp_curl -m 5 https://127.0.0.1:6443/metrics | wfcheck metric "$@" || true; }

# streams_bg NAME OUTDIR [watch_streams.py options] NAME=PATH...: streams through the proxy on
# $WF_PORT, recorded by e2e/clients/watch_streams.py (one process, one thread per stream).
streams_bg() {
  local name=$1 out=$2; shift 2
  t_bg "$name" python3 "$CLIENTS_DIR/watch_streams.py" --base "https://127.0.0.1:$WF_PORT" --out "$out" "$@"
}
# direct_streams_bg NAME OUTDIR [options] NAME=PATH...: the same, straight from kube-apiserver.
direct_streams_bg() {
  local name=$1 out=$2; shift 2
  t_bg "$name" python3 "$CLIENTS_DIR/watch_streams.py" --base https://127.0.0.1:6443 \
    --cacert "$CP_DIR/ca.crt" --cert "$CP_DIR/admin.crt" --key "$CP_DIR/admin.key" --out "$out" "$@"
}

# apply_example_crd FILE PLURAL: the CRD host/examples/FILE (PLURAL.example.watchfilter.io, served
# as example.watchfilter.io/v1) applied, Established and served before it returns.
apply_example_crd() {
  cp_kubectl apply -f "$REPO_DIR/host/examples/$1" >/dev/null || fail "kubectl apply -f host/examples/$1"
  cp_kubectl wait --for condition=Established --timeout 30s "crd/$2.example.watchfilter.io" >/dev/null ||
    fail "the $2 CRD did not become Established"
  wait_for 20 cp_kubectl get --raw /apis/example.watchfilter.io/v1 >/dev/null 2>&1 || fail "$2 API not served"
}

# configmap_view NS [VIEW [FILTER]]: in NS, the WatchFilter FILTER (default cms: configmaps,
# changed(data)) and the WatchView VIEW (default v) made of it, served at /views/NS/VIEW/.
configmap_view() {
  local ns=$1 view=${2:-v} filter=${3:-cms}
  cp_kubectl apply -n "$ns" -f - >/dev/null <<EOY || fail "the view in $ns"
apiVersion: watchfilter.io/v1alpha1
kind: WatchFilter
metadata: {name: $filter}
spec:
  resource: {version: v1, resource: configmaps}
  filter: changed(data)
---
apiVersion: watchfilter.io/v1alpha1
kind: WatchView
metadata: {name: $view}
spec:
  filters: [{name: $filter}]
EOY
}

# silent_client_streams N COLLECTION PATH: the streams of a backpressure test, open when it
# returns: a direct watch of COLLECTION from its current resourceVersion ($T_DIR/d/up.out), N
# readers of PATH through the proxy ($T_DIR/r/r<i>.out), and one client of PATH that reads the
# headers and then nothing (a 4 KiB receive buffer) until $T_DIR/read-again exists
# ($T_DIR/s/slow.out, .end). Each stream ends after 120 s.
silent_client_streams() {
  local n=$1 collection=$2 path=$3 i rv readers=()
  for ((i = 0; i < n; i++)); do readers+=("r$i=$path"); done
  rv=$(resource_version "$collection")
  direct_streams_bg direct "$T_DIR/d" --timeout 120 "up=$collection?watch=true&resourceVersion=$rv&timeoutSeconds=120"
  streams_bg readers "$T_DIR/r" --timeout 120 "${readers[@]}"
  streams_bg silent "$T_DIR/s" --timeout 120 --rcvbuf 4096 --slow-until "$T_DIR/read-again" "slow=$path"
  wait_for 20 test -f "$T_DIR/r/ready" -a -f "$T_DIR/s/ready" -a -f "$T_DIR/d/ready" || fail "the streams did not start"
  [[ ! -s $T_DIR/s/slow.end ]] || fail "the silent client's stream did not open: $(cat "$T_DIR/s/slow.end")"
  sleep 1
}

# mutate SCRIPT OUT: apply a mutate.py script (JSON lines) to kube-apiserver as admin.
mutate() {
  cp_exec timeout "${MUTATE_TIMEOUT:-120}" python3 "$CLIENTS_DIR/mutate.py" --server https://127.0.0.1:6443 \
    --cacert "$CP_DIR/ca.crt" --cert "$CP_DIR/admin.crt" --key "$CP_DIR/admin.key" --script "$1" --out "$2"
}

# has_event FILE TYPE NAME: the recorded stream holds at least one TYPE event of NAME.
has_event() { [[ -f $1 && $(count_events "$1" "$2" "$3") -ge 1 ]]; }

# resource_version PATH: the list resourceVersion of an upstream collection.
resource_version() {
  cp_kubectl get --raw "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["metadata"]["resourceVersion"])'
}

# apply_project_crds: the project's CRDs (crds/: WatchFilter, WatchView) applied, Established
# and served before it returns.
apply_project_crds() {
  local crd
  cp_kubectl apply -f "$REPO_DIR/crds/" >/dev/null || fail "kubectl apply -f crds/"
  for crd in watchfilters watchviews; do
    cp_kubectl wait --for condition=Established --timeout 30s "crd/$crd.watchfilter.io" >/dev/null ||
      fail "the $crd CRD did not become Established"
    wait_for 20 cp_kubectl get "$crd.watchfilter.io" -A >/dev/null 2>&1 || fail "the $crd API is not served"
  done
}

# proxy_serving_cert: $T_DIR/proxy-serving.{crt,key} for 127.0.0.1, signed by $T_DIR/proxy-ca.crt
# (for clients that verify the proxy, as client-go does with that CA in its kubeconfig).
proxy_serving_cert() {
  ( cd "$T_DIR" && certs_ca proxy-ca "/CN=watchfilter-e2e-proxy-ca" &&
    certs_leaf proxy-ca proxy-serving "/CN=watchfilter-proxy" serverAuth "IP:127.0.0.1,DNS:localhost" ) ||
    fail "the proxy's serving certificate"
}

# apply_test_crd KIND PLURAL: a namespaced CRD <plural>.e2e.watchfilter.io/v1 whose
# openAPIV3Schema is read from stdin (YAML, indented as the schema's own body), Established and
# served before it returns (the group version may already be served for another kind).
apply_test_crd() {
  local kind=$1 plural=$2 schema
  schema=$(sed 's/^/        /')
  cp_kubectl apply -f - >/dev/null <<EOY
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: $plural.e2e.watchfilter.io}
spec:
  group: e2e.watchfilter.io
  scope: Namespaced
  names: {plural: $plural, singular: ${kind,,}, kind: $kind, listKind: ${kind}List}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
$schema
EOY
  cp_kubectl wait --for condition=Established --timeout 30s "crd/$plural.e2e.watchfilter.io" >/dev/null ||
    fail "the $kind CRD did not become Established"
  wait_for 20 cp_kubectl get "$plural.e2e.watchfilter.io" -A >/dev/null 2>&1 || fail "$plural API not served"
}

# The widgets CRD (widgets.e2e.watchfilter.io/v1, namespaced): an integer spec.size, strings
# spec.tier and spec.note, numbers status.latency and status.load, no status subresource (so
# one PATCH can change any field). Created once per control plane.
WIDGETS=/apis/e2e.watchfilter.io/v1
ensure_widgets_crd() {
  apply_test_crd Widget widgets <<'EOY'
type: object
properties:
  spec:
    type: object
    properties:
      size: {type: integer}
      tier: {type: string}
      note: {type: string}
  status:
    type: object
    properties:
      latency: {type: number}
      load: {type: number}
EOY
}

# etcd, through its HTTP gateway: the current revision, and a physical compaction.
etcd_revision() {
  cp_exec curl -sS -m 5 -X POST -d '{"key":"AA=="}' "$CP_ETCD_URL/v3/kv/range" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["header"]["revision"])'
}
etcd_compact() { # revision
  cp_exec curl -sS -m 30 -X POST -d "{\"revision\":\"$1\",\"physical\":true}" "$CP_ETCD_URL/v3/kv/compaction" >/dev/null
}

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

# proxy_kubeconfig PORT FILE: a kubeconfig whose server is the proxy.
proxy_kubeconfig() {
  cat >"$2" <<EOK
apiVersion: v1
kind: Config
clusters: [{name: proxy, cluster: {server: "https://127.0.0.1:$1", insecure-skip-tls-verify: true}}]
# Until the APIService work adds authentication the proxy ignores credentials; a token keeps
# kubectl from prompting for a username.
users: [{name: anonymous, user: {token: no-authentication-yet}}]
contexts: [{name: proxy, context: {cluster: proxy, user: anonymous, namespace: default}}]
current-context: proxy
EOK
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

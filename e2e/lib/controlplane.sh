# A real, local control plane for the e2e tests: etcd and kube-apiserver (built from
# their Go modules by build-controlplane.sh) inside a network namespace of their own.
# Source this file, then call cp_up; teardown runs on EXIT/INT/TERM, even on failure.
#
# After cp_up:
#   CP_NS          the network namespace (loopback + CP_NODE_IP on lo)
#   CP_DIR         work dir: certs, etcd data, logs/, kubeconfig
#   CP_KUBECONFIG  admin kubeconfig (https://127.0.0.1:6443), usable inside CP_NS
#   $CP_DIR/watchfilter.kubeconfig  the identity watchfilter-proxy uses upstream
#   CP_BIN         directory of kube-apiserver, kubectl, etcd
# Helpers: cp_exec CMD (run inside the namespace), cp_kubectl ARGS, cp_curl ARGS
# (admin client cert), cp_start_bg NAME CMD (background process inside the namespace,
# log in $CP_DIR/logs/NAME.log, pid in $CP_DIR/NAME.pid).

CP_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$CP_LIB_DIR/versions.sh"
source "$CP_LIB_DIR/certs.sh"

# Documentation ranges (RFC 5737): Endpoints reject 127.0.0.0/8, so the node needs an
# address that is not loopback; these never leave the namespace, which has only lo.
CP_NODE_IP=192.0.2.10
CP_SERVICE_RANGE=198.51.100.0/24
CP_SERVICE_IP=198.51.100.1
CP_APISERVER_PORT=6443
CP_ETCD_URL=http://127.0.0.1:2379

cp_log() { echo "[e2e $(date +%H:%M:%S)] $*" >&2; }

cp_exec() { ip netns exec "$CP_NS" "$@"; }

cp_kubectl() { cp_exec "$CP_BIN/kubectl" --kubeconfig "$CP_KUBECONFIG" "$@"; }

cp_curl() {
  # A curl User-Agent makes kube-apiserver pretty-print; the tests want the bytes clients get.
  cp_exec curl -sS -A watchfilter-e2e --cacert "$CP_DIR/ca.crt" --cert "$CP_DIR/admin.crt" --key "$CP_DIR/admin.key" "$@"
}

cp_start_bg() { # name cmd...
  local name=$1; shift
  # Not through cp_exec: $! must be the process itself (ip netns exec execs it),
  # not a subshell around it, so that cp_stop_bg signals the right process.
  ip netns exec "$CP_NS" "$@" >>"$CP_DIR/logs/$name.log" 2>&1 &
  echo $! >"$CP_DIR/$name.pid"
}

cp_stop_bg() { # name: TERM, then KILL after 10 s
  local pidfile="$CP_DIR/$1.pid" pid
  [[ -f $pidfile ]] || return 0
  pid=$(<"$pidfile")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}

cp_start_etcd() {
  cp_start_bg etcd "$CP_BIN/etcd" --name e2e --data-dir "$CP_DIR/etcd" \
    --listen-client-urls "$CP_ETCD_URL" --advertise-client-urls "$CP_ETCD_URL" \
    --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster e2e=http://127.0.0.1:2380 --unsafe-no-fsync --log-level warn
}

cp_start_apiserver() {
  local d=$CP_DIR
  cp_start_bg kube-apiserver "$CP_BIN/kube-apiserver" \
    --etcd-servers="$CP_ETCD_URL" \
    --bind-address=0.0.0.0 --secure-port="$CP_APISERVER_PORT" --advertise-address="$CP_NODE_IP" \
    --tls-cert-file="$d/apiserver.crt" --tls-private-key-file="$d/apiserver.key" \
    --client-ca-file="$d/ca.crt" --authorization-mode=RBAC \
    --service-cluster-ip-range="$CP_SERVICE_RANGE" \
    --service-account-issuer=https://kubernetes.default.svc \
    --service-account-key-file="$d/sa.pub" --service-account-signing-key-file="$d/sa.key" \
    --allow-privileged=true \
    --requestheader-client-ca-file="$d/front-proxy-ca.crt" \
    --requestheader-allowed-names=front-proxy-client \
    --requestheader-username-headers=X-Remote-User \
    --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --proxy-client-cert-file="$d/front-proxy-client.crt" \
    --proxy-client-key-file="$d/front-proxy-client.key" \
    --enable-aggregator-routing=true \
    --v="${CP_APISERVER_V:-1}"
}

cp_wait_ready() { # seconds
  local deadline=$((SECONDS + ${1:-90}))
  until [[ $(cp_curl -m 2 "https://127.0.0.1:$CP_APISERVER_PORT/readyz" 2>/dev/null) == ok ]]; do
    if ((SECONDS > deadline)); then
      cp_log "kube-apiserver not ready after ${1:-90} s; last log lines:"
      tail -n 30 "$CP_DIR/logs/kube-apiserver.log" >&2
      return 1
    fi
    sleep 0.5
  done
}

cp_write_kubeconfig() { # file server client-name
  local ca_data cert_data key_data
  ca_data=$(base64 -w0 <"$CP_DIR/ca.crt")
  cert_data=$(base64 -w0 <"$CP_DIR/$3.crt")
  key_data=$(base64 -w0 <"$CP_DIR/$3.key")
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster:
    server: $2
    certificate-authority-data: $ca_data
users:
- name: $3
  user:
    client-certificate-data: $cert_data
    client-key-data: $key_data
contexts:
- name: e2e
  context: {cluster: e2e, user: $3, namespace: default}
current-context: e2e
EOF
  chmod 600 "$1"
}

# Everything cp_up made, undone in reverse: processes, namespace, files.
cp_down() {
  [[ -n ${CP_NS:-} ]] || return 0
  local -; set +e   # teardown must run to its end, whatever the caller's errexit says
  local pids
  pids=$(ip netns pids "$CP_NS" 2>/dev/null || true)
  if [[ -n $pids ]]; then
    kill -TERM $pids 2>/dev/null || true
    for _ in $(seq 100); do
      [[ -z $(ip netns pids "$CP_NS" 2>/dev/null) ]] && break
      sleep 0.1
    done
    pids=$(ip netns pids "$CP_NS" 2>/dev/null || true)
    [[ -n $pids ]] && kill -KILL $pids 2>/dev/null
  fi
  local pidfile
  for pidfile in "$CP_DIR"/*.pid; do   # reap our children; a bare wait would also wait
    [[ -f $pidfile ]] && wait "$(<"$pidfile")" 2>/dev/null  # for jobs outside the namespace
  done
  ip netns del "$CP_NS" 2>/dev/null || true
  if [[ -n ${CP_DIR:-} && -d $CP_DIR ]]; then
    if [[ -n ${CP_KEEP_LOGS:-} ]]; then
      mkdir -p "$CP_KEEP_LOGS" && cp -r "$CP_DIR/logs/." "$CP_KEEP_LOGS/" 2>/dev/null || true
    fi
    rm -rf "$CP_DIR"
  fi
  CP_NS=""
}

# For a test script run by run.sh: use the control plane run.sh started (exported CP_*).
cp_attach() {
  [[ -n ${CP_NS:-} && -n ${CP_DIR:-} && -n ${CP_BIN:-} ]] || {
    cp_log "no control plane: run this test through e2e/run.sh"; return 1; }
}

cp_up() {
  [[ $(id -u) == 0 ]] || { cp_log "network namespaces need root"; return 1; }
  CP_BIN=$("$CP_LIB_DIR/../build-controlplane.sh")
  CP_NS="wf-e2e-$$-$RANDOM"
  CP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/$CP_NS.XXXX")
  trap 'cp_down' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  mkdir -p "$CP_DIR/logs"
  CP_KUBECONFIG=$CP_DIR/kubeconfig
  ip netns add "$CP_NS"
  cp_exec ip link set lo up
  cp_exec ip addr add "$CP_NODE_IP/32" dev lo
  certs_generate "$CP_DIR" "$CP_NODE_IP" "$CP_SERVICE_IP"
  cp_write_kubeconfig "$CP_KUBECONFIG" "https://127.0.0.1:$CP_APISERVER_PORT" admin
  cp_write_kubeconfig "$CP_DIR/watchfilter.kubeconfig" "https://127.0.0.1:$CP_APISERVER_PORT" watchfilter
  cp_log "starting etcd $ETCD_VERSION and kube-apiserver $KUBE_VERSION in netns $CP_NS"
  cp_start_etcd
  cp_start_apiserver
  cp_wait_ready 120
  cp_log "control plane ready"
}

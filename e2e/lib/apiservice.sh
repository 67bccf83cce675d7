# The proxy installed as the APIService v1alpha1.stream.watchfilter.io on the e2e control plane
# (sourced by tests after testlib.sh). kubectl apply -k manifests/ gives the ServiceAccount, RBAC,
# Service and APIService; the Deployment is never scheduled (no scheduler or kubelet here), so
# the proxy runs as a process inside the test namespace on $CP_NODE_IP:8443, and the Service's
# Endpoints and EndpointSlice, which no controller writes here, are created by hand. The
# aggregator (--enable-aggregator-routing) dials that endpoint and verifies the serving
# certificate for watchfilter-proxy.watchfilter-system.svc against caBundle (a test CA).
AS_NS=watchfilter-system
AS_SVC=watchfilter-proxy
AS_NAME=v1alpha1.stream.watchfilter.io
AS_PORT=8443
AS_DIR=$CP_DIR/apiservice

# apiservice_install: idempotent; certificates, manifests, endpoints, caBundle, upstream token.
apiservice_install() {
  mkdir -p "$AS_DIR"
  if [[ ! -f $AS_DIR/serving.crt ]]; then
    ( cd "$AS_DIR" && certs_ca serving-ca "/CN=watchfilter-e2e-serving-ca" &&
      certs_leaf serving-ca serving "/CN=$AS_SVC.$AS_NS.svc" serverAuth \
        "DNS:$AS_SVC.$AS_NS.svc,DNS:$AS_SVC.$AS_NS.svc.cluster.local,DNS:$AS_SVC.$AS_NS,IP:$CP_NODE_IP" ) ||
      fail "serving certificate"
  fi
  cp_kubectl apply -k "$REPO_DIR/manifests" >"$AS_DIR/apply.log" || { cat "$AS_DIR/apply.log" >&2; fail "kubectl apply -k manifests"; }
  cp_kubectl apply -f - >/dev/null <<EOY || fail "endpoints for $AS_SVC"
apiVersion: v1
kind: Endpoints
metadata: {name: $AS_SVC, namespace: $AS_NS}
subsets:
- addresses: [{ip: "$CP_NODE_IP"}]
  ports: [{name: https, port: $AS_PORT, protocol: TCP}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: $AS_SVC-e2e
  namespace: $AS_NS
  labels: {kubernetes.io/service-name: $AS_SVC, endpointslice.kubernetes.io/managed-by: e2e.watchfilter.io}
addressType: IPv4
endpoints:
- addresses: ["$CP_NODE_IP"]
  conditions: {ready: true}
ports: [{name: https, port: $AS_PORT, protocol: TCP}]
EOY
  cp_kubectl patch apiservice "$AS_NAME" --type merge \
    -p "{\"spec\":{\"caBundle\":\"$(base64 -w0 <"$AS_DIR/serving-ca.crt")\"}}" >/dev/null ||
    fail "caBundle of $AS_NAME"
  # The proxy's upstream identity: the manifests' ServiceAccount, its RBAC only.
  local token
  token=$(cp_kubectl -n "$AS_NS" create token "$AS_SVC" --duration 2h) || fail "token for $AS_SVC"
  cat >"$AS_DIR/proxy.kubeconfig" <<EOK
apiVersion: v1
kind: Config
clusters: [{name: e2e, cluster: {server: "https://127.0.0.1:$CP_APISERVER_PORT", certificate-authority-data: $(base64 -w0 <"$CP_DIR/ca.crt")}}]
users: [{name: $AS_SVC, user: {token: "$token"}}]
contexts: [{name: e2e, context: {cluster: e2e, user: $AS_SVC}}]
current-context: e2e
EOK
  chmod 600 "$AS_DIR/proxy.kubeconfig"
}

# start_aggregated_proxy NAME [flags...]: the proxy behind the APIService, on $CP_NODE_IP:8443.
# Outside a Pod there is no ServiceAccount namespace file, so the wake-ups ConfigMap's namespace
# (where manifests/wakeups-rbac.yaml grants the rights) is given explicitly.
start_aggregated_proxy() {
  local name=$1; shift
  [[ -x $WF_PROXY ]] || fail "proxy binary $WF_PROXY not built"
  t_bg "$name" "$WF_PROXY" --kubeconfig "$AS_DIR/proxy.kubeconfig" \
    --bind-address "$CP_NODE_IP" --secure-port "$AS_PORT" \
    --tls-cert-file "$AS_DIR/serving.crt" --tls-private-key-file "$AS_DIR/serving.key" --v 2 \
    --wakeups-namespace "$AS_NS" "$@"
  wait_for 20 aggregated_proxy_ready || { tail -n 20 "$CP_DIR/logs/$name.log" >&2; fail "$name did not become ready"; }
}
aggregated_proxy_ready() { [[ $(cp_exec curl -q -sk -m 2 "https://$CP_NODE_IP:$AS_PORT/readyz" 2>/dev/null) == ok ]]; }

apiservice_available() {
  [[ $(cp_kubectl get apiservice "$AS_NAME" -o jsonpath='{.status.conditions[?(@.type=="Available")].status}' 2>/dev/null) == True ]]
}
# wait_apiservice_available SECONDS
wait_apiservice_available() {
  wait_for "${1:-60}" apiservice_available || {
    cp_kubectl get apiservice "$AS_NAME" -o yaml >&2 || true
    fail "APIService $AS_NAME not Available"
  }
}

# kubeconfig_for_token TOKEN FILE: a kubeconfig for kube-apiserver (not the proxy) with a token.
kubeconfig_for_token() {
  cat >"$2" <<EOK
apiVersion: v1
kind: Config
clusters: [{name: e2e, cluster: {server: "https://127.0.0.1:$CP_APISERVER_PORT", certificate-authority-data: $(base64 -w0 <"$CP_DIR/ca.crt")}}]
users: [{name: u, user: {token: "$1"}}]
contexts: [{name: e2e, context: {cluster: e2e, user: u, namespace: default}}]
current-context: e2e
EOK
}

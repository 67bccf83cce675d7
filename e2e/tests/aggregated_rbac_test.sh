#!/usr/bin/env bash
# Nobody reads through the proxy what they could not read directly. A ServiceAccount with RBAC
# to get/list/watch configmaps in namespace a only:
#   through kube-apiserver's aggregator: a's configmaps stream (filtered); namespace b, secrets
#   in a and a cluster-wide watch are 403 Status, reason Forbidden, in kube-apiserver's wording;
#   straight to the proxy (standalone, bearer token checked by TokenReview): the same answers
#   (an unfiltered list is kube-apiserver's own 403 with the caller's token; through the
#   aggregator it is refused: only filtered reads are served there);
#   forged X-Remote-User/X-Remote-Group headers without the front-proxy certificate are 401, and
#   so are they with a front-proxy-CA certificate whose CN is not an allowed name;
#   a token of a deleted ServiceAccount is 401.
source "$(dirname "$0")/../lib/testlib.sh"
source "$TL_DIR/apiservice.sh"

apiservice_install
start_aggregated_proxy proxy-rbac
wait_apiservice_available 60

ns_a=rbac-a-$RANDOM ns_b=rbac-b-$RANDOM
cp_kubectl create namespace "$ns_a" >/dev/null
cp_kubectl create namespace "$ns_b" >/dev/null
cp_kubectl -n "$ns_a" create serviceaccount reader >/dev/null
cp_kubectl -n "$ns_a" create role cm-reader --verb=get,list,watch --resource=configmaps >/dev/null
cp_kubectl -n "$ns_a" create rolebinding cm-reader --role=cm-reader --serviceaccount="$ns_a:reader" >/dev/null
cp_kubectl -n "$ns_a" create configmap visible --from-literal=k=v >/dev/null
cp_kubectl -n "$ns_b" create configmap hidden --from-literal=k=v >/dev/null
token=$(cp_kubectl -n "$ns_a" create token reader)
user="system:serviceaccount:$ns_a:reader"
filter=$(urlencode 'true')
prefix=/apis/stream.watchfilter.io/v1alpha1/proxy

# req BASE PATH OUT [curl args]: no curlrc (-q: no admin certificate), code on stdout.
req() {
  local base=$1 path=$2 out=$3; shift 3
  cp_exec curl -q -sk -m 10 -A watchfilter-e2e -o "$out" -w '%{http_code}' "$@" "$base$path"
}
# expect_forbidden CODE FILE MESSAGE KIND
expect_forbidden() {
  [[ $1 == 403 ]] || fail "want 403, got $1: $(head -c 400 "$2")"
  python3 - "$2" "$3" "$4" <<'EOP' || fail "403 Status: $(cat "$2")"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["kind"] == "Status" and s["reason"] == "Forbidden" and s["code"] == 403, s
assert s["message"] == sys.argv[2], (s["message"], sys.argv[2])
assert s["details"]["kind"] == sys.argv[3], s
EOP
}

for via in aggregator direct; do
  if [[ $via == aggregator ]]; then base=https://127.0.0.1:$CP_APISERVER_PORT; else base=https://$CP_NODE_IP:$AS_PORT; fi
  auth=(-H "Authorization: Bearer $token")

  code=$(req "$base" "$prefix/api/v1/namespaces/$ns_a/configmaps?watch=true&timeoutSeconds=2&filter=$filter" "$T_DIR/$via-a" "${auth[@]}")
  [[ $code == 200 ]] || fail "$via: watch of $ns_a configmaps: $code $(head -c 300 "$T_DIR/$via-a")"
  has_event "$T_DIR/$via-a" ADDED visible || fail "$via: no ADDED visible in $(cat "$T_DIR/$via-a")"

  code=$(req "$base" "$prefix/api/v1/namespaces/$ns_b/configmaps?watch=true&filter=$filter" "$T_DIR/$via-b" "${auth[@]}")
  expect_forbidden "$code" "$T_DIR/$via-b" \
    "configmaps is forbidden: User \"$user\" cannot watch resource \"configmaps\" in API group \"\" in the namespace \"$ns_b\"" configmaps

  code=$(req "$base" "$prefix/api/v1/namespaces/$ns_a/secrets?watch=true&filter=$filter" "$T_DIR/$via-s" "${auth[@]}")
  expect_forbidden "$code" "$T_DIR/$via-s" \
    "secrets is forbidden: User \"$user\" cannot watch resource \"secrets\" in API group \"\" in the namespace \"$ns_a\"" secrets

  code=$(req "$base" "$prefix/api/v1/configmaps?watch=true&filter=$filter" "$T_DIR/$via-all" "${auth[@]}")
  expect_forbidden "$code" "$T_DIR/$via-all" \
    "configmaps is forbidden: User \"$user\" cannot watch resource \"configmaps\" in API group \"\" at the cluster scope" configmaps

  # Unfiltered: straight to the proxy it goes upstream with the caller's own token (kube-apiserver
  # says no); through the aggregator, which hands over no credential, it is refused.
  code=$(req "$base" "$prefix/api/v1/namespaces/$ns_b/configmaps" "$T_DIR/$via-plain" "${auth[@]}")
  if [[ $via == direct ]]; then
    expect_forbidden "$code" "$T_DIR/$via-plain" \
      "configmaps is forbidden: User \"$user\" cannot list resource \"configmaps\" in API group \"\" in the namespace \"$ns_b\"" configmaps
  else
    expect_status "$via: unfiltered list of $ns_b" "$code" "$T_DIR/$via-plain" 403 Forbidden \
      "watchfilter-proxy serves only filtered reads (filter, filterRef or watcher) through the aggregated API; request /api/v1/namespaces/$ns_b/configmaps from kube-apiserver directly"
  fi
  t_log "$via: $ns_a allowed; $ns_b, secrets, cluster-wide and unfiltered $ns_b are 403"
done

# expect_unauthorized CODE FILE WHAT
expect_unauthorized() {
  [[ $1 == 401 ]] || fail "$3: want 401, got $1: $(head -c 300 "$2")"
  grep -q '"reason":"Unauthorized"' "$2" || fail "$3: not an Unauthorized Status: $(cat "$2")"
}
direct=https://$CP_NODE_IP:$AS_PORT
forge=(-H "X-Remote-User: system:admin" -H "X-Remote-Group: system:masters")
code=$(req "$direct" "/api/v1/namespaces/$ns_b/configmaps?watch=true&filter=$filter" "$T_DIR/forged" "${forge[@]}")
expect_unauthorized "$code" "$T_DIR/forged" "forged X-Remote-* headers without a certificate"
( cd "$T_DIR" && certs_leaf "$CP_DIR/front-proxy-ca" intruder "/CN=intruder" clientAuth )
code=$(req "$direct" "/api/v1/namespaces/$ns_b/configmaps" "$T_DIR/intruder" "${forge[@]}" --cert "$T_DIR/intruder.crt" --key "$T_DIR/intruder.key")
expect_unauthorized "$code" "$T_DIR/intruder" "front-proxy CA certificate with CN=intruder (not an allowed name)"
code=$(req "$direct" "/api/v1/namespaces/$ns_a/configmaps" "$T_DIR/anonymous")
expect_unauthorized "$code" "$T_DIR/anonymous" "no credentials"
code=$(req "$direct" "/metrics" "$T_DIR/metrics-anon")
expect_unauthorized "$code" "$T_DIR/metrics-anon" "/metrics without credentials"
code=$(req "$direct" "/metrics" "$T_DIR/metrics-reader" "${auth[@]}")
[[ $code == 403 ]] || fail "/metrics for $user: want 403, got $code"
code=$(req "$direct" "/readyz" "$T_DIR/readyz")
[[ $code == 200 ]] || fail "/readyz must answer without credentials, got $code"

# A deleted ServiceAccount's token (never seen before, so not in the 10 s TokenReview cache).
cp_kubectl -n "$ns_a" create serviceaccount gone >/dev/null
cp_kubectl -n "$ns_a" create rolebinding gone --role=cm-reader --serviceaccount="$ns_a:gone" >/dev/null
gone=$(cp_kubectl -n "$ns_a" create token gone)
cp_kubectl -n "$ns_a" delete serviceaccount gone >/dev/null
code=$(req "$direct" "/api/v1/namespaces/$ns_a/configmaps?watch=true&filter=$filter" "$T_DIR/gone" -H "Authorization: Bearer $gone")
expect_unauthorized "$code" "$T_DIR/gone" "token of a deleted ServiceAccount"
t_log "PASS: RBAC through the aggregator and direct; forged headers, wrong front-proxy CN, no credentials and a deleted ServiceAccount's token are 401"

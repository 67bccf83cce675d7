#!/usr/bin/env bash
# Nobody becomes someone else through the proxy (docs/proxy.md, "Security model"):
#   - Impersonate-* headers are refused (kube-apiserver applies them, the proxy cannot);
#   - forged X-Remote-User/-Group/-Extra headers from a caller with a bearer token or a client
#     certificate of the cluster's client CA are ignored: a filtered read of kube-system secrets is
#     the 403 naming the real caller, a pass-through is kube-apiserver's own 403 naming the
#     caller (the headers are not forwarded), a wake-up creation the 403 naming the caller;
#     without credentials the same request is 401;
#   - the user of a client certificate is its subject's last CN, as kube-apiserver reads it
#     (/CN=system:admin/CN=eve is eve for both), and a front-proxy-CA certificate whose last CN is
#     not an allowed name (/CN=front-proxy-client/CN=intruder) cannot assert X-Remote-User;
#   - system:anonymous forwarded by the front proxy is not made system:authenticated: a Role
#     bound to system:authenticated does not let it read.
source "$(dirname "$0")/../lib/testlib.sh"

WF_PORT=8483
start_proxy proxy-forged $WF_PORT
proxy=https://127.0.0.1:$WF_PORT
ns=forged-$RANDOM
cp_kubectl create namespace "$ns" >/dev/null
cp_kubectl -n "$ns" create serviceaccount nobody >/dev/null
cp_kubectl -n "$ns" create configmap cm --from-literal=k=v >/dev/null
token=$(cp_kubectl -n "$ns" create token nobody)
sa=system:serviceaccount:$ns:nobody
forge=(-H "X-Remote-User: system:admin" -H "X-Remote-Group: system:masters"
       -H "X-Remote-Extra-Scopes: all")
secrets=/api/v1/namespaces/kube-system/secrets

# A bearer token with forged headers.
code=$(http_req "$proxy$secrets?filter=true" "$T_DIR/token-filtered" -H "Authorization: Bearer $token" "${forge[@]}")
expect_status "token + forged headers, filtered read" "$code" "$T_DIR/token-filtered" 403 Forbidden \
  "$(forbidden_message list secrets kube-system "$sa")"
code=$(http_req "$proxy$secrets" "$T_DIR/token-plain" -H "Authorization: Bearer $token" "${forge[@]}")
expect_status "token + forged headers, pass-through" "$code" "$T_DIR/token-plain" 403 Forbidden \
  "$(forbidden_message list secrets kube-system "$sa")"
from_apiserver "$T_DIR/token-plain" || fail "token + forged headers, pass-through: the 403 is not kube-apiserver's own"
code=$(http_req "$proxy/apis/stream.watchfilter.io/v1alpha1/namespaces/kube-system/wakeups" "$T_DIR/token-wakeup" \
  -X POST -H 'Content-Type: application/json' -H "Authorization: Bearer $token" "${forge[@]}" \
  --data-binary '{"apiVersion":"stream.watchfilter.io/v1alpha1","kind":"Wakeup","metadata":{"name":"w"},"spec":{"watcher":"w","object":"o","after":"1m"}}')
expect_status "token + forged headers, wake-up" "$code" "$T_DIR/token-wakeup" 403 Forbidden \
  "wakeups.stream.watchfilter.io is forbidden: User \"$sa\" cannot create resource \"wakeups\" in API group \"stream.watchfilter.io\" in the namespace \"kube-system\""
code=$(http_req "$proxy$secrets?filter=true" "$T_DIR/none" "${forge[@]}")
expect_status "forged headers without credentials" "$code" "$T_DIR/none" 401 Unauthorized Unauthorized
# Impersonation is kube-apiserver's to apply: refused, never silently answered as the caller.
code=$(http_req "$proxy$secrets" "$T_DIR/impersonate" -H "Authorization: Bearer $token" -H "Impersonate-User: system:admin")
expect_status "token + Impersonate-User" "$code" "$T_DIR/impersonate" 403 Forbidden \
  "watchfilter-proxy does not impersonate: send requests with Impersonate-* headers to kube-apiserver (or through its aggregator, which applies them)"
t_log "bearer token: forged X-Remote-* ignored, Impersonate-* refused"

# Client certificates of the cluster's client CA: eve, and eve behind a first CN system:admin.
( cd "$T_DIR" && certs_leaf "$CP_DIR/ca" eve "/O=e2e/CN=eve" clientAuth &&
  certs_leaf "$CP_DIR/ca" two-cns "/O=e2e/CN=system:admin/CN=eve" clientAuth ) || fail "client certificates"
for c in eve two-cns; do
  cert=(--cert "$T_DIR/$c.crt" --key "$T_DIR/$c.key")
  code=$(http_req "$proxy$secrets?filter=true" "$T_DIR/$c-filtered" "${cert[@]}" "${forge[@]}")
  expect_status "$c + forged headers, filtered read" "$code" "$T_DIR/$c-filtered" 403 Forbidden \
    "$(forbidden_message list secrets kube-system eve)"
  code=$(http_req "$proxy$secrets" "$T_DIR/$c-plain" "${cert[@]}" "${forge[@]}")
  expect_status "$c + forged headers, pass-through" "$code" "$T_DIR/$c-plain" 403 Forbidden \
    "watchfilter-proxy forwards requests that are not filtered reads with the caller's own bearer token, and a client certificate cannot be forwarded: request $secrets from kube-apiserver directly, or authenticate with a bearer token"
done
# kube-apiserver reads the two-CN certificate as eve too.
code=$(http_req "https://127.0.0.1:$CP_APISERVER_PORT$secrets" "$T_DIR/two-cns-apiserver" --cert "$T_DIR/two-cns.crt" --key "$T_DIR/two-cns.key")
expect_status "two-CN certificate at kube-apiserver" "$code" "$T_DIR/two-cns-apiserver" 403 Forbidden \
  "$(forbidden_message list secrets kube-system eve)"
t_log "client certificates: the last CN is the user, forged headers ignored"

# Front-proxy CA certificates: an allowed first CN does not make an allowed name.
( cd "$T_DIR" && certs_leaf "$CP_DIR/front-proxy-ca" intruder "/CN=front-proxy-client/CN=intruder" clientAuth ) ||
  fail "front-proxy certificate"
code=$(http_req "$proxy$secrets?filter=true" "$T_DIR/intruder" --cert "$T_DIR/intruder.crt" --key "$T_DIR/intruder.key" "${forge[@]}")
expect_status "front-proxy CA, CN=front-proxy-client/CN=intruder" "$code" "$T_DIR/intruder" 401 Unauthorized Unauthorized

# The aggregator's own certificate forwarding an anonymous user: never system:authenticated.
cp_kubectl -n "$ns" create role cm-list --verb=list --resource=configmaps >/dev/null
cp_kubectl -n "$ns" create rolebinding authenticated-list --role=cm-list --group=system:authenticated >/dev/null
front=(--cert "$CP_DIR/front-proxy-client.crt" --key "$CP_DIR/front-proxy-client.key")
code=$(http_req "$proxy/api/v1/namespaces/$ns/configmaps?filter=true" "$T_DIR/anonymous" "${front[@]}" \
  -H "X-Remote-User: system:anonymous" -H "X-Remote-Group: system:unauthenticated")
expect_status "system:anonymous from the front proxy" "$code" "$T_DIR/anonymous" 403 Forbidden \
  "$(forbidden_message list configmaps "$ns" system:anonymous)"
code=$(http_req "$proxy/api/v1/namespaces/$ns/configmaps?filter=true" "$T_DIR/front-user" "${front[@]}" \
  -H "X-Remote-User: somebody")
[[ $code == 200 ]] || fail "an authenticated user from the front proxy: want 200 (the Role of system:authenticated), got $code $(head -c 300 "$T_DIR/front-user")"
t_log "PASS: forged headers ignored (token, certificate), last CN is the user, a wrong front-proxy CN is 401, anonymous stays unauthenticated"

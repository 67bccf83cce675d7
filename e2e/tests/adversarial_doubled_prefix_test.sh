#!/usr/bin/env bash
# The proxy's own API group is never sent upstream (docs/proxy.md, "Security model"). Found:
#   GET /apis/stream.watchfilter.io/v1alpha1/proxy/apis/stream.watchfilter.io/v1alpha1/proxy/
#       api/v1/namespaces/kube-system/secrets
# was authorized as verb `proxy` on `api`, forwarded with the proxy's token, routed back into the
# proxy by the aggregator as the proxy's own ServiceAccount and served: any authenticated user
# read every Secret. Here a ServiceAccount that may read nothing sends every spelling of that path
# (doubled, `%61pis`, `%2F`-escaped, upper-case group, with a filter, `..`, `//`), through
# kube-apiserver's aggregator and straight to the proxy: each answer is the exact Status, none
# carries a Secret, and the proxy's /metrics counts the refusals.
source "$(dirname "$0")/../lib/testlib.sh"
source "$TL_DIR/apiservice.sh"

apiservice_install
start_aggregated_proxy proxy-doubled
wait_apiservice_available 60

ns=doubled-$RANDOM
cp_kubectl create namespace "$ns" >/dev/null
cp_kubectl -n "$ns" create serviceaccount nobody >/dev/null
secret=wf-e2e-doubled-$RANDOM
cp_kubectl -n kube-system create secret generic "$secret" --from-literal=k=topsecret >/dev/null
token=$(cp_kubectl -n "$ns" create token nobody)
auth=(-H "Authorization: Bearer $token")
P=/apis/stream.watchfilter.io/v1alpha1/proxy
secrets=/api/v1/namespaces/kube-system/secrets
aggregator=https://127.0.0.1:$CP_APISERVER_PORT
direct=https://$CP_NODE_IP:$AS_PORT
own_group() {
  echo "the server could not find the requested resource: $1 is a path of watchfilter-proxy's own API group, which it never sends to kube-apiserver"
}
no_secret() { ! grep -q "$secret\|dG9wc2VjcmV0" "$1" || fail "$2: the answer holds the Secret: $(head -c 300 "$1")"; }

# Path as sent -> the upstream path the proxy decodes (named in the 404). The aggregator hands the
# proxy the decoded path, so both routes must see the same refusal.
declare -A spelled=(
  [doubled]="$P$P$secrets"
  [doubled-filter]="$P$P$secrets?watch=true&filter=true"
  [escaped-a]="$P/%61pis/stream.watchfilter.io/v1alpha1/proxy$secrets"
  [escaped-slash]="$P%2Fapis%2Fstream.watchfilter.io%2Fv1alpha1%2Fproxy$secrets"
  [upper-case]="$P/apis/STREAM.watchfilter.io/v1alpha1/proxy$secrets"
)
declare -A decoded=(
  [doubled]="$P$secrets" [doubled-filter]="$P$secrets" [escaped-a]="$P$secrets"
  [escaped-slash]="$P$secrets" [upper-case]="/apis/STREAM.watchfilter.io/v1alpha1/proxy$secrets"
)
refused=0
for via in aggregator direct; do
  base=${!via}
  for k in "${!spelled[@]}"; do
    out=$T_DIR/$via-$k
    code=$(http_req "$base${spelled[$k]}" "$out" "${auth[@]}")
    no_secret "$out" "$via $k"
    expect_status "$via $k" "$code" "$out" 404 NotFound "$(own_group "${decoded[$k]}")"
    refused=$((refused + 1))
  done
  # Dot and empty segments are refused as they are, never normalized into another path.
  out=$T_DIR/$via-dots
  code=$(http_req "$base$P/api/v1/../../apis/stream.watchfilter.io/v1alpha1/proxy$secrets" "$out" "${auth[@]}")
  no_secret "$out" "$via dots"
  expect_status "$via: .. segments" "$code" "$out" 400 BadRequest \
    "malformed request path \"$P/api/v1/../../apis/stream.watchfilter.io/v1alpha1/proxy$secrets\": \`.\`, \`..\` and empty path segments are not accepted"
  out=$T_DIR/$via-empty
  code=$(http_req "$base$P//apis/stream.watchfilter.io/v1alpha1/proxy$secrets" "$out" "${auth[@]}")
  no_secret "$out" "$via empty segment"
  if [[ $via == aggregator ]]; then
    # kube-apiserver reads the empty segment as resource "" and refuses it itself.
    expect_status "$via: empty segment" "$code" "$out" 403 Forbidden \
      ".stream.watchfilter.io \"apis\" is forbidden: User \"system:serviceaccount:$ns:nobody\" cannot proxy resource \"\" in API group \"stream.watchfilter.io\" at the cluster scope"
  else
    expect_status "$via: empty segment" "$code" "$out" 400 BadRequest \
      "malformed request path \"$P//apis/stream.watchfilter.io/v1alpha1/proxy$secrets\": \`.\`, \`..\` and empty path segments are not accepted"
  fi
  t_log "$via: every spelling of the doubled prefix refused"
done

metric() { cp_exec curl -sk -m 5 "$direct/metrics" | wfcheck metric "$@"; }
[[ $(metric watchfilter_passthrough_refusals_total reason=own_group) == "$refused" ]] ||
  fail "watchfilter_passthrough_refusals_total{reason=\"own_group\"} is $(metric watchfilter_passthrough_refusals_total reason=own_group), want $refused"
cp_kubectl -n kube-system delete secret "$secret" >/dev/null
t_log "PASS: doubled, %61pis, %2F, upper-case and filtered spellings are 404 NotFound, .. and // are 400 (// through the aggregator: kube-apiserver's 403), through the aggregator and direct; $refused counted"

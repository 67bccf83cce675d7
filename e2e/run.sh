#!/usr/bin/env bash
# Runs the e2e tests against a real etcd + kube-apiserver in a network namespace:
#   e2e/run.sh [TEST_NAME...]     (default: every e2e/tests/*_test.sh)
# One control plane is shared by the tests; the teardown test brings up its own.
# WF_PROXY selects the proxy binary (default build/proxy/watchfilter-proxy).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/controlplane.sh"

tests=("$@")
if ((${#tests[@]} == 0)); then
  for f in "$here"/tests/*_test.sh; do tests+=("$(basename "$f" .sh)"); done
fi

shared=() standalone=()
for t in "${tests[@]}"; do
  [[ -f $here/tests/$t.sh ]] || { echo "e2e: no test $t" >&2; exit 2; }
  if [[ $t == teardown_leaves_nothing_test ]]; then standalone+=("$t"); else shared+=("$t"); fi
done

passed=() failed=()
run_one() {
  local t=$1 start=$SECONDS
  echo "=== e2e: $t" >&2
  if "$here/tests/$t.sh"; then passed+=("$t ($((SECONDS - start)) s)"); else failed+=("$t"); fi
}

if ((${#shared[@]})); then
  CP_KEEP_LOGS=${CP_KEEP_LOGS:-}
  cp_up
  export CP_NS CP_DIR CP_KUBECONFIG CP_BIN
  for t in "${shared[@]}"; do run_one "$t"; done
  if ((${#failed[@]})); then
    echo "--- kube-apiserver log (last 20 lines)" >&2
    tail -n 20 "$CP_DIR/logs/kube-apiserver.log" >&2 || true
  fi
  cp_down
fi
for t in "${standalone[@]}"; do run_one "$t"; done

echo "=== e2e: ${#passed[@]} passed, ${#failed[@]} failed" >&2
for t in "${passed[@]}"; do echo "  ok   $t" >&2; done
for t in "${failed[@]}"; do echo "  FAIL $t" >&2; done
((${#failed[@]} == 0))

#!/usr/bin/env bash
# The control-plane scripts leave no process, network namespace, mount or file behind:
# neither when a script ends with an error nor when it is killed with SIGTERM.
# Runs on its own (not through the shared control plane): run.sh calls it last.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state=$(mktemp -d)
trap 'rm -rf "$state"' EXIT
fail() { echo "[teardown] FAIL: $*" >&2; exit 1; }

# A script that brings the control plane up, records what it made, starts one more
# process in the namespace, then either fails or waits to be killed.
run_plane() { # mode
  exec bash -c '
    set -euo pipefail   # as every script of ours runs
    source "$1/../lib/controlplane.sh"
    cp_up
    echo "$CP_NS $CP_DIR" >"$2/made"
    cp_start_bg sleeper sleep 600
    [[ $3 == fail ]] && { echo "failing on purpose" >&2; exit 3; }
    sleep 600 &   # in the background, so that bash runs the TERM trap at once
    trap "kill $! 2>/dev/null; cp_down" EXIT
    wait
  ' _ "$here" "$state" "$1"
}

check_gone() { # mode
  local ns dir
  read -r ns dir <"$state/made"
  ip netns list | grep -qw "$ns" && fail "$1: namespace $ns still exists"
  grep -q "/run/netns/$ns" /proc/mounts && fail "$1: mount /run/netns/$ns still exists"
  [[ -e $dir ]] && fail "$1: work dir $dir still exists"
  pgrep -f "$dir" >/dev/null && fail "$1: processes still running: $(pgrep -af "$dir")"
  echo "[teardown] $1: $ns, its processes, mount and $dir are gone" >&2
}

set +e
(run_plane fail) 2>"$state/fail.log"; rc=$?
set -e
[[ $rc == 3 ]] || { cat "$state/fail.log" >&2; fail "expected exit 3 from the failing script, got $rc"; }
check_gone "error exit"

rm -f "$state/made"
run_plane wait 2>"$state/wait.log" &
pid=$!
for _ in $(seq 600); do [[ -s $state/made ]] && break; sleep 0.2; done
[[ -s $state/made ]] || { cat "$state/wait.log" >&2; fail "control plane did not come up"; }
kill -TERM "$pid"
wait "$pid" || true
check_gone "SIGTERM"
echo "[teardown] PASS" >&2

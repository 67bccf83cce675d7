#!/usr/bin/env bash
# Runs every fuzz target, seeded from fuzz/corpus/<target> (read-only: new inputs go to a
# temporary directory, never into the repository). The expression targets share the budget
# (half each); the request-path target (the proxy's security checks) gets all of it.
# usage: fuzz/run.sh <build-dir> [seconds, default 60, at most 120]
set -euo pipefail
build_dir=${1:?usage: fuzz/run.sh <build-dir> [total-seconds]}
total=${2:-60}
if (( total > 120 )); then total=120; fi
targets=(fuzz_parser fuzz_eval fuzz_request)
declare -A share=([fuzz_parser]=2 [fuzz_eval]=2 [fuzz_request]=1)
repo_corpus=$(cd "$(dirname "$0")" && pwd)/corpus
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for t in "${targets[@]}"; do
  bin=$(find "$build_dir" -type f -name "$t" -perm -u+x | head -n1)
  if [[ -z "$bin" ]]; then echo "run.sh: $t not found under $build_dir" >&2; exit 2; fi
  per_target=$(( total / ${share[$t]} ))
  mkdir -p "$work/$t" "$work/$t-artifacts"
  echo "== $t for ${per_target}s"
  if ! "$bin" -max_total_time="$per_target" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
      -artifact_prefix="$work/$t-artifacts/" -print_final_stats=1 \
      "$work/$t" "$repo_corpus/$t" 2>"$work/$t.log"; then
    echo "run.sh: $t FAILED; log tail and artifacts:" >&2
    tail -n 40 "$work/$t.log" >&2
    ls -l "$work/$t-artifacts" >&2
    status=1
  else
    grep -E "stat::number_of_executed_units|Done [0-9]+ runs" "$work/$t.log" || true
  fi
done
exit $status

#!/usr/bin/env bash
# Fails when a tracked C++ file is not formatted as .clang-format says:
#   scripts/check-format.sh [ROOT]     (default: the repository this script is in)
# Checks every tracked .h and .cc, not only the changed ones: CI builds a fresh clone, which has
# no base to diff against. Names each file and its first line that differs, and fails; fix with
# `clang-format-19 -i FILE` (or `git clang-format-19` on what you changed).
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
formatter=${CLANG_FORMAT:-clang-format-19}
cd "$root"
command -v "$formatter" >/dev/null || {
  echo "check-format: $formatter not found (scripts/install-deps.sh installs it)" >&2
  exit 2
}
[[ -f .clang-format ]] || { echo "check-format: $root/.clang-format not found" >&2; exit 2; }

mapfile -t files < <(git ls-files -- '*.h' '*.cc')
((${#files[@]})) || { echo "check-format: no tracked .h or .cc file in $root" >&2; exit 2; }

# --dry-run --Werror prints "FILE:LINE:COL: error: code should be clang-formatted" for each
# difference; one line per file is enough to find it.
rc=0
out=$("$formatter" --style=file --dry-run --Werror "${files[@]}" 2>&1) || rc=$?
bad=$(grep -E '^[^ ].*:[0-9]+:[0-9]+: error: code should be clang-formatted' <<<"$out" |
  sed -E 's/^(.*):([0-9]+):[0-9]+: error.*/\1:\2/' | sort -t: -k1,1 -u || true)
if [[ -n $bad ]]; then
  while IFS= read -r line; do
    echo "$line: not formatted as .clang-format says (clang-format-19 -i ${line%%:*})" >&2
  done <<<"$bad"
  echo "check-format: $(wc -l <<<"$bad") of ${#files[@]} files need clang-format-19" >&2
  exit 1
fi
if ((rc)); then
  echo "$out" >&2
  echo "check-format: $formatter failed ($rc)" >&2
  exit 2
fi
echo "check-format: ok (${#files[@]} files)"

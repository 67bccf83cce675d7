#!/usr/bin/env bash
# scripts/check-format.sh on small repositories built here with the project's .clang-format: it
# passes formatted files and fails, naming the file and line, on one that is not; an untracked
# file is not its business.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
check=$repo/scripts/check-format.sh
source "$repo/test/scripts/check_test_lib.sh"

# tree NAME: a fresh git repository with the real .clang-format.
tree() {
  root=$tmp/$1
  mkdir -p "$root"
  git -C "$root" init -q
  cp "$repo/.clang-format" "$root/.clang-format"
}
# put PATH LINE...: a tracked file with these lines.
put() {
  local rel=$1
  shift
  mkdir -p "$(dirname "$root/$rel")"
  printf '%s\n' "$@" >"$root/$rel"
  git -C "$root" add "$rel"
}

tree formatted
put proxy/base/log.h '#pragma once' '' 'namespace watchfilter {' '' 'int level();' '' '}  // namespace watchfilter'
put proxy/base/log.cc '#include "proxy/base/log.h"' '' 'namespace watchfilter {' '' 'int level() { return 0; }' '' '}  // namespace watchfilter'
expect_ok formatted
printf 'int  untracked( ) ;\n' >"$root/scratch.cc"
expect_ok untracked_ignored

tree unformatted
put proxy/base/log.h '#pragma once' '' 'namespace watchfilter {' '' 'int level();' '' '}  // namespace watchfilter'
put proxy/base/log.cc '#include "proxy/base/log.h"' '' 'namespace watchfilter {' '' 'int level( ) {return 0;}' '' '}  // namespace watchfilter'
expect_fail unformatted 'proxy/base/log.cc:5: not formatted as .clang-format says'

tree long_line
put a.h '#pragma once' "int f(int aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, int bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb, int cccccccccccccccccc);"
expect_fail long_line 'a.h:2: not formatted'

finish check_format_test

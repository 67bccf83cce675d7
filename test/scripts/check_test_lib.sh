# Sourced by test/scripts/check_*_test.sh once they have set `check` (the script under test): a
# scratch folder removed on exit, and the expectations on `$check $root` (each test's tree()
# sets root). finish NAME ends the test with its verdict.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

# expect_ok NAME: the check passes on $root.
expect_ok() {
  local out
  if ! out=$("$check" "$root" 2>&1); then
    echo "FAIL $1: expected a pass, got:"$'\n'"$out" >&2
    failed=1
  fi
}
# expect_fail NAME MESSAGE: the check exits 1 on $root, saying MESSAGE.
expect_fail() {
  local name=$1 message=$2 out rc=0
  out=$("$check" "$root" 2>&1) || rc=$?
  if ((rc != 1)); then
    echo "FAIL $name: expected exit 1, got $rc:"$'\n'"$out" >&2
    failed=1
  elif [[ $out != *"$message"* ]]; then
    echo "FAIL $name: expected \"$message\" in:"$'\n'"$out" >&2
    failed=1
  fi
}

finish() {
  if ((failed)); then
    echo "$1: FAILED" >&2
    exit 1
  fi
  echo "$1: ok"
}

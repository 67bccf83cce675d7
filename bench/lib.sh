# Sourced by bench/*/run.sh once they have set `repo`: the command line and the checks every
# benchmark script shares.
PY=/usr/bin/python3 # Debian's, which has python3-matplotlib (scripts/install-deps.sh)
BUILD=${BUILD:-$repo/build}

# bench_args ARGS...: [--quick | --full] [--out DIR] [--docs]. Sets mode (quick unless --full),
# out (empty: the script picks its default) and docs (1 with --docs). --help prints the calling
# script's header comment (line 2 up to its `set -euo`).
bench_args() {
  mode=quick out="" docs=0
  while (($#)); do
    case $1 in
      --quick) mode=quick ;;
      --full) mode=full ;;
      --out) out=$2; shift ;;
      --docs) docs=1 ;;
      -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
      *) echo "run.sh: unknown argument $1 (--help)" >&2; exit 2 ;;
    esac
    shift
  done
}

bench_need_matplotlib() {
  $PY -c 'import matplotlib' 2>/dev/null || { echo "run.sh: python3-matplotlib is missing (make deps)" >&2; exit 1; }
}

# bench_proxy_limit_flags PROXY: sets the array proxy_limit_flags to every per-user and wake-up
# limit of the proxy (--max-...-per-user, --max-...-per-namespace, --max-wakeups) set high, read
# from its --help: a benchmark's streams and Wakeups all come from one user in one namespace.
bench_proxy_limit_flags() {
  proxy_limit_flags=()
  local flag type
  while read -r flag type; do
    case $type in
      int) proxy_limit_flags+=("$flag" 100000) ;;
      bytes) proxy_limit_flags+=("$flag" 4Gi) ;;
    esac
  done < <("$1" --help 2>&1 | grep -oE -- '--max-([a-z-]+-per-(user|namespace)|wakeups) [a-z]+' | sort -u)
}

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

# bench_machine_begin FILE COMMAND: FILE, a JSON object describing the run before it starts: mode,
# date, commit, the machine (cpu, cores, memory, kernel, os), the kube-apiserver and etcd
# versions, the load average, and COMMAND (how to run it again, its BENCH_* settings included).
bench_machine_begin() {
  local file=$1 cmd=$2
  {
    echo "{\"mode\": \"$mode\", \"date\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\","
    echo " \"commit\": \"$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)\","
    echo " \"cpu\": \"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')\","
    echo " \"cores\": $(nproc), \"memory_kib\": $(awk '/MemTotal/ {print $2}' /proc/meminfo),"
    echo " \"kernel\": \"$(uname -r)\", \"os\": \"$(. /etc/os-release && echo "$PRETTY_NAME")\","
    echo " \"kube\": \"$KUBE_VERSION\", \"etcd\": \"$ETCD_VERSION\","
    echo " \"load_before\": \"$(cut -d' ' -f1-3 /proc/loadavg)\","
    echo " \"command\": \"$cmd\"}"
  } >"$file"
}

# bench_machine_end FILE SECONDS: adds the load average after the run and how long it took.
bench_machine_end() {
  $PY - "$1" "$(cut -d' ' -f1-3 /proc/loadavg)" "$2" <<'EOP'
import json, sys
m = json.load(open(sys.argv[1]))
m["load_after"], m["seconds"] = sys.argv[2], int(sys.argv[3])
json.dump(m, open(sys.argv[1], "w"), indent=1)
EOP
}

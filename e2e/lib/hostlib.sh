# Sourced by the host e2e tests (after testlib.sh): the host's /metrics and its exit summary.

# host_metric PORT NAME [label=value...]: sum of the samples of a host's (or a native child's)
# plain-HTTP /metrics on 127.0.0.1:PORT ("absent" if none).
host_metric() {
  local port=$1; shift
  cp_exec curl -q -s -m 5 "http://127.0.0.1:$port/metrics" | wfcheck metric "$@" || true
}

# summary_value LOG CHILD COLUMN: a column of the child's line in the exit summary
# ("summary: child wakeups loads unloads stops failures requeues ..."): COLUMN 1 is wakeups.
summary_value() {
  awk -v child="$2" -v col="$3" '
    /summary: child wakeups/ { on = 1; next }
    on && $1 == child { v = $(col + 1) }
    on && $1 == "total" { on = 0 }
    END { print (v == "" ? "absent" : v) }' "$1"
}

# host_metrics_match_summary PORT_METRICS_FILE LOG CHILD...: the per-child counters scraped
# before exit (a saved /metrics text) equal the exit summary's.
host_metrics_match_summary() {
  local metrics=$1 log=$2; shift 2
  local child col name m s
  for child in "$@"; do
    col=1
    for name in wakeups loads unloads stops failures requeues; do
      m=$(wfcheck metric "watchfilter_host_child_${name}_total" "child=$child" <"$metrics" || true)
      s=$(summary_value "$log" "$child" $col)
      [[ $m == "$s" ]] || { t_log "$child $name: /metrics $m, summary $s"; return 1; }
      col=$((col + 1))
    done
  done
}

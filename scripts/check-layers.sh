#!/usr/bin/env bash
# Fails when a file includes a proxy/ component it may not use (the order of proxy/LAYERS):
#   scripts/check-layers.sh [ROOT]     (default: the repository this script is in)
# Reads every `#include "proxy/<component>/..."` of proxy/<component>/ and of the folders that
# proxy/LAYERS lists ("host/: base kube upstream"). A file directly in proxy/ (not yet moved
# into a component's folder) and an include of such a file are exempt, so the check holds while
# the tree is moved one component at a time; each exempt file is counted in the summary.
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
layers=$root/proxy/LAYERS
[[ -f $layers ]] || { echo "check-layers: $layers not found" >&2; exit 2; }
cd "$root"

declare -A rank=() allowed=()
clients=()
n=0
while IFS= read -r line || [[ -n $line ]]; do
  line=${line%%#*}
  [[ $line =~ ^[[:space:]]*$ ]] && continue
  if [[ $line == *:* ]]; then
    folder=$(echo "${line%%:*}" | tr -d '[:space:]')
    folder=${folder%/}
    clients+=("$folder")
    allowed[$folder]=" $(echo ${line#*:}) "
    continue
  fi
  for c in $line; do
    [[ -z ${rank[$c]+x} ]] || { echo "check-layers: $c is listed twice in proxy/LAYERS" >&2; exit 2; }
    rank[$c]=$n
  done
  n=$((n + 1))
done <"$layers"
for folder in "${clients[@]}"; do
  for c in ${allowed[$folder]}; do
    [[ -n ${rank[$c]+x} ]] || {
      echo "check-layers: proxy/LAYERS lets $folder/ use $c, which is not a component" >&2
      exit 2
    }
  done
done

failures=0 checked=0 exempt=0
fail() {
  echo "$1" >&2
  failures=$((failures + 1))
}

# The component of proxy/<component>/... (empty for a file directly in proxy/).
component_of_path() {
  local rest=${1#proxy/}
  [[ $rest == */* ]] && echo "${rest%%/*}"
  return 0
}

# check FILE SUBJECT: SUBJECT is the file's component, or "folder/" for a client folder.
check_file() {
  local file=$1 subject=$2 number text target comp
  while IFS=: read -r number text; do
    target=$(sed -E 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]*)".*/\1/' <<<"$text")
    comp=$(component_of_path "$target")
    [[ -n $comp ]] || continue  # a file not yet in a component: exempt
    if [[ -z ${rank[$comp]+x} ]]; then
      fail "$file:$number: includes \"$target\": proxy/$comp/ is not a component of proxy/LAYERS"
      continue
    fi
    if [[ $subject == */ ]]; then
      local uses
      uses=$(echo ${allowed[${subject%/}]})
      if [[ -z $uses ]]; then
        fail "$file:$number: includes \"$target\": $subject may include nothing of proxy/ (proxy/LAYERS)"
      elif [[ " $uses " != *" $comp "* ]]; then
        fail "$file:$number: includes \"$target\": $subject may use only $uses (proxy/LAYERS), not $comp"
      fi
    elif [[ $comp != "$subject" ]]; then
      if ((rank[$comp] > rank[$subject])); then
        fail "$file:$number: includes \"$target\": $subject may not include $comp, which comes after it in proxy/LAYERS (a lower component never includes a higher one)"
      elif ((rank[$comp] == rank[$subject])); then
        fail "$file:$number: includes \"$target\": $subject and $comp are peers in proxy/LAYERS and may not include each other"
      fi
    fi
  done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"proxy/' "$file" || true)
}

sources() { # the C++ files under a folder
  find "$1" -type f \( -name '*.h' -o -name '*.hh' -o -name '*.hpp' -o -name '*.cc' -o -name '*.cpp' \) | sort
}

if [[ -d proxy ]]; then
  while IFS= read -r rel; do
    comp=$(component_of_path "$rel")
    if [[ -z $comp ]]; then
      exempt=$((exempt + 1))
      continue
    fi
    if [[ -z ${rank[$comp]+x} ]]; then
      fail "$rel: proxy/$comp/ is not a component of proxy/LAYERS"
      continue
    fi
    checked=$((checked + 1))
    check_file "$rel" "$comp"
  done < <(sources proxy)
fi
for folder in "${clients[@]}"; do
  [[ -d $folder ]] || continue
  while IFS= read -r rel; do
    checked=$((checked + 1))
    check_file "$rel" "$folder/"
  done < <(sources "$folder")
done

if ((failures)); then
  echo "check-layers: $failures include(s) break the layering of proxy/LAYERS (docs/architecture.md)" >&2
  exit 1
fi
echo "check-layers: ok ($checked files checked; $exempt files directly in proxy/, not yet in a component, exempt)"

#!/usr/bin/env bash
# How soon the explorer shows something useful (issue 19), wall time of the whole process, median
# of REPEATS launches each (default 5), on the study built in (the default data, 108 runs):
#  (a) `moescope explore --law FIT.json --screenshot`: a saved fit, nothing fitted;
#  (b) a plain launch with the fit cache empty, to the first view (--first-view: the quick grid's
#      first look), and once to the full fit (Table 2's 437,400 starts and 100 bootstrap refits,
#      which fills the cache);
#  (c) a plain launch with the cache filled by (b): the full fit's views, from the cache.
# The cache lives in a temporary folder (MOESCOPE_CACHE_DIR): the user's is not touched.
#
# Usage: core/bench/explorer_launch_benchmark.sh [BUILD_DIR] [REPEATS]
# Runs itself under xvfb-run where there is no display. Prints one line per measurement and the
# medians; record them in docs/benchmarks.md.
set -euo pipefail
build=${1:-build}
repeats=${2:-5}
if [[ -z "${DISPLAY:-}" ]]; then
  exec xvfb-run -a -s "-screen 0 1600x1000x24" "$0" "$build" "$repeats"
fi
moescope="$build/moescope"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

seconds() {  # the wall time of "$@" in seconds; its output goes to $work/log
  local start end
  start=$(date +%s.%N)
  "$@" >"$work/log" 2>&1 || { cat "$work/log" >&2; exit 1; }
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
measure() {  # label, then the command; REPEATS launches
  local label=$1 times=() t
  shift
  for ((i = 0; i < repeats; i++)); do
    t=$(seconds "$@")
    times+=("$t")
  done
  printf '%-58s %s s (runs: %s)\n' "$label" "$(median "${times[@]}")" "${times[*]}"
}

# Any saved law of the study will do for (a): how it was fitted does not change the launch.
"$moescope" fit law --solver vp --save "$work/FIT.json" >/dev/null
export MOESCOPE_CACHE_DIR="$work/cache"
measure "(a) explore --law FIT.json --screenshot" \
  "$moescope" explore --law "$work/FIT.json" --screenshot "$work/a.png"
cold() { rm -rf "$MOESCOPE_CACHE_DIR"; "$@"; }
measure "(b) plain launch, cache cold, to the first view" \
  cold "$moescope" explore --first-view --screenshot "$work/b.png"
full=$(seconds cold "$moescope" explore --screenshot "$work/full.png")
printf '%-58s %s s (one run; fills the cache)\n' "(b) plain launch, cache cold, to the full fit" "$full"
measure "(c) plain launch, cache warm (full fit from the cache)" \
  "$moescope" explore --screenshot "$work/c.png"

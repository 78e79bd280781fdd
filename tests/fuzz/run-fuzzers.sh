#!/usr/bin/env bash
# Runs MoEScope's libFuzzer targets (tests/fuzz), built with MOESCOPE_FUZZ=ON.
#
#   tests/fuzz/run-fuzzers.sh [--build DIR] [--seconds N] [--runs R [--seed S]] [--parallel P]
#                             [--keep-going] [--regressions] [TARGET...] [-- LIBFUZZER-ARGS]
#
# --build DIR     the build folder (default build-fuzz); the fuzzers are DIR/fuzz/<target>_fuzzer
# --seconds N     fuzz each target for N seconds (default 30)
# --runs R        a reproducible run, as CTest's fuzz_<target> does: R executions from the seeds
#                 alone with libFuzzer's random seed S (default 1), into a corpus folder emptied
#                 first (DIR/fuzz/corpus-reproducible/<target>), so that the same code gives the
#                 same inputs on every machine: a failure there is a finding of the change under
#                 test, not of the machine's speed. --seconds stays a cap.
# --parallel P    P targets at a time (default 1)
# --keep-going    a campaign: go on past failures (libFuzzer -fork=1 -ignore_crashes=1 ...),
#                 keeping every failing input, reports unsymbolised (rerun an input for its
#                 stack); MOESCOPE_FUZZ_KNOWN (fuzz_support.h) lets findings already reported
#                 through
# --regressions   instead, run each target once on every seed and every input of crashes-found/
# TARGET...       the targets (default: every one built)
#
# Each target starts from tests/fuzz/<target>/seeds and the corpus of earlier runs,
# DIR/fuzz/corpus/<target>, where it keeps what it finds; an input that fails lands in
# DIR/fuzz/artifacts/<target>/ and the script exits 1 naming it (once understood, copy it into
# tests/fuzz/<target>/crashes-found/). Logs: DIR/fuzz/logs/<target>.log; one line per target
# (executions, coverage, corpus, failures, CPU seconds) in DIR/fuzz/logs/summary.tsv.
# Under ASan + UBSan with halt_on_error: any report fails the run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source_dir=$(cd "$here/../.." && pwd)
build="$source_dir/build-fuzz"
seconds=30
runs=
seed=1
parallel=1
keep_going=0
mode=fuzz
targets=()
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$(cd "$2" && pwd); shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --parallel) parallel=$2; shift 2 ;;
    --keep-going) keep_going=1; shift ;;
    --regressions) mode=regressions; shift ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    -*) echo "run-fuzzers: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
if [ ${#targets[@]} -eq 0 ]; then
  for binary in "$build"/fuzz/*_fuzzer; do
    [ -x "$binary" ] && targets+=("$(basename "$binary" _fuzzer)")
  done
fi
if [ ${#targets[@]} -eq 0 ]; then
  echo "run-fuzzers: no fuzzers in $build/fuzz (configure with -DMOESCOPE_FUZZ=ON, Clang)" >&2
  exit 2
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
# A report whose symbolisation outlasts libFuzzer's -timeout deadlocks the process in the
# symboliser (its alarm handler prints a stack too): give it room, or, in a campaign on a loaded
# machine, print raw addresses.
timeout=30
if [ $keep_going = 1 ]; then
  ASAN_OPTIONS="$ASAN_OPTIONS:symbolize=0"
  UBSAN_OPTIONS="$UBSAN_OPTIONS:symbolize=0"
  timeout=10
fi
# The readers that take a path get a scratch folder in memory where there is one.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
  export TMPDIR=/dev/shm
fi
mkdir -p "$build/fuzz/logs"
summary="$build/fuzz/logs/summary.tsv"
if [ ! -f "$summary" ]; then
  printf '%s\t' date target seconds mode executions cov ft corpus_files crashes timeouts ooms \
    cpu_s >"$summary"
  printf 'status\n' >>"$summary"
fi

# One target; returns 1 when it failed.
run_target() {
  local target=$1
  local binary="$build/fuzz/${target}_fuzzer"
  local seeds="$here/$target/seeds"
  local log="$build/fuzz/logs/$target.log"
  if [ ! -x "$binary" ]; then
    echo "run-fuzzers: $binary is not built" >&2
    return 1
  fi
  if [ "$mode" = regressions ]; then
    local inputs
    mapfile -t inputs < <(find "$seeds" "$here/$target/crashes-found" -type f \
                            ! -name README.md 2>/dev/null | sort)
    echo "run-fuzzers: $target: ${#inputs[@]} regression inputs"
    if [ ${#inputs[@]} -gt 0 ] &&
       ! "$binary" -timeout=30 "${extra[@]}" "${inputs[@]}" >"$log" 2>&1; then
      tail -n 60 "$log"
      echo "run-fuzzers: $target FAILED on a regression input (log: $log)" >&2
      return 1
    fi
    return 0
  fi
  local corpus="$build/fuzz/corpus/$target"
  local artifacts="$build/fuzz/artifacts/$target"
  local options=(-max_total_time="$seconds" -timeout=$timeout -rss_limit_mb=2048 -max_len=8192
                 -print_final_stats=1 -artifact_prefix="$artifacts/")
  if [ -n "$runs" ]; then
    corpus="$build/fuzz/corpus-reproducible/$target"
    rm -rf "$corpus"
    options+=(-runs="$runs" -seed="$seed")
  fi
  mkdir -p "$corpus" "$artifacts"
  [ -f "$here/$target/$target.dict" ] && options+=(-dict="$here/$target/$target.dict")
  [ $keep_going = 1 ] && options+=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  if [ -n "$runs" ]; then
    echo "run-fuzzers: $target for $runs executions (seed $seed, at most ${seconds} s)"
  else
    echo "run-fuzzers: $target for ${seconds} s"
  fi
  local status=0 times
  times=$( { TIMEFORMAT="%U %S"
             time "$binary" "${options[@]}" "${extra[@]}" "$corpus" "$seeds" >"$log" 2>&1
           } 2>&1 ) || status=$?
  times=${times##*$'\n'}
  # The last statistics line: "#N DONE cov: C ft: F corp: ..." or, forked, "#N: cov: C ft: F ...
  # oom/timeout/crash: O/T/X ...".
  local last executions cov ft failures crashes timeouts ooms cpu
  last=$(grep -aE '^#[0-9]+:?[[:space:]]' "$log" | grep -aE 'cov: ' | tail -n 1 || true)
  executions=$(sed -E 's/^#([0-9]+).*/\1/' <<<"$last")
  cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
  ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")
  failures=$(sed -nE 's|.*oom/timeout/crash: ([0-9]+/[0-9]+/[0-9]+).*|\1|p' <<<"$last")
  # libFuzzer exits 72 when interrupted (SIGINT: a campaign stopped by hand), which is no finding.
  local interrupted=0
  if [ $status = 72 ] && grep -aq 'libFuzzer: run interrupted' "$log"; then
    interrupted=1
    status=0
  fi
  if [ -n "$failures" ]; then
    IFS=/ read -r ooms timeouts crashes <<<"$failures"
  else
    ooms=0; timeouts=0; crashes=$([ $status = 0 ] && echo 0 || echo 1)
  fi
  cpu=$(awk '{printf "%.0f", $1 + $2}' <<<"$times")
  local kind=bounded
  [ -n "$runs" ] && kind=reproducible
  [ $keep_going = 1 ] && kind=campaign
  [ $interrupted = 1 ] && kind="$kind-interrupted"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" \
    "$target" "$seconds" "$kind" "$executions" "$cov" "$ft" "$(find "$corpus" -type f | wc -l)" \
    "$crashes" "$timeouts" "$ooms" "$cpu" "$status" >>"$summary"
  echo "run-fuzzers: $target: ${executions:-?} executions, cov ${cov:-?} ft ${ft:-?}, CPU ${cpu} s"
  if [ $status != 0 ]; then
    tail -n 60 "$log"
    echo "run-fuzzers: $target FAILED; the input is in $artifacts/ (log: $log)" >&2
    return 1
  fi
  return 0
}

status=0
running=0
for target in "${targets[@]}"; do
  if [ "$parallel" -le 1 ]; then
    run_target "$target" || status=1
    continue
  fi
  run_target "$target" &
  running=$((running + 1))
  if [ $running -ge "$parallel" ]; then
    wait -n || status=1
    running=$((running - 1))
  fi
done
while [ $running -gt 0 ]; do
  wait -n || status=1
  running=$((running - 1))
done
exit $status

#!/usr/bin/env bash
# The trainer's throughput on the GPU machine (the `device` tool), in one call; logs go to $OUT
# (or gpu-out/). Builds this tree's moescope-train (with the CUDA kernels) and, for before/after
# figures in the same call, the trainer of another source tree ($BASELINE, default .baseline: a
# `git archive` of the commit to compare with); $NEW names the tree to measure (default .). Steps, in the order given:
#   tests       the trainer's model tests on the GPU (fused AdamW, CUDA graph against eager)
#   bench       moescope-train --benchmark: the small-model table and the reference run, written
#               as the throughput table $OUT/throughput.json
#   profile     Kineto traces of 5 steps of two models, summarised by trace_summary.py
#   compare     every benchmark model trained as a real run (spec, corpus, metrics) by the
#               baseline trainer and by this one, one after the other: tokens/s of each
#   concurrent  4 runs of a small model at once against one alone (the queue's --jobs)
#   train       the reference run (d512, E = 32, K = 4) as a real run: its log and downstream tasks
# Needs the carried folders .gpu-deps (nlohmann-json3-dev .deb) and build-train/training-data.
#   training/benchmark/gpu_throughput.sh tests bench profile compare concurrent
set -uo pipefail
out=${OUT:-gpu-out}
logs=/tmp/throughput-logs  # every run's log, packed into $OUT/logs.tar.gz at the end
mkdir -p "$out" $logs
trap 'tar -czf "$out/logs.tar.gz" -C $logs . 2>/dev/null' EXIT
baseline_src=${BASELINE:-.baseline}
new=/tmp/moescope-new
old=/tmp/moescope-old
data=build-train/training-data
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader
export NCCL_NVLS_ENABLE=0

rm -rf /tmp/nj && mkdir -p /tmp/nj && dpkg -x .gpu-deps/nlohmann-json3-dev_*.deb /tmp/nj
torch_prefix=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
build_tree() {  # source build tests targets...
  local source=$1 build=$2 tests=$3
  shift 3
  cmake -S "$source" -B "$build" -G Ninja -DMOESCOPE_BUILD_APP=OFF -DMOESCOPE_WITH_CUDA=ON \
    -DMOESCOPE_BUILD_TESTS="$tests" -DCMAKE_PREFIX_PATH="$torch_prefix" \
    -Dnlohmann_json_DIR=/tmp/nj/usr/share/cmake/nlohmann_json >"$logs/configure-$(basename "$build").log" 2>&1 &&
    cmake --build "$build" -j8 --target "$@" >"$logs/build-$(basename "$build").log" 2>&1
}
start=$SECONDS
build_tree "${NEW:-.}" $new ON moescope-train training_model_test training_optimizer_test \
  downstream_eval_test &
new_pid=$!
if [ -d "$baseline_src" ]; then
  build_tree "$baseline_src" $old OFF moescope-train &
  old_pid=$!
fi
wait $new_pid || { grep -E -B2 -A6 "error|FAILED" "$logs/build-$(basename $new).log" | head -60; exit 1; }
[ -n "${old_pid:-}" ] && { wait $old_pid || echo "baseline build failed (see logs.tar.gz)"; }
echo "built in $((SECONDS - start)) s"
# The trainer's tests read their corpus cache from the build tree.
[ -d $new/training-data ] || cp -r $data $new/

# spec_for LABEL STEPS -> a spec file for a short real run of a benchmark model
spec_for() {
  python3 - "$1" "$2" <<'PY'
import re, sys, json
d, L, H, E, K, c, b, m = map(int, re.fullmatch(r"d(\d+)-L(\d+)-H(\d+)-E(\d+)-K(\d+)-c(\d+)-b(\d+)-m(\d+)", sys.argv[1]).groups())
steps = int(sys.argv[2])
print(json.dumps({"d_model": d, "layers": L, "heads": H, "experts": E, "active": K, "granularity": 1,
  "context": c, "batch_size": b, "micro_batch_size": m, "tokens": b * c * steps, "lr": 0.002,
  "warmup_fraction": 0.05, "seed": 1, "eval_interval": 0, "eval_tokens": c * 16,
  "log_interval": 5, "checkpoint_interval": 100000}))
PY
}
models="d128-L2-H2-E1-K1-c512-b64-m64 d128-L2-H2-E8-K1-c512-b64-m64 d128-L2-H2-E32-K1-c512-b64-m64 \
d256-L3-H4-E1-K1-c512-b64-m64 d256-L3-H4-E8-K1-c512-b64-m64 d256-L3-H4-E32-K1-c512-b64-m64 \
d384-L4-H6-E1-K1-c512-b64-m64 d384-L4-H6-E8-K1-c512-b64-m64 d384-L4-H6-E32-K1-c512-b64-m64 \
d512-L5-H8-E1-K1-c512-b64-m64 d512-L5-H8-E8-K1-c512-b64-m64 d512-L5-H8-E32-K1-c512-b64-m64 \
d512-L8-H8-E32-K4-c1024-b64-m16"
peak=""
# run_one TRAINER LABEL STEPS NAME -> prints tokens/s and MFU of a real run
run_one() {
  local trainer=$1 label=$2 steps=$3 name=$4
  spec_for "$label" "$steps" >/tmp/spec-$name.json
  rm -rf /tmp/run-$name
  $trainer --spec /tmp/spec-$name.json --out /tmp/run-$name --data $data ${peak:+--peak-flops $peak} \
    >"$logs/run-$name.log" 2>&1 || { echo "- -"; echo "$name failed: $(grep -m1 -i "error\|refused\|what()" "$logs/run-$name.log")" >&2; return; }
  python3 -c "import json; r = json.load(open('/tmp/run-$name/result.json')); print('%.0f %.4f' % (r['tokens_per_s'], r.get('mfu', 0)))"
}

for step in "$@"; do
  case $step in
    tests)
      for test in training_model_test training_optimizer_test downstream_eval_test; do
        timeout 300 $new/tests/$test >>"$logs/tests.log" 2>&1
        echo "$test: exit $?"
      done
      grep -E "Failure|Expected|Which is|\[  FAILED|PASSED|SKIPPED" "$logs/tests.log" | head -30
      ;;
    bench)
      timeout 400 $new/moescope-train --benchmark --out "$out/throughput.json" 2>"$logs/bench.log" |
        tee "$out/bench.md"
      peak=$(python3 -c "import json; print(json.load(open('$out/throughput.json'))['peak_flops'])" 2>/dev/null)
      ;;
    profile)
      timeout 200 $new/moescope-train --benchmark --steps 5 --profile /tmp/prof \
        --models d128-L2-H2-E8-K1-c512-b64-m64,d512-L8-H8-E32-K4-c1024-b64-m16 >/dev/null 2>"$logs/profile.log"
      python3 training/benchmark/trace_summary.py /tmp/prof/*.json | tee "$out/profile.md"
      ;;
    compare)
      echo "| model | baseline tokens/s | MFU | this tree tokens/s | MFU | ratio |"
      for label in $models; do
        steps=30
        [[ $label == *c1024* ]] && steps=40
        before=$( [ -x $old/moescope-train ] && run_one $old/moescope-train $label $steps old-$label)
        after=$(run_one $new/moescope-train $label $steps new-$label)
        set -- ${before:-- -} ${after:-- -}
        ratio=$(python3 -c "print('%.2fx' % ($3 / $1))" 2>/dev/null || echo -)
        echo "| $label | $1 | $2 | $3 | $4 | $ratio |"
      done | tee "$out/compare.md"
      ;;
    train)
      label=d512-L8-H8-E32-K4-c1024-b64-m16
      echo "reference run: $(run_one $new/moescope-train $label 40 train-$label) (tokens/s, MFU)"
      grep -E "val_loss|optimizer|done" "$logs/run-train-$label.log" | tail -6
      ;;
    concurrent)
      for label in d128-L2-H2-E8-K1-c512-b64-m64 d256-L3-H4-E8-K1-c512-b64-m64; do
        alone=$(run_one $new/moescope-train $label 60 alone-$label)
        for i in 1 2 3 4; do run_one $new/moescope-train $label 60 c$i-$label >/tmp/c$i.txt & done
        wait
        total=$(cat /tmp/c1.txt /tmp/c2.txt /tmp/c3.txt /tmp/c4.txt | awk '{s += $1} END {print s}')
        echo "$label: one run ${alone%% *} tokens/s; 4 at once $total tokens/s together" \
          "($(python3 -c "print('%.2fx' % ($total / ${alone%% *}))" 2>/dev/null || echo -))"
      done | tee "$out/concurrent.md"
      ;;
  esac
done

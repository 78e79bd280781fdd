#!/usr/bin/env bash
# Builds and checks the kernels on the GPU machine (the `device` tool) in one call; logs go to
# $OUT (or gpu-out/). Steps, in the order given: sass (the wgmma path's machine code: HGMMA
# count, local memory), tests (the kernels' tests, registered in kernels/CMakeLists.txt from each
# folder's *_test.cpp, and the trainer's model tests), bench (moe_layer_benchmark, the driver of
# every folder's *_benchmark.cpp), train (the trainer's GPU run of docs/benchmarks.md),
# train-reference (the same with MOESCOPE_MOE_REFERENCE=1).
# Needs the carried folders .gpu-deps (nlohmann-json3-dev .deb) and, for train,
# build-train/training-data.
#   kernels/benchmark/gpu_check.sh sass tests bench train train-reference
set -uo pipefail
out=${OUT:-gpu-out}
mkdir -p "$out"
build=/tmp/moescope-kernels
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader

configure() {
  rm -rf /tmp/nj && mkdir -p /tmp/nj && dpkg -x .gpu-deps/nlohmann-json3-dev_*.deb /tmp/nj
  cmake -S . -B $build -G Ninja -DMOESCOPE_BUILD_APP=OFF -DMOESCOPE_WITH_CUDA=ON \
    -DCMAKE_PREFIX_PATH="$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')" \
    -Dnlohmann_json_DIR=/tmp/nj/usr/share/cmake/nlohmann_json "$@" >>"$out/build.log" 2>&1
}
[ -f $build/build.ninja ] || configure || { tail -40 "$out/build.log"; exit 1; }
grep -s "MoEScope" "$out/build.log"

build() {
  local start=$SECONDS
  cmake --build $build -j16 --target "$@" >>"$out/build.log" 2>&1 ||
    { grep -E -A4 "error|FAILED" "$out/build.log" | head -80; return 1; }
  echo "built $* in $((SECONDS - start)) s"
}
build kernels_reference_test kernels_gpu_test kernels_layer_test moe_layer_benchmark || exit 1

for step in "$@"; do
  case $step in
    sass)
      object=$(find $build/kernels -name grouped_gemm_wgmma.cu.o)
      cuobjdump -sass "$object" >"$out/wgmma.sass" &&
        echo "wgmma path SASS: $(grep -c HGMMA "$out/wgmma.sass") HGMMA," \
          "$(grep -cE 'LDL|STL' "$out/wgmma.sass") LDL/STL, $(grep -c HMMA "$out/wgmma.sass") HMMA"
      ;;
    tests)
      build training_model_test moescope-train
      # The trainer's tests read their corpus cache from the build tree.
      [ -d $build/training-data ] || cp -r build-train/training-data $build/ 2>/dev/null
      for test in kernels/kernels_reference_test kernels/kernels_gpu_test \
        kernels/kernels_layer_test tests/training_model_test; do
        start=$SECONDS
        timeout 300 $build/$test >>"$out/tests.log" 2>&1
        echo "$test: exit $? in $((SECONDS - start)) s"
      done
      grep -E "Failure|Expected|Which is|actual|relative|\[  FAILED|PASSED|SKIPPED" \
        "$out/tests.log" | head -60
      ;;
    bench)
      timeout 420 $build/bench/moe_layer_benchmark --iterations 20 | tee "$out/benchmark.md"
      ;;
    train | train-reference)
      build moescope-train || continue
      suffix=""
      [ $step = train-reference ] && export MOESCOPE_MOE_REFERENCE=1 suffix=-reference
      cat >/tmp/spec.json <<'SPEC'
{"d_model":512, "layers":8, "heads":8, "experts":32, "active":4, "granularity":1,
 "context":1024, "batch_size":64, "micro_batch_size":16, "tokens":1.0e7, "lr":0.002,
 "warmup_fraction":0.05, "seed":1, "checkpoint_interval":1000, "eval_interval":100}
SPEC
      rm -rf /tmp/run
      timeout 420 $build/moescope-train --spec /tmp/spec.json --out /tmp/run \
        --data build-train/training-data >"$out/train$suffix.log" 2>&1
      echo "trainer$suffix: exit $?"
      unset MOESCOPE_MOE_REFERENCE
      tail -3 "$out/train$suffix.log"
      cp /tmp/run/result.json "$out/result$suffix.json" 2>/dev/null && python3 -c "
import json; r = json.load(open('$out/result$suffix.json'))
print({k: r.get(k) for k in ('tokens_per_s', 'mfu', 'val_loss', 'seconds', 'peak_flops')})"
      ;;
  esac
done

#!/usr/bin/env bash
# MoEScope's own MoE study on the GPU machine (the `device` tool), one call of at most 10 minutes:
# builds this tree's moescope-train with the CUDA kernels, unpacks the debian-v2 corpus and trains
# the specs of the given plan folders through MoEScope's own queue (`moescope train launch`).
#
#   STUDY=study COMMIT=<git commit> training/study/run_study.sh grid-3e14 next-1 ...
#
# $STUDY (default study/, copied to /tmp/moescope-study) is carried in and comes back as
# $OUT/study.tar.gz (unpack it into study/ for the next call): its plan folders (the
# specs `moescope train plan --out-dir` wrote, each run training in a folder beside its spec), the
# queue (queue/) and the store (runs.sqlite). A spec whose run has finished returns at once, so
# giving a folder again trains only what is missing: nothing is trained twice across calls. At
# $DEADLINE seconds (default 480) the queued jobs are cancelled and the running ones finish; the
# next call queues them again. Checkpoints of finished runs are dropped before packing. $PROPOSE
# adds a round of active design at the end (below).
# Needs the carried folders .gpu-deps (nlohmann-json3-dev .deb, `moescope` built on the development
# machine, lib/ with its libsqlite3.so.0) and .corpus/debian-v2 (training/README.md, "GPU").
set -uo pipefail
out=${OUT:-study-out}
carried=${STUDY:-study}
# The queue records absolute paths, so the study works in one fixed folder on every machine.
study=/tmp/moescope-study
rm -rf $study && mkdir -p $study && { [ ! -d "$carried" ] || cp -a "$carried/." $study/; }
deadline=${DEADLINE:-480}
jobs=${JOBS:-4}
mkdir -p "$out"
start=$SECONDS
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee "$out/device.txt"
export NCCL_NVLS_ENABLE=0

trainer=${TRAINER:-}  # a built moescope-train: skips the build and the corpus (a dry run on a CPU)
if [ -z "$trainer" ]; then
rm -rf /tmp/nj && mkdir -p /tmp/nj && dpkg -x .gpu-deps/nlohmann-json3-dev_*.deb /tmp/nj
torch_prefix=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
build=/tmp/moescope-study-build
{ cmake -S . -B $build -G Ninja -DMOESCOPE_BUILD_APP=OFF -DMOESCOPE_WITH_CUDA=ON \
    -DMOESCOPE_BUILD_TESTS=OFF -DCMAKE_PREFIX_PATH="$torch_prefix" \
    -DMOESCOPE_SOURCE_COMMIT="${COMMIT:-unknown}" \
    -Dnlohmann_json_DIR=/tmp/nj/usr/share/cmake/nlohmann_json &&
    cmake --build $build -j16 --target moescope-train; } >"$out/build.log" 2>&1 ||
  { tail -40 "$out/build.log"; exit 1; }
echo "built in $((SECONDS - start)) s"

export MOESCOPE_DATA_DIR=/tmp/moescope-data
if [ ! -f $MOESCOPE_DATA_DIR/debian-v2/train.u8 ]; then
  mkdir -p $MOESCOPE_DATA_DIR && cp -r .corpus/debian-v2 $MOESCOPE_DATA_DIR/ &&
    xz -d -T8 $MOESCOPE_DATA_DIR/debian-v2/*.xz
fi
(cd $MOESCOPE_DATA_DIR/debian-v2 && sha256sum train.u8 validation.u8) | tee "$out/corpus.sha256"
trainer=$build/moescope-train
fi

moescope() { LD_LIBRARY_PATH=$PWD/.gpu-deps/lib ${MOESCOPE:-.gpu-deps/moescope} "$@"; }
queue=$study/queue
for folder in "$@"; do
  moescope train launch --plan-dir "$study/$folder" --jobs "$jobs" --store "$study/runs.sqlite" \
    --queue "$queue" --trainer "$trainer" || exit 1
done
# Follows the queue until it is idle, cancelling what has not started at the deadline.
cancelled=0
follow() {
  while :; do
    moescope train status --queue "$queue" --json >/tmp/status.json 2>/dev/null
    read -r queued running < <(python3 -c "
import json; jobs = json.load(open('/tmp/status.json'))['jobs']
print(sum(j['state'] == 'queued' for j in jobs), sum(j['state'] == 'running' for j in jobs))")
    [ "$queued" = 0 ] && [ "$running" = 0 ] && return
    if [ $((SECONDS - start)) -ge "$deadline" ] && [ "$cancelled" = 0 ] && [ "$queued" != 0 ]; then
      ids=$(python3 -c "
import json; print(' '.join(str(j['id']) for j in json.load(open('/tmp/status.json'))['jobs'] if j['state'] == 'queued'))")
      echo "deadline: cancelling queued jobs $ids"
      moescope train cancel --queue "$queue" $ids
      cancelled=1
    fi
    sleep 2
  done
}
follow
# $PROPOSE ("FOLDER: train plan options"): once those runs are in, active design proposes the next
# ones from the store as it now stands, and they train too: one round of `train plan --next`.
if [ -n "${PROPOSE:-}" ] && [ $((SECONDS - start)) -lt "$deadline" ]; then
  folder=${PROPOSE%%:*}
  set -f  # the options hold "S*"
  moescope train plan ${PROPOSE#*:} --store "$study/runs.sqlite" --out-dir "$study/$folder" \
    | tee "$out/propose-$folder.txt"
  set +f
  moescope train launch --plan-dir "$study/$folder" --jobs "$jobs" --store "$study/runs.sqlite" \
    --queue "$queue" --trainer "$trainer" && follow
fi
moescope train status --queue "$queue" >"$out/status.txt"
python3 - "$study" <<'PY' | tee "$out/summary.txt"
import json, sys, pathlib
done = failed = 0; seconds = 0.0
for result in pathlib.Path(sys.argv[1]).glob("*/*/result.json"):
    r = json.loads(result.read_text()); done += 1; seconds += r["seconds"]
print(f"finished runs in {sys.argv[1]}: {done}, their training seconds: {seconds:.0f}")
PY
echo "call took $((SECONDS - start)) s"
find "$study" -name checkpoint.pt -execdir test -f result.json \; -delete
tar -czf "$out/study.tar.gz" -C $study .

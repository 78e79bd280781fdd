#!/usr/bin/env bash
# The coarse grid of MoEScope's own MoE study (datasets/moe-study/README.md): at each budget, five
# sparsities (E = 1, 2, 4, 8, 16 experts, one active: S = 0, 0.5, 0.75, 0.875, 0.9375) by five
# shapes of the planner's family spanning about 25x in active parameters, written as specs into
# $STUDY/grid-<budget>/ by `moescope train plan --cell`. The shapes move up one step at the largest
# budget, whose smallest model would otherwise train on 1.4 epochs of debian-v2 for little.
#   MOESCOPE=build/moescope STUDY=study training/study/plan_grid.sh
set -euo pipefail
moescope=${MOESCOPE:-build/moescope}
study=${STUDY:-study}
declare -A shapes=([3e13]="64:2 128:2 192:2 256:3 320:3" [1e14]="64:2 128:2 192:3 256:3 320:4"
                   [3e14]="128:2 192:3 256:3 320:4 384:4")
for budget in 3e13 1e14 3e14; do
  cells=()
  for experts in 1 2 4 8 16; do
    sparsity=$(awk -v e=$experts 'BEGIN { print (e - 1) / e }')
    for shape in ${shapes[$budget]}; do
      total=$($moescope flops --d-model ${shape%:*} --layers ${shape#*:} --experts $experts \
        --active 1 --vocab 256 --ctx 512 | awk '/^N \(total/ { print $4 }')
      cells+=(--cell "$budget,$total,$sparsity")
    done
  done
  $moescope train plan "${cells[@]}" --corpus debian-v2 --validation-passes 5 --checkpoints 2 \
    --out-dir "$study/grid-$budget"
done

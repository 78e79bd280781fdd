#!/usr/bin/env bash
# The coarse grid of MoEScope's own MoE study (datasets/moe-study/README.md): at each budget, five
# sparsities (E = 1, 2, 4, 8, 16 experts, one active: S = 0, 0.5, 0.75, 0.875, 0.9375) by five
# shapes of the planner's family spanning about 25x in active parameters, written as specs into
# $STUDY/grid-<budget>/ by `moescope train plan --cell`. The shapes move up one step at the largest
# budget, whose smallest model would otherwise train on 1.4 epochs of debian-v2 for little.
#   MOESCOPE=build/moescope STUDY=study training/study/plan_grid.sh             # the first grid
#   MOESCOPE=build/moescope STUDY=study EXTEND=1 training/study/plan_grid.sh    # and its extension
set -euo pipefail
moescope=${MOESCOPE:-build/moescope}
study=${STUDY:-study}
declare -A shapes=([3e13]="64:2 128:2 192:2 256:3 320:3" [1e14]="64:2 128:2 192:3 256:3 320:4"
                   [3e14]="128:2 192:3 256:3 320:4 384:4")
[ "${EXTEND:-0}" = 1 ] || for budget in 3e13 1e14 3e14; do
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

# The first grid showed every curve at 3e13 still falling at its smallest model (`moescope fit
# surface`: "no interior minimum"), so the grid there was extended by one smaller shape, d_model 32
# in one head of 32 (the family's heads of 64 end at d_model 64), written to grid-3e13-small/.
if [ "${EXTEND:-0}" = 1 ]; then
  cells=()
  for experts in 1 2 4 8 16; do
    sparsity=$(awk -v e=$experts 'BEGIN { print (e - 1) / e }')
    total=$($moescope flops --d-model 32 --layers 2 --heads 1 --experts $experts --active 1 \
      --vocab 256 --ctx 512 | awk '/^N \(total/ { print $4 }')
    cells+=(--cell "3e13,$total,$sparsity")
  done
  $moescope train plan "${cells[@]}" --head-size 32 --corpus debian-v2 --validation-passes 5 \
    --checkpoints 2 --out-dir "$study/grid-3e13-small"
fi

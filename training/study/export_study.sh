#!/usr/bin/env bash
# Exports the finished runs of MoEScope's own study (the $STUDY folder that run_study.sh brings
# back) into datasets/moe-study/: runs.json, the store's runs in MoEScope's run format (the
# embedded default data), and results/<run>.json, each run's result.json as the trainer wrote it
# (spec with its "design", commit, device, seconds, validation curve, downstream metrics). Prints
# the totals the dataset's README states.
#   MOESCOPE=build/moescope STUDY=study training/study/export_study.sh
set -euo pipefail
moescope=${MOESCOPE:-build/moescope}
study=${STUDY:-study}
data=datasets/moe-study
mkdir -p $data/results
rm -f $data/results/*.json
for result in "$study"/*/*/result.json; do
  cp "$result" "$data/results/$(basename "$(dirname "$result")").json"
done
$moescope export "$data/runs.json" --store "$study/runs.sqlite"
$moescope report --data "$data/runs.json"
python3 - $data/results <<'PY'
import json, pathlib, sys, collections
results = [json.loads(p.read_text()) for p in sorted(pathlib.Path(sys.argv[1]).glob("*.json"))]
design = collections.Counter(r["spec"].get("design", "").split(":")[0] for r in results)
print(f"{len(results)} runs; designs {dict(design)}; training {sum(r['seconds'] for r in results) / 60:.1f} GPU-minutes;"
      f" {sum(r['flops'] for r in results):.3g} FLOPs (Eq. 9); devices {sorted({r['device'] for r in results})};"
      f" commits {sorted({r['commit'] for r in results})}")
PY

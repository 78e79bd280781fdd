#!/usr/bin/env python3
"""The paper's qualitative findings checked on MoEScope's own study (README, "What MoEScope's own
study shows"): reads `moescope fit surface --json` on the N and the N_a axis and prints, per budget,
the compute-optimal size and loss at each sparsity with their bootstrap intervals, and N_th.

    python3 training/study/findings.py [moescope binary] [--data FILE | --store PATH]
"""
import json
import subprocess
import sys

binary = sys.argv[1] if len(sys.argv) > 1 else "build/moescope"
source = sys.argv[2:] or []


def surfaces(axis):
    out = subprocess.run([binary, "fit", "surface", "--x", axis, "--json", *source],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["surfaces"]


def interval(values, fmt):
    return "[" + ", ".join(fmt % v for v in values) + "]" if values else "-"


by_axis = {axis: surfaces(axis) for axis in ("N", "Na")}
for total, active in zip(by_axis["N"], by_axis["Na"]):
    print(f"C = {total['budget']:.3g}: {total['points']} runs, degrees {total['degrees']}, "
          f"N_th {total.get('threshold_size')}")
    print("| S | L* | 95 % interval | N* | 95 % interval | N_a* | 95 % interval |")
    print("|---|---|---|---|---|---|---|")
    active_by_s = {o["S"]: o for o in active.get("optima_by_sparsity", [])}
    for o in total.get("optima_by_sparsity", []):
        a = active_by_s.get(o["S"], {})
        refused = a.get("refused", "")
        a = {"N": a.get("N_active"), "N_interval": a.get("N_active_interval")}
        print(f"| {o['S']:g} | {o.get('loss', float('nan')):.3f} | "
              f"{interval(o.get('loss_interval'), '%.3f')} | {o.get('N', float('nan')):.3g} | "
              f"{interval(o.get('N_interval'), '%.3g')} | {a.get('N') or float('nan'):.3g} | "
              f"{interval(a.get('N_interval'), '%.3g')} |" + (f" {refused}" if refused else ""))
    for note in total.get("notes", []) + [str(r) for r in total.get("refused", [])]:
        print("note:", note)
    print()

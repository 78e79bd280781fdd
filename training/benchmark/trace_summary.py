#!/usr/bin/env python3
"""Summarises a Kineto trace of training steps (moescope-train --benchmark --profile DIR): where
the GPU's time goes and how much of the wall time it is busy at all.

    python3 training/benchmark/trace_summary.py DIR/*.json

Per trace: the span from the first to the last kernel, the time some kernel runs (the union of
the kernels' intervals), the kernel count and the host's launch calls, then the kernels grouped
by kind and the 12 costliest by name."""
import json
import re
import sys

KINDS = [
    ("MoE grouped GEMM (ours)", r"grouped|expert"),
    ("router / permutation (ours)", r"router|permut|counting|combine|sum_grouped"),
    ("cuBLAS / CUTLASS GEMM", r"gemm|Gemm|GEMM|sm90_|nvjet|cutlass|xmma|wgmma"),
    ("attention", r"flash|fmha|attention|Attention"),
    ("optimizer", r"adam|Adam|multi_tensor|foreach|Foreach"),
    ("reduction", r"reduce|Reduce|norm"),
    ("elementwise", r"elementwise|vectorized|unrolled|Elementwise|copy|fill|cat|index"),
]


def kind_of(name):
    for kind, pattern in KINDS:
        if re.search(pattern, name):
            return kind
    return "other"


def summarise(path):
    with open(path) as handle:
        events = json.load(handle).get("traceEvents", [])
    kernels = [e for e in events if e.get("ph") == "X" and e.get("cat") in ("kernel", "gpu_memcpy", "gpu_memset")]
    runtime = [e for e in events if e.get("ph") == "X" and e.get("cat") == "cuda_runtime"]
    if not kernels:
        print(f"{path}: no kernels in the trace")
        return
    intervals = sorted((e["ts"], e["ts"] + e["dur"]) for e in kernels)
    busy, end = 0.0, intervals[0][0]
    for start, stop in intervals:
        if stop > end:
            busy += stop - max(start, end)
            end = stop
    span = intervals[-1][1] - intervals[0][0]
    launches = {}
    for e in runtime:
        launches[e["name"]] = launches.get(e["name"], 0) + 1
    print(f"## {path}")
    print(f"span {span / 1e3:.2f} ms, GPU busy {busy / 1e3:.2f} ms ({100 * busy / span:.0f} %), "
          f"{len(kernels)} kernels; host: " +
          ", ".join(f"{name} {count}" for name, count in sorted(launches.items(), key=lambda x: -x[1])[:4]))
    by_kind, by_name = {}, {}
    for e in kernels:
        by_kind[kind_of(e["name"])] = by_kind.get(kind_of(e["name"]), 0) + e["dur"]
        entry = by_name.setdefault(e["name"][:90], [0, 0])
        entry[0] += e["dur"]
        entry[1] += 1
    total = sum(by_kind.values())
    for kind, dur in sorted(by_kind.items(), key=lambda x: -x[1]):
        print(f"  {kind:30s} {dur / 1e3:9.2f} ms  {100 * dur / total:5.1f} %")
    print("  costliest kernels:")
    for name, (dur, count) in sorted(by_name.items(), key=lambda x: -x[1][0])[:12]:
        print(f"    {dur / 1e3:8.2f} ms {count:6d}x  {name}")


for trace in sys.argv[1:]:
    summarise(trace)

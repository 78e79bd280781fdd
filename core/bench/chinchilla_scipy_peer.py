#!/usr/bin/env python3
"""The peer of law_fit_benchmark (a): Epoch AI's Chinchilla recipe with SciPy's L-BFGS-B.

Summed Huber (delta 1e-3) of log L - LSE(a - alpha log N, b - beta log D, e) over the 240 points
left after dropping the 5 highest losses, minimised by scipy.optimize.minimize(method="L-BFGS-B",
default options, numerical gradients) from each of the 4,500 starts of Epoch AI's grid; the best
successful start is the fit. One process, one core. Prints the wall time and the fit, so that
MoEScope's C++ fitter and this one can be compared in one run (see docs/benchmarks.md).

Usage: chinchilla_scipy_peer.py PATH/TO/svg_extracted_data.csv   (Debian: python3-scipy)
"""
import csv
import itertools
import sys
import time

import numpy as np
from scipy.optimize import minimize
from scipy.special import huber, logsumexp


def load(path):
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    n = np.array([float(r["Model Size"]) for r in rows])
    c = np.array([float(r["Training FLOP"]) for r in rows])
    loss = np.array([float(r["loss"]) for r in rows])
    keep = loss < np.sort(loss)[-5]  # drop the 5 highest losses, as Epoch AI does
    n, c, loss = n[keep], c[keep], loss[keep]
    return np.log(n), np.log(c / (6 * n)), np.log(loss)


def objective(params, log_n, log_d, log_loss):
    a, b, e, alpha, beta = params
    predicted = logsumexp([a - alpha * log_n, b - beta * log_d, np.full_like(log_n, e)], axis=0)
    return np.sum(huber(1e-3, log_loss - predicted))


def main():
    log_n, log_d, log_loss = load(sys.argv[1])
    grid = itertools.product(np.arange(0, 30, 5), np.arange(0, 30, 5), np.arange(-1, 1.5, 0.5),
                             np.arange(0, 2.5, 0.5), np.arange(0, 2.5, 0.5))
    start = time.perf_counter()
    best, starts = None, 0
    for a, b, e, alpha, beta in grid:
        starts += 1
        result = minimize(objective, [a, b, e, alpha, beta], args=(log_n, log_d, log_loss),
                          method="L-BFGS-B")
        if result.success and (best is None or result.fun < best.fun):
            best = result
    seconds = time.perf_counter() - start
    a, b, e, alpha, beta = best.x
    print(f"scipy L-BFGS-B: {starts} starts, {len(log_n)} points, {seconds:.1f} s wall, "
          f"{starts / seconds:.0f} starts/s")
    print(f"  A={np.exp(a):.2f} B={np.exp(b):.2f} E={np.exp(e):.5f} alpha={alpha:.5f} "
          f"beta={beta:.5f} objective={best.fun:.8f}")


if __name__ == "__main__":
    main()

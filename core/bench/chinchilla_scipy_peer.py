#!/usr/bin/env python3
"""The peer of law_fit_benchmark (a): Epoch AI's Chinchilla recipe with SciPy's L-BFGS-B.

Summed Huber (delta 1e-3) of log L - LSE(a - alpha log N, b - beta log D, e) over the 240 points
left after dropping the 5 highest losses, minimised by scipy.optimize.minimize(method="L-BFGS-B",
default options, numerical gradients) from each of the 4,500 starts of Epoch AI's grid; the best
successful start is the fit. One process, one core. Prints the wall time and the fit, so that
MoEScope's C++ fitter and this one can be compared in one run (see docs/benchmarks.md).

With --bootstrap N it then refits N resamples of the points (drawn with replacement), each from
the best fit and 16 random grid starts, with analytic gradients and tolerances tight enough that
the refit reaches its own minimum (ftol 1e-15, gtol 1e-10), and prints the 95 % percentile
intervals and the time: the peer of law_fit_benchmark (c).

Usage: chinchilla_scipy_peer.py PATH/TO/svg_extracted_data.csv [--bootstrap N]
(Debian: python3-scipy)
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


def objective_and_gradient(params, log_n, log_d, log_loss, weights):
    a, b, e, alpha, beta = params
    terms = np.stack([a - alpha * log_n, b - beta * log_d, np.full_like(log_n, e)])
    predicted = logsumexp(terms, axis=0)
    residual = log_loss - predicted
    small = np.abs(residual) <= 1e-3
    value = np.sum(weights * np.where(small, 0.5 * residual**2, 1e-3 * (np.abs(residual) - 5e-4)))
    slope = -weights * np.where(small, residual, 1e-3 * np.sign(residual))
    share = np.exp(terms - predicted)
    gradient = np.array([np.sum(slope * share[0]), np.sum(slope * share[1]),
                         np.sum(slope * share[2]), np.sum(-slope * share[0] * log_n),
                         np.sum(-slope * share[1] * log_d)])
    return value, gradient


def bootstrap(best, grid, log_n, log_d, log_loss, replicates):
    rng = np.random.default_rng(1)
    start = time.perf_counter()
    fitted = []
    for _ in range(replicates):
        weights = np.bincount(rng.integers(0, len(log_n), len(log_n)),
                              minlength=len(log_n)).astype(float)
        starts = [best] + [grid[i] for i in rng.integers(0, len(grid), 16)]
        results = [minimize(objective_and_gradient, x0, args=(log_n, log_d, log_loss, weights),
                            jac=True, method="L-BFGS-B",
                            options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 15000})
                   for x0 in starts]
        fitted.append(min((r for r in results if r.success), key=lambda r: r.fun).x)
    seconds = time.perf_counter() - start
    fitted = np.array(fitted)
    print(f"scipy bootstrap: {replicates} refits x 17 starts, {seconds:.1f} s wall")
    for name, values in [("A", np.exp(fitted[:, 0])), ("B", np.exp(fitted[:, 1])),
                         ("E", np.exp(fitted[:, 2])), ("alpha", fitted[:, 3]),
                         ("beta", fitted[:, 4])]:
        lo, hi = np.percentile(values, [2.5, 97.5])
        print(f"  {name:5s} 95% [{lo:.4g}, {hi:.4g}]")


def main():
    log_n, log_d, log_loss = load(sys.argv[1])
    replicates = int(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[2] == "--bootstrap" else 0
    grid = [np.array(x) for x in itertools.product(
        np.arange(0, 30, 5), np.arange(0, 30, 5), np.arange(-1, 1.5, 0.5), np.arange(0, 2.5, 0.5),
        np.arange(0, 2.5, 0.5))]
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
    if replicates:
        bootstrap(best.x, grid, log_n, log_d, log_loss, replicates)


if __name__ == "__main__":
    main()

"""Equivalence check: apparat and the Mesa peer give the same outcome distributions.

    python -m benchmarks.mesa_peer.check --runs 3000 --seed 1 --processes 2

Both simulate the baseline; the peer draws from Mesa's own generator, so the two
ensembles share no luck and must agree only within sampling error. Reported side by
side with 95 % intervals: the share of runs in which each contender (or nobody) is
consolidated at the end, and the consolidation month (quartiles with bootstrap
intervals, a Mann-Whitney test and a permutation Kolmogorov-Smirnov test). Every test
enters one Holm-Bonferroni family; the exit status is 1 when some adjusted p-value is
below ``--alpha``.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from math import erfc, sqrt

import numpy as np
from numpy.typing import NDArray

import apparat
from benchmarks.mesa_peer.run import run_peer

Z95 = 1.959963984540054
NOBODY = "nobody"


@dataclass
class Test:
    name: str
    p: float
    adjusted: float = 1.0


def wilson(k: int, n: int) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 * sqrt(p * (1 - p) / n + Z95**2 / (4 * n**2)) / (1 + Z95**2 / n)
    return max(centre - half, 0.0), min(centre + half, 1.0)


def two_proportions(k1: int, n1: int, k2: int, n2: int) -> tuple[float, float, float]:
    """Difference p2 - p1 with its 95 % interval, and the pooled z-test's p-value."""
    p1, p2 = k1 / n1, k2 / n2
    se = sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    pooled = (k1 + k2) / (n1 + n2)
    se0 = sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    p = 1.0 if se0 == 0 else erfc(abs(p2 - p1) / se0 / sqrt(2))
    return p2 - p1, Z95 * se, p


def mann_whitney(x: NDArray[np.float64], y: NDArray[np.float64]) -> float:
    """Two-sided Mann-Whitney U p-value (normal approximation, corrected for ties)."""
    n1, n2 = x.size, y.size
    both = np.concatenate([x, y])
    _, inverse, counts = np.unique(both, return_inverse=True, return_counts=True)
    mid = np.cumsum(counts) - (counts - 1) / 2.0  # mid-ranks of tied groups
    u = mid[inverse[:n1]].sum() - n1 * (n1 + 1) / 2.0
    n = n1 + n2
    var = n1 * n2 / 12.0 * ((n + 1) - (counts**3 - counts).sum() / (n * (n - 1)))
    if var <= 0:
        return 1.0
    return erfc(abs(u - n1 * n2 / 2.0) / sqrt(var) / sqrt(2))


def ks_permutation(
    x: NDArray[np.float64], y: NDArray[np.float64], rng: np.random.Generator, perms: int = 2000
) -> tuple[float, float]:
    """Kolmogorov-Smirnov distance and its permutation p-value (exact under ties)."""
    both = np.concatenate([x, y])
    _, codes = np.unique(both, return_inverse=True)
    bins = codes.max() + 1

    def distance(labels: NDArray[np.bool_]) -> float:
        a = np.cumsum(np.bincount(codes[labels], minlength=bins)) / labels.sum()
        b = np.cumsum(np.bincount(codes[~labels], minlength=bins)) / (~labels).sum()
        return float(np.abs(a - b).max())

    labels = np.arange(both.size) < x.size
    observed = distance(labels)
    hits = sum(distance(rng.permutation(labels)) >= observed - 1e-12 for _ in range(perms))
    return observed, (hits + 1) / (perms + 1)


def quartiles(
    x: NDArray[np.float64], rng: np.random.Generator, boots: int = 1000
) -> list[tuple[float, float, float]]:
    """Q1, median, Q3, each with a 95 % percentile-bootstrap interval."""
    q = (25, 50, 75)
    est = np.percentile(x, q)
    draws = np.percentile(rng.choice(x, (boots, x.size)), q, axis=1)
    lo, hi = np.percentile(draws, [2.5, 97.5], axis=1)
    return [(float(e), float(a), float(b)) for e, a, b in zip(est, lo, hi, strict=True)]


def holm(tests: list[Test]) -> None:
    """Holm-Bonferroni adjusted p-values, in place."""
    order = sorted(range(len(tests)), key=lambda i: tests[i].p)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(tests) - rank) * tests[i].p))
        tests[i].adjusted = running


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--processes", type=int, default=1, help="for the peer's batch_run")
    ap.add_argument("--alpha", type=float, default=0.05, help="family-wise error rate")
    args = ap.parse_args(argv)
    n = args.runs

    t0 = time.perf_counter()
    res = apparat.simulate("bolshevik_1923", runs=n, seed=args.seed, chronicle=False)
    t_apparat = time.perf_counter() - t0
    actors, contender = res.compiled.actors, res.compiled.contender
    out = res.outcomes
    a_dom = [actors[i] if i >= 0 else NOBODY for i in out.dominant_end.tolist()]
    a_month = out.consolidation_month[out.consolidation_month >= 0].astype(np.float64)
    t0 = time.perf_counter()
    peer = run_peer(n, args.seed, processes=args.processes)
    t_peer = time.perf_counter() - t0
    p_dom = [d if d is not None else NOBODY for d in peer["dominant"]]
    p_month = peer["consolidation_month"].to_numpy()
    p_month = p_month[p_month >= 0].astype(np.float64)
    print(f"{n} runs, seed {args.seed}: apparat {t_apparat:.1f} s, Mesa peer {t_peer:.1f} s")
    print(f"(peer: {args.processes} process(es); the two ensembles share no random numbers)\n")

    tests: list[Test] = []
    print("Consolidated at the end (share of runs, 95 % Wilson interval)")
    print(f"{'':12} {'apparat':>24} {'Mesa peer':>24} {'peer - apparat':>22}")
    for who in [a for a, c in zip(actors, contender, strict=True) if c] + [NOBODY]:
        k1, k2 = a_dom.count(who), p_dom.count(who)
        if k1 == 0 and k2 == 0:
            continue
        (l1, h1), (l2, h2) = wilson(k1, n), wilson(k2, n)
        diff, half, p = two_proportions(k1, n, k2, n)
        tests.append(Test(f"P({who})", p))
        print(
            f"{who:12} {k1 / n:8.3f} [{l1:.3f}, {h1:.3f}] {k2 / n:8.3f} [{l2:.3f}, {h2:.3f}]"
            f"   {diff:+.3f} ± {half:.3f}"
        )

    rng = np.random.default_rng(args.seed)
    print("\nConsolidation month (runs with a consolidation; 95 % bootstrap interval)")
    print(f"{'':12} {'apparat':>24} {'Mesa peer':>24}")
    qa, qp = quartiles(a_month, rng), quartiles(p_month, rng)
    for label, (e1, l1, h1), (e2, l2, h2) in zip(("Q1", "median", "Q3"), qa, qp, strict=True):
        print(f"{label:12} {e1:8.1f} [{l1:5.1f}, {h1:5.1f}] {e2:8.1f} [{l2:5.1f}, {h2:5.1f}]")
    print(f"{'mean':12} {a_month.mean():8.2f} {'':15} {p_month.mean():8.2f}")
    print("\nShare of runs consolidating in each month (months with at least 1 % in either)")
    print(f"{'':12} {'apparat':>8} {'':15} {'Mesa peer':>8}")
    for month in np.union1d(a_month, p_month):
        s1, s2 = (a_month == month).sum() / n, (p_month == month).sum() / n
        if max(s1, s2) >= 0.01:
            label = res.compiled.label(int(month))
            print(f"{label:12} {s1:8.3f} {'':15} {s2:8.3f}")
    tests.append(Test("month: Mann-Whitney", mann_whitney(a_month, p_month)))
    ks, p_ks = ks_permutation(a_month, p_month, rng)
    tests.append(Test(f"month: KS (D = {ks:.3f}, permutation)", p_ks))

    holm(tests)
    print(f"\nTests (Holm-Bonferroni over {len(tests)}, family-wise alpha {args.alpha})")
    for t in tests:
        flag = "DIFFERS" if t.adjusted < args.alpha else "ok"
        print(f"  {t.name:40} p = {t.p:.4f}   adjusted {t.adjusted:.4f}   {flag}")
    failed = [t for t in tests if t.adjusted < args.alpha]
    print("\nEquivalent within sampling error." if not failed else "\nDifferences beyond chance.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

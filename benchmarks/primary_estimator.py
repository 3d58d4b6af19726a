"""Firth or weakly informative priors for the primary model? Coverage, false positives, width and speed.

Simulated runners (:func:`analysis.simulate.primary_days.simulate_primary_days`, onset hazard
logit-linear in the two estimands) with 10-40 onsets; for each estimator of
:func:`analysis.stats.primary.fit_primary`: per estimand the coverage of the 95 % interval, the share
of intervals excluding OR 1 (false positives under the null, power otherwise), the median upper /
lower ratio, the share "too imprecise", and the share of *headlined* (status ``estimated``) intervals
excluding 1, with Monte-Carlo standard errors. Seeds start at 100000 (the tests use < 1000).

    PYTHONPATH=. python benchmarks/primary_estimator.py --quick     # 100 runners per scenario
    PYTHONPATH=. python benchmarks/primary_estimator.py             # 400 runners per scenario

Not a timed test; it prints the CPU seconds per fit beside the numbers.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from analysis.simulate.primary_days import simulate_primary_days
from analysis.stats import primary
from analysis.stats.primary_design import load_arrays

SCENARIOS = {
    # name: (n_days, onsets_per_year, share_or, km_or, barefoot probability mean and swing)
    "null, ~15 onsets": (730, 8.0, 1.0, 1.0, (0.4, 0.3)),
    "null, ~30 onsets": (1095, 10.0, 1.0, 1.0, (0.4, 0.3)),
    "null, ~12 onsets, little barefoot": (730, 6.5, 1.0, 1.0, (0.08, 0.05)),
    "planted 1.25/1.3, ~15 onsets": (730, 8.0, 1.25, 1.3, (0.4, 0.3)),
    "planted 1.25/1.3, ~30 onsets": (1095, 10.0, 1.25, 1.3, (0.4, 0.3)),
    "planted 1.6/1.3, ~12 onsets, little barefoot": (730, 6.5, 1.6, 1.3, (0.08, 0.05)),
}


def run(replicates: int, estimators: tuple[str, ...], seed0: int = 100_000) -> None:
    print(f"{replicates} runners per scenario; seeds from {seed0}")
    for name, (n_days, rate, share_or, km_or, bf) in SCENARIOS.items():
        truth = {"barefoot_share_7d": share_or, "km_7d": km_or}
        data = [
            simulate_primary_days(
                n_days, share_or=share_or, km_or=km_or, onsets_per_year=rate, seed=seed0 + r, barefoot_prob=bf
            )
            for r in range(replicates)
        ]
        arrays = [(load_arrays(d), f) for d, f in data]
        print(f"\n== {name}: median onsets "
              f"{np.median([int(f['onset'][f['at_risk'] & f['logged']].sum()) for _, f in data]):.0f}")
        for est in estimators:
            t0 = time.process_time()
            fits = [primary.fit_primary(f, la, estimator=est) for la, f in arrays]
            cpu = (time.process_time() - t0) / len(fits)
            for estimand, true in truth.items():
                rows = [f.rows.set_index("estimand").loc[estimand] for f in fits]
                ok = [r for r in rows if r["status"] in ("estimated", "too imprecise")]
                if not ok:
                    print(f"  {est:6s} {estimand:18s} not estimable in any runner")
                    continue
                lo = np.array([r["ci_low"] for r in ok])
                hi = np.array([r["ci_high"] for r in ok])
                cover = np.mean((lo <= true) & (true <= hi))
                excl = np.mean((lo > 1) | (hi < 1))
                head = np.array([r["status"] == "estimated" for r in ok])
                head_excl = np.mean(head & ((lo > 1) | (hi < 1)))
                width = np.median(hi / lo)
                n = len(ok)

                def se(p: float, n: int = n) -> float:
                    return math.sqrt(p * (1 - p) / n)

                print(
                    f"  {est:6s} {estimand:18s} fitted {n:4d}  coverage {cover:.3f} ({se(cover):.3f})  "
                    f"excl 1 {excl:.3f} ({se(excl):.3f})  headlined & excl 1 {head_excl:.3f}  "
                    f"too imprecise {1 - head.mean():.2f}  median hi/lo {width:.2f}  "
                    f"{1000 * cpu:.1f} ms/fit"
                )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="100 runners per scenario")
    ap.add_argument("--replicates", type=int, default=None)
    ap.add_argument("--estimators", default="firth,prior")
    args = ap.parse_args()
    n = args.replicates or (100 if args.quick else 400)
    run(n, tuple(args.estimators.split(",")))


if __name__ == "__main__":
    main()

"""Does the pooled within-runner model cover the truth in confounded clinics? (METHODS.md 7, "Validation")

ADEMP (Morris, White & Crowther 2019): data from :mod:`benchmarks.generators.clinic`
(numpy only, nothing from ``analysis``): between-runner confounding (higher-risk
runners run more barefoot-style), seasonal barefoot running, heterogeneous footwear
effects. Estimands: rate ratio per +10 points of 7-day barefoot-style share (minus the
runner's usual share at that time, as ``runlog cohort`` and ``runlog report`` model it:
:func:`_usual_share`) and per +10 km over t-7..t-1. Method: :func:`analysis.cohort.model.cohort_region` (the
conditional Poisson stratified by runner, sandwich intervals); beside it the
unstratified pooled logistic model. Measures with Monte-Carlo SEs: coverage, the
false-positive rate in the null, mean bias of the log estimate; and the speed of the
vectorised fit against statsmodels' ``ConditionalPoisson`` measured in the same run.
Targets: coverage 0.93-0.97; false positives <= 5 % in the confounded null.

Scenarios run one after the other; ``--scenario`` runs one (two in parallel on two cores).

Usage::

    PYTHONPATH=. python benchmarks/cohort.py --quick        # 40 clinics per scenario
    PYTHONPATH=. python benchmarks/cohort.py --reps 200     # the result run (a few minutes)
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.cohort.model import cohort_region, design_columns  # noqa: E402
from analysis.stats.conditional_poisson import fit_conditional_poisson  # noqa: E402
from analysis.stats.primary_design import slow_share  # noqa: E402
from benchmarks.generators.clinic import simulate_clinic  # noqa: E402

SCENARIOS = {
    "confounded null": {"beta_share": 0.0, "tau": 0.0, "beta_km": 0.15},
    "heterogeneous effect": {"beta_share": 0.15, "tau": 0.10, "beta_km": 0.15},
}
RESULT_SEED = 700000


def _usual_share(day_number: np.ndarray, km_7d: np.ndarray, barefoot_km_7d: np.ndarray) -> np.ndarray:
    """The runner's usual share (%) per simulated day, by the analysis' own
    :func:`~analysis.stats.primary_design.slow_share` (what the cohort step subtracts); day 0 is 1 January."""
    dates = pd.DatetimeIndex(pd.Timestamp("2001-01-01") + pd.to_timedelta(day_number, unit="D"))
    slow = slow_share(dates, km_7d, barefoot_km_7d)
    return np.zeros(len(dates)) if slow is None else slow


def _mc(p: float, n: int) -> float:
    return math.sqrt(max(p * (1 - p), 1e-12) / n)


def run_scenario(name: str, reps: int, runners: int, days: int, seed0: int) -> dict:
    truth = SCENARIOS[name]
    true_log = {"barefoot_share_7d": truth["beta_share"], "km_7d": truth["beta_km"]}
    cover = {e: [] for e in true_log}
    reject = {e: [] for e in true_log}
    bias = {e: [] for e in true_log}
    naive_bias, naive_reject = [], []
    onsets = []
    for rep in range(reps):
        days_df = simulate_clinic(seed0 + rep, runners=runners, days=days, usual_share=_usual_share, **truth)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            region = cohort_region(days_df)
        onsets.append(region["onsets"])
        for row in region["primary"]:
            e = row["estimand"]
            lo, hi = row["ci"]
            cover[e].append(lo <= math.exp(true_log[e]) <= hi)
            reject[e].append(lo > 1 or hi < 1)
            bias[e].append(math.log(row["estimate"]) - true_log[e])
        naive = region["unstratified"][0]
        naive_bias.append(math.log(naive["estimate"]) - true_log["barefoot_share_7d"])
        naive_reject.append(naive["ci"][0] > 1 or naive["ci"][1] < 1)
    out = {"scenario": name, "reps": reps, "mean_onsets": float(np.mean(onsets))}
    for e in true_log:
        c, r, b = np.mean(cover[e]), np.mean(reject[e]), np.array(bias[e])
        out[e] = {"coverage": (c, _mc(c, reps)), "reject_1": (r, _mc(r, reps)),
                  "bias_log": (b.mean(), b.std(ddof=1) / math.sqrt(reps))}
    nb = np.array(naive_bias)
    out["unstratified_share"] = {"bias_log": (nb.mean(), nb.std(ddof=1) / math.sqrt(reps)),
                                 "reject_1": (np.mean(naive_reject), _mc(np.mean(naive_reject), reps))}
    return out


def speed(runners: int, days: int, seed: int) -> tuple[float, float, float]:
    """(ours s, statsmodels s, max |difference|) on one clinic's estimands and adjustments."""
    from statsmodels.discrete.conditional_models import ConditionalPoisson

    d = simulate_clinic(seed, runners=runners, days=days, usual_share=_usual_share,
                        **SCENARIOS["heterogeneous effect"])
    X, _ = design_columns(d, ("days_since_flare", "season", "km_lag_shape_1"))
    y, g = d["onset"].to_numpy(float), d["runner_id"].to_numpy()
    t0 = time.perf_counter()
    ours = fit_conditional_poisson(y, X, g)
    t1 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = ConditionalPoisson(y, X, groups=g).fit(method="newton", disp=0)
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, float(np.max(np.abs(ours.params - ref.params)))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--runners", type=int, default=50)
    ap.add_argument("--days", type=int, default=730)
    ap.add_argument("--seed", type=int, default=RESULT_SEED)
    ap.add_argument("--quick", action="store_true", help="40 clinics of 30 runners per scenario")
    ap.add_argument("--scenario", choices=list(SCENARIOS), action="append", help="only these (default all)")
    args = ap.parse_args(argv)
    if args.quick:
        args.reps, args.runners = 40, 30
    print(f"{args.reps} clinics x {args.runners} runners x {args.days} days per scenario, seeds from {args.seed}")
    for k, name in enumerate(SCENARIOS):
        if args.scenario and name not in args.scenario:
            continue
        t0 = time.perf_counter()
        r = run_scenario(name, args.reps, args.runners, args.days, args.seed + 100000 * k)
        print(f"\n{name} (mean onsets per clinic {r['mean_onsets']:.0f}; {time.perf_counter() - t0:.0f} s)")
        for e in ("barefoot_share_7d", "km_7d"):
            m = r[e]
            label = "false positives" if (e == "barefoot_share_7d" and SCENARIOS[name]["beta_share"] == 0) \
                else "power (CI excludes 1)"
            print(f"  {e:18s} coverage {m['coverage'][0]:.3f} ({m['coverage'][1]:.3f})  "
                  f"{label} {m['reject_1'][0]:.3f} ({m['reject_1'][1]:.3f})  "
                  f"bias(log) {m['bias_log'][0]:+.4f} ({m['bias_log'][1]:.4f})")
        u = r["unstratified_share"]
        print(f"  unstratified pooled logistic (share not centred), barefoot_share_7d: bias(log) {u['bias_log'][0]:+.4f} "
              f"({u['bias_log'][1]:.4f}), CI excludes 1: {u['reject_1'][0]:.3f} "
              f"({u['reject_1'][1]:.3f})")
    ours, ref, diff = speed(200, args.days, args.seed + 999)
    print(f"\nspeed, 200 runners x {args.days} days, 6 columns: vectorised {ours:.3f} s, statsmodels "
          f"ConditionalPoisson (newton) {ref:.3f} s, ratio {ours / ref:.3f}; max |coef difference| {diff:.1e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

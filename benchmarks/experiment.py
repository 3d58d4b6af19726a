"""Does the footwear self-experiment's analysis hold its error rates? (issue [K], METHODS.md 8)

Simulates randomised ABAB-style block experiments with a generator that shares
no code with runlog (it imports numpy and pandas only; the analysis is imported
in :func:`analyse` alone), runs :func:`analysis.experiment.analyse_experiment`
on the frames and prints, with Monte-Carlo standard errors (ADEMP: Morris,
White & Crowther 2019, Stat Med 38:2074):

* type I error with no effect: how often the 95 % interval excludes 0, and how
  often the randomisation p is <= 0.05 (it cannot be below ``2 / 2**pairs``:
  0.5, 0.25, 0.125 with 4, 6, 8 blocks, so that rate is 0 by construction);
* power for a true 1-point difference (steady state, full adherence) with 4,
  6 and 8 blocks of 14 days;
* coverage of the 95 % interval (target 0.93-0.97) and bias, against the
  intention-to-treat estimand;
* the same coverage for two day-level models that were considered and
  rejected (GLSAR AR(1) and OLS with Newey-West errors, condition + linear
  trend, computed here on the same data).

The generator (per replicate, one region, right side, morning item only):

* latent pain = base (1.5-3.5) + linear drift (N(0, 0.005) points/day) + a
  slow AR(1) component (phi 0.98, SD 0.4: slowly varying vulnerability) + a
  fast AR(1) component (phi 0.5-0.8, SD 0.6-1.0) + effect x exposure;
* exposure follows the share of km in condition B with a carry-over: it moves
  towards the current day's share with a time constant of 2 days (95 % switched
  after 6 days; the plan's wash-out is 3 days), and rest days keep it;
* runs on 5 of 7 days, 5-12 km; each run is in the planned footwear with the
  block's adherence (0.92, or 0.6 in 15 % of blocks), else in the other;
* reported pain = the latent rounded and clipped to 0-10 (ordinal, with many
  zeros where the base is low); 10-30 % of mornings missing at random, plus a
  3-6-day gap (a holiday) in 30 % of experiments.

The estimand is the intention-to-treat difference in expected reported morning
pain between B and A analysed days; it is smaller than the planted effect
(adherence, carry-over, clipping at 0) and is computed as the mean
complete-data difference over ``--truth-reps`` replicates on seeds of their own.

Seeds: development used seeds 0-59999 (``--seed-base 0``); the figures in
``benchmarks/README.md`` use ``--seed-base 1000000`` (seeds 1,000,000 +
10,000 x scenario + replicate), truth seeds from 9,000,000.

Usage: ``python benchmarks/experiment.py [--reps 300] [--seed-base 1000000] [--quick]``
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

CONDITIONS = ("barefoot-style", "traditional")  # A, B
CLASS_OF = {"barefoot-style": "minimalist", "traditional": "traditional"}
BLOCK_DAYS = 14
WASHOUT_DAYS = 3
SCENARIOS = [(0.0, 4), (0.0, 6), (0.0, 8), (1.0, 4), (1.0, 6), (1.0, 8)]


# ---------------------------------------------------------------------------
# the generator (no runlog code)
# ---------------------------------------------------------------------------


def _ar1(rng: np.random.Generator, n: int, phi: float, sd: float) -> np.ndarray:
    out = np.empty(n)
    out[0] = rng.normal(0, sd)
    eps = rng.normal(0, sd * math.sqrt(1 - phi**2), n)
    for t in range(1, n):
        out[t] = phi * out[t - 1] + eps[t]
    return out


def simulate(seed: int, n_blocks: int, effect: float, start: str = "2026-03-02", frames: bool = True) -> dict:
    """One experiment: the complete data, and (``frames``) the plan, the runs and the diary as frames."""
    rng = np.random.default_rng(seed)
    pairs = n_blocks // 2
    order = [c for f in rng.integers(0, 2, pairs) for c in (CONDITIONS if f == 0 else CONDITIONS[::-1])]
    n = n_blocks * BLOCK_DAYS
    block = np.arange(n) // BLOCK_DAYS
    cond = np.asarray(order, dtype=object)[block]
    washout = (np.arange(n) % BLOCK_DAYS) < WASHOUT_DAYS
    dates = pd.date_range(start, periods=n, freq="D")
    # footwear: adherence per block, runs 5 of 7 days
    adherence = np.where(rng.random(n_blocks) < 0.15, 0.6, 0.92)
    run = rng.random(n) < 5 / 7
    planned_b = cond == CONDITIONS[1]
    kept = rng.random(n) < adherence[block]
    in_b = np.where(kept, planned_b, ~planned_b)
    km = rng.uniform(5, 12, n)
    # exposure to B with carry-over (time constant 2 days); rest days keep the last share
    alpha = 1 - math.exp(-1 / 2.0)
    exposure = np.empty(n)
    level, share = float(planned_b[0]), float(planned_b[0])
    for t in range(n):
        if run[t]:
            share = float(in_b[t])
        level += alpha * (share - level)
        exposure[t] = level
    base = rng.uniform(1.5, 3.5)
    drift = rng.normal(0, 0.005) * np.arange(n)
    latent = (base + drift + _ar1(rng, n, 0.98, 0.4) + _ar1(rng, n, rng.uniform(0.5, 0.8), rng.uniform(0.6, 1.0))
              + effect * exposure)
    pain = np.clip(np.round(latent), 0, 10)
    missing = rng.random(n) < rng.uniform(0.1, 0.3)
    if rng.random() < 0.3:
        g = int(rng.integers(0, n - 6))
        missing[g : g + int(rng.integers(3, 7))] = True
    out = {"complete": pain, "observed": np.where(missing, np.nan, pain), "is_b": planned_b, "washout": washout,
           "block": block}
    if not frames:
        return out
    plan = pd.DataFrame({"date": dates, "block": block + 1, "pair": block // 2 + 1, "condition": cond,
                         "arm": np.where(planned_b, "B", "A"), "washout": washout, "weekly_km": np.nan})
    runs = pd.DataFrame({"date": dates[run], "distance_m": km[run] * 1000,
                         "shoe_class": [CLASS_OF[CONDITIONS[int(b)]] for b in in_b[run]]})
    diary = pd.DataFrame({"date": dates[~missing], "time_of_day": "morning", "region": "achilles", "side": "R",
                          "pain": pain[~missing].astype(int), "activity_id": pd.NA, "notes": pd.NA})
    return {**out, "plan": plan, "runs": runs, "pain": diary}


def itt_truth(n_blocks: int, effect: float, reps: int, base: int) -> tuple[float, float]:
    """The estimand: mean complete-data difference (B - A) over analysed days, and its Monte-Carlo SE."""
    diffs = []
    for i in range(reps):
        s = simulate(base + i, n_blocks, effect, frames=False)
        keep = ~s["washout"]
        y, b = s["complete"][keep], s["is_b"][keep]
        diffs.append(y[b].mean() - y[~b].mean())
    return float(np.mean(diffs)), float(np.std(diffs, ddof=1) / math.sqrt(reps))


def day_level(s: dict) -> dict[str, tuple[float, float]]:
    """The rejected comparators: GLSAR AR(1) and OLS + Newey-West on analysed days (condition + trend)."""
    import statsmodels.api as sm

    keep = ~s["washout"] & np.isfinite(s["observed"])
    t = np.arange(len(keep))[keep] / 7.0
    x = sm.add_constant(np.column_stack([s["is_b"][keep].astype(float), t - t.mean()]))
    y = s["observed"][keep]
    out = {}
    lags = int(math.floor(4 * (len(y) / 100) ** (2 / 9)))
    hac = sm.OLS(y, x).fit(cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True}, use_t=True)
    out["OLS + Newey-West (days)"] = tuple(hac.conf_int()[1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gls = sm.GLSAR(y, x, rho=1).iterative_fit(maxiter=10)
    out["GLSAR AR(1) (days)"] = tuple(gls.conf_int()[1])
    return out


# ---------------------------------------------------------------------------
# the analysis under test
# ---------------------------------------------------------------------------


def analyse(s: dict) -> dict:
    from analysis.experiment import analyse_experiment

    res = analyse_experiment(s["plan"], s["runs"], s["pain"], flareups=False)
    return res.regions["achilles"]


def _rate(hits: int, n: int) -> str:
    p = hits / n if n else float("nan")
    return f"{p:.3f} (MCSE {math.sqrt(p * (1 - p) / n):.3f})" if n else "-"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=300, help="replicates per scenario (default 300)")
    ap.add_argument("--truth-reps", type=int, default=4000, help="replicates for the ITT estimand (default 4000)")
    ap.add_argument("--seed-base", type=int, default=1_000_000,
                    help="first seed (development used 0; the reported figures 1000000)")
    ap.add_argument("--quick", action="store_true", help="60 replicates and 1000 for the truth (a look, ~1 min)")
    args = ap.parse_args(argv)
    if args.quick:
        args.reps, args.truth_reps = 60, 1000
    print(f"experiment benchmark: {args.reps} replicates per scenario, seeds {args.seed_base}+, "
          f"{BLOCK_DAYS}-day blocks, {WASHOUT_DAYS}-day wash-out")
    t0 = time.time()
    for k, (effect, n_blocks) in enumerate(SCENARIOS):
        truth, truth_se = itt_truth(n_blocks, effect, args.truth_reps, 9_000_000 + 100_000 * k)
        est, cover, reject, rand05, at_floor, widths, insufficient = [], 0, 0, 0, 0, [], 0
        other: dict[str, int] = {}
        n_ok = 0
        floor = min(1.0, 2 / 2 ** (n_blocks // 2))
        for i in range(args.reps):
            s = simulate(args.seed_base + 10_000 * k + i, n_blocks, effect)
            r = analyse(s)
            if r["status"] != "estimated" or not r["ci"] or r["ci"][0] is None:
                insufficient += 1
                continue
            n_ok += 1
            low, high = r["ci"]
            est.append(r["estimate"])
            widths.append(high - low)
            cover += low <= truth <= high
            reject += low > 0 or high < 0
            rand05 += r["p_randomisation"] <= 0.05
            at_floor += r["p_randomisation"] <= floor + 1e-9
            for name, (lo, hi) in day_level(s).items():
                other[name] = other.get(name, 0) + (lo <= truth <= hi)
        label = "no effect" if effect == 0 else f"true effect {effect:g} point (steady state)"
        print(f"\n{n_blocks} blocks, {label}: ITT estimand {truth:+.3f} (MCSE {truth_se:.3f}); "
              f"{n_ok} of {args.reps} analysed ({insufficient} insufficient data)")
        print(f"  bias {np.mean(est) - truth:+.3f} (MCSE {np.std(est, ddof=1) / math.sqrt(n_ok):.3f}), "
              f"empirical SE {np.std(est, ddof=1):.3f}, mean 95 % CI width {np.mean(widths):.2f}")
        print(f"  coverage of the 95 % CI: {_rate(cover, n_ok)}")
        if effect == 0:
            from scipy import stats

            df = n_blocks - 3
            mdd = (stats.t.ppf(0.975, df) + stats.t.ppf(0.80, df)) * np.std(est, ddof=1)
            print(f"  smallest ITT difference detectable with 80 % power: about {mdd:.1f} points "
                  f"((t 0.975 + t 0.80 on {df} df) x empirical SE)")
        what = "type I error" if effect == 0 else "power"
        print(f"  {what}, 95 % CI excludes 0: {_rate(reject, n_ok)}")
        print(f"  {what}, randomisation p <= 0.05: {_rate(rand05, n_ok)} (smallest possible p {floor:.3g}; "
              f"p at that floor in {_rate(at_floor, n_ok)})")
        for name, hits in other.items():
            print(f"  rejected alternative, {name}: coverage {_rate(hits, n_ok)}")
        sys.stdout.flush()
    print(f"\n{time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

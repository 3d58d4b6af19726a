"""Does runlog find what was planted, and nothing when nothing was? (issues [B], [F])

Simulates K runners with planted effects and K under each of two nulls, writes
each one in real formats (Strava export, pain diary, drills log, shoes catalog),
runs runlog's own pipeline on the written files (readers, footwear, flare-up
detection, findings), and prints:

* onset detection precision and recall against ``truth.json`` (within +-1 day,
  per region and side);
* coverage of the 95 % CIs of every planted hazard effect (runners whose region
  had enough onsets to be modelled);
* the false-positive rate under two nulls: (1) a flat daily hazard (no effect
  at all: ``--null``), per test before and after Benjamini-Hochberg FDR; (2) no
  footwear effect (the barefoot-share coefficient 0, load effects kept): how
  often the barefoot-share term's CI excludes 1, and how often the per-km rate
  ratio's CI does (the rate ratio is not adjusted for distance: barefoot runs
  are shorter, so some excess there is confounding, which is why the adjusted
  hazard term is the primary one).

Targets (issue [F]): coverage >= 0.93, false positives <= 5 %.

Usage: ``python benchmarks/validity.py [--k 100] [--days 730] [--workers 2]``
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

TERMS = (
    "km_lag_1_3", "km_lag_4_7", "km_lag_8_14", "km_lag_15_28", "barefoot_share_lag_1_7",
    "spike_small", "spike_moderate", "spike_large", "drill_days_lag_1_7",
)


def one_runner(args: tuple[int, str, int]) -> dict:
    """Simulate, write, read back with runlog, analyse; return what to score."""
    from analysis.findings import findings
    from analysis.flareups import daily_pain, detect_flareups
    from analysis.io.drills import read_drills
    from analysis.io.pain_diary import read_pain_diary
    from analysis.pipeline import Inputs, load_runs
    from analysis.simulate import simulate_runner, write_runner

    seed, scenario, days = args
    overrides = {}
    if scenario == "no_footwear_effect":
        from analysis.simulate.params import make_params

        coefs = {r: dict(c, barefoot_share_lag_1_7=0.0) for r, c in make_params().coefficients.items()}
        overrides["coefficients"] = coefs
    runner = simulate_runner(seed, days=days, null=(scenario == "flat_null"), samples=False, **overrides)
    truth = runner.truth
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        write_runner(runner, out, write_files=False)
        inputs = Inputs(sources=[out / "export.zip"], pain=out / "pain.csv", shoes=out / "shoes.csv",
                        drills=out / "drills.csv")
        result, _ = load_runs(inputs, tz=truth["tz"], progress=False, samples=False)
        pain = read_pain_diary(inputs.pain)
        drills = read_drills(inputs.drills)
    episodes = detect_flareups(daily_pain(pain))
    found = findings(result.runs, pain, drills, sensitivity=False)
    return {"seed": seed, "scenario": scenario, "truth": {"onsets": truth["onsets"],
            "coefficients": truth["hazard"]["coefficients"]},
            "detected": [{"region": r, "side": side, "date": str(pd.Timestamp(d).date())}
                         for r, s, d in episodes[["region", "side", "onset_date"]].itertuples(index=False)
                         for side in (("L", "R") if s == "B" else (s,))],  # B: both sides
            "findings": found}


def detection_scores(res: list[dict]) -> tuple[float, float, int, int]:
    """Precision and recall of detected onsets (region, side, date +-1 day)."""
    tp = n_true = n_found = 0
    for r in res:
        true = [(reg, side, pd.Timestamp(o["date"])) for reg, lst in r["truth"]["onsets"].items()
                for o in lst for side in o["sides"]]
        found = [(d["region"], d["side"], pd.Timestamp(d["date"])) for d in r["detected"]]
        n_true += len(true)
        n_found += len(found)
        unmatched = list(true)
        for reg, side, day in found:
            hit = next((t for t in unmatched if t[0] == reg and t[1] == side and abs((t[2] - day).days) <= 1), None)
            if hit is not None:
                unmatched.remove(hit)
                tp += 1
    precision = tp / n_found if n_found else math.nan
    recall = tp / n_true if n_true else math.nan
    return precision, recall, n_found, n_true


def primary_effects(r: dict):
    for region, block in r["findings"]["regions"].items():
        for e in block.get("effects", []):
            if e.get("primary") and e.get("estimate") is not None and e.get("ci"):
                yield region, e


def coverage(res: list[dict]) -> pd.DataFrame:
    rows = []
    for r in res:
        coefs = r["truth"]["coefficients"]
        for region, e in primary_effects(r):
            if e["term"] not in coefs.get(region, {}):
                continue
            true_or = math.exp(coefs[region][e["term"]])
            lo, hi = e["ci"]
            rows.append({"region": region, "term": e["term"], "covered": lo <= true_or <= hi})
    return pd.DataFrame(rows)


def null_tests(res: list[dict], terms=TERMS) -> pd.DataFrame:
    """One row per primary test under a null: term, CI excludes OR 1, q < 0.05."""
    rows = []
    for r in res:
        for region, e in primary_effects(r):
            if e["term"] in terms:
                lo, hi = e["ci"]
                rows.append({"region": region, "term": e["term"], "ci_excludes_1": not (lo <= 1.0 <= hi),
                             "q_below_0.05": e.get("q") is not None and e["q"] < 0.05})
    return pd.DataFrame(rows, columns=["region", "term", "ci_excludes_1", "q_below_0.05"])


def false_positives(res: list[dict], terms=TERMS) -> dict:
    tests = null_tests(res, terms)
    n = len(tests)
    return {"tests": n, "ci_excludes_1": tests["ci_excludes_1"].mean() if n else math.nan,
            "q_below_0.05": tests["q_below_0.05"].mean() if n else math.nan}


def rate_ratio_fp(res: list[dict]) -> tuple[float, int]:
    n = excl = 0
    for r in res:
        for block in r["findings"]["regions"].values():
            rr = block.get("rate_ratio") or {}
            ci = rr.get("ci")
            if ci and ci[0] is not None and ci[1] is not None:
                n += 1
                excl += not (ci[0] <= 1.0 <= ci[1])
    return (excl / n if n else math.nan), n


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--k", type=int, default=100, help="runners per scenario (100)")
    ap.add_argument("--days", type=int, default=730, help="days per runner (730)")
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--seed", type=int, default=1000, help="first seed")
    ap.add_argument("--json", metavar="FILE", help="also write the raw per-runner results")
    args = ap.parse_args(argv)
    scenarios = ("planted", "flat_null", "no_footwear_effect")
    jobs = [(args.seed + i, s, args.days) for s in scenarios for i in range(args.k)]
    t0 = time.perf_counter()
    results: dict[str, list[dict]] = defaultdict(list)
    failures = 0
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        for job, res in zip(jobs, pool.map(_safe, jobs, chunksize=1), strict=True):
            if res is None:
                failures += 1
                print(f"runner {job} failed", file=sys.stderr)
            else:
                results[job[1]].append(res)
    print(f"{len(jobs)} simulated runners ({args.k} per scenario, {args.days} days each) "
          f"in {time.perf_counter() - t0:.0f} s; {failures} failed")

    p, r, nf, nt = detection_scores(results["planted"] + results["flat_null"])
    print(f"onset detection: precision {p:.3f}, recall {r:.3f} ({nf} detected, {nt} true; +-1 day)")

    cov = coverage(results["planted"])
    if len(cov):
        print(f"coverage of 95 % CIs, planted effects: {cov['covered'].mean():.3f} over {len(cov)} CIs "
              "(target >= 0.93)")
        table = cov.groupby("term")["covered"].agg(["mean", "size"]).rename(columns={"mean": "coverage", "size": "n"})
        print(table.round(3).to_string())
    fp = false_positives(results["flat_null"])
    print(f"null 1, flat daily hazard: {fp['tests']} primary tests; CI excludes OR 1 in "
          f"{100 * fp['ci_excludes_1']:.1f} %, q < 0.05 after FDR in {100 * fp['q_below_0.05']:.1f} % (target <= 5 %)")
    tests = null_tests(results["flat_null"])
    if len(tests):
        by_term = tests.groupby("term")["ci_excludes_1"].agg(["mean", "size"])
        print(by_term.rename(columns={"mean": "ci_excludes_1", "size": "n"}).round(3).to_string())
    fp2 = false_positives(results["no_footwear_effect"], terms=("barefoot_share_lag_1_7",))
    rr, nrr = rate_ratio_fp(results["no_footwear_effect"])
    print(f"null 2, no footwear effect: barefoot-share term CI excludes 1 in {100 * fp2['ci_excludes_1']:.1f} % "
          f"of {fp2['tests']}; per-km rate ratio CI excludes 1 in {100 * rr:.1f} % of {nrr} (unadjusted)")
    if args.json:
        Path(args.json).write_text(json.dumps({k: v for k, v in results.items()}, default=str))
    return 0


def _safe(job):
    try:
        return one_runner(job)
    except Exception as exc:  # a benchmark reports failures, it does not stop on them
        print(f"runner {job}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return None


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())

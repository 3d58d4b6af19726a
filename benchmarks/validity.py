"""Does runlog's primary model find what was planted, and nothing when nothing was? (issue [J] 7)

A simulation study in the ADEMP frame (Morris, White & Crowther 2019, Stat Med
38:2074), METHODS.md 5 "Validation":

* **Aims**: bias, coverage, power and interval width of the two page-1
  estimands, and the false-positive rate of page-1 claims, when the data come
  from a process runlog did not write.
* **Data-generating mechanisms**: :mod:`benchmarks.generators.runner` (training,
  footwear, flare-ups; numpy/pandas only, no ``analysis`` import, none of the
  model's functional forms) and :mod:`benchmarks.generators.diary` (the diary
  a person writes). Scenarios: :data:`benchmarks.generators.runner.SCENARIOS`.
* **Estimands**: per watched region, the OR of an onset per +10 points of
  7-day barefoot-style share and per +10 km over t-7..t-1 (their true values:
  the runner module's notes, "Truth").
* **Methods**: runlog's public contract only,
  ``analysis.findings.findings(runs, pain, sensitivity=False)``, reading
  ``regions[region]["primary"]``.
* **Performance measures**, per scenario x estimand x true value, each with its
  Monte-Carlo SE (bootstrap over runners, as a runner's two regions share one
  training history): share ``estimated``; bias of the log OR; coverage of the
  95 % CI; the share of CIs that exclude 1 on the side of the truth (power;
  where the truth is OR 1, the share excluding 1 on either side: the false-
  positive rate); page-1 claims among all analysed estimands (a claim is an
  ``estimated`` estimand whose CI excludes 1); the median CI width (upper /
  lower). On null scenarios also the flare-up detector's false onsets per
  region-year, if the findings carry ``episodes``.
* **The pain trend** (the secondary model, ``regions[region]["pain_trend"]``):
  false positives of its two load terms in the null scenarios; under
  ``pain_effect`` (load and barefoot-style km raise the pain level with an
  exponential lag, no effect on flare-ups) bias, coverage, power and width
  against the generator's truth in points of morning pain per +10 km.

Targets: coverage 0.93-0.97; page-1 false positives <= 5 % in every null
scenario. The seeds used while developing the generators and this script are
:data:`TUNING_SEEDS`; results are to be read from seeds outside that range
(the default start, :data:`RESULT_SEED`, is).

Usage::

    python benchmarks/validity.py --quick                 # development: 6 runners per scenario
    python benchmarks/validity.py --runners 50            # the result run
    python benchmarks/validity.py --runners 50 --seeds 200000 --json raw.json
    python benchmarks/validity.py --runners 100 --seeds 1210000 --follow 28   # + page 1's absolute risk
                                                                              #   against the 28 days after
    python benchmarks/validity.py --runners 100 --seeds 1220000 --risk-json risk.json  # keep the risk rows
    python benchmarks/validity.py --rescore risk.json                                # their tables again

Page 1's absolute risk is also scored, by default, against the generator's *true* 28-day risk under
each of runlog's three plans (:mod:`benchmarks.generators.forward`, "now" = the last day of the load
runlog used): coverage of its 95 % intervals, calibration, ranking, width, and the bias of the two
alternatives' differences from "the last 4 weeks" (:func:`print_risk_truth`; ``--no-risk-truth``
skips it).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
import warnings
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python benchmarks/validity.py` from the checkout
    sys.path.insert(0, str(ROOT))

from benchmarks.generators.forward import true_risk  # noqa: E402
from benchmarks.generators.runner import ESTIMANDS, PAIN_TERMS, SCENARIOS, simulate_runner  # noqa: E402

#: seeds used while developing the generators, this harness and the candidates measured with it (never
#: for results): 0-9999 until session 6, then 10000-10149, 11000-11048 and 12000-12199 (session 7)
TUNING_SEEDS = (0, 99_999)
#: the first seed of a result run by default
RESULT_SEED = 100_000
#: days either side for a detected onset to match a planted one
MATCH_DAYS = 2
BOOTSTRAP = 400
# PAIN_TERMS: the pain trend's load terms (the secondary model, analysis.stats.pain_series); their truth is 0
# in the null scenarios and the generator's in pain_effect (params["pain_truth"]); the scenarios that plant
# an effect on flare-ups only have no single truth for them (the model adjusts for flare history)
#: the absolute-risk row scored with --follow: the chance of an onset in the next 28 days under the last
#: 4 weeks' training, set against what the simulated runner did next (it trains on by its own plan)
RISK_SCENARIO = "last 4 weeks"
#: futures of the latent vulnerability behind each true risk (benchmarks.generators.forward.true_risk)
TRUTH_DRAWS = 2000
NOT_AVAILABLE = "primary estimands not available in this build"


def one_runner(job: tuple) -> dict:
    """Simulate one runner, run runlog's findings on it, return what to score.

    ``job`` is (scenario, seed, years) or (scenario, seed, years, flare rule name[, interval variance[,
    days followed after the diary[, absolute risk's intercept[, futures of the true risk (0: none)[, the
    absolute risk's covariance]]]]]).
    """
    from analysis.findings import findings
    from analysis.stats import primary
    from analysis.stats.absolute_risk import SCENARIOS as PLANS

    scenario, seed, years = job[:3]
    if len(job) > 4 and job[4]:  # this process's fits use another interval variance (primary.VARIANCES)
        primary.VARIANCE = job[4]
    if len(job) > 6 and job[6]:  # and another intercept for the absolute risk (primary.RISK_INTERCEPTS)
        primary.RISK_INTERCEPT = job[6]
    if len(job) > 8 and job[8]:  # and another covariance for its draws (primary.RISK_COVARIANCES)
        primary.RISK_COVARIANCE = job[8]
    flare_params = {"rule": job[3]} if len(job) > 3 and job[3] else None
    follow_days = int(job[5]) if len(job) > 5 and job[5] else 0
    truth_draws = int(job[7]) if len(job) > 7 and job[7] else 0
    t0 = time.perf_counter()
    sim = simulate_runner(seed, scenario, years=years, follow_days=follow_days)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = findings(sim.runs, sim.pain, sensitivity=False, flare_params=flare_params)
    regions = out.get("regions", {})
    available = any("primary" in block for block in regions.values())
    rows = []
    detection = []
    trend = []
    risk = []
    risk_truth = []
    # "now" of page 1's risk: the last day of the load runlog used (analysis.stats.absolute_risk: loads.dates[-1]),
    # which is the analysis period's end, the last diary entry (its load is built up to that day)
    now = (out.get("period") or {}).get("end")
    truths = true_risk(sim, now, PLANS, draws=truth_draws) if truth_draws and now else {}
    for region in sim.params["watched"]:
        block = regions.get(region, {})
        truth = sim.truth[region]
        by_name = {e.get("estimand"): e for e in block.get("primary", []) or []}
        for estimand in ESTIMANDS:
            e = by_name.get(estimand, {})
            ci = e.get("ci") or [None, None]
            rows.append(
                {
                    "scenario": scenario,
                    "seed": seed,
                    "region": region,
                    "estimand": estimand,
                    "truth": truth[estimand],
                    "truth_event_weighted": truth.get(f"{estimand}_event_weighted", truth[estimand]),
                    "status": e.get("status", "missing"),
                    "estimate": e.get("estimate"),
                    "ci_low": ci[0],
                    "ci_high": ci[1],
                    "p": e.get("p"),
                    "events": e.get("events"),
                    "message": e.get("message") or block.get("message"),
                }
            )
        pain_truth = sim.params.get("pain_truth", {}).get(region, {})
        for term in (block.get("pain_trend") or {}).get("terms", []):
            if term.get("term") in PAIN_TERMS and term.get("estimate") is not None:
                lo, hi = term.get("ci") or [None, None]
                trend.append({"scenario": scenario, "seed": seed, "region": region, "term": term["term"],
                              "estimate": term["estimate"], "ci_low": lo, "ci_high": hi,
                              "truth": pain_truth.get(term["term"], math.nan)})
        if follow_days:
            # (not `now`: that is the day the true risks below start from)
            row4w = next((a for a in block.get("absolute_risk") or [] if a.get("scenario") == RISK_SCENARIO), {})
            seen = sim.params["follow"][region]
            risk.append({"scenario": scenario, "seed": seed, "region": region,
                         "status": row4w.get("status", "missing"), "risk": row4w.get("risk_28d"),
                         "ci": row4w.get("ci"), "message": row4w.get("message"),
                         "at_risk_after": seen["at_risk_after"], "onset": seen["onset_within"] is not None})
        if region in truths:
            tr = truths[region]
            given = {a.get("scenario"): a for a in block.get("absolute_risk") or []}
            for plan in PLANS:
                a = given.get(plan, {})
                lo, hi = a.get("ci") or [None, None]
                risk_truth.append({"scenario": scenario, "seed": seed, "region": region, "plan": plan,
                                   "status": a.get("status", "missing"), "risk": a.get("risk_28d"),
                                   "ci_low": lo, "ci_high": hi, "message": a.get("message"),
                                   "truth": tr["risk"][plan], "truth_mc_se": tr["mc_se"][plan],
                                   "truth_marginal": tr["risk_marginal"][plan], "latent_now": tr["latent_now"],
                                   "at_risk_next": tr["at_risk_next"], "at_risk_days": tr["at_risk_days"],
                                   "now": now, "diary_end": sim.params["diary_end"]})
        episodes = block.get("episodes")
        planted = sim.flares[sim.flares["region"] == region]["onset"]
        detection.append(
            {
                "region": region,
                "region_years": sim.params["diary_days"] / 365.25,
                "planted": int(len(planted)),
                **(_match(planted, episodes) if episodes is not None else {}),
            }
        )
    return {
        "scenario": scenario,
        "seed": seed,
        "available": available,
        "rows": rows,
        "detection": detection,
        "pain_trend": trend,
        "risk": risk,
        "risk_truth": risk_truth,
        "planted_onsets": int(len(sim.flares)),
        "seconds": time.perf_counter() - t0,
    }


def _match(planted: pd.Series, episodes: list[dict]) -> dict:
    """Detected onsets matched one-to-one to planted ones within +-MATCH_DAYS (sides merged)."""
    found = sorted(pd.Timestamp(ep["onset"]) for ep in episodes if ep.get("onset"))
    todo = sorted(pd.Timestamp(d) for d in planted)
    hits = 0
    for d in found:
        near = [p for p in todo if abs((p - d).days) <= MATCH_DAYS]
        if near:
            todo.remove(min(near, key=lambda p: abs((p - d).days)))
            hits += 1
    return {"detected": len(found), "matched": hits, "false": len(found) - hits}


def _safe(job):
    try:
        return one_runner(job)
    except Exception as exc:  # a benchmark reports failures, it does not stop on them
        return {"scenario": job[0], "seed": job[1], "error": f"{type(exc).__name__}: {exc}"}


# --- performance measures ---------------------------------------------------------------------------------


def _columns(df: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per runner-region arrays the measures are means or medians of (NaN where not `estimated`)."""
    lo, hi, e, t = (df[c].to_numpy(dtype=float) for c in ("ci_low", "ci_high", "estimate", "truth"))
    est = (df["status"] == "estimated").to_numpy() & np.isfinite(lo) & np.isfinite(hi) & np.isfinite(e)
    null = np.isclose(t, 1.0)
    excl = (lo > 1) | (hi < 1)
    reject = np.where(null, excl, np.where(t > 1, lo > 1, hi < 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            "estimated": est.astype(float),
            "claims_all": (est & excl).astype(float),
            "bias": np.where(est, np.log(e) - np.log(t), np.nan),
            "coverage": np.where(est, (lo <= t) & (t <= hi), np.nan),
            "reject": np.where(est, reject, np.nan),
            "width": np.where(est, hi / lo, np.nan),
        }


def _summarise(cols: dict[str, np.ndarray], idx: np.ndarray | slice = slice(None)) -> dict[str, float]:
    out = {}
    for k, v in cols.items():
        x = v[idx]
        x = x[np.isfinite(x)]
        out[k] = (float(np.median(x)) if k == "width" else float(np.mean(x))) if len(x) else math.nan
    return out


def performance(rows: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Performance per scenario x estimand x truth group, with bootstrap MC SEs over runners.

    The bootstrap resamples runners (with all their regions), as a runner's
    regions share one training history; for a proportion over independent
    runners it agrees with the binomial SE of Morris et al. (2019, table 6).
    """
    rng = np.random.default_rng(seed)
    out = []
    for (scenario, estimand, group), df in rows.groupby(["scenario", "estimand", "truth_group"], sort=False):
        cols = _columns(df)
        point = _summarise(cols)
        seeds = df["seed"].to_numpy()
        runners = np.unique(seeds)
        members = [np.flatnonzero(seeds == s) for s in runners]
        boot = defaultdict(list)
        for _ in range(BOOTSTRAP):
            pick = rng.integers(0, len(runners), len(runners))
            for k, v in _summarise(cols, np.concatenate([members[i] for i in pick])).items():
                boot[k].append(v)
        rec = {
            "scenario": scenario,
            "estimand": estimand,
            "truth": group,
            "runners": len(runners),
            "n": len(df),
        }
        for k, v in point.items():
            b = np.asarray(boot[k], dtype=float)
            b = b[np.isfinite(b)]
            rec[k] = v
            enough = np.isfinite(cols[k]).sum() > 1  # one value has no sampling spread to show
            rec[f"{k}_se"] = float(np.std(b, ddof=1)) if enough and len(b) > 1 else math.nan
        out.append(rec)
    return pd.DataFrame(out)


def any_claim(df: pd.DataFrame, seed: int = 0) -> tuple[float, float, int]:
    """Share of runner-regions with a page-1 claim on either estimand, its MC SE (bootstrap over runners), n."""
    claim = (df["status"] == "estimated") & (
        (df["ci_low"].astype(float) > 1) | (df["ci_high"].astype(float) < 1)
    )
    per = claim.groupby([df["seed"], df["region"]]).any()
    by_runner = per.groupby(level=0).agg(["sum", "size"])
    if by_runner.empty:
        return math.nan, math.nan, 0
    return float(per.mean()), _runner_bootstrap_se(by_runner, np.random.default_rng(seed)), int(len(per))


def _runner_bootstrap_se(by_runner: pd.DataFrame, rng: np.random.Generator) -> float:
    """MC SE of sum / size over runners (``by_runner``: one row per runner, columns ``sum`` and ``size``),
    by resampling runners with their rows (:data:`BOOTSTRAP` times)."""
    pick = rng.integers(0, len(by_runner), size=(BOOTSTRAP, len(by_runner)))
    s, n = by_runner["sum"].to_numpy()[pick].sum(axis=1), by_runner["size"].to_numpy()[pick].sum(axis=1)
    return float(np.std(s / n, ddof=1))


def _truth_group(rows: pd.DataFrame) -> pd.Series:
    """Label of the true value: 'OR 1', 'OR 1.40', or 'varies (mean 1.23)' for the non-linear dose."""
    labels = pd.Series("", index=rows.index, dtype=object)
    for (_scenario, _estimand), df in rows.groupby(["scenario", "estimand"]):
        t = df["truth"].astype(float)
        null = np.isclose(t, 1.0)
        labels[df.index[null]] = "OR 1"
        rest = t[~null]
        if len(rest):
            if np.allclose(rest, rest.iloc[0]):
                labels[rest.index] = f"OR {rest.iloc[0]:.2f}"
            else:
                labels[rest.index] = f"varies, gm {math.exp(np.log(rest).mean()):.2f}"
    return labels


def _fmt(v, se, pct=False, digits=3):
    if v is None or not np.isfinite(v):
        return "-"
    if pct:
        return f"{100 * v:.1f} ({100 * se:.1f})" if np.isfinite(se) else f"{100 * v:.1f}"
    return f"{v:.{digits}f} ({se:.{digits}f})" if np.isfinite(se) else f"{v:.{digits}f}"


def print_table(perf: pd.DataFrame) -> None:
    """The result table: value (Monte-Carlo SE)."""
    cols = {
        "estimated %": ("estimated", {"pct": True}),
        "bias logOR": ("bias", {}),
        "coverage": ("coverage", {}),
        "power/FP %": ("reject", {"pct": True}),
        "claims/all %": ("claims_all", {"pct": True}),
        "CI width": ("width", {"digits": 2}),
    }
    table = perf[["scenario", "estimand", "truth", "runners", "n"]].copy()
    for label, (key, kw) in cols.items():
        table[label] = [_fmt(v, s, **kw) for v, s in zip(perf[key], perf[f"{key}_se"], strict=True)]
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.to_string(index=False))


def print_reasons(rows: pd.DataFrame) -> None:
    """Why estimands were not estimated: the findings' messages, numbers taken out, counted."""
    msg = rows.loc[rows["status"] != "estimated", "message"].dropna().astype(str)
    if msg.empty:
        return
    kinds = msg.str.replace(r"\d+(\.\d+)?", "N", regex=True).value_counts()
    print(f"\nwhy not `estimated` ({len(msg)} of {len(rows)} estimand rows):")
    for text, count in kinds.head(6).items():
        print(f"  {count:5d}  {text}")


def print_pooled(rows: pd.DataFrame) -> None:
    """Pooled false positives (every null scenario; every OR-1 cell) and pooled coverage, binomial SEs.

    Each cell holds few estimated intervals, so per-cell rates carry MC SEs of
    several points; pooling shows whether the model as a whole meets its targets.
    Scenarios with an effect on the pain level only (``pain_effect``) are kept apart: their flare-ups
    have OR 1, but onsets are detected from the pain series the effect moves, so a claim there measures
    how far a pain-level effect leaks into the onset estimands, not a plain false positive.
    """
    cols = _columns(rows)
    est = cols["estimated"] > 0
    null_scen = rows["scenario"].map(lambda s: SCENARIOS[s].null).to_numpy(bool)
    pain_level = rows["scenario"].map(lambda s: SCENARIOS[s].pain_effect).to_numpy(bool)
    truth1 = np.isclose(rows["truth"].astype(float), 1.0)

    def line(label: str, key: str, mask: np.ndarray) -> None:
        x = cols[key][mask & est]
        x = x[np.isfinite(x)]
        if len(x):
            p = float(np.mean(x))
            print(f"  {label:52s} {100 * p:5.1f} % ({100 * math.sqrt(p * (1 - p) / len(x)):.1f}) of {len(x)}")

    print("pooled (binomial SE; runners' two regions counted as independent):")
    line("false positives, null scenarios, both estimands", "reject", null_scen)
    line("false positives, null scenarios, barefoot_share_7d", "reject",
         null_scen & (rows["estimand"] == "barefoot_share_7d").to_numpy())
    line("false positives, every cell whose truth is OR 1", "reject", truth1 & ~pain_level)
    # flare-ups are detected from the pain series: an effect on the pain level can reach the onsets
    line("claims under a pain-level effect only (flare-ups OR 1)", "reject", truth1 & pain_level)
    line("coverage, every estimated interval", "coverage", np.ones(len(rows), bool))


def print_detection(results: list[dict]) -> None:
    det = pd.DataFrame(
        [dict(d, scenario=r["scenario"]) for r in results for d in r["detection"] if "detected" in d]
    )
    if det.empty:
        print("flare-up detector: the findings carry no `episodes`; false onsets not measured")
        return
    print(f"flare-up detector (planted vs detected onsets per region, +-{MATCH_DAYS} days, sides merged):")
    for scenario, df in det.groupby("scenario", sort=False):
        ry = df["region_years"].sum()
        fp = df["false"].sum() / ry
        se = math.sqrt(df["false"].sum()) / ry  # Poisson MC SE
        recall = df["matched"].sum() / max(df["planted"].sum(), 1)
        precision = df["matched"].sum() / max(df["detected"].sum(), 1)
        null = "null" if SCENARIOS[scenario].null else "    "
        print(
            f"  {scenario:16s} {null} false onsets {fp:.2f} ({se:.2f}) per region-year over {ry:.0f} region-years; "
            f"recall {recall:.3f}, precision {precision:.3f}"
        )


def print_pain_trend(results: list[dict], seed: int = 0) -> None:
    """The secondary pain-trend model per scenario and term (MC SE: bootstrap over runners).

    Null scenarios: the share of intervals excluding 0 is a false positive (no load or footwear effect on
    anything). ``pain_effect`` plants an effect on the pain level with a known truth (points per +10 km,
    :func:`benchmarks.generators.runner._pain_truth`): bias, coverage, power (interval above 0) and median
    width. The other effect scenarios plant an effect on flare-ups only: the share above 0 is shown, not scored.
    """
    df = pd.DataFrame([t for r in results for t in r.get("pain_trend", [])])
    if df.empty:
        print("pain trend (secondary): the findings carry no pain_trend terms; not measured")
        return
    if "truth" not in df:
        df["truth"] = math.nan
    lo, hi = df["ci_low"].astype(float), df["ci_high"].astype(float)
    est, truth = df["estimate"].astype(float), df["truth"].astype(float)
    df["excl"], df["above"] = ((lo > 0) | (hi < 0)).astype(float), (lo > 0).astype(float)
    df["bias"], df["coverage"], df["width"] = est - truth, ((lo <= truth) & (truth <= hi)).astype(float), hi - lo
    rng = np.random.default_rng(seed)
    print("pain trend (secondary, pre-specified): intervals excluding 0 (null: false positives, target <= 5 %; "
          "pain_effect: power against the planted pain-level effect; other effect scenarios: above 0, "
          "effect on flare-ups only)")

    def boot_mean(sub: pd.DataFrame, key: str) -> float:
        per = sub.groupby("seed")[key].agg(["sum", "size"])
        se = _runner_bootstrap_se(per, rng)  # drawn even for one runner: the next terms' draws stay as they were
        return se if len(per) > 1 else math.nan

    for (scenario, term), sub in df.groupby(["scenario", "term"], sort=False):
        scen = SCENARIOS[scenario]
        if scen.pain_effect:
            print(f"  {scenario:16s} {term:15s} truth {sub['truth'].mean():+.3f} points/10 km; "
                  f"bias {_fmt(float(sub['bias'].mean()), boot_mean(sub, 'bias'))}, "
                  f"coverage {_fmt(float(sub['coverage'].mean()), boot_mean(sub, 'coverage'))}, "
                  f"power {_fmt(float(sub['above'].mean()), boot_mean(sub, 'above'), pct=True)} %, "
                  f"width {float(sub['width'].median()):.3f} of {len(sub)}")
            continue
        key = "excl" if scen.null else "above"
        rate = float(sub[key].mean())
        miss = "  MISS" if scen.null and rate > 0.05 else ""
        print(f"  {scenario:16s} {term:15s} {'FP' if scen.null else 'above 0':7s} "
              f"{_fmt(rate, boot_mean(sub, key), pct=True):>11s} % of {len(sub)}{miss}")
    nulls = df[df["scenario"].map(lambda s: SCENARIOS[s].null)]
    if len(nulls):
        p = float(nulls["excl"].mean())
        print(f"  pooled null false positives, both terms {100 * p:.1f} % ({100 * math.sqrt(p * (1 - p) / len(nulls)):.1f})"
              f" of {len(nulls)}")


def risk_calibration(risk: pd.DataFrame, seed: int = 0) -> dict:
    """Calibration of page 1's 28-day absolute risk against the onsets of the days followed.

    Scored: runner-regions with an ``estimated`` risk, at risk on the day after the diary in the
    generator and not told "a flare-up is under way" (whose risk is of a later onset). Returns n, the
    mean predicted risk, the observed share with an onset, their ratio O/E, the Brier score and that of
    predicting the observed share for everyone (no skill), MC SEs by bootstrap over runners, and
    observed against predicted by thirds of the predicted risk.
    """
    ok = risk[(risk["status"] == "estimated") & risk["at_risk_after"].astype(bool)
              & ~risk["message"].fillna("").str.contains("under way")].copy()
    out: dict = {"n": len(ok)}
    if ok.empty:
        return out
    p, y = ok["risk"].astype(float).to_numpy(), ok["onset"].astype(float).to_numpy()
    seeds = ok["seed"].to_numpy()
    runners = np.unique(seeds)
    members = [np.flatnonzero(seeds == s) for s in runners]
    rng = np.random.default_rng(seed)

    def stats_of(idx):
        pp, yy = p[idx], y[idx]
        return {"predicted": pp.mean(), "observed": yy.mean(),
                "o_e": yy.mean() / pp.mean() if pp.mean() > 0 else math.nan,
                "brier": np.mean((pp - yy) ** 2), "brier_none": np.mean((yy.mean() - yy) ** 2)}

    point = stats_of(np.arange(len(p)))
    boot = [stats_of(np.concatenate([members[i] for i in rng.integers(0, len(runners), len(runners))]))
            for _ in range(BOOTSTRAP)]
    for k, v in point.items():
        out[k] = float(v)
        out[f"{k}_se"] = float(np.nanstd([b[k] for b in boot], ddof=1))
    thirds = pd.qcut(p, 3, labels=False, duplicates="drop") if len(np.unique(p)) >= 3 else np.zeros(len(p), int)
    out["thirds"] = [(float(p[thirds == g].mean()), float(y[thirds == g].mean()), int((thirds == g).sum()))
                     for g in np.unique(thirds)]
    return out


def print_risk(results: list[dict]) -> None:
    """Page 1's 28-day absolute risk against the onsets of the days followed (``--follow``)."""
    risk = pd.DataFrame([r for res in results for r in res.get("risk", [])])
    if risk.empty:
        return
    print(f"absolute risk ({RISK_SCENARIO!r}, 28 days) against the onsets of the 28 days followed "
          "(estimated, at risk after the diary; MC SE):")
    for scenario, df in list(risk.groupby("scenario", sort=False)) + [("all scenarios", risk)]:
        c = risk_calibration(df)
        if not c.get("n"):
            print(f"  {scenario:16s} none scored (of {len(df)} runner-regions)")
            continue
        thirds = "; ".join(f"{100 * a:.0f} -> {100 * b:.0f} % (n {m})" for a, b, m in c["thirds"])
        print(f"  {scenario:16s} n {c['n']:4d}: predicted {_fmt(c['predicted'], c['predicted_se'], pct=True)} %, "
              f"observed {_fmt(c['observed'], c['observed_se'], pct=True)} %, O/E {_fmt(c['o_e'], c['o_e_se'], digits=2)}; "
              f"Brier {c['brier']:.3f} (no skill {c['brier_none']:.3f}); by thirds {thirds}")


def risk_truth_scored(rt: pd.DataFrame, at_risk_next: bool = True) -> pd.Series:
    """Which risk rows are scored against the truth: ``estimated`` with an interval, no "a flare-up is under
    way" (that risk is of a later onset), and at risk on the day after "now" in the generator (with
    ``at_risk_next=False``: the others, inside a flare or its refractory days then)."""
    lo, hi, p = (pd.to_numeric(rt[c], errors="coerce") for c in ("ci_low", "ci_high", "risk"))
    return ((rt["status"] == "estimated") & np.isfinite(lo) & np.isfinite(hi) & np.isfinite(p)
            & ~rt["message"].fillna("").astype(str).str.contains("under way")
            & (rt["at_risk_next"].astype(bool) == at_risk_next))


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, float), 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def _calibration_slope(pred: np.ndarray, true: np.ndarray) -> float:
    """Least-squares slope of logit(true risk) on logit(predicted): 1 when the predicted spread between
    runner-regions is right, below 1 when it is larger than the truth's (noise read as differences)."""
    x = _logit(pred)
    if len(x) < 3 or np.ptp(x) == 0:
        return math.nan
    return float(np.polyfit(x, _logit(true), 1)[0])


def _spearman(x: np.ndarray, y: np.ndarray) -> float:
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return math.nan
    rx, ry = pd.Series(x).rank().to_numpy(), pd.Series(y).rank().to_numpy()
    return float(np.corrcoef(rx, ry)[0, 1])


def risk_truth_measures(
    rt: pd.DataFrame, reference: str = RISK_SCENARIO, seed: int = 0, at_risk_next: bool = True,
    truth: str = "truth",
) -> pd.DataFrame:
    """Page 1's absolute risk against the generator's true risk, per plan (:func:`print_risk_truth`).

    ``rt``: rows of one set of runners (``seed``, ``region``, ``plan``, ``risk``, ``ci_low``, ``ci_high``,
    ``truth``, ...), scored where :func:`risk_truth_scored`. Per plan: n; coverage of the interval and
    the shares with the truth below / above it; mean predicted / mean true; the median of predicted /
    true; the calibration slope (:func:`_calibration_slope`); Spearman's rank correlation of predicted
    and true; the median interval width; for a plan
    other than ``reference``, over the runner-regions scored under both, the mean of (predicted
    difference from the reference) - (true difference), and the mean predicted and true differences.
    MC SEs (``<measure>_se``) by bootstrap over runners (seeds: a seed is the same person in every scenario).
    ``truth`` names the column of the truth (``truth_marginal``: the diagnostic with the latent's value
    "now" unknown, :func:`benchmarks.generators.forward.true_risk`).
    """
    ok = rt[risk_truth_scored(rt, at_risk_next)].assign(truth=rt[truth])
    ref = ok[ok["plan"] == reference].set_index(["scenario", "seed", "region"])
    rng = np.random.default_rng(seed)
    out = []
    for plan in rt["plan"].drop_duplicates():
        df = ok[ok["plan"] == plan]
        rec: dict = {"plan": plan, "n": len(df)}
        if df.empty:
            out.append(rec)
            continue
        p, lo, hi, t = (df[c].astype(float).to_numpy() for c in ("risk", "ci_low", "ci_high", "truth"))
        key = pd.MultiIndex.from_frame(df[["scenario", "seed", "region"]])
        both = key.isin(ref.index) if plan != reference else np.zeros(len(df), bool)
        d_pred = d_true = np.full(len(df), np.nan)
        if both.any():
            r = ref.loc[key[both]]
            d_pred, d_true = np.full(len(df), np.nan), np.full(len(df), np.nan)
            d_pred[both] = p[both] - r["risk"].astype(float).to_numpy()
            d_true[both] = t[both] - r["truth"].astype(float).to_numpy()

        def stats_of(idx, p=p, lo=lo, hi=hi, t=t, d_pred=d_pred, d_true=d_true):
            pp, ll, hh, tt = p[idx], lo[idx], hi[idx], t[idx]
            with np.errstate(divide="ignore", invalid="ignore"):  # a truth of 0 (no day at risk): ratio inf
                ratio = pp / tt
            dp, dt = d_pred[idx], d_true[idx]
            pair = np.isfinite(dp)
            return {
                "coverage": float(np.mean((ll <= tt) & (tt <= hh))),
                "truth_below": float(np.mean(tt < ll)),
                "truth_above": float(np.mean(tt > hh)),
                "mean_ratio": float(pp.mean() / tt.mean()) if tt.mean() > 0 else math.nan,
                "median_ratio": float(np.median(ratio)),
                "slope": _calibration_slope(pp, tt),
                "spearman": _spearman(pp, tt),
                "width": float(np.median(hh - ll)),
                "diff_bias": float(np.mean(dp[pair] - dt[pair])) if pair.any() else math.nan,
                "diff_pred": float(np.mean(dp[pair])) if pair.any() else math.nan,
                "diff_true": float(np.mean(dt[pair])) if pair.any() else math.nan,
                "n_diff": int(pair.sum()),
            }

        rec.update(stats_of(np.arange(len(df))))
        seeds = df["seed"].to_numpy()
        runners = np.unique(seeds)
        members = [np.flatnonzero(seeds == x) for x in runners]
        boot = [stats_of(np.concatenate([members[i] for i in rng.integers(0, len(runners), len(runners))]))
                for _ in range(BOOTSTRAP)]
        for k in list(rec):
            if k in ("plan", "n", "n_diff"):
                continue
            b = np.asarray([x[k] for x in boot], float)
            b = b[np.isfinite(b)]
            rec[f"{k}_se"] = float(np.std(b, ddof=1)) if len(runners) > 1 and len(b) > 1 else math.nan
        out.append(rec)
    return pd.DataFrame(out)


def print_risk_truth(results: list[dict], seeds: range | None = None) -> pd.DataFrame:
    """Page 1's absolute risk against the generator's true 28-day risk: tables of scenario x runlog's plan."""
    rt = pd.DataFrame([r for res in results for r in res.get("risk_truth", [])])
    if rt.empty:
        return rt
    ok = risk_truth_scored(rt)
    est = rt["status"] == "estimated"
    under = est & rt["message"].fillna("").astype(str).str.contains("under way")
    busy = est & ~under & ~rt["at_risk_next"].astype(bool)
    per_region = rt.drop_duplicates(["seed", "scenario", "region"]).set_index(["scenario", "seed", "region"])
    early = (pd.to_datetime(per_region["now"]) < pd.to_datetime(per_region["diary_end"])).mean()
    span = f"seeds {seeds[0]}-{seeds[-1]}" if seeds is not None else f"seeds {rt['seed'].min()}-{rt['seed'].max()}"
    print(f"absolute risk against the generator's TRUE 28-day risk under each plan ({span}; "
          f"{len(rt) // max(rt['plan'].nunique(), 1)} runner-regions, truth from "
          f"benchmarks.generators.forward, 'now' = the last day of runlog's load, before the diary's last "
          f"day for {100 * early:.0f} %):")
    print(f"  scored: `estimated` risk rows, no flare-up under way, at risk the next day in the generator: "
          f"{int(ok.sum())} of {len(rt)} plan rows; left out: {int((~est).sum())} not estimated, "
          f"{int(under.sum())} 'a flare-up is under way', {int(busy.sum())} estimated but inside a flare or "
          "its 7 refractory days in the generator")
    plans = list(rt["plan"].drop_duplicates())
    groups = list(rt.groupby("scenario", sort=False)) + [("all", rt)]
    cells = {scenario: risk_truth_measures(df).set_index("plan") for scenario, df in groups}

    def table(title: str, fmt, only_alternatives: bool = False) -> None:
        print(f"\n  {title}")
        head = "  " + f"{'':16s}" + "".join(f"{p[:30]:>31s}" for p in plans)
        print(head)
        for scenario, m in cells.items():
            vals = []
            for plan in plans:
                if (only_alternatives and plan == RISK_SCENARIO) or plan not in m.index or not m.loc[plan, "n"]:
                    vals.append("-")
                else:
                    vals.append(fmt(m.loc[plan]))
            print("  " + f"{scenario:16s}" + "".join(f"{v:>31s}" for v in vals))

    def val(key, pct=False, digits=3):
        return lambda r: _fmt(r.get(key, math.nan), r.get(f"{key}_se", math.nan), pct=pct, digits=digits)

    table("n scored", lambda r: f"{int(r['n'])}")
    table("coverage of the 95 % interval (target 0.93-0.97; MC SE)", val("coverage"))
    table("truth below / above the interval, % (interval too high / too low)",
          lambda r: f"{100 * r['truth_below']:.1f} / {100 * r['truth_above']:.1f}")
    table("mean predicted / mean true (calibration-in-the-large)", val("mean_ratio", digits=2))
    table("median of predicted / true", val("median_ratio", digits=2))
    table("calibration slope: logit true on logit predicted (1: the predicted spread is right)",
          val("slope", digits=2))
    table("Spearman rank correlation, predicted vs true", val("spearman", digits=2))
    table("median interval width, percentage points", lambda r: f"{100 * r['width']:.1f}")
    table(f"difference from {RISK_SCENARIO!r}: predicted - true, mean, points (bias of the plan's effect)",
          lambda r: _fmt(r["diff_bias"], r["diff_bias_se"], pct=True), only_alternatives=True)
    table(f"difference from {RISK_SCENARIO!r}, mean predicted / mean true, points (n)",
          lambda r: f"{100 * r['diff_pred']:+.1f} / {100 * r['diff_true']:+.1f} ({int(r['n_diff'])})",
          only_alternatives=True)
    print("  (the findings give no interval for a plan's difference from the last 4 weeks: its coverage is not "
          "measured)")
    if "truth_marginal" in rt:
        print("\n  diagnostic: against the truth with the latent vulnerability's value 'now' unknown (its paths "
              "started from their stationary distribution; the same truth where a scenario has no latent)")
        cells = {scenario: risk_truth_measures(df, truth="truth_marginal").set_index("plan")
                 for scenario, df in groups}
        table("coverage of the 95 % interval", val("coverage"))
        table("mean predicted / mean true", val("mean_ratio", digits=2))
    if busy.any():
        m = risk_truth_measures(rt, at_risk_next=False).set_index("plan")
        print(f"\n  not scored above: the {int(busy.sum() // max(len(plans), 1))} runner-regions estimated (no flare "
              "under way for runlog) but inside a flare or its refractory days the next day in the generator, "
              "against their truth (those days at no hazard):")
        for plan in plans:
            if plan in m.index and m.loc[plan, "n"]:
                r = m.loc[plan]
                print(f"    {plan:30s} n {int(r['n']):4d}: coverage {_fmt(r['coverage'], r['coverage_se'])}, "
                      f"mean predicted / mean true {_fmt(r['mean_ratio'], r['mean_ratio_se'], digits=2)}, "
                      f"truth below / above {100 * r['truth_below']:.1f} / {100 * r['truth_above']:.1f} %")
    return rt


def print_null_claims(perf: pd.DataFrame, rows: pd.DataFrame) -> None:
    """Page-1 false positives per null scenario and estimand, and runner-regions with any claim."""
    print("\npage-1 false positives in null scenarios (target <= 5 %; among `estimated`):")
    for _, r in perf[perf["truth"] == "OR 1"].iterrows():
        if not SCENARIOS[r["scenario"]].null:
            continue
        miss = np.isfinite(r["reject"]) and r["reject"] > 0.05
        print(
            f"  {r['scenario']:16s} {r['estimand']:18s} {_fmt(r['reject'], r['reject_se'], pct=True):>12s} %"
            + ("  MISS" if miss else "")
        )
    for scenario, df in rows.groupby("scenario", sort=False):
        if SCENARIOS[scenario].null:
            rate, se, n = any_claim(df)
            print(
                f"  {scenario:16s} {'either estimand':18s} {_fmt(rate, se, pct=True):>12s} % of {n} runner-regions "
                "(any page-1 claim)"
            )


def print_absolute_risk(results: list[dict], seeds: range, *, follow: bool, truth: bool,
                        risk_json: str | None = None) -> None:
    """Page 1's absolute risk: against the days followed (``--follow``) and against the true risk."""
    if follow:
        print()
        print_risk(results)
    if truth:
        print()
        rt = print_risk_truth(results, seeds)
        if risk_json:
            Path(risk_json).write_text(rt.to_json(orient="records", indent=1, double_precision=15))


def rescore(path: str) -> int:
    """The true-risk tables of the rows a ``--risk-json`` wrote (``--rescore``): no runner is run."""
    rt = pd.read_json(path, dtype={"now": str, "diary_end": str})
    print_risk_truth([{"risk_truth": rt.replace({np.nan: None}).to_dict("records")}])
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runners", type=int, default=None, help="runners per scenario (50; --quick: 6)")
    ap.add_argument(
        "--seeds",
        type=int,
        default=None,
        metavar="START",
        help=f"first seed (default {RESULT_SEED}; --quick: {TUNING_SEEDS[0]})",
    )
    ap.add_argument(
        "--quick", action="store_true", help="development run: 6 runners per scenario, 2 years each"
    )
    ap.add_argument("--scenarios", nargs="+", choices=list(SCENARIOS), default=list(SCENARIOS))
    ap.add_argument(
        "--years",
        type=int,
        choices=(1, 2, 3),
        default=None,
        help="diary years per runner (default: 2 or 3, drawn per runner)",
    )
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--json", metavar="FILE", help="also write the per-runner rows")
    ap.add_argument("--flare-rule", choices=("adaptive", "methods", "hmm"), default=None,
                    help="the flare-up onset rule (default: runlog's default rule)")
    ap.add_argument("--follow", type=int, default=0, metavar="DAYS",
                    help="follow each runner DAYS after the diary (28: score page 1's absolute risk against "
                    "the onsets that came); the runners differ from those without it")
    ap.add_argument("--risk-intercept", default=None,
                    help="the absolute risk's intercept, one of analysis.stats.primary.RISK_INTERCEPTS "
                    "(default: runlog's default)")
    ap.add_argument("--risk-covariance", default=None,
                    help="the covariance of the absolute risk's draws, one of "
                    "analysis.stats.primary.RISK_COVARIANCES (default: runlog's default)")
    ap.add_argument("--variance", default=None,
                    help="the primary model's interval variance, one of analysis.stats.primary.VARIANCES "
                    "(default: runlog's default)")
    ap.add_argument("--risk-truth", action=argparse.BooleanOptionalAction, default=True,
                    help="score page 1's absolute risk against the generator's true 28-day risk under each "
                    "plan (default: on; a few ms a runner)")
    ap.add_argument("--truth-draws", type=int, default=TRUTH_DRAWS, metavar="K",
                    help=f"futures of the latent vulnerability behind each true risk (default {TRUTH_DRAWS})")
    ap.add_argument("--risk-json", metavar="FILE",
                    help="also write the absolute-risk rows with their true risks (one per runner-region-plan)")
    ap.add_argument("--rescore", metavar="FILE",
                    help="only print the true-risk tables of a --risk-json FILE written before (no runners run)")
    args = ap.parse_args(argv)
    if args.rescore:
        return rescore(args.rescore)
    if args.runners is None:
        args.runners = 6 if args.quick else 50
    if args.quick:
        args.years = args.years or 2
    start = args.seeds if args.seeds is not None else (TUNING_SEEDS[0] if args.quick else RESULT_SEED)
    seeds = range(start, start + args.runners)
    overlap = not (seeds[-1] < TUNING_SEEDS[0] or seeds[0] > TUNING_SEEDS[1])
    print(
        f"seeds used while developing (tuning): {TUNING_SEEDS[0]}-{TUNING_SEEDS[1]}; "
        f"this run: {seeds[0]}-{seeds[-1]}"
        + ("  ** inside the tuning range: not a result **" if overlap else "")
    )

    # probe one runner in-process: is there a primary model to measure?
    truth_draws = args.truth_draws if args.risk_truth else 0
    probe = _safe((args.scenarios[0], seeds[0], args.years, args.flare_rule, args.variance, args.follow,
                   args.risk_intercept, truth_draws, args.risk_covariance))
    if "error" in probe:
        print(f"runner {args.scenarios[0]}/{seeds[0]} failed: {probe['error']}", file=sys.stderr)
        return 1
    if not probe["available"]:
        print(NOT_AVAILABLE)
        return 1

    jobs = [(s, seed, args.years, args.flare_rule, args.variance, args.follow, args.risk_intercept, truth_draws,
             args.risk_covariance) for s in args.scenarios for seed in seeds][1:]
    if args.flare_rule:
        print(f"flare-up onset rule: {args.flare_rule}")
    if args.variance:
        print(f"primary model's interval variance: {args.variance}")
    if args.risk_intercept:
        print(f"absolute risk's intercept: {args.risk_intercept}")
    if args.risk_covariance:
        print(f"absolute risk's covariance: {args.risk_covariance}")
    t0 = time.perf_counter()
    results, failures = [probe], []
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        for res in pool.map(_safe, jobs, chunksize=1):
            (failures if "error" in res else results).append(res)
    for f in failures:
        print(f"runner {f['scenario']}/{f['seed']} failed: {f['error']}", file=sys.stderr)
    secs = [r["seconds"] for r in results]
    print(
        f"{len(jobs) + 1} runners ({args.runners} per scenario x {len(args.scenarios)} scenarios, "
        f"{f'{args.years} years' if args.years else '2-3 years'} each) in {time.perf_counter() - t0:.0f} s "
        f"on {args.workers} workers (median {np.median(secs):.1f} s a runner); {len(failures)} failed"
    )

    rows = pd.DataFrame([row for r in results for row in r["rows"]])
    rows["truth_group"] = _truth_group(rows)
    perf = performance(rows)
    print("\nper scenario x estimand x true value; value (Monte-Carlo SE, bootstrap over runners)")
    print(
        "n = watched runner-regions; bias and coverage over `estimated` ones; power/FP % = CI excludes 1 "
        "(on the truth's side), among `estimated`;\nclaims/all % = page-1 claims among all n; CI width = "
        "median upper/lower\n"
    )
    print_table(perf)
    dose = rows[(rows["estimand"] == "km_7d") & ~np.isclose(rows["truth"].astype(float), 1.0)]
    if len(dose):
        print(
            f"\nkm_7d truth under the non-linear dose: geometric mean OR {math.exp(np.log(dose['truth']).mean()):.3f}"
            f" (average over at-risk days); event-weighted {math.exp(np.log(dose['truth_event_weighted']).mean()):.3f}"
        )

    print_reasons(rows)

    print_null_claims(perf, rows)
    print_pooled(rows)
    cov = perf[np.isfinite(perf["coverage"])]
    print(
        "coverage outside 0.93-0.97: "
        + (
            ", ".join(
                f"{r.scenario}/{r.estimand}/{r.truth} {r.coverage:.3f}"
                for r in cov.itertuples()
                if not 0.93 <= r.coverage <= 0.97
            )
            or "none"
        )
    )
    print()
    print_pain_trend(results)
    print()
    print_detection(results)
    print_absolute_risk(results, seeds, follow=bool(args.follow), truth=bool(truth_draws), risk_json=args.risk_json)
    if args.json:
        rows["flare_rule"] = args.flare_rule or "default"
        Path(args.json).write_text(rows.to_json(orient="records", indent=1))
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())

"""Frames in, findings out: every number the report prints, per region, and its JSON (DESIGN.md).

The findings are assembled from the domain frames (:mod:`analysis.load`, :mod:`analysis.flareups`)
and the methods of :mod:`analysis.stats`; nothing here reads a file.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import flareups, load
from analysis.drills import drill_days
from analysis.schema import GROUPING, REGIONS
from analysis.stats.case_crossover import case_crossover
from analysis.stats.design import ADJUSTMENT_TERMS, MIN_DAYS, MIN_LOGGED_PCT, MIN_ONSETS, hazard_frame
from analysis.stats.hazard import VARIANCE_LABELS, fit_hazard
from analysis.stats.pain_series import pain_regression, prewhitened_ccf
from analysis.stats.rates import bh_qvalues, region_rates


def _num(x, digits: int = 6):
    """JSON-safe float: numpy/pandas scalars to float, NaN/inf/NA to None."""
    if x is None or x is pd.NA:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(v):
        return None
    return float(f"{v:.{digits}g}")


def _ci(lo, hi) -> list | None:
    a, b = _num(lo), _num(hi)
    if a is None and b is None:
        return None
    return [a, b]


def _effect_rows(effects: pd.DataFrame, model: str, primary: bool, scale: str) -> list[dict]:
    rows = []
    for r in effects.itertuples(index=False):
        rows.append(
            {
                "term": r.term,
                "unit": r.unit,
                "estimate": r.estimate,
                "ci": (r.ci_low, r.ci_high),
                "p": r.p,
                "q": math.nan,
                "primary": primary,
                "model": model,
                "scale": scale,
                "reason": r.reason if isinstance(r.reason, str) else None,
                "note": note if isinstance(note := getattr(r, "note", None), str) else None,
            }
        )
    return rows


def _apply_q(rows: list[dict]) -> int:
    q = bh_qvalues([r["p"] for r in rows])
    for r, v in zip(rows, q, strict=True):
        r["q"] = v
    return int(np.isfinite([r["p"] if r["p"] is not None else math.nan for r in rows]).sum())


def _clean_effect(r: dict) -> dict:
    return {
        "term": r["term"],
        "unit": r["unit"],
        "estimate": _num(r["estimate"]),
        "ci": _ci(*r["ci"]),
        "p": _num(r["p"], 4),
        "q": _num(r["q"], 4),
        "primary": bool(r["primary"]),
        "model": r["model"],
        "scale": r["scale"],
        "reason": r["reason"],
        "note": r.get("note"),
    }


def _diary_span(pain: pd.DataFrame) -> dict:
    """``diary_start`` and ``diary_end``: the diary's first and last date (None without a diary)."""
    dates = pd.to_datetime(pain["date"]).dropna() if len(pain) else pd.Series(dtype="datetime64[ns]")
    return {
        "diary_start": dates.min().date().isoformat() if len(dates) else None,
        "diary_end": dates.max().date().isoformat() if len(dates) else None,
    }


def flare_sensitivity(
    pain_daily: pd.DataFrame,
    lags: pd.DataFrame,
    daily: pd.DataFrame,
    runs: pd.DataFrame,
    *,
    grouping: Mapping[str, str],
    flare_params: Mapping[str, float] | None = None,
    min_onsets: int = MIN_ONSETS,
    excluded: Mapping[str, str] | None = None,
    variance: str = "firth-profile",
    lr_scales: Mapping[str, float] | None = None,
) -> dict:
    """The findings again under each flare-up sensitivity variant of METHODS.md 4.

    For every variant of :func:`analysis.flareups.sensitivity_variants` that
    differs from the parameters in use (every pain threshold -1 / +1 point; 1 or
    2 consecutive days):
    onsets per region, the barefoot-style vs traditional rate ratio, and, where
    the region has enough onsets, the primary hazard model's odds ratios with
    95 % CI and unadjusted p (no q-values: a check of robustness, not new tests).

    Parameters
    ----------
    pain_daily : DataFrame
        :func:`analysis.flareups.daily_pain` on the analysis period.
    lags, daily : DataFrame
        :func:`analysis.load.lag_features` and :func:`analysis.load.daily_load`.
    runs : DataFrame
        Canonical runs in the period (for the rates).
    excluded : mapping, optional
        region -> reason for regions the main analysis already ruled out for a
        reason other than onsets (too few days or days logged).
    lr_scales : mapping, optional
        region -> the main model's Bartlett-type factor, reused by the variants
        (a region the main analysis did not model measures its own).

    Returns
    -------
    dict
        {variant: {"changes": {parameter: value}, "regions": {region: {"onsets",
        "rate_ratio": {"estimate", "ci"}, "effects": [{"term", "estimate", "ci",
        "p"}], "message"}}}}.
    """
    excluded = dict(excluded or {})
    variants = flareups.sensitivity_variants(pain_daily, **dict(flare_params or {}))
    default = variants.pop("default").attrs["params"]
    out: dict[str, dict] = {}
    for name, episodes in variants.items():
        params = episodes.attrs["params"]
        changes = {k: v for k, v in params.items() if v != default.get(k)}
        if not changes:  # the variant is the default (e.g. 2 days when 2 is the default)
            continue
        rdays = flareups.region_days(pain_daily, episodes)
        regions: dict[str, dict] = {}
        for region in [r for r in REGIONS if r in set(rdays["region"])]:
            frame = hazard_frame(rdays[rdays["region"] == region], lags)
            frame = frame.loc[(frame.index >= daily.index.min()) & (frame.index <= daily.index.max())]
            onset_dates = frame.index[frame["onset"] > 0]
            rr = region_rates(onset_dates, runs, daily, frame["at_risk"], grouping=grouping)["rate_ratio"]
            entry: dict = {
                "onsets": len(onset_dates),
                "rate_ratio": {"estimate": _num(rr["estimate"], 4), "ci": _ci(*rr["ci"])},
                "effects": [],
                "message": None,
            }
            if region in excluded:
                entry["message"] = excluded[region]
            elif len(onset_dates) < min_onsets:
                entry["message"] = f"insufficient data: {len(onset_dates)} onsets (< {min_onsets})"
            else:
                hz = fit_hazard(
                    frame, variance=variance, min_events=min_onsets, lr_scale=(lr_scales or {}).get(region)
                )
                entry["effects"] = [
                    {
                        "term": r.term,
                        "estimate": _num(r.estimate),
                        "ci": _ci(r.ci_low, r.ci_high),
                        "p": _num(r.p, 4),
                    }
                    for r in hz.effects.itertuples(index=False)
                ]
                entry["message"] = hz.reason
            regions[region] = entry
        out[name] = {"changes": changes, "regions": regions}
    return out


@dataclass
class ModelFrames:
    """The daily frames every finding rests on, built once (:func:`model_frames`).

    ``daily`` is :func:`analysis.load.daily_load` over the period, ``lags`` its lag
    features (days <= t-1), ``pain_daily`` :func:`analysis.flareups.daily_pain`,
    ``episodes`` :func:`analysis.flareups.detect_flareups`, ``region_days``
    :func:`analysis.flareups.region_days` (``date`` as datetime) and
    ``runs_in_period`` the runs whose local date falls in the period; ``history``
    the daily load from the first run (or the period's start) to the period's end.
    """

    start: pd.Timestamp | None
    end: pd.Timestamp | None
    daily: pd.DataFrame
    lags: pd.DataFrame
    pain_daily: pd.DataFrame
    episodes: pd.DataFrame
    region_days: pd.DataFrame
    runs_in_period: pd.DataFrame
    history: pd.DataFrame | None = None


def analysis_period(runs: pd.DataFrame, pain: pd.DataFrame, *, start=None, end=None):
    """The analysis window: the diary's span, else the runs' (DESIGN.md "The command").

    Parameters
    ----------
    runs, pain : DataFrame
        Canonical runs and pain frames.
    start, end : date-like, optional
        Given bounds win over the default.

    Returns
    -------
    (Timestamp or None, Timestamp or None)
        First and last day (naive midnight). Without ``start``/``end``: the
        first and last diary date when the diary has any entry (a long
        running history with a short diary is analysed over the diary's
        months; earlier runs still give the load history), else the first
        and last run date; None when there is neither.
    """
    pain_dates = pd.to_datetime(pain["date"]).dropna() if len(pain) else pd.Series(dtype="datetime64[ns]")
    dates = pain_dates if len(pain_dates) else pd.to_datetime(runs["date"]).dropna()
    first = dates.min().normalize() if len(dates) else None
    last = dates.max().normalize() if len(dates) else None
    start = pd.Timestamp(start).normalize() if start is not None else first
    end = pd.Timestamp(end).normalize() if end is not None else last
    return start, end


def model_frames(
    runs: pd.DataFrame,
    pain: pd.DataFrame,
    drills: pd.DataFrame | pd.Series | None = None,
    *,
    grouping: Mapping[str, str] | None = None,
    start=None,
    end=None,
    flare_params: Mapping[str, float] | None = None,
) -> ModelFrames:
    """Period, daily load, lag features, daily pain, flare-up episodes and region-days (METHODS.md 1, 4, 5).

    The period is :func:`analysis_period` (the diary's span by default). Load is
    built from the first run on (``history``), so the lag features and the
    acute and chronic load of the period's first weeks rest on the runs before it.
    """
    grouping = dict(grouping or GROUPING)
    start, end = analysis_period(runs, pain, start=start, end=end)
    run_dates = pd.to_datetime(runs["date"]).dropna()
    history_start = min(start, run_dates.min().normalize()) if start is not None and len(run_dates) else start
    history = load.daily_load(runs, start=history_start, end=end, grouping=grouping)
    drills_daily = None
    if isinstance(drills, pd.Series):
        drills_daily = drills
    elif drills is not None:
        drills_daily = drill_days(drills, start=history_start, end=end)
    lags = load.lag_features(history, runs, drills_daily)
    if start is not None:
        daily, lags = history.loc[history.index >= start], lags.loc[(lags.index >= start) & (lags.index <= end)]
    else:
        daily = history
    dp = flareups.daily_pain(pain, start=start, end=end)
    episodes = flareups.detect_flareups(dp, **dict(flare_params or {}))
    rdays = flareups.region_days(dp, episodes)
    rdays = rdays.assign(date=pd.to_datetime(rdays["date"]))
    in_period = (
        runs[(pd.to_datetime(runs["date"]) >= start) & (pd.to_datetime(runs["date"]) <= end)]
        if start is not None
        else runs
    )
    return ModelFrames(start, end, daily, lags, dp, episodes, rdays, in_period, history)


def findings(
    runs: pd.DataFrame,
    pain: pd.DataFrame,
    drills: pd.DataFrame | pd.Series | None = None,
    samples: pd.DataFrame | None = None,
    *,
    grouping: Mapping[str, str] | None = None,
    start=None,
    end=None,
    flare_params: Mapping[str, float] | None = None,
    min_onsets: int = MIN_ONSETS,
    min_days: int = MIN_DAYS,
    min_logged_pct: float = MIN_LOGGED_PCT,
    variance: str = "firth-profile",
    sensitivity: bool = True,
    frames: ModelFrames | None = None,
    rule24: pd.DataFrame | None = None,
) -> dict:
    """All association findings as the JSON-ready dict of DESIGN.md "Findings JSON".

    Parameters
    ----------
    runs : DataFrame
        Canonical runs frame (with ``shoe_class``).
    pain : DataFrame
        Canonical pain frame (long).
    drills : DataFrame or Series, optional
        Drills log (:func:`analysis.io.drills.read_drills`) or a 0/1 series per date.
    samples : DataFrame, optional
        Canonical samples frame; enables the ``dynamics`` section (METHODS.md 6).
    grouping : mapping, optional
        shoe class -> group; default :data:`analysis.schema.GROUPING`.
    start, end : date-like, optional
        Period; default the diary's span, else the runs' (:func:`analysis_period`).
    flare_params : mapping, optional
        Passed to :func:`analysis.flareups.detect_flareups`.
    min_onsets, min_days, min_logged_pct :
        The sufficiency rule (METHODS.md 5 guards): below it a region gets rates and
        descriptives only, ``"sufficient": false`` and an "insufficient data" message.
    variance : str
        Variance estimator of the hazard model (see :func:`fit_hazard`).
    frames : ModelFrames, optional
        Already built by :func:`model_frames` from the same inputs (not built again).
    sensitivity : bool
        Also run the flare-up sensitivity variants (:func:`flare_sensitivity`,
        ``guards.sensitivity``); False skips them (validation runs).
    rule24 : DataFrame, optional
        :func:`analysis.flareups.twenty_four_hour_rule` of the period's runs,
        when already computed (else computed here).

    Returns
    -------
    dict
        ``period``, ``data``, ``regions`` {region: onsets, sufficient, message, rates,
        onsets_no_recent_run, rate_ratio, effects, exploratory}, ``dynamics``,
        ``guards``, ``flags`` (``rule_24h_breaches``: every run that broke the
        24-hour rule, by date). Floats are plain Python floats; NaN and infinity are None.
    """
    grouping = dict(grouping or GROUPING)
    if frames is None:
        frames = model_frames(runs, pain, drills, grouping=grouping, start=start, end=end, flare_params=flare_params)
    start, end, daily, lags = frames.start, frames.end, frames.daily, frames.lags
    dp, rdays, in_period = frames.pain_daily, frames.region_days, frames.runs_in_period
    n_period_days = int(len(daily))
    any_logged = rdays.groupby("date")["logged"].any() if len(rdays) else pd.Series(dtype=bool)
    diary_pct = 100.0 * float(any_logged.sum()) / n_period_days if n_period_days else math.nan

    regions_out: dict[str, dict] = {}
    primary_rows: list[dict] = []
    exploratory_rows: list[dict] = []
    excluded: dict[str, str] = {}  # regions ruled out for a reason other than onsets
    lr_scales: dict[str, float] = {}  # each modelled region's Bartlett-type factor
    for region in REGIONS:
        rd = rdays[rdays["region"] == region]
        frame = hazard_frame(rd, lags) if len(rd) else None
        if frame is None:
            excluded[region] = "insufficient data: region never logged"
            regions_out[region] = {
                "onsets": 0,
                "sufficient": False,
                "message": "insufficient data: region never logged",
                "rates": [],
                "onsets_no_recent_run": 0,
                "rate_ratio": None,
                "effects": [],
                "exploratory": {},
            }
            continue
        frame = frame.loc[(frame.index >= daily.index.min()) & (frame.index <= daily.index.max())]
        onset_dates = frame.index[frame["onset"] > 0]
        n_onsets = len(onset_dates)
        logged_pct = 100.0 * float(frame["logged"].sum()) / n_period_days if n_period_days else 0.0
        rates = region_rates(onset_dates, in_period, daily, frame["at_risk"], grouping=grouping)
        problems = []
        if n_onsets < min_onsets:
            problems.append(f"{n_onsets} onsets (< {min_onsets})")
        if n_period_days < min_days:
            problems.append(f"{n_period_days} days (< {min_days})")
        if logged_pct < min_logged_pct:
            problems.append(f"{logged_pct:.0f} % of days logged (< {min_logged_pct:.0f} %)")
        if problems[int(n_onsets < min_onsets) :]:
            excluded[region] = "insufficient data: " + "; ".join(problems[int(n_onsets < min_onsets) :])
        sufficient = not problems
        out = {
            "onsets": n_onsets,
            "sufficient": sufficient,
            "message": None if sufficient else "insufficient data: " + "; ".join(problems),
            "logged_pct": _num(logged_pct, 4),
            "rates": [
                {
                    "shoe_class": r["shoe_class"],
                    "onsets": r["onsets"],
                    "distance_km": _num(r["distance_km"], 6),
                    "per_1000km": _num(r["per_1000km"], 4),
                    "ci": _ci(*r["ci"]),
                    "per_100km": _num(r["per_100km"], 4),
                }
                for r in rates["rates"]
            ],
            "onsets_no_recent_run": rates["onsets_no_recent_run"],
            "rate_ratio": {
                "comparison": rates["rate_ratio"]["comparison"],
                "estimate": _num(rates["rate_ratio"]["estimate"], 4),
                "ci": _ci(*rates["rate_ratio"]["ci"]),
                "p": _num(rates["rate_ratio"]["p"], 4),
                "reason": rates["rate_ratio"]["reason"],
            },
            "effects": [],
            "exploratory": {},
        }
        if sufficient:
            hz = fit_hazard(frame, variance=variance, min_events=min_onsets)
            if hz.lr_scale_draws:
                lr_scales[region] = hz.lr_scale
            label = "discrete-time hazard (" + ("Firth " if variance == "firth-profile" else "") + "logistic)"
            rows = _effect_rows(hz.effects, label, True, "odds ratio")
            primary_rows += rows
            out["model"] = {
                "n_days": hz.n_days,
                "n_events": hz.n_events,
                "variance": hz.variance,
                "lr_scale": _num(hz.lr_scale, 4),
                "lr_scale_statistics": hz.lr_scale_draws,
                "lr_scale_mc_se": _num(hz.lr_scale_mc_se, 3),
                "adjusted_for": hz.adjusted_for,
                "reason": hz.reason,
            }
            cco_rows = []
            for L in (7, 14):
                cco = case_crossover(frame, daily, window_days=L)
                cco_rows += _effect_rows(
                    cco, f"case-crossover 1-{L} d (conditional logit)", False, "odds ratio"
                )
                out["exploratory"][f"case_crossover_1_{L}"] = {
                    "n_cases": cco.attrs["n_cases"],
                    "n_referents": cco.attrs["n_referents"],
                }
            pr = pain_regression(frame)
            pr_rows = _effect_rows(
                pr, "pain regression (OLS, pain_t ~ pain_t-1 + lagged load)", False, "pain points"
            )
            exploratory_rows += cco_rows + pr_rows
            out["effects"] = rows + cco_rows
            out["exploratory"]["pain_regression"] = {
                "n_days": pr.attrs["n_days"],
                "ar1": _num(pr.attrs["ar1"]),
                "effects": pr_rows,
            }
        if "pain_max" in frame and frame["pain_max"].notna().any():
            ccf = prewhitened_ccf(daily["km"], frame["pain_max"])
            out["exploratory"]["ccf_km_pain"] = {
                "ar_order": ccf.attrs.get("ar_order"),
                "reason": ccf.attrs.get("reason"),
                "lags": [
                    {
                        "lag_days": int(r.lag_days),
                        "ccf": _num(r.ccf, 4),
                        "band": _num(r.band, 4),
                        "n": int(r.n),
                        "outside": bool(r.outside),
                    }
                    for r in ccf.itertuples(index=False)
                ],
            }
        regions_out[region] = out
    n_primary = _apply_q(primary_rows)
    n_exploratory = _apply_q(exploratory_rows)
    for out in regions_out.values():
        out["effects"] = [_clean_effect(r) for r in out["effects"]]
        pr = out.get("exploratory", {}).get("pain_regression")
        if pr:
            pr["effects"] = [_clean_effect(r) for r in pr["effects"]]

    dyn: dict = {"available": False, "reason": "no per-second samples given"}
    if samples is not None and len(samples):
        from analysis.dynamics import dynamics_by_shoe_class

        table = dynamics_by_shoe_class(samples, runs, grouping=grouping)
        dyn = {
            "available": True,
            "comparison": table.attrs.get("comparison"),
            "metrics": [
                {
                    "metric": r.metric,
                    "unit": r.unit,
                    "difference": _num(r.difference, 4),
                    "ci": _ci(r.ci_low, r.ci_high),
                    "p": _num(r.p, 4),
                    "n_runs_a": int(r.n_runs_a),
                    "n_runs_b": int(r.n_runs_b),
                    "speed_range_mps": _ci(r.speed_low_mps, r.speed_high_mps),
                    "reason": r.reason if isinstance(r.reason, str) else None,
                }
                for r in table.itertuples(index=False)
            ],
        }

    result = {
        "period": {
            "start": None if start is None else pd.Timestamp(start).date().isoformat(),
            "end": None if end is None else pd.Timestamp(end).date().isoformat(),
            **_diary_span(pain),
        },
        "data": {
            "runs": int(len(in_period)),
            "distance_km": _num(pd.to_numeric(in_period["distance_m"]).astype(float).sum() / 1000, 6),
            "pain_days_logged_pct": _num(diary_pct, 4),
        },
        "regions": regions_out,
        "dynamics": dyn,
        "guards": {
            "lag_min_days": 1,
            "at_risk_days_only": True,
            "reverse_causation": "load features use days <= t-1 only; models use at-risk, logged days only",
            "confounding_by_indication": "footwear compared per km; hazard and case-crossover models adjust "
            "barefoot-style share for km and pace; rate ratios are per km only",
            "adjusted_for": ["km_lag_1_3", "km_lag_4_7", "km_lag_8_14", "km_lag_15_28", *ADJUSTMENT_TERMS],
            "variance_estimator": variance,
            "variance_description": VARIANCE_LABELS[variance],
            "calibration": "95 % CIs of the hazard model measured by benchmarks/validity.py, two runs "
            "of 300 simulated runners read back from written exports (seeds 1000 and 5000): coverage of "
            "planted effects 0.949 and 0.951 (0.950 of 3457 pooled); flat null: CI excludes OR 1 in 4.1 % "
            "and 5.0 % of primary tests (4.6 % of 2379 pooled; q < 0.05 in 0.3 % and 0.7 %); no "
            "footwear effect: barefoot-share term 3.7 % and 4.7 %",
            "exploratory_not_tested": "prewhitened cross-correlations are descriptive (no q-values)",
            "multiple_comparisons": {
                "method": "Benjamini-Hochberg",
                "fdr": 0.05,
                "primary_tests": n_primary,
                "exploratory_tests": n_exploratory,
                "note": "q-values computed separately over primary (hazard) terms and "
                "over exploratory terms of all regions",
            },
            "sufficiency": {
                "min_onsets": min_onsets,
                "min_days": min_days,
                "min_logged_pct": min_logged_pct,
                "period_days": n_period_days,
            },
            "wording": "associations, not causes; for a causal answer run an ABAB footwear-block "
            "self-experiment (Daza 2018)",
        },
    }
    if sensitivity and len(rdays):
        result["guards"]["sensitivity"] = flare_sensitivity(
            dp,
            lags,
            daily,
            in_period,
            grouping=grouping,
            flare_params=flare_params,
            min_onsets=min_onsets,
            excluded=excluded,
            variance=variance,
            lr_scales=lr_scales,
        )
    if rule24 is None:
        rule24 = flareups.twenty_four_hour_rule(pain, in_period)
    result["flags"] = {"rule_24h_breaches": rule_24h_breaches(rule24)}
    return result


def rule_24h_breaches(rule24: pd.DataFrame) -> list[dict]:
    """Every run that broke the 24-hour rule, oldest first (``flags.rule_24h_breaches``; METHODS.md 4).

    Parameters
    ----------
    rule24 : DataFrame
        :func:`analysis.flareups.twenty_four_hour_rule` (index ``activity_id``;
        ``date``, ``breach``, ``rules``).

    Returns
    -------
    list of dict
        ``date`` (ISO), ``activity_id`` and ``rules`` (what fired, where) of each
        run whose ``breach`` is True; runs that could not be checked are left out.
    """
    if not len(rule24):
        return []
    broke = rule24[rule24["breach"].astype("boolean").fillna(False).to_numpy(bool)]
    broke = broke.assign(_date=pd.to_datetime(broke["date"])).sort_values("_date", kind="stable")
    return [
        {"date": f"{d:%Y-%m-%d}", "activity_id": str(aid), "rules": str(rules)}
        for aid, d, rules in zip(broke.index, broke["_date"], broke["rules"], strict=True)
    ]


def _iso(value) -> str | None:
    return None if pd.isna(value) else pd.Timestamp(value).date().isoformat()


def flags(
    rule24: pd.DataFrame, spikes: pd.DataFrame, guardrails: pd.DataFrame, shoes: pd.DataFrame
) -> dict:
    """Page 1's flags as JSON: every 24-hour-rule breach, spike, guard-rail breach and retire alert.

    Parameters
    ----------
    rule24 : DataFrame
        :func:`analysis.flareups.twenty_four_hour_rule` (one row per run; ``breach`` NA
        where the run could not be checked). METHODS.md 4 (Silbernagel 2007).
    spikes : DataFrame
        :func:`analysis.load.spike_ratio` (``spike_bin`` per run; Frandsen 2025).
    guardrails : DataFrame
        :func:`analysis.load.transition_guardrails`, one row per week (METHODS.md 3).
    shoes : DataFrame
        :func:`analysis.footwear.shoe_summary` (``retire_alert`` per shoe).

    Returns
    -------
    dict
        ``rule_24h_checked`` (runs with enough diary to check), ``rule_24h_breaches``
        (every breach: :func:`rule_24h_breaches`), ``spikes`` (every moderate or
        large spike: date, activity_id, ratio, bin), ``guardrail_breaches`` (every week
        with a breach or over 35 km with barefoot-style running ("caution"), and which), ``retire_alerts`` (shoe, km, retire km).
    """
    checked = int(rule24["breach"].notna().sum()) if len(rule24) else 0
    breaches = rule_24h_breaches(rule24)
    big = spikes[spikes["spike_bin"].isin(["moderate", "large"]).fillna(False)] if len(spikes) else spikes
    spike_rows = [
        {"date": _iso(r.date), "activity_id": str(aid), "spike_ratio": _num(r.spike_ratio, 4),
         "spike_bin": str(r.spike_bin)}
        for aid, r in zip(big.index, big.itertuples(index=False), strict=True)
    ]
    rules = ("start_breach", "increase_breach", "run_breach", "increase_despite_pain", "caution")
    weeks = []
    if len(guardrails) and "breach" in guardrails:
        flagged = guardrails["breach"].astype("boolean").fillna(False) | guardrails["caution"].astype(
            "boolean"
        ).fillna(False)
        hit = guardrails[flagged.to_numpy(bool)]
        for week, r in hit.iterrows():
            weeks.append({"week_start": _iso(week),
                          "breaches": [c for c in rules if bool(pd.array([r[c]], dtype="boolean").fillna(False)[0])]})
    alerts = shoes[shoes["retire_alert"].astype("boolean").fillna(False).to_numpy(bool)] if len(shoes) else shoes
    retire = [
        {"shoe": str(r.shoe), "distance_km": _num(r.distance_km, 6), "retire_km": _num(r.retire_km, 6)}
        for r in alerts.itertuples(index=False)
    ]
    return {
        "rule_24h_checked": checked,
        "rule_24h_breaches": breaches,
        "spikes": spike_rows,
        "guardrail_breaches": weeks,
        "retire_alerts": retire,
    }

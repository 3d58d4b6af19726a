"""Frames in, findings out: every number the report prints, per region, and its JSON (DESIGN.md).

The findings are assembled from the domain frames (:mod:`analysis.load`, :mod:`analysis.flareups`)
and the methods of :mod:`analysis.stats`; nothing here reads a file. Per region: the two
pre-specified estimands of the primary model (:mod:`analysis.stats.primary`), the absolute risk
under three training plans (:mod:`analysis.stats.absolute_risk`), the morning-pain trend
(:func:`analysis.stats.pain_series.pain_trend`), the unadjusted rates, and, labelled exploratory
with q-values, the older lag-band hazard terms, case-crossover and cross-correlation (METHODS.md 5).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import background, flareups, load
from analysis.drills import drill_days
from analysis.errors import RunlogError
from analysis.schema import GROUPING, REGIONS
from analysis.stats.absolute_risk import absolute_risk
from analysis.stats.case_crossover import case_crossover
from analysis.stats.design import MIN_DAYS, MIN_LOGGED_PCT, MIN_ONSETS, NEVER_LOGGED, hazard_frame
from analysis.stats.hazard import fit_hazard
from analysis.stats.pain_series import pain_trend, prewhitened_ccf, prewhitening_filter
from analysis.stats.primary import (
    ESTIMATOR_LABELS,
    MAX_CI_RATIO,
    PrimaryFit,
    _rows_all,
    adjustment_words,
    fit_primary,
    insufficient_message,
)
from analysis.stats.primary_design import (
    ADJUSTMENT_LADDER,
    ESTIMANDS,
    EVENTS_PER_PARAMETER,
    FOOTWEAR_CONTRAST,
    LoadArrays,
    ladder_sizes,
    load_arrays,
    minimum_onsets,
    region_day_frame,
)
from analysis.stats.rates import bh_qvalues, region_rates

EXPLORATORY_LABEL = (
    "exploratory: not pre-specified; Benjamini-Hochberg q-values over all exploratory terms of all regions"
)

PAIN_TREND_MODEL = (
    "pre-specified secondary: morning pain on the last 7 days' barefoot-style km and total km and a linear "
    "trend, AR(1) errors over calendar days (exact likelihood), intervals widened by a 28-day block sandwich "
    "where larger"
)
#: how the pain trend's adjustments read in its model description (analysis.stats.pain_series)
_PAIN_TREND_ADJUSTMENT_WORDS = {
    "season": "season",
    "days_since_flare": "days since the last flare-up",
    "no_flare_yet": "no flare-up yet",
    "flare_days_7d": "flare-up days among the 7 before",
}
#: the flare-history words among them (the report says "flare history" when a fit carries all three)
PAIN_TREND_FLARE_HISTORY_WORDS: tuple[str, ...] = tuple(
    _PAIN_TREND_ADJUSTMENT_WORDS[k] for k in ("days_since_flare", "no_flare_yet", "flare_days_7d")
)


def _pain_trend_model(adjusted_for) -> str:
    """:data:`PAIN_TREND_MODEL` with the adjustments the fit carried ("not adjusted" when none)."""
    words = [_PAIN_TREND_ADJUSTMENT_WORDS.get(a, a) for a in adjusted_for or ()]
    return PAIN_TREND_MODEL + ("; adjusted for " + ", ".join(words) if words else "; not adjusted")

CALIBRATION_NOTE = (
    "primary model measured on simulated runners with a planted logit-linear effect "
    "(benchmarks/primary_estimator.py, 400 runners per scenario, seeds not used in tests): see "
    "benchmarks/README.md; model-independent generators: benchmarks/validity.py"
)


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


def _effect_rows(effects: pd.DataFrame, model: str, scale: str) -> list[dict]:
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
                "primary": False,
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


def _text(x) -> str | None:
    return x if isinstance(x, str) else None


def primary_rows(fit: PrimaryFit) -> list[dict]:
    """The region's ``primary`` list (DESIGN.md): one JSON row per pre-specified estimand."""
    return [
        {
            "estimand": r.estimand,
            "unit": r.unit,
            "estimate": _num(r.estimate),
            "ci": _ci(r.ci_low, r.ci_high),
            "p": _num(r.p, 4),
            "status": r.status,
            "events": int(r.events),
            "min_detectable": _num(r.min_detectable, 4),
            "message": _text(r.message),
        }
        for r in fit.rows.itertuples(index=False)
    ]


def _risk_rows(risk: pd.DataFrame) -> list[dict]:
    return [
        {
            "scenario": r.scenario,
            "risk_28d": _num(r.risk_28d, 4),
            "ci": _ci(r.ci_low, r.ci_high),
            "status": r.status,
            "message": _text(r.message),
        }
        for r in risk.itertuples(index=False)
    ]


def _pain_trend_json(pt: pd.DataFrame) -> dict:
    return {
        "outcome": pt.attrs.get("outcome", "morning pain"),
        # a trend not fitted (a message) was not "not adjusted": the plain model, its message says why
        "model": PAIN_TREND_MODEL if pt.attrs.get("message") else _pain_trend_model(pt.attrs.get("adjusted_for")),
        # the adjustments this region's fit carried, in words (season needs a year of diary, flare history
        # a flare-up): the methods page says them per region
        "adjusted_for": None if pt.attrs.get("message") else [
            _PAIN_TREND_ADJUSTMENT_WORDS.get(a, a) for a in pt.attrs.get("adjusted_for") or ()],
        "ar1": _num(pt.attrs.get("ar1"), 4),
        "n_days": int(pt.attrs.get("n_days", 0)),
        "message": pt.attrs.get("message"),
        "terms": [
            {
                "term": r.term,
                "unit": r.unit,
                "estimate": _num(r.estimate, 4),
                "ci": _ci(r.ci_low, r.ci_high),
                "p": _num(r.p, 4),
                "n_days": int(r.n_days),
            }
            for r in pt.itertuples(index=False)
        ],
    }


def _date(x) -> str | None:
    return None if x is None or pd.isna(x) else pd.Timestamp(x).date().isoformat()


def episode_rows(episodes: pd.DataFrame, region: str) -> list[dict]:
    """The region's episodes (side, onset, end, peak, rule) from :func:`analysis.flareups.detect_flareups`.

    Reads either the current column names (``onset_date``, ``end_date``,
    ``peak_pain``, ``criterion``) or the short ones (``onset``, ``end``,
    ``peak``, ``rule``).
    """
    if episodes is None or len(episodes) == 0 or "region" not in episodes:
        return []
    ep = episodes[episodes["region"] == region]

    def col(*names):
        for n in names:
            if n in ep:
                return ep[n].tolist()
        return [None] * len(ep)

    return [
        {"side": _text(side), "onset": _date(on), "end": _date(end), "peak": _num(peak, 3), "rule": _text(rule)}
        for side, on, end, peak, rule in zip(
            col("side"), col("onset_date", "onset"), col("end_date", "end"), col("peak_pain", "peak"),
            col("criterion", "rule"), strict=True,
        )
    ]


def _insufficient_region(fit: PrimaryFit, n_onsets: int) -> str:
    """The region's message when the primary model is not estimable."""
    msg = fit.message or insufficient_message(fit.n_events)
    if fit.n_events < n_onsets and msg.startswith("insufficient data: ") and "onset" in msg:
        lost = n_onsets - fit.n_events
        msg += (
            f" ({lost} of the {n_onsets} onsets fell on days the model cannot use: not at risk, not logged, "
            "or without 28 days of known running before them)"
        )
    return msg


def flare_sensitivity(
    pain_daily: pd.DataFrame,
    loads: LoadArrays,
    daily: pd.DataFrame,
    runs: pd.DataFrame,
    *,
    grouping: Mapping[str, str],
    flare_params: Mapping[str, float] | None = None,
    excluded: Mapping[str, str] | None = None,
    estimator: str = "firth",
) -> dict:
    """The pre-specified estimands again under each flare-up sensitivity variant of METHODS.md 4.

    For every variant of :func:`analysis.flareups.sensitivity_variants` that
    differs from the parameters in use (every pain threshold -1 / +1 point; 1 or
    3 of 3 logged mornings): onsets per region, the barefoot-style vs traditional
    rate ratio, and the primary model's estimand rows (the same fast model and
    size rule as the main analysis; no q-values: a check of robustness, not new
    tests).

    Parameters
    ----------
    pain_daily : DataFrame
        :func:`analysis.flareups.daily_pain` from the diary's first day to the period's end (onsets
        are counted in the period only: ``daily``'s days).
    loads : LoadArrays
        :func:`analysis.stats.primary_design.load_arrays` of ``daily``.
    daily : DataFrame
        :func:`analysis.load.daily_load` (for the rates' exposure).
    runs : DataFrame
        Canonical runs in the period (for the rates).
    excluded : mapping, optional
        region -> reason for regions the main analysis ruled out for a reason
        other than onsets (too few days or days logged).

    Returns
    -------
    dict
        {variant: {"changes": {parameter: value}, "regions": {region: {"onsets",
        "rate_ratio": {"estimate", "ci"}, "primary": [{"estimand", "estimate",
        "ci", "p", "status", "events"}], "message"}}}}.
    """
    excluded = dict(excluded or {})
    outcomes = flareups.outcomes_of(pain_daily, flareups.flare_rule(dict(flare_params or {})))  # shared by all
    variants = flareups.sensitivity_variants(pain_daily, outcomes=outcomes, **dict(flare_params or {}))
    default = variants.pop("default").attrs["params"]
    out: dict[str, dict] = {}
    for name, episodes in variants.items():
        params = episodes.attrs["params"]
        changes = {k: v for k, v in params.items() if v != default.get(k)}
        if not changes:  # the variant is the default (e.g. 2 days when 2 is the default)
            continue
        rdays = flareups.region_days(pain_daily, episodes, outcomes=outcomes)
        regions: dict[str, dict] = {}
        present = set(rdays["region"].unique())  # once, not once per region (a pass over every region-day)
        for region in [r for r in REGIONS if r in present]:
            # no pain_daily: the frame's morning pain (read from it) feeds the pain trend, which is not redone here
            frame = region_day_frame(rdays, None, region)
            frame = frame.loc[(frame.index >= daily.index.min()) & (frame.index <= daily.index.max())]
            onset_dates = frame.index[frame["onset"] > 0]
            rr = region_rates(
                onset_dates, runs, daily, frame["at_risk"] & frame["logged"], grouping=grouping
            )["rate_ratio"]
            entry: dict = {
                "onsets": len(onset_dates),
                "rate_ratio": {"estimate": _num(rr["estimate"], 4), "ci": _ci(*rr["ci"])},
                "primary": [],
                "message": None,
            }
            if region in excluded:
                entry["message"] = excluded[region]
            else:
                fit = fit_primary(frame, loads, estimator=estimator)
                entry["primary"] = [
                    {k: row[k] for k in ("estimand", "estimate", "ci", "p", "status", "events")}
                    for row in primary_rows(fit)
                ]
                entry["message"] = None if fit.estimable else _insufficient_region(fit, len(onset_dates))
            regions[region] = entry
        out[name] = {"changes": changes, "regions": regions}
    return out


def _exploratory(
    rd: pd.DataFrame, lags: pd.DataFrame, daily: pd.DataFrame, model_ok: bool, km_filter: np.ndarray | None
) -> tuple[dict, list[dict]]:
    """The region's exploratory analyses (METHODS.md 5): old hazard terms, case-crossover, CCF."""
    frame = hazard_frame(rd, lags)
    frame = frame.loc[(frame.index >= daily.index.min()) & (frame.index <= daily.index.max())]
    out: dict = {"label": EXPLORATORY_LABEL}
    rows: list[dict] = []
    if model_ok:
        hz = fit_hazard(frame, variance="firth-profile", min_events=MIN_ONSETS, calibration_replicates=0)
        rows += _effect_rows(hz.effects, "discrete-time hazard, lag bands and spike bins (Firth logistic)",
                             "odds ratio")
        out["hazard"] = {"n_days": hz.n_days, "n_events": hz.n_events, "adjusted_for": hz.adjusted_for,
                         "reason": hz.reason}
        for L in (7, 14):
            cco = case_crossover(frame, daily, window_days=L)
            rows += _effect_rows(cco, f"case-crossover 1-{L} d (conditional logit)", "odds ratio")
            out[f"case_crossover_1_{L}"] = {
                "n_cases": cco.attrs["n_cases"],
                "n_referents": cco.attrs["n_referents"],
            }
    if "pain_max" in frame and frame["pain_max"].notna().any():
        ccf = prewhitened_ccf(daily["km"], frame["pain_max"], phi=km_filter)
        out["ccf_km_pain"] = {
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
    return out, rows


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
    #: daily pain from the diary's first day to the period's end (flare-ups are found on it)
    pain_history: pd.DataFrame | None = None
    #: :func:`analysis.load.spike_ratio` of every run (the lag features' spike days, the report's spike table)
    spikes: pd.DataFrame | None = None
    #: region-days from the diary's first day (``region_days`` is cut to the period): the flare history's source
    region_days_history: pd.DataFrame | None = None


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
        First and last day (naive midnight); a window whose start is after its end
        (a ``--since`` after the data, an ``--until`` before it) is a RunlogError. Without
        ``start``/``end``: the
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
    if start is not None and end is not None and start > end:
        held = "the diary covers" if len(pain_dates) else "the runs cover"
        span = f"{first:%Y-%m-%d} to {last:%Y-%m-%d}" if first is not None else "no dates"
        raise RunlogError(f"the analysis window {start:%Y-%m-%d} to {end:%Y-%m-%d} is empty: {held} "
                          f"{span}; choose --since/--until inside it")
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
    spikes = load.spike_ratio(runs)
    lags = load.lag_features(history, runs, drills_daily, spikes=spikes)
    if start is not None:
        daily, lags = history.loc[history.index >= start], lags.loc[(lags.index >= start) & (lags.index <= end)]
    else:
        daily = history
    # flare-ups are found on the diary from its first day (the baseline and an episode already running
    # at --since need the mornings before it), then counted in the window
    pain_first = pd.to_datetime(pain["date"]).dropna().min() if len(pain) else None
    pain_start = start if start is None or pain_first is None else min(start, pain_first.normalize())
    dp = pain_history = flareups.daily_pain(pain, start=pain_start, end=end)
    outcomes = flareups.outcomes_of(dp, flareups.flare_rule(dict(flare_params or {})))  # once for both steps
    episodes = flareups.detect_flareups(dp, outcomes=outcomes, **dict(flare_params or {}))
    rdays = flareups.region_days(dp, episodes, outcomes=outcomes)
    rdays = rdays_history = rdays.assign(date=pd.to_datetime(rdays["date"]))
    if start is not None and pain_start is not None and pain_start < start:
        params = episodes.attrs.get("params")
        dp = dp[pd.to_datetime(dp["date"]) >= start].reset_index(drop=True)
        rdays = rdays[rdays["date"] >= start].reset_index(drop=True)
        episodes = episodes[pd.to_datetime(episodes["onset_date"]) >= start].reset_index(drop=True)
        if params is not None:
            episodes.attrs["params"] = params
    in_period = (
        runs[(pd.to_datetime(runs["date"]) >= start) & (pd.to_datetime(runs["date"]) <= end)]
        if start is not None
        else runs
    )
    return ModelFrames(start, end, daily, lags, dp, episodes, rdays, in_period, history, pain_history, spikes,
                       rdays_history)


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
    min_days: int = MIN_DAYS,
    min_logged_pct: float = MIN_LOGGED_PCT,
    estimator: str = "firth",
    sensitivity: bool = True,
    exploratory: bool = True,
    seed: int = 0,
    frames: ModelFrames | None = None,
    rule24: pd.DataFrame | None = None,
    dynamics_binned: Mapping[str, pd.DataFrame] | None = None,
    dynamics_table: pd.DataFrame | background.Pending | None = None,
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
    frames : ModelFrames, optional
        Already built by :func:`model_frames` from the same inputs (not built again).
    rule24 : DataFrame, optional
        :func:`analysis.flareups.twenty_four_hour_rule` of the period's runs,
        when already computed (else computed here).
    min_days, min_logged_pct :
        The diary sufficiency rule: >= 90 diary days, >= 90 of them logged for the
        region, and >= 2/3 of them logged (METHODS.md 5 asks 80 %; docs/methods.md 5
        "Sufficiency" gives the measured reason for 2/3); below it a region gets
        rates and descriptives only.
        Onsets decide the primary model's size (:mod:`analysis.stats.primary`).
    estimator : {"firth", "prior"}
        The primary model's penalty (:func:`analysis.stats.primary.fit_primary`).
    sensitivity : bool
        Also run the flare-up sensitivity variants (``guards.sensitivity``).
    exploratory : bool
        Also run the exploratory analyses (old hazard terms, case-crossover, CCF).
    seed : int
        Seed of the absolute-risk interval draws.
    dynamics_binned : mapping, optional
        :func:`analysis.dynamics.speed_binned_all` of ``samples``, when already
        made (for the report's figure): the samples are not binned again.
    dynamics_table : DataFrame or :class:`analysis.background.Pending`, optional
        :func:`analysis.dynamics.dynamics_by_shoe_class` of ``samples`` and
        ``runs``, or that call already started by the caller
        (:func:`analysis.pipeline.analyse` starts it before the frames are built).

    The running-dynamics mixed models, and the sensitivity variants with the
    exploratory models (old hazard terms, case-crossover, CCF and their
    q-values), need nothing the region models give: each group runs in a second
    process meanwhile (:func:`analysis.background.start`; at once, here, where
    that is not possible), with the same result. Those are the only users of
    statsmodels, imported inside the functions that fit with it, so a process
    whose models ran elsewhere never loads it (~0.25 s). :func:`start_findings`
    returns before they finish.

    Returns
    -------
    dict
        ``period``, ``data``, ``regions`` {region: onsets, sufficient, message,
        episodes, primary, model, absolute_risk, pain_trend, rates,
        onsets_no_recent_run, rate_ratio, exploratory}, ``dynamics``, ``guards``,
        ``flags`` (``rule_24h_breaches``: every run that broke the 24-hour rule, by
        date). Floats are plain Python floats; NaN and infinity are None.
    """
    return start_findings(
        runs, pain, drills, samples, grouping=grouping, start=start, end=end, flare_params=flare_params,
        min_days=min_days, min_logged_pct=min_logged_pct, estimator=estimator, sensitivity=sensitivity,
        exploratory=exploratory, seed=seed, frames=frames, rule24=rule24, dynamics_binned=dynamics_binned,
        dynamics_table=dynamics_table,
    ).result()


def start_findings(
    runs: pd.DataFrame,
    pain: pd.DataFrame,
    drills: pd.DataFrame | pd.Series | None = None,
    samples: pd.DataFrame | None = None,
    *,
    grouping: Mapping[str, str] | None = None,
    start=None,
    end=None,
    flare_params: Mapping[str, float] | None = None,
    min_days: int = MIN_DAYS,
    min_logged_pct: float = MIN_LOGGED_PCT,
    estimator: str = "firth",
    sensitivity: bool = True,
    exploratory: bool = True,
    seed: int = 0,
    frames: ModelFrames | None = None,
    rule24: pd.DataFrame | None = None,
    dynamics_binned: Mapping[str, pd.DataFrame] | None = None,
    dynamics_table: pd.DataFrame | background.Pending | None = None,
) -> PendingFindings:
    """:func:`findings`, its second processes still running: ``.result()`` waits for them.

    The parameters are :func:`findings`'. The region models are fitted here; the
    running dynamics, the sensitivity variants and the exploratory analyses run in
    second processes (:mod:`analysis.background`) while the caller goes on with
    whatever does not need them (:func:`analysis.pipeline.analyse`: the week, the
    flags, the load tables). The dict is the same bytes either way.
    """
    grouping = dict(grouping or GROUPING)
    if frames is None:
        frames = model_frames(runs, pain, drills, grouping=grouping, start=start, end=end, flare_params=flare_params)
    start, end, daily = frames.start, frames.end, frames.daily
    dp, rdays, in_period = frames.pain_daily, frames.region_days, frames.runs_in_period
    episodes = frames.episodes
    # lagged load from the whole running history: days before the period feed the lags
    loads = load_arrays(frames.history if frames.history is not None else daily)
    pain_dates = pd.to_datetime(pain["date"]).dropna()
    n_period_days = int(len(daily))
    # days with any diary entry (the "any" row of flareups.diary_coverage, as `runlog check` says)
    cov = flareups.diary_coverage(pain, start=start, end=end).set_index("region")
    diary_pct = float(cov.loc["any", "pct_logged"]) if n_period_days and "any" in cov.index else math.nan
    # the diary's span: what the sufficiency rule counts (load before it only feeds the lags)
    in_span = pain_dates[(pain_dates >= start) & (pain_dates <= end)] if start is not None else pain_dates
    diary_days = int((in_span.max() - in_span.min()).days + 1) if len(in_span) else 0
    lags = frames.lags if exploratory else None

    region_frames, excluded = _region_frames(frames, diary_days, min_days, min_logged_pct)
    # the running dynamics, the sensitivity variants and the exploratory analyses need nothing the region
    # models give: second processes compute them meanwhile (analysis.background; here, at once, where
    # they cannot). The exploratory ones and the dynamics are the only users of statsmodels (~0.25 s to
    # import), so this process never loads it when they run elsewhere
    if dynamics_table is None and samples is not None and len(samples):
        from analysis.dynamics import dynamics_by_shoe_class

        dynamics_table = background.start(dynamics_by_shoe_class, samples, in_period, grouping=grouping,
                                          binned=dynamics_binned)
    # two second processes, not one: the exploratory models and the sensitivity variants each take about
    # as long as this process's own models, so on two CPUs the three end together
    checks = [
        (background.start_warm if part == "exploratory" else background.start)(
            _checks, region_frames, loads, lags, daily,
            frames.pain_history if frames.pain_history is not None else dp, in_period,
            grouping=grouping, flare_params=flare_params, excluded=dict(excluded), estimator=estimator,
            sensitivity=part == "sensitivity", exploratory=part == "exploratory",
        )
        for part, wanted in (("exploratory", exploratory and region_frames), ("sensitivity", sensitivity and len(rdays)))
        if wanted
    ]

    regions_out: dict[str, dict] = {}
    n_primary = 0
    for region in REGIONS:
        if region not in region_frames:
            regions_out[region] = _never_logged(region)
            continue
        rd, frame, logged_pct, problems = region_frames[region]
        onset_dates = frame.index[frame["onset"] > 0]
        n_onsets = len(onset_dates)
        rates = region_rates(onset_dates, in_period, daily, frame["at_risk"] & frame["logged"], grouping=grouping)
        if problems:
            fit = PrimaryFit(
                _rows_all("insufficient data", excluded[region], n_onsets),
                "insufficient data", excluded[region], 0, n_onsets, estimator,
            )
        else:
            fit = fit_primary(frame, loads, estimator=estimator)
        n_primary += int((fit.rows["status"] != "insufficient data").sum())
        message = None if fit.estimable else (excluded.get(region) or _insufficient_region(fit, n_onsets))
        if not fit.estimable:
            fit.rows["message"] = message
        risk = absolute_risk(fit, frame, loads, seed=seed) if fit.estimable else _no_risk(message)
        pt = pain_trend(
            frame,
            pd.Series(loads.barefoot_km_7d, index=loads.dates),
            pd.Series(loads.km_7d, index=loads.dates),
        )
        out = {
            "onsets": n_onsets,
            "sufficient": fit.estimable,
            "message": message,
            "logged_pct": _num(logged_pct, 4),
            "episodes": episode_rows(episodes, region),
            "primary": primary_rows(fit),
            "model": _model_json(fit),
            "absolute_risk": _risk_rows(risk),
            "absolute_risk_plan": {
                "km_28d": _num(risk.attrs.get("last_4_weeks_km"), 4),
                "barefoot_share_pct": _num(risk.attrs.get("last_4_weeks_barefoot_share_pct"), 3),
            },
            "pain_trend": _pain_trend_json(pt),
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
                "note": "unadjusted: onsets per km by the footwear of the last run before; "
                "read it beside the adjusted estimand",
            },
            "exploratory": {"label": EXPLORATORY_LABEL, "effects": []},
        }
        regions_out[region] = out

    result = {
        "period": {
            "start": None if start is None else pd.Timestamp(start).date().isoformat(),
            "end": None if end is None else pd.Timestamp(end).date().isoformat(),
            "diary_start": _date(in_span.min()) if len(in_span) else None,
            "diary_end": _date(in_span.max()) if len(in_span) else None,
        },
        "data": {
            "runs": int(len(in_period)),
            "distance_km": _num(pd.to_numeric(in_period["distance_m"]).astype(float).sum() / 1000, 6),
            "pain_days_logged_pct": _num(diary_pct, 4),
        },
        "regions": regions_out,
        "dynamics": None,  # filled by PendingFindings.result(): the models may still run elsewhere
        "guards": {
            "lag_min_days": 1,
            "at_risk_days_only": True,
            "reverse_causation": "load features use days <= t-1 only; models use at-risk, logged days only; "
            "flare history is in the model",
            "confounding_by_indication": "the barefoot-style share is adjusted for total km (the 7-day km "
            "and, with enough onsets, km of days 8-28); rate ratios are per km and unadjusted.",
            "primary_model": {
                "estimands": {e: u for e, u in ESTIMANDS.items()},
                "estimator": estimator,
                "description": ESTIMATOR_LABELS[estimator],
                "events_per_parameter": EVENTS_PER_PARAMETER,
                "min_onsets": minimum_onsets(),
                "adjustment_order": [
                    {"adjustment": name, "parameters": k, "onsets_needed": need, "what": words}
                    for (name, k, words), need in zip(
                        ADJUSTMENT_LADDER,
                        [size * EVENTS_PER_PARAMETER for size, _ in ladder_sizes()[1:]],
                        strict=True,
                    )
                ],
                "footwear_contrast": FOOTWEAR_CONTRAST,
                "too_imprecise": f"upper / lower 95 % limit > {MAX_CI_RATIO:g}",
                "min_detectable": "smallest odds ratio detectable with 80 % power at a two-sided 5 % level: "
                "exp((z_0.975 + z_0.80) x SE at the null)",
            },
            "variance_estimator": estimator,
            "variance_description": ESTIMATOR_LABELS[estimator],
            "calibration": CALIBRATION_NOTE,
            "exploratory_not_tested": "prewhitened cross-correlations are descriptive (no q-values)",
            "multiple_comparisons": {
                "method": "Benjamini-Hochberg",
                "fdr": 0.05,
                "primary_tests": n_primary,
                "exploratory_tests": 0,  # PendingFindings.result()
                "note": "the two pre-specified estimands per region are not adjusted (fixed before seeing "
                "the data, nothing ranked); q-values are computed over the exploratory terms of all regions",
            },
            "sufficiency": {
                "min_onsets": minimum_onsets(),
                "events_per_parameter": EVENTS_PER_PARAMETER,
                "min_days": min_days,
                "min_logged_days": min_days,
                "min_logged_pct": min_logged_pct,
                "period_days": n_period_days,
                "diary_days": diary_days,
            },
            "wording": "associations, not causes; for a causal answer run an ABAB footwear-block "
            "self-experiment (Daza 2018)",
        },
    }
    if rule24 is None:
        rule24 = flareups.twenty_four_hour_rule(pain, in_period)
    return PendingFindings(result, checks, dynamics_table, rule_24h_breaches(rule24))


class PendingFindings:
    """The findings of :func:`start_findings`: :meth:`result` waits for the second processes and fills in
    what they computed (the exploratory analyses and their q-values, the sensitivity variants, the
    running dynamics), in the dict's own key order."""

    def __init__(self, result: dict, checks, dynamics_table, breaches: list[dict]) -> None:
        self._result, self._checks, self._dynamics, self._breaches = result, checks, dynamics_table, breaches
        self._done = False

    def result(self) -> dict:
        """The findings dict (waits for the second processes; once)."""
        if self._done:
            return self._result
        result = self._result
        checks: dict = {}
        for pending in self._checks:
            part = pending.result()
            checks.update(part)
        n_exploratory = checks.get("n_tests", 0)
        for region, out in result["regions"].items():
            expl = out["exploratory"]
            expl.update(checks.get("exploratory", {}).get(region, {}))
            expl["n_tests"] = n_exploratory
        table = self._dynamics
        table = table.result() if isinstance(table, background.Pending) else table
        result["dynamics"] = _dynamics_json(table)
        result["guards"]["multiple_comparisons"]["exploratory_tests"] = n_exploratory
        if checks.get("sensitivity") is not None:
            result["guards"]["sensitivity"] = checks["sensitivity"]
        result["flags"] = {"rule_24h_breaches": self._breaches}
        self._done, self._checks, self._dynamics = True, [], None
        return result

    def cancel(self) -> None:
        """Stop the second processes (the caller failed and will not ask for the result)."""
        for pending in [*self._checks, self._dynamics]:
            if isinstance(pending, background.Pending):
                pending.cancel()


def _dynamics_json(table: pd.DataFrame | None) -> dict:
    """The ``dynamics`` section from :func:`analysis.dynamics.dynamics_by_shoe_class`'s table (None: no samples)."""
    if table is None:
        return {"available": False, "reason": "no per-second samples given"}
    return {
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


def _checks(
    region_frames: Mapping[str, tuple[pd.DataFrame, pd.DataFrame, float, list[str]]],
    loads: LoadArrays,
    lags: pd.DataFrame | None,
    daily: pd.DataFrame,
    pain_history: pd.DataFrame,
    runs: pd.DataFrame,
    *,
    grouping: Mapping[str, str],
    flare_params: Mapping[str, float] | None,
    excluded: Mapping[str, str],
    estimator: str,
    sensitivity: bool,
    exploratory: bool,
) -> dict:
    """The sensitivity variants or the exploratory analyses of every region (or both): a second process's work.

    Returns ``{"exploratory": {region: {"label", hazard, case-crossover and CCF entries, "effects": rows
    with q-values}}, "n_tests": finite p-values}`` when ``exploratory``, and ``{"sensitivity":
    flare_sensitivity(...) or None}`` when ``sensitivity`` (all three keys with both).
    Whether a region's exploratory models run depends on its primary model being estimable, so the
    primary model is fitted here again (the same deterministic fit as the caller's, ~5 ms a region).
    """
    out: dict = {}
    if exploratory:
        out["exploratory"], out["n_tests"] = {}, 0
        km_filter = prewhitening_filter(daily["km"]) if len(daily) else None
        rows_of: dict[str, list[dict]] = {}
        for region in REGIONS:
            if region not in region_frames:
                continue
            rd, frame, _, problems = region_frames[region]
            model_ok = not problems and fit_primary(frame, loads, estimator=estimator).estimable
            expl, rows_of[region] = _exploratory(rd, lags, daily, model_ok, km_filter)
            out["exploratory"][region] = expl
        out["n_tests"] = _apply_q([r for rows in rows_of.values() for r in rows])
        for region, rows in rows_of.items():
            out["exploratory"][region]["effects"] = [_clean_effect(r) for r in rows]
    if sensitivity:
        out["sensitivity"] = flare_sensitivity(pain_history, loads, daily, runs, grouping=grouping,
                                               flare_params=flare_params, excluded=excluded,
                                               estimator=estimator)
    return out


def region_frame(frames: ModelFrames, region: str) -> pd.DataFrame:
    """The region's model frame over the period (:func:`analysis.stats.primary_design.region_day_frame`).

    Built from the whole diary, then cut to the period's days: with ``--since``, a flare-up before the
    window still counts in the flare history ("days since the last flare-up", "no flare-up yet") of the
    window's days, as it does in the sensitivity variants.
    """
    rdays = frames.region_days_history if frames.region_days_history is not None else frames.region_days
    pain_daily = frames.pain_history if frames.pain_history is not None else frames.pain_daily
    frame = region_day_frame(rdays[rdays["region"] == region], pain_daily, region)
    days = frames.daily.index
    if not len(days):
        return frame.iloc[:0]
    return frame.loc[(frame.index >= days.min()) & (frame.index <= days.max())]


def _region_frames(
    mf: ModelFrames, diary_days: int, min_days: int, min_logged_pct: float,
) -> tuple[dict[str, tuple[pd.DataFrame, pd.DataFrame, float, list[str]]], dict[str, str]]:
    """Each logged region's (region-days, model frame over the period, % of diary days logged, problems
    of the sufficiency rule), and region -> reason for the regions ruled out for a reason other than
    onsets (never logged, or the sufficiency rule), before any model is fitted."""
    excluded: dict[str, str] = {}
    frames: dict[str, tuple[pd.DataFrame, pd.DataFrame, float, list[str]]] = {}
    rdays = mf.region_days
    for region in REGIONS:
        rd = rdays[rdays["region"] == region]
        if not len(rd) or not rd["logged"].any():
            excluded[region] = "insufficient data: region never logged"
            continue
        frame = region_frame(mf, region)
        logged_days = int(frame["logged"].sum())
        logged_pct = 100.0 * logged_days / diary_days if diary_days else 0.0
        problems = []
        if diary_days < min_days:
            problems.append(f"{diary_days} diary days (< {min_days})")
        elif logged_days < min_days:
            problems.append(f"{logged_days} logged diary days (< {min_days})")
        if logged_pct < min_logged_pct:
            # one decimal: 599 of 900 days (66.6 %) must not read "67 % (< 67 %)"
            problems.append(f"{logged_pct:.1f} % of diary days logged (< {min_logged_pct:.1f} %)")
        if problems:
            excluded[region] = "insufficient data: " + "; ".join(problems)
        frames[region] = (rd, frame, logged_pct, problems)
    return frames, excluded


def _never_logged(region: str) -> dict:
    message = NEVER_LOGGED
    fit = PrimaryFit(_rows_all("insufficient data", message, 0), "insufficient data", message, 0, 0, "firth")
    return {
        "onsets": 0,
        "sufficient": False,
        "message": message,
        "logged_pct": 0.0,
        "episodes": [],
        "primary": primary_rows(fit),
        "model": _model_json(fit),
        "absolute_risk": _risk_rows(_no_risk(message)),
        "absolute_risk_plan": {"km_28d": None, "barefoot_share_pct": None},
        "pain_trend": {"outcome": "morning pain", "model": PAIN_TREND_MODEL, "ar1": None, "n_days": 0,
                       "message": message, "terms": []},
        "rates": [],
        "onsets_no_recent_run": 0,
        "rate_ratio": None,
        "exploratory": {"label": EXPLORATORY_LABEL, "effects": []},
    }


def _no_risk(message: str | None) -> pd.DataFrame:
    from analysis.stats.absolute_risk import _empty

    return _empty(message or "insufficient data: no primary model for this region")


def _model_json(fit: PrimaryFit) -> dict:
    return {
        "n_days": fit.n_days,
        "n_events": fit.n_events,
        "parameters": 0 if fit.spec is None else len(fit.spec.columns),
        "adjustments": list(fit.adjustments),
        "adjusted_for": adjustment_words(fit.adjustments),
        "left_out": fit.dropped,
        "estimator": fit.estimator,
        "reason": fit.message,
    }


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


def red_flag_rows(red: pd.DataFrame) -> list[dict]:
    """``flags.red_flags``: every pain value above 5 (METHODS.md 4; Silbernagel 2007), oldest first.

    Parameters
    ----------
    red : DataFrame
        :func:`analysis.flareups.red_flags` (date, region, side, item, pain, next_morning,
        confirmed, onset).

    Returns
    -------
    list of dict
        ``date``, ``region``, ``side``, ``item``, ``pain`` (0-10), ``next_morning`` (the
        region's next logged morning, or None), ``confirmed`` (that morning at least 2 points
        above the baseline; None when it cannot be told), ``onset`` (an onset starts that
        day) and ``in_episode`` (the day lies in a flare-up episode of the region).
    """
    rows = []
    for r in red.itertuples(index=False):
        confirmed = getattr(r, "confirmed", None)
        rows.append({
            "date": _iso(r.date),
            "region": str(r.region),
            "side": str(r.side),
            "item": str(r.item),
            "pain": _num(r.pain, 4),
            "next_morning": _num(getattr(r, "next_morning", None), 4),
            "confirmed": None if confirmed is None or pd.isna(confirmed) else bool(confirmed),
            "onset": bool(getattr(r, "onset", False)) if pd.notna(getattr(r, "onset", False)) else False,
            "in_episode": bool(getattr(r, "in_episode", False)) if pd.notna(getattr(r, "in_episode", False))
            else False,
        })
    return rows

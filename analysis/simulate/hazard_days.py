"""A synthetic runner's at-risk days with planted hazard effects, for testing the estimators."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from analysis.stats.case_crossover import _window_sum
from analysis.stats.design import PRIMARY_TERMS, add_model_columns, days_since_flare


def simulate_hazard_days(
    n_days: int = 730,
    coefs: Mapping[str, float] | None = None,
    seed: int | None = None,
    *,
    onsets_per_year: float = 10.0,
    intercept: float | None = None,
    flare_days: tuple[int, int] = (4, 14),
    refractory_days: int = 7,
    drills: bool = True,
) -> pd.DataFrame:
    """A synthetic runner's at-risk days with planted effects on flare onset.

    Daily km follow a training pattern (runs on ~70 % of days, weekly blocks,
    a slow seasonal swing); the barefoot-style share of runs rises over the period
    (a transition) and barefoot-style runs are shorter and slower, as in real life;
    spike bins follow METHODS.md 2. Onsets are drawn day by day from a logistic
    hazard on the at-risk days; an onset starts a flare of 4-14 days followed by a
    7-day refractory period (METHODS.md 4).

    Parameters
    ----------
    n_days : int
        Length of the series in days.
    coefs : mapping, optional
        term -> log odds ratio per the term's unit in :data:`PRIMARY_TERMS`
        (e.g. ``{"km_lag_1_3": 0.4}`` is OR 1.49 per +10 km). Missing terms are 0
        (the flat null).
    seed : int, optional
        Seed of :func:`numpy.random.default_rng`.
    onsets_per_year : float
        Sets the intercept (baseline hazard on an average at-risk day) unless
        ``intercept`` is given.

    Returns
    -------
    DataFrame
        Same columns as :func:`hazard_frame` (index date), ready for
        :func:`fit_hazard`; plus daily ``km``, ``km_barefoot_style``, ``minutes``.
    """
    rng = np.random.default_rng(seed)
    coefs = dict(coefs or {})
    t = np.arange(n_days)
    week_factor = np.repeat(rng.lognormal(0.0, 0.25, n_days // 7 + 1), 7)[:n_days]
    season = 1 + 0.25 * np.sin(2 * np.pi * t / 180 + rng.uniform(0, 2 * np.pi))
    runs_today = rng.random(n_days) < 0.7
    p_bf = 0.1 + 0.5 * t / max(n_days - 1, 1)
    barefoot = runs_today & (rng.random(n_days) < p_bf)
    km = np.where(runs_today, rng.gamma(4.0, 2.0, n_days) * week_factor * season, 0.0)
    km = np.where(barefoot, km * 0.7, km)
    pace = np.where(runs_today, 5.5 + rng.normal(0, 0.4, n_days) + 0.3 * barefoot, np.nan)
    minutes = np.nan_to_num(km * pace)
    km_bf = np.where(barefoot, km, 0.0)
    drill = (rng.random(n_days) < 0.4).astype(float)
    idx = pd.date_range("2024-01-01", periods=n_days, freq="D", name="date")
    s_km, s_bf, s_min = pd.Series(km, idx), pd.Series(km_bf, idx), pd.Series(minutes, idx)
    frame = pd.DataFrame(index=idx)
    frame["km"], frame["km_barefoot_style"], frame["minutes"] = km, km_bf, minutes
    for lo, hi in ((1, 3), (4, 7), (8, 14), (15, 28)):
        frame[f"km_lag_{lo}_{hi}"] = _window_sum(s_km, lo, hi)
    km7 = _window_sum(s_km, 1, 7)
    frame["barefoot_share_lag_1_7"] = 100 * _window_sum(s_bf, 1, 7) / km7.where(km7 > 0)
    frame["minutes_lag_1_7"] = _window_sum(s_min, 1, 7)
    longest = s_km.shift(1).rolling(30, min_periods=1).max()
    ratio = (s_km / longest.where(longest > 0)).where(runs_today)
    bins = {"spike_small": (1.10, 1.30), "spike_moderate": (1.30, 2.00), "spike_large": (2.00, np.inf)}
    for name, (lo, hi) in bins.items():
        hit = ((ratio > lo) & (ratio <= hi)).astype(float)
        frame[name] = hit.shift(1).rolling(3, min_periods=3).max()
    frame["drill_days_lag_1_7"] = _window_sum(pd.Series(drill, idx), 1, 7) if drills else np.nan
    scaled = {}
    for term, (_, div) in PRIMARY_TERMS.items():
        col = frame[term] if term != "barefoot_share_lag_1_7" else frame[term].fillna(0.0)
        scaled[term] = (col.fillna(0.0) / div).to_numpy()
    if intercept is None:
        # at-risk days per year = 365 - onsets x (mean flare + refractory days)
        blocked = onsets_per_year * (np.mean(flare_days) + refractory_days)
        h = onsets_per_year / max(365.25 - blocked, 30.0)
        intercept = float(np.log(h / (1 - h)))
    lin = np.full(n_days, intercept)
    for term, beta in coefs.items():
        if term not in scaled:
            raise ValueError(f"unknown term {term!r}")
        x = scaled[term]
        lin += beta * (x - x.mean()) if term.startswith(("km_", "drill", "barefoot")) else beta * x
    hazard = 1 / (1 + np.exp(-lin))
    onset = np.zeros(n_days)
    in_flare = np.zeros(n_days, dtype=bool)
    at_risk = np.zeros(n_days, dtype=bool)
    u = rng.random(n_days)
    blocked_until = -1
    for i in range(n_days):
        if i <= blocked_until:
            continue
        at_risk[i] = True
        if u[i] < hazard[i]:
            onset[i] = 1
            length = int(rng.integers(flare_days[0], flare_days[1] + 1))
            in_flare[i : i + length] = True
            blocked_until = i + length - 1 + refractory_days
    frame["onset"], frame["in_flare"], frame["at_risk"] = onset, in_flare, at_risk
    frame["logged"] = True
    frame["pain_max"] = np.nan
    frame["days_since_flare"] = days_since_flare(frame["in_flare"]).shift(1).fillna(1.0)
    return add_model_columns(frame)

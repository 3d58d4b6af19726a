"""A synthetic runner's days with planted primary-model effects, for testing the estimators.

The onset hazard is logit-linear in the two estimands of METHODS.md 5 (barefoot-style share of the km
over t-7..t-1 per +10 points, km over t-7..t-1 per +10 km), so a correct estimator recovers the
planted odds ratios; morning pain follows an AR(1) process with a planted effect of the last 7 days'
barefoot-style and total km, for :func:`analysis.stats.pain_series.pain_trend`. It shares the
estimand definitions with the model on purpose: model-independent generators are the validity
benchmark's job (benchmarks/validity.py).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def simulate_primary_days(
    n_days: int = 730,
    *,
    share_or: float = 1.0,
    km_or: float = 1.0,
    onsets_per_year: float = 8.0,
    seed: int | None = None,
    logged_share: float = 0.9,
    flare_days: tuple[int, int] = (4, 14),
    refractory_days: int = 7,
    pain_bs_per_10km: float = 0.0,
    pain_km_per_10km: float = 0.0,
    pain_ar: float = 0.6,
    barefoot_prob: tuple[float, float] = (0.4, 0.3),
    start: str = "2024-01-01",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A runner's daily load and one region's day frame with planted effects.

    Training: runs on ~70 % of days, weekly blocks of harder and easier weeks;
    each run is barefoot-style with a probability that drifts (default between
    0.1 and 0.7) over months (so the 7-day share varies), and barefoot-style runs are
    shorter. Onsets: on logged at-risk days, logit h = a + log(share_or) x
    (share - mean share) / 10 + log(km_or) x (km_7d - mean km_7d) / 10 (a day
    with no km in t-7..t-1 has the mean share); an onset starts a flare of 4-14
    days and 7 refractory days. Morning pain: 1 + the planted load effects +
    AR(1) noise (sd 0.8), +4 points inside a flare, NaN on unlogged days.

    Parameters
    ----------
    n_days : int
        Diary days; 28 days of running before them are simulated as well (the lags).
    share_or, km_or : float
        Planted odds ratios per +10 points of share and per +10 km over t-7..t-1.
    onsets_per_year : float
        Sets the baseline hazard.
    seed : int, optional
        :func:`numpy.random.default_rng` seed.
    logged_share : float
        Probability that a day has a diary entry (missing at random).
    pain_bs_per_10km, pain_km_per_10km : float
        Planted pain points per +10 barefoot-style km and +10 km in t-7..t-1.
    pain_ar : float
        AR(1) coefficient of the morning-pain noise.
    barefoot_prob : (float, float)
        Mean and swing of the probability that a run is barefoot-style (it
        moves as mean + swing x sin over a 120-day cycle); (0.1, 0.05) is a
        runner who rarely runs barefoot-style.

    Returns
    -------
    (daily, frame)
        ``daily`` like :func:`analysis.load.daily_load` (index date, ``km``,
        ``km_barefoot_style``), starting 28 days before the diary; ``frame`` like
        :func:`analysis.stats.primary_design.region_day_frame` (index date:
        ``at_risk``, ``logged``, ``onset``, ``in_flare``, ``morning_pain``,
        ``no_flare_yet``, ``days_since_flare``), attrs ``truth``.
    """
    from analysis.stats.primary_design import flare_history

    rng = np.random.default_rng(seed)
    lead = 28
    n = n_days + lead
    t = np.arange(n)
    week = np.repeat(rng.lognormal(0.0, 0.3, n // 7 + 1), 7)[:n]
    runs = rng.random(n) < 0.7
    phase = rng.uniform(0, 2 * np.pi)
    p_bf = barefoot_prob[0] + barefoot_prob[1] * np.sin(2 * np.pi * t / 120 + phase)
    barefoot = runs & (rng.random(n) < p_bf)
    km = np.where(runs, rng.gamma(4.0, 2.0, n) * week, 0.0)
    km = np.where(barefoot, 0.6 * km, km)
    bs = np.where(barefoot, km, 0.0)
    km7 = np.convolve(np.r_[0.0, km[:-1]], np.ones(7))[:n]
    bs7 = np.convolve(np.r_[0.0, bs[:-1]], np.ones(7))[:n]
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(km7 > 0, 100 * bs7 / km7, np.nan)
    share = np.where(np.isnan(share), np.nanmean(share[lead:]), share)
    x_share = (share - share[lead:].mean()) / 10
    x_km = (km7 - km7[lead:].mean()) / 10
    blocked = onsets_per_year * (np.mean(flare_days) + refractory_days)
    h0 = onsets_per_year / max(365.25 - blocked, 30.0) / logged_share
    lin = math.log(h0 / (1 - h0)) + math.log(share_or) * x_share + math.log(km_or) * x_km
    hazard = 1 / (1 + np.exp(-lin))
    logged = rng.random(n) < logged_share
    logged[:lead] = False
    onset = np.zeros(n, int)
    in_flare = np.zeros(n, bool)
    at_risk = np.zeros(n, bool)
    u = rng.random(n)
    blocked_until = lead - 1
    for i in range(lead, n):
        if i <= blocked_until:
            continue
        at_risk[i] = True
        if logged[i] and u[i] < hazard[i]:
            onset[i] = 1
            length = int(rng.integers(flare_days[0], flare_days[1] + 1))
            in_flare[i : i + length] = True
            blocked_until = i + length - 1 + refractory_days
    noise = np.zeros(n)
    eps = rng.normal(0, 0.8 * math.sqrt(1 - pain_ar**2), n)
    for i in range(1, n):
        noise[i] = pain_ar * noise[i - 1] + eps[i]
    pain = 1.0 + pain_bs_per_10km * bs7 / 10 + pain_km_per_10km * km7 / 10 + noise + 4.0 * in_flare
    pain = np.where(logged, np.clip(pain, 0, 10), np.nan)
    dates = pd.date_range(start, periods=n, freq="D", name="date") - pd.Timedelta(days=lead)
    daily = pd.DataFrame({"km": km, "km_barefoot_style": bs}, index=dates)
    no_yet, since = flare_history(in_flare[lead:], logged[lead:])
    frame = pd.DataFrame(
        {
            "at_risk": at_risk[lead:],
            "logged": logged[lead:],
            "onset": onset[lead:],
            "in_flare": in_flare[lead:],
            "morning_pain": pain[lead:],
            "no_flare_yet": no_yet,
            "days_since_flare": since,
        },
        index=dates[lead:],
    )
    frame.attrs["pain_item"] = "morning"
    frame.attrs["truth"] = {"share_or": share_or, "km_or": km_or}
    return daily, frame

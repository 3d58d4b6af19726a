"""Simulated clinics for the cohort benchmark (METHODS.md 7, "Validation"): numpy only, no ``analysis`` import.

Each runner has a latent frailty that raises their flare-up risk AND their
barefoot-style running (between-runner confounding: runners prone to trouble choose
barefoot-style shoes), a personal training volume, seasonal barefoot-style running
(more in summer) with a seasonal baseline risk, and their own footwear effect
(heterogeneous: slope_r ~ N(beta, tau)). Training is simulated run by run; the
7-day windows, the km of days 8-28, flare history and at-risk days are computed
here from the simulated days, in this module's own way.

Truth: the log rate of an onset on day t is

    -5.1 + frailty + 0.25 sin(season) + slope_r * (share_7d - 30 %) / 10 points
    + beta_km * km_7d / 10 km + 0.03 * km_8_28 / 10 km,

so the within-runner estimands are exp(beta) per +10 points and exp(beta_km) per
+10 km (the population-mean runner; on days with no km in t-7..t-1 the share term is 0).

The method's footwear column: the analysis models the 7-day share minus the runner's
usual share at that time (METHODS.md 5). That usual share is the *method's* estimate,
so it is not made here: ``usual_share`` (a callable given by the benchmark) receives
each runner's day numbers (days since 1 January of a year, the season's phase) and
7-day km and barefoot-style km over every simulated day, and returns the usual share
(%) per day; ``barefoot_share_7d`` is then the share minus it. It draws nothing from
the random stream, so the simulated clinic is the same with or without it.
``barefoot_share_raw_7d`` is always the uncentred share (per 10 points).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

COLUMNS = ("barefoot_share_7d", "km_7d", "days_since_flare", "season_sin", "season_cos",
           "km_lag_shape_1", "no_flare_yet", "km_lag_shape_2")


def _window_sum(x: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Sum of x over days t-hi..t-lo (NaN where the window reaches before day 0)."""
    c = np.r_[0.0, np.cumsum(x)]
    t = np.arange(len(x))
    a, b = t - hi, t - lo + 1
    out = np.full(len(x), np.nan)
    ok = a >= 0
    out[ok] = c[b[ok]] - c[a[ok]]
    return out


def simulate_runner(rng: np.random.Generator, runner_id: str, *, days: int, beta_share: float, tau: float,
                    beta_km: float, confounding: float,
                    usual_share: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None = None,
                    ) -> pd.DataFrame:
    """One runner's at-risk logged days (after 28 days of history) with the model's column names."""
    frailty = rng.normal(0.0, 0.5)
    slope = beta_share + rng.normal(0.0, tau)
    volume = np.exp(rng.normal(np.log(7.0), 0.3))  # km per run
    base_share = 1 / (1 + np.exp(-(-1.0 + confounding * frailty)))  # higher risk -> more barefoot-style
    t = np.arange(days)
    day_number = t + rng.integers(0, 365)
    season = 2 * np.pi * day_number / 365.25
    ran = rng.random(days) < 0.55
    km = np.where(ran, rng.gamma(3.0, volume / 3.0, days), 0.0)
    p_bare = np.clip(base_share + 0.15 * np.sin(season), 0.0, 1.0)
    bare_km = np.where(rng.random(days) < p_bare, km, 0.0)
    km7 = _window_sum(km, 1, 7)
    bs7 = _window_sum(bare_km, 1, 7)
    km828 = _window_sum(km, 8, 28)
    with np.errstate(invalid="ignore", divide="ignore"):
        share_pct = np.where(km7 > 0, 100 * bs7 / km7, np.nan)
    share_term = np.where(np.isfinite(share_pct), slope * (share_pct - 30.0) / 10.0, 0.0)
    log_rate = -5.1 + frailty + 0.25 * np.sin(season) + share_term + beta_km * km7 / 10 + 0.03 * km828 / 10
    p = 1 - np.exp(-np.exp(log_rate))
    logged = rng.random(days) < 0.85
    onset = np.zeros(days, dtype=int)
    at_risk = np.zeros(days, dtype=bool)
    since = np.zeros(days)
    no_yet = np.zeros(days, dtype=bool)
    blocked_until = 28  # 28 days of history first
    last_end = 0
    any_flare = False
    for d in range(days):
        since[d] = d - last_end if any_flare else d + 1
        no_yet[d] = not any_flare
        if d < blocked_until:
            continue
        at_risk[d] = True
        if rng.random() < p[d]:
            onset[d] = 1
            any_flare = True
            length = int(rng.integers(7, 21))
            last_end = d + length
            blocked_until = d + length + 7  # flare plus the refractory week
    use = at_risk & logged
    column = share_pct if usual_share is None else share_pct - usual_share(day_number, km7, bs7)
    out = pd.DataFrame({
        "runner_id": runner_id,
        "onset": onset[use],
        "barefoot_share_7d": column[use] / 10.0,
        "km_7d": km7[use] / 10.0,
        "days_since_flare": np.log(np.maximum(since[use], 1.0)),
        "season_sin": np.sin(season[use]),
        "season_cos": np.cos(season[use]),
        "km_lag_shape_1": km828[use] / 10.0,
        "no_flare_yet": no_yet[use].astype(float),
        "km_lag_shape_2": (_window_sum(km, 8, 14) - _window_sum(km, 15, 28) / 2)[use] / 10.0,
        "barefoot_share_raw_7d": share_pct[use] / 10.0,
    })
    return out


def simulate_clinic(seed: int, *, runners: int = 50, days: int = 730, beta_share: float = 0.0, tau: float = 0.0,
                    beta_km: float = 0.15, confounding: float = 1.5, usual_share=None) -> pd.DataFrame:
    """A clinic's pooled at-risk logged region-days (one region), columns ``runner_id``, ``onset`` and COLUMNS
    (``usual_share``: see the module docstring)."""
    rng = np.random.default_rng(seed)
    return pd.concat([simulate_runner(rng, f"s{i:03d}", days=days, beta_share=beta_share, tau=tau,
                                      beta_km=beta_km, confounding=confounding, usual_share=usual_share)
                      for i in range(runners)],
                     ignore_index=True)

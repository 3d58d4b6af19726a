"""Onset rates per 1000 km by shoe class and the barefoot-style vs traditional rate ratio (METHODS.md 5, descriptive).

Written by hand: Garwood Poisson limits and the conditional (binomial) rate-ratio interval are two
lines over the chi-square quantile and the exact binomial tails and Clopper-Pearson limits
(:mod:`analysis.stats.dist`, scipy.special's functions: the report's process does not import
scipy.stats); no library returns them in this form. Benjamini-Hochberg q-values come from statsmodels.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from analysis.schema import GROUPING
from analysis.stats.dist import binom_cdf, binom_sf, chi2_ppf, clopper_pearson

NO_RECENT_RUN = "no recent run"


def poisson_ci(count: int, *, alpha: float = 0.05) -> tuple[float, float]:
    """Exact (Garwood) confidence interval for a Poisson count.

    Parameters
    ----------
    count : int
        Observed number of events (>= 0).
    alpha : float
        1 - confidence level (0.05 gives a 95 % interval).

    Returns
    -------
    (lower, upper) : tuple of float
        Limits for the expected count: ``chi2.ppf(alpha/2, 2k)/2`` (0 when k = 0)
        and ``chi2.ppf(1 - alpha/2, 2k + 2)/2``.

    References
    ----------
    Garwood F (1936) Biometrika 28:437. METHODS.md 5.1.
    """
    k = int(count)
    if k < 0:
        raise ValueError("count must be >= 0")
    lower = 0.0 if k == 0 else float(chi2_ppf(alpha / 2, 2 * k) / 2)
    upper = float(chi2_ppf(1 - alpha / 2, 2 * k + 2) / 2)
    return lower, upper


def onset_rate(onsets: int, distance_km: float, *, per_km: float = 1000.0, alpha: float = 0.05) -> dict:
    """Onsets per ``per_km`` km with the exact Poisson CI (METHODS.md 5.1).

    Returns a dict ``{"onsets", "distance_km", "rate", "ci"}``; rate and CI are NaN
    when ``distance_km`` is 0 or missing.
    """
    if distance_km is None or not np.isfinite(distance_km) or distance_km <= 0:
        return {
            "onsets": int(onsets),
            "distance_km": float(distance_km or 0.0),
            "rate": math.nan,
            "ci": (math.nan, math.nan),
        }
    lo, hi = poisson_ci(onsets, alpha=alpha)
    scale = per_km / distance_km
    return {
        "onsets": int(onsets),
        "distance_km": float(distance_km),
        "rate": onsets * scale,
        "ci": (lo * scale, hi * scale),
    }


def rate_ratio(onsets_a: int, km_a: float, onsets_b: int, km_b: float, *, alpha: float = 0.05) -> dict:
    """Rate ratio (a vs b) with the exact conditional (binomial) CI.

    Given n = a + b onsets, a ~ Binomial(n, pi) with pi = km_a RR / (km_a RR + km_b);
    the Clopper-Pearson limits of pi are mapped to RR = pi / (1 - pi) * km_b / km_a.

    Parameters
    ----------
    onsets_a, onsets_b : int
        Onsets attributed to each class.
    km_a, km_b : float
        Exposure (km) of each class.
    alpha : float
        1 - confidence level.

    Returns
    -------
    dict
        ``estimate``, ``ci`` (lower, upper; ``inf`` when unbounded), ``p`` (exact
        test of RR = 1, two-sided as the interval is: twice the smaller one-sided
        tail, at most 1; ``p < alpha`` exactly when the interval excludes 1),
        ``reason`` (None, or why nothing could be said).

    References
    ----------
    METHODS.md 5.1; the conditional binomial method for two Poisson rates
    (e.g. Rothman, Modern Epidemiology, ch. 14).
    """
    a, b = int(onsets_a), int(onsets_b)
    n = a + b
    if not (km_a and km_b) or km_a <= 0 or km_b <= 0:
        return {
            "estimate": math.nan,
            "ci": (math.nan, math.nan),
            "p": math.nan,
            "reason": "no exposure (km) in one of the classes",
        }
    if n == 0:
        return {
            "estimate": math.nan,
            "ci": (math.nan, math.nan),
            "p": math.nan,
            "reason": "no onsets in either class",
        }
    ratio_km = km_b / km_a
    share_a = km_a / (km_a + km_b)  # the expected share of onsets in class a when RR = 1
    pi_low, pi_high = clopper_pearson(a, n, alpha=alpha)
    # p by the interval's own (central) convention: twice the smaller one-sided exact tail, P(X <= a) or
    # P(X >= a), so that p < alpha exactly when the Clopper-Pearson interval excludes RR = 1 (METHODS.md 5:
    # one convention for both)
    p_central = min(1.0, 2.0 * min(binom_cdf(a, n, share_a), binom_sf(a - 1, n, share_a)))

    def to_rr(pi: float) -> float:
        return math.inf if pi >= 1 else pi / (1 - pi) * ratio_km

    estimate = math.inf if b == 0 else (a / km_a) / (b / km_b)
    return {
        "estimate": float(estimate),
        "ci": (to_rr(pi_low), to_rr(pi_high)),
        "p": float(p_central),
        "reason": None,
    }


def bh_qvalues(pvalues: Sequence[float] | np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg q-values (FDR), NaN p-values left out of the count.

    Wraps :func:`statsmodels.stats.multitest.multipletests` (``fdr_bh``); the number
    of tests is the number of finite p-values.
    """
    p = np.asarray(pvalues, dtype=float)
    q = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        # imported here: statsmodels costs ~0.25 s to import, and only the exploratory q-values need it
        from statsmodels.stats.multitest import multipletests

        q[ok] = multipletests(p[ok], alpha=0.05, method="fdr_bh")[1]
    return q


def _group_of(shoe_class: pd.Series, grouping: Mapping[str, str]) -> pd.Series:
    cls = shoe_class.astype("string").fillna("unknown")
    return cls.map(lambda c: grouping.get(c, grouping.get("unknown", "unknown"))).astype("string")


def attribute_onsets(
    onset_dates: Sequence,
    runs: pd.DataFrame,
    *,
    grouping: Mapping[str, str] | None = None,
    lag_days: tuple[int, int] = (1, 3),
) -> pd.Series:
    """Shoe group of the most recent run in days t-3..t-1 before each onset.

    Parameters
    ----------
    onset_dates : sequence of dates
        Onset days (local dates).
    runs : DataFrame
        Canonical runs frame (``date``, ``start_time``, ``distance_m``, ``shoe_class``).
    grouping : mapping, optional
        shoe class -> group (default: barefoot + minimalist = "barefoot-style",
        traditional + partial = "traditional").
    lag_days : (int, int)
        First and last day before the onset searched (METHODS.md 5.1: 1-3).

    Returns
    -------
    Series
        Index = onset date, value = group, or ``"no recent run"``.
    """
    grouping = dict(grouping or GROUPING)
    dates = pd.to_datetime(pd.Series(list(onset_dates), dtype="datetime64[ns]")).dt.normalize()
    r = pd.DataFrame(  # the four columns needed, not a copy of every column of the runs
        {
            "_date": pd.to_datetime(runs["date"]).dt.normalize(),
            "_group": _group_of(runs["shoe_class"], grouping),
            "_start": pd.to_datetime(runs["start_time"], utc=True) if "start_time" in runs else pd.NaT,
            "_km": pd.to_numeric(runs.get("distance_m"), errors="coerce").astype(float) / 1000.0,
        },
        index=runs.index,
    )
    r = r[r["_date"].notna()].sort_values(["_date", "_start", "_km"], na_position="first")
    # the last run (in that order) dated on or before t - lag_days[0], if it is within the window
    run_days = r["_date"].to_numpy(dtype="datetime64[ns]")
    groups = r["_group"].astype(str).to_numpy()
    onset_days = dates.to_numpy(dtype="datetime64[ns]")
    latest = np.searchsorted(run_days, onset_days - np.timedelta64(lag_days[0], "D"), side="right") - 1
    found = latest >= 0
    found[found] &= run_days[latest[found]] >= onset_days[found] - np.timedelta64(lag_days[1], "D")
    out = np.where(found, groups[np.clip(latest, 0, None)] if len(groups) else NO_RECENT_RUN, NO_RECENT_RUN)
    return pd.Series(out, index=pd.DatetimeIndex(dates, name="date"), name="shoe_group", dtype="string")


def exposure_km(
    daily: pd.DataFrame, at_risk: pd.Series, *, grouping: Mapping[str, str] | None = None
) -> dict:
    """Km run in each shoe group on at-risk days (METHODS.md 5.1).

    Parameters
    ----------
    daily : DataFrame
        :func:`analysis.load.daily_load` output (``km_barefoot`` ... ``km_unknown``).
    at_risk : Series of bool
        Index date; True on days at risk for the region.

    Returns
    -------
    dict
        group -> km.
    """
    grouping = dict(grouping or GROUPING)
    mask = at_risk.reindex(daily.index).fillna(False).astype(bool)
    out: dict[str, float] = {}
    for cls, group in grouping.items():
        col = f"km_{cls}"
        if col in daily:
            out[group] = out.get(group, 0.0) + float(pd.to_numeric(daily.loc[mask, col]).fillna(0).sum())
    return out


def region_rates(
    onset_dates: Sequence,
    runs: pd.DataFrame,
    daily: pd.DataFrame,
    at_risk: pd.Series,
    *,
    grouping: Mapping[str, str] | None = None,
    alpha: float = 0.05,
) -> dict:
    """Onset rates per shoe group and the barefoot-style vs traditional rate ratio.

    Returns
    -------
    dict
        ``rates`` (list of dicts: shoe_class, onsets, distance_km, per_1000km, ci,
        per_100km), ``onsets_no_recent_run``, ``rate_ratio`` (comparison, estimate,
        ci, p, reason).

    References
    ----------
    METHODS.md 5.1.
    """
    grouping = dict(grouping or GROUPING)
    groups = attribute_onsets(onset_dates, runs, grouping=grouping)
    km = exposure_km(daily, at_risk, grouping=grouping)
    counts = groups.value_counts()
    rates = []
    for group in dict.fromkeys(grouping.values()):
        k = int(counts.get(group, 0))
        dist = km.get(group, 0.0)
        if dist <= 0 and k == 0:
            continue
        r = onset_rate(k, dist, alpha=alpha)
        rates.append(
            {
                "shoe_class": group,
                "onsets": k,
                "distance_km": dist,
                "per_1000km": r["rate"],
                "ci": list(r["ci"]),
                "per_100km": r["rate"] / 10,
            }
        )
    bf, trad = grouping.get("barefoot", "barefoot-style"), grouping.get("traditional", "traditional")
    rr = rate_ratio(
        int(counts.get(bf, 0)), km.get(bf, 0.0), int(counts.get(trad, 0)), km.get(trad, 0.0), alpha=alpha
    )
    rr = {
        "comparison": f"{bf} vs {trad}",
        "estimate": rr["estimate"],
        "ci": list(rr["ci"]),
        "p": rr["p"],
        "reason": rr["reason"],
    }
    return {"rates": rates, "onsets_no_recent_run": int(counts.get(NO_RECENT_RUN, 0)), "rate_ratio": rr}

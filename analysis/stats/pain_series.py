"""Daily pain as a time series: a lagged regression and a prewhitened cross-correlation (METHODS.md 5).

Written by hand: statsmodels' ``ccf`` needs complete series, and diary days not logged are missing,
so the pairwise-complete correlation per lag is computed here after prewhitening with statsmodels'
AR fit (Vieira 2017, Health Psychol Rev 11:222).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.tsa.ar_model import AutoReg, ar_select_order

from analysis.stats.effects import _na_effects, _na_row


def pain_regression(frame: pd.DataFrame, *, min_days: int = 30) -> pd.DataFrame:
    """Daily pain dynamic regression: pain_t ~ pain_(t-1) + lagged load + trend (OLS).

    Uses days where pain is logged on t and t-1 (all days, not only at-risk ones);
    load terms are ``km_lag_1_3``, ``km_lag_4_7`` (per +10 km) and
    ``barefoot_share_lag_1_7`` (per +10 points, adjusted for pace); coefficients are
    differences in pain points (0-10). The lagged outcome absorbs most serial
    correlation, so model-based OLS standard errors are used; exploratory.

    Returns
    -------
    DataFrame
        ``term``, ``unit``, ``estimate``, ``ci_low``, ``ci_high``, ``p``, ``reason``;
        attrs ``n_days``, ``ar1`` (coefficient of pain_(t-1)).

    References
    ----------
    Vieira R et al. (2017) Health Psychol Rev 11:222. METHODS.md 5.4.
    """
    terms = {
        "pain_km_lag_1_3": ("km_lag_1_3", "+10 km", 10.0),
        "pain_km_lag_4_7": ("km_lag_4_7", "+10 km", 10.0),
        "pain_barefoot_share_lag_1_7": ("barefoot_share_lag_1_7", "+10 points", 10.0),
    }
    pain = pd.to_numeric(frame["pain_max"]).astype(float)
    data = pd.DataFrame({"pain": pain, "pain_lag1": pain.shift(1)}, index=frame.index)
    for name, (col, _, div) in terms.items():
        data[name] = pd.to_numeric(frame[col]).astype(float) / div if col in frame else np.nan
    for col in ("no_km_lag_1_7", "pace_min_per_km_lag_1_7", "trend_years"):
        data[col] = pd.to_numeric(frame[col]).astype(float) if col in frame else np.nan
    data = data.dropna(axis=1, how="all").dropna()
    plain = {k: (v[1], v[2]) for k, v in terms.items()}
    if len(data) < min_days:
        out = _na_effects(plain, f"insufficient data: {len(data)} days with pain logged on t and t-1")
        out.attrs.update(n_days=len(data), ar1=math.nan)
        return out
    keep = [c for c in data.columns if c != "pain" and data[c].std() > 0]
    X = sm.add_constant(data[keep], has_constant="add")
    res = sm.OLS(data["pain"], X).fit()
    rows = []
    for term, (unit, _) in plain.items():
        if term not in keep:
            rows.append(_na_row(term, unit, "no variation"))
            continue
        lo, hi = res.conf_int().loc[term]
        rows.append(
            {
                "term": term,
                "unit": unit,
                "estimate": float(res.params[term]),
                "ci_low": float(lo),
                "ci_high": float(hi),
                "p": float(res.pvalues[term]),
                "reason": None,
            }
        )
    out = pd.DataFrame(rows)
    out.attrs.update(n_days=len(data), ar1=float(res.params.get("pain_lag1", math.nan)))
    return out


def prewhitened_ccf(x: pd.Series, y: pd.Series, *, max_lag: int = 14, max_ar: int = 14) -> pd.DataFrame:
    """Cross-correlation of y (pain) with x (load) after prewhitening on x's AR model.

    An AR(p) model is fitted to the input x (order by AIC, statsmodels
    ``ar_select_order``); the same filter is applied to x and y, and the
    correlation of filtered x_(t-k) with filtered y_t is computed for k in
    -max_lag..max_lag over pairwise-complete days (pain NA = not logged). After
    prewhitening, +-1.96/sqrt(n_k) is a valid approximate 95 % band. k >= 1 reads
    as load before pain; k <= -1 as pain before load (reverse direction).

    Returns
    -------
    DataFrame
        ``lag_days``, ``ccf``, ``band``, ``n``, ``outside`` (bool); attrs ``ar_order``.

    References
    ----------
    Box, Jenkins & Reinsel, Time Series Analysis, ch. 12 (prewhitening). METHODS.md 5.5.
    """
    x = pd.to_numeric(x).astype(float)
    y = pd.to_numeric(y).astype(float).reindex(x.index)
    xs = x.dropna()
    if len(xs) < 3 * max_ar or y.notna().sum() < 30:
        out = pd.DataFrame(columns=["lag_days", "ccf", "band", "n", "outside"])
        out.attrs["ar_order"] = None
        out.attrs["reason"] = "insufficient data for prewhitening"
        return out
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sel = ar_select_order(xs.to_numpy(), maxlag=max_ar, ic="aic", trend="c")
        lags = sel.ar_lags or []
        p = max(lags) if lags else 0
        phi = np.zeros(p)
        if p:
            res = AutoReg(xs.to_numpy(), lags=lags, trend="c").fit()
            for lag, coef in zip(lags, np.asarray(res.params)[1:], strict=True):
                phi[lag - 1] = coef

    def whiten(s: pd.Series) -> pd.Series:
        s = s - s.mean()
        out = s.copy()
        for i, coef in enumerate(phi, start=1):
            out = out - coef * s.shift(i)
        return out

    xw, yw = whiten(x), whiten(y)
    rows = []
    for k in range(-max_lag, max_lag + 1):
        pair = pd.DataFrame({"x": xw.shift(k), "y": yw}).dropna()
        n = len(pair)
        r = float(np.corrcoef(pair["x"], pair["y"])[0, 1]) if n > 3 and pair.std().min() > 0 else math.nan
        band = 1.96 / math.sqrt(n) if n > 0 else math.nan
        rows.append(
            {
                "lag_days": k,
                "ccf": r,
                "band": band,
                "n": n,
                "outside": bool(abs(r) > band) if np.isfinite(r) else False,
            }
        )
    out = pd.DataFrame(rows)
    out.attrs["ar_order"] = p
    return out

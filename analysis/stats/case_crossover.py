"""Time-stratified case-crossover analysis of onsets (exploratory; METHODS.md 5).

Conditional logistic regression (statsmodels' ConditionalLogit) with referent days matched on
calendar month and weekday (Maclure 1991; Armstrong 2014).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from analysis.stats.dist import norm_sf
from analysis.stats.effects import _exp, _na_effects, _na_row
from analysis.stats.firth import _SEPARATION_ABS_COEF, _Z95

#: a case-crossover log odds ratio with a larger standard error spans more than a
#: factor of e^11.8 between its CI bounds: nothing to report, say so instead
_CCO_MAX_SE = 3.0


def _window_sum(series: pd.Series, first_lag: int, last_lag: int) -> pd.Series:
    """Sum over days t-last_lag..t-first_lag (NA when the window leaves the series)."""
    width = last_lag - first_lag + 1
    return series.astype(float).shift(first_lag).rolling(width, min_periods=width).sum()


def case_crossover(
    frame: pd.DataFrame,
    daily: pd.DataFrame,
    *,
    window_days: int = 7,
    grouping_column: str = "km_barefoot_style",
) -> pd.DataFrame:
    """Time-stratified case-crossover: load before onsets vs matched referent days.

    Each onset day (case) is compared with the at-risk, logged, onset-free days of
    the same calendar month and weekday (referents). Exposures are the km run in
    days t-``window_days``..t-1 (per +10 km) and the barefoot-style share of those
    km (per +10 points; 0 with an indicator when no km), adjusted for the mean pace
    of the window; conditional logistic regression (statsmodels ``ConditionalLogit``).

    Parameters
    ----------
    frame : DataFrame
        Per-day frame of one region (index date; ``onset``, ``at_risk``, ``logged``).
    daily : DataFrame
        :func:`analysis.load.daily_load` output (``km``, ``minutes``, ``km_barefoot_style``).
    window_days : int
        Length of the exposure window (7 or 14 in METHODS.md 5.2).

    Returns
    -------
    DataFrame
        Terms ``cco_km_lag_1_<L>`` and ``cco_barefoot_share_lag_1_<L>``: ``unit``,
        ``estimate`` (odds ratio), ``ci_low``, ``ci_high``, ``p``, ``reason``;
        attrs ``n_cases``, ``n_referents``.

    References
    ----------
    Maclure M (1991) Am J Epidemiol 133:144; Janes, Sheppard, Lumley (2005)
    Epidemiology 16:717 (time-stratified referents). METHODS.md 5.2.
    """
    L = int(window_days)
    terms = {f"cco_km_lag_1_{L}": ("+10 km", 10.0), f"cco_barefoot_share_lag_1_{L}": ("+10 points", 10.0)}
    d = daily.reindex(pd.DatetimeIndex(frame.index))
    km = _window_sum(d["km"], 1, L)
    bf = _window_sum(d[grouping_column] if grouping_column in d else d["km"] * np.nan, 1, L)
    minutes = _window_sum(d["minutes"], 1, L) if "minutes" in d else km * np.nan
    share = (100 * bf / km.where(km > 0)).fillna(0.0).where(km.notna())
    pace = minutes / km.where(km > 0)
    pace = (pace - pace.mean()).fillna(0.0).where(km.notna())
    data = pd.DataFrame(
        {
            "onset": frame["onset"].astype(float),
            "km": km / 10,
            "share": share / 10,
            "no_km": km.eq(0).astype(float).where(km.notna()),
            "pace": pace,
        }
    )
    ok = frame["at_risk"].astype(bool) & frame["logged"].astype(bool)
    data = data[ok].dropna()
    dates = pd.DatetimeIndex(data.index)
    data["stratum"] = dates.year * 1000 + dates.month * 10 + dates.day_of_week
    has_case = data.groupby("stratum")["onset"].transform("max") > 0
    has_ref = data.groupby("stratum")["onset"].transform("min") == 0
    data = data[has_case & has_ref]
    n_cases = int(data["onset"].sum())
    n_ref = int((data["onset"] == 0).sum())

    def done(effects: pd.DataFrame) -> pd.DataFrame:
        effects.attrs.update(n_cases=n_cases, n_referents=n_ref, window_days=L)
        return effects

    if n_cases < 2:
        return done(_na_effects(terms, f"insufficient data: {n_cases} matched cases"))
    exog_cols = [c for c in ("km", "share", "no_km", "pace") if data[c].std() > 0]
    if "km" not in exog_cols:
        return done(_na_effects(terms, "no variation in km between cases and referents"))
    # imported here: statsmodels costs ~0.25 s to import, and only the exploratory analyses use it
    from statsmodels.discrete.conditional_models import ConditionalLogit

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = ConditionalLogit(
                data["onset"].to_numpy(), data[exog_cols].to_numpy(), groups=data["stratum"].to_numpy()
            ).fit(disp=False, maxiter=200)
    except Exception as exc:
        return done(_na_effects(terms, f"model failed: {type(exc).__name__}"))
    rows = []
    for (term, (unit, _)), col in zip(terms.items(), ("km", "share"), strict=True):
        if col not in exog_cols:
            rows.append(_na_row(term, unit, "no variation"))
            continue
        j = exog_cols.index(col)
        b, se = float(res.params[j]), float(res.bse[j])
        if not np.isfinite(se) or abs(b) > _SEPARATION_ABS_COEF or se > _CCO_MAX_SE:
            why = (
                "separation or non-convergence"
                if se <= _CCO_MAX_SE
                else f"too few informative strata (SE of log OR {se:.1f} > {_CCO_MAX_SE:g})"
            )
            rows.append(_na_row(term, unit, why))
            continue
        rows.append(
            {
                "term": term,
                "unit": unit,
                "estimate": _exp(b),
                "ci_low": _exp(b - _Z95 * se),
                "ci_high": _exp(b + _Z95 * se),
                "p": float(2 * norm_sf(abs(b / se))),
                "reason": None,
            }
        )
    return done(pd.DataFrame(rows))

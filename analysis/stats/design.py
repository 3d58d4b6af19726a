"""The hazard model's rows and columns: at-risk region-days with lagged load features (METHODS.md 5).

One row per region per at-risk day; every feature is built from days <= t-1 (:mod:`analysis.load`),
at-risk flags and onsets come from :mod:`analysis.flareups`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from analysis.flareups import MIN_LOGGED_PCT as _DIARY_MIN_LOGGED_PCT

#: effect terms of the primary hazard model (DESIGN.md "Findings JSON"), with the
#: unit each odds ratio refers to and the divisor that puts the column in that unit.
PRIMARY_TERMS: dict[str, tuple[str, float]] = {
    "km_lag_1_3": ("+10 km", 10.0),
    "km_lag_4_7": ("+10 km", 10.0),
    "km_lag_8_14": ("+10 km", 10.0),
    "km_lag_15_28": ("+10 km", 10.0),
    "barefoot_share_lag_1_7": ("+10 points", 10.0),
    "spike_small": ("vs <= 1.10", 1.0),
    "spike_moderate": ("vs <= 1.10", 1.0),
    "spike_large": ("vs <= 1.10", 1.0),
    "drill_days_lag_1_7": ("+1 day", 1.0),
}

#: adjustment covariates of the primary model (not reported as effects).
ADJUSTMENT_TERMS: tuple[str, ...] = (
    "no_km_lag_1_7",
    "pace_min_per_km_lag_1_7",
    "log_days_since_flare",
    "trend_years",
)


BINARY_TERMS: frozenset[str] = frozenset({"spike_small", "spike_moderate", "spike_large", "no_km_lag_1_7"})


#: the sufficiency rule of METHODS.md 5 (guards).
MIN_ONSETS = 10


MIN_DAYS = 90


#: % of diary days a region must have logged: 2/3, not METHODS.md 5's 80 %, by measurement
#: (docs/methods.md 5 "Sufficiency"; benchmarks/README.md, validity.py, session 5); one constant
#: with ``runlog check``'s coverage warning (:data:`analysis.flareups.MIN_LOGGED_PCT`)
MIN_LOGGED_PCT = _DIARY_MIN_LOGGED_PCT

#: the findings' message for a region with no diary entry at all (the report says so in one line)
NEVER_LOGGED = "insufficient data: region never logged"


def days_since_flare(in_flare: pd.Series) -> pd.Series:
    """Days since the last day in a flare, counted up to day t-1.

    Before the first flare the count runs from the first day of the series (so it
    is a lower bound there). Index = date.
    """
    flag = in_flare.fillna(False).astype(bool).to_numpy()
    out = np.empty(len(flag))
    last = -1
    for i in range(len(flag)):
        out[i] = i - last
        if flag[i]:
            last = i
    return pd.Series(out, index=in_flare.index, name="days_since_flare")


def _log_days(days: pd.Series) -> pd.Series:
    return np.log(pd.to_numeric(days).astype(float).clip(lower=1))


def add_model_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Derived columns of the hazard model (on a per-day frame indexed by date).

    Adds ``barefoot_share_lag_1_7`` filled with 0 where no km were run in t-7..t-1
    together with the indicator ``no_km_lag_1_7``; ``pace_min_per_km_lag_1_7``
    (``minutes_lag_1_7`` / km in t-7..t-1, mean-filled where no km); the log of
    ``days_since_flare``; and ``trend_years`` (years since the first day).
    """
    out = frame.copy()
    km7 = pd.to_numeric(out["km_lag_1_3"]).astype(float) + pd.to_numeric(out["km_lag_4_7"]).astype(float)
    no_km = km7.eq(0)
    out["no_km_lag_1_7"] = no_km.astype(float).where(km7.notna())
    share = pd.to_numeric(out["barefoot_share_lag_1_7"]).astype(float)
    out["barefoot_share_lag_1_7"] = share.where(~no_km, 0.0).where(km7.notna())
    if "minutes_lag_1_7" in out:
        pace = pd.to_numeric(out["minutes_lag_1_7"]).astype(float) / km7.where(km7 > 0)
        out["pace_min_per_km_lag_1_7"] = pace.fillna(pace.mean() if pace.notna().any() else 0.0)
    else:
        out["pace_min_per_km_lag_1_7"] = np.nan
    if "days_since_flare" in out:
        out["log_days_since_flare"] = _log_days(out["days_since_flare"])
    dates = pd.DatetimeIndex(out.index)
    out["trend_years"] = ((dates - dates.min()).days / 365.25).astype(float)
    return out


def hazard_frame(region_days: pd.DataFrame, lags: pd.DataFrame, region: str | None = None) -> pd.DataFrame:
    """One row per day for one region: onset, flags, lag features, model columns.

    Parameters
    ----------
    region_days : DataFrame
        :func:`analysis.flareups.region_days` output (``date``, ``region``,
        ``onset``, ``in_flare``, ``at_risk``, ``logged``, ``pain_max``).
    lags : DataFrame
        :func:`analysis.load.lag_features` output (index date).
    region : str, optional
        Keep this region (required when ``region_days`` holds several).

    Returns
    -------
    DataFrame indexed by date; all days are kept (``fit_hazard`` selects at-risk,
    logged days).
    """
    rd = region_days if region is None else region_days[region_days["region"] == region]
    rd = rd.assign(date=pd.to_datetime(rd["date"])).set_index("date").sort_index()
    rd = rd[~rd.index.duplicated()]
    idx = rd.index.union(pd.DatetimeIndex(lags.index))
    frame = lags.reindex(idx).copy()
    for col in ("onset", "in_flare", "at_risk", "logged", "pain_max"):
        if col in rd:
            frame[col] = rd[col].reindex(idx)
    frame["onset"] = pd.to_numeric(frame["onset"]).fillna(0).astype(float)
    for col in ("in_flare", "at_risk", "logged"):
        frame[col] = frame[col].astype("boolean").fillna(False).astype(bool)
    frame["days_since_flare"] = days_since_flare(frame["in_flare"]).shift(1).fillna(1.0)
    return add_model_columns(frame)


def hazard_design(
    frame: pd.DataFrame,
    *,
    terms: Mapping[str, tuple[str, float]] | None = None,
    adjust: Sequence[str] = ADJUSTMENT_TERMS,
    time_since_flare: str = "log",
) -> tuple[np.ndarray, np.ndarray, list[str], dict[str, str]]:
    """Outcome vector, design matrix, column names and dropped terms of the hazard model.

    Rows: at-risk, logged days with every used column present. Term columns are
    divided by their unit's divisor (per +10 km, per +10 points); adjustment
    columns are centred. Terms with no data or no variation are dropped with a
    reason.
    """
    data, use_terms, adj, dropped = _usable_days(frame, terms, adjust, time_since_flare)
    terms = dict(PRIMARY_TERMS if terms is None else terms)
    spline = time_since_flare == "spline"
    parts, names = [np.ones((len(data), 1))], ["const"]
    for t in use_terms:
        x = data[t].to_numpy() / terms[t][1]
        parts.append((x - x.mean())[:, None])
        names.append(t)
    for a in adj:
        x = data[a].to_numpy()
        parts.append((x - x.mean())[:, None])
        names.append(a)
    if spline and len(data) > 5:
        import patsy

        basis = np.asarray(
            patsy.dmatrix("cr(np.log(x), df=3) - 1", {"x": data["days_since_flare"].clip(lower=1).to_numpy()})
        )
        basis = basis - basis.mean(axis=0)
        parts.append(basis[:, :-1])
        names += [f"days_since_flare_cr{i}" for i in range(basis.shape[1] - 1)]
    return data["onset"].to_numpy(), np.hstack(parts), names, dropped


def _usable_days(
    frame: pd.DataFrame,
    terms: Mapping[str, tuple[str, float]] | None,
    adjust: Sequence[str],
    time_since_flare: str,
) -> tuple[pd.DataFrame, list[str], list[str], dict[str, str]]:
    """Rows and columns :func:`hazard_design` uses: (data, terms kept, adjustments kept, dropped)."""
    terms = dict(PRIMARY_TERMS if terms is None else terms)
    base = frame[frame["at_risk"].astype(bool) & frame["logged"].astype(bool)]
    dropped: dict[str, str] = {}
    use_terms = []
    for t in terms:
        if t not in base or pd.to_numeric(base[t]).isna().all():
            dropped[t] = "not available (no data for this term)"
        else:
            use_terms.append(t)
    adj = [a for a in adjust if a in base and not pd.to_numeric(base[a]).isna().all()]
    spline = time_since_flare == "spline"
    if spline and "log_days_since_flare" in adj:
        adj.remove("log_days_since_flare")
    cols = use_terms + adj + (["days_since_flare"] if spline else [])
    data = base[["onset", *cols]].apply(pd.to_numeric).astype(float).dropna()
    for t in list(use_terms):
        if data[t].std() == 0 or len(data) < 2:
            dropped[t] = "no variation on at-risk days"
            use_terms.remove(t)
    adj = [a for a in adj if len(data) > 1 and data[a].std() > 0]
    return data, use_terms, adj, dropped

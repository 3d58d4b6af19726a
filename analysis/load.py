"""Training load from the runs frame: daily series first, then every metric on top (METHODS.md 1-2).

One row per local calendar day is the base of everything here (METHODS.md 1):
a rest day is load 0, a day whose runs have no distance is NA (unknown), and
every feature meant to explain pain on day t (:func:`lag_features`) is built
only from days <= t-1.

Load metrics and their sources (METHODS.md 2):

* weekly (ISO week) and rolling 7-day sums by shoe class, barefoot-style share;
* session-RPE load, RPE x minutes in AU (Foster et al. 2001, JSCR 15:109);
* EWMA acute (N = 7) and chronic (N = 28) load, lam = 2/(N+1), first 42 days
  hidden (Williams et al. 2017, BJSM 51:209);
* the uncoupled acute:chronic ratio, **descriptive only**: no risk zones are
  defined anywhere in runlog (Impellizzeri 2020, J Athl Train 55:893; Lolli
  2019, BJSM 53:921); acute and chronic are better shown and modelled as two
  separate terms (Bache-Mathiesen 2024);
* week-to-week change, symmetrised and binned (Nielsen et al. 2014, JOSPT
  44:739); the "10 % rule" is not a safety rule (Buist 2008, AJSM 36:33);
* single-run spike ratio and bins (Frandsen et al. 2025, BJSM 59:1203);
* monotony and strain (Foster 1998, MSSE 30:1164);
* CTL/ATL/TSB, a *performance* model (Banister impulse-response), not an
  injury model.

The EWMA and CTL/ATL recursions are written out by hand (a few lines of
numpy) instead of :meth:`pandas.Series.ewm`: pandas re-weights the value after
a missing day by the length of the gap, which is not the published recursion;
here a day with unknown load (NA) simply carries the previous value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from analysis.schema import BAREFOOT_STYLE, GROUPING, SHOE_CLASSES, TRADITIONAL_STYLE

#: single-run spike bin upper edges (ratio <= edge), Frandsen et al. 2025
SPIKE_BINS: tuple[tuple[str, float], ...] = (("none", 1.10), ("small", 1.30), ("moderate", 2.00))
SPIKE_LARGE = "large"

#: lag bands (first day back, last day back) of the primary model's km terms (DESIGN.md)
KM_LAG_BANDS: tuple[tuple[int, int], ...] = ((1, 3), (4, 7), (8, 14), (15, 28))

CLASS_KM_COLUMNS: tuple[str, ...] = tuple(f"km_{c}" for c in SHOE_CLASSES)
SUM_COLUMNS: tuple[str, ...] = (
    "km",
    "minutes",
    "runs",
    *CLASS_KM_COLUMNS,
    "km_barefoot_style",
    "km_traditional_style",
    "srpe_au",
)
DESCRIPTIVE = "descriptive only: no risk zones"
PERFORMANCE_MODEL = "performance model (Banister), not an injury model"


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _float(series: pd.Series) -> pd.Series:
    """Nullable -> float64 with NaN (rolling/arith), same index."""
    return pd.Series(series.to_numpy(dtype="float64", na_value=np.nan), index=series.index, name=series.name)


def _nullable(values, index: pd.Index, name: str | None = None) -> pd.Series:
    """float64 with NaN -> Float64 with NA."""
    s = pd.Series(np.asarray(values, dtype="float64"), index=index, name=name)
    return s.astype("Float64").mask(s.isna())


def _day_index(start, end) -> pd.DatetimeIndex:
    idx = pd.date_range(pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize(), freq="D", name="date")
    return idx.as_unit("ns")


def _contiguous(frame: pd.DataFrame) -> pd.DataFrame:
    """Reindex a date-indexed frame onto every calendar day (missing days NA)."""
    if len(frame) == 0:
        return frame
    idx = _day_index(frame.index.min(), frame.index.max())
    if len(idx) == len(frame) and (frame.index == idx).all():
        return frame
    return frame.reindex(idx)


def _window_sum(series: pd.Series, first_back: int, last_back: int) -> pd.Series:
    """Sum over days t-last_back..t-first_back (NA if any day unknown or before the index)."""
    width = last_back - first_back + 1
    x = _float(series).rolling(width, min_periods=width).sum().shift(first_back)
    return _nullable(x, series.index)


def _window_max(series: pd.Series, first_back: int, last_back: int) -> pd.Series:
    width = last_back - first_back + 1
    x = _float(series).rolling(width, min_periods=width).max().shift(first_back)
    return _nullable(x, series.index)


def _share_pct(part, whole) -> pd.Series:
    """100 * part / whole, NA where whole is 0 or unknown."""
    p, w = _float(part), _float(whole)
    return _nullable(np.where(w > 0, 100.0 * p / w.where(w > 0), np.nan), part.index)


def _recursive_mean(load: pd.Series, lam: float, start_value: float | None) -> np.ndarray:
    """E_t = lam*L_t + (1-lam)*E_(t-1); NA load carries E; E_0 = L_0 when start_value is None."""
    x = _float(load).to_numpy()
    out = np.full(len(x), np.nan)
    e = start_value
    for i, v in enumerate(x):
        if not np.isnan(v):
            e = v if e is None else lam * v + (1.0 - lam) * e
        out[i] = np.nan if e is None else e
    return out


# ---------------------------------------------------------------------------
# daily series
# ---------------------------------------------------------------------------


def _day_sum(values: pd.Series, dates: pd.Series, idx: pd.DatetimeIndex, how: str = "sum") -> pd.Series:
    """Per-day sum (or max) of known values; 0 on days without rows, NA when all rows unknown."""
    frame = pd.DataFrame({"date": dates.to_numpy(), "v": _float(values).to_numpy()})
    g = frame.groupby("date")["v"]
    agg = g.sum(min_count=1) if how == "sum" else g.max()
    n = g.size().reindex(idx, fill_value=0)
    out = agg.reindex(idx)
    out[n.to_numpy() == 0] = 0.0
    return _nullable(out.to_numpy(), idx)


def daily_load(
    runs: pd.DataFrame,
    *,
    start=None,
    end=None,
    grouping: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """One row per local calendar day of distance, time and session-RPE load by shoe class.

    Parameters
    ----------
    runs : DataFrame
        Canonical runs frame (``date``, ``distance_m``, ``moving_time_s``,
        ``elapsed_time_s``, ``rpe``, ``shoe_class``).
    start, end : date-like, optional
        First and last day (inclusive); default the first and last run date.
        Runs outside are left out.
    grouping : mapping, optional
        Shoe class -> group; groups ``"barefoot-style"`` and ``"traditional"``
        give ``km_barefoot_style`` and ``km_traditional_style``. Default
        :data:`GROUPING`.

    Returns
    -------
    DataFrame
        Index ``date`` (every day, naive midnight). Float64 columns: ``km``,
        ``minutes`` (moving time, else elapsed time), ``runs`` (count),
        ``km_<class>`` for each class in :data:`analysis.schema.SHOE_CLASSES`
        (a missing class counts as unknown), ``km_barefoot_style``,
        ``km_traditional_style``, ``srpe_au`` (session-RPE load: sum of RPE x
        minutes over the day's runs with an RPE; NA when the day has runs but
        none with an RPE), ``longest_run_km``. A rest day is 0 everywhere. A
        run without a distance adds nothing to km; a day whose runs all lack a
        distance has NA km (and NA km by class): unknown, not 0.

    References
    ----------
    METHODS.md 1 and 2; Foster C et al. 2001, JSCR 15:109 (session RPE).
    """
    grouping = dict(GROUPING if grouping is None else grouping)
    r = runs[runs["date"].notna()]
    dates = pd.to_datetime(r["date"]).dt.normalize()
    if start is None and end is None and len(r) == 0:
        return pd.DataFrame(
            {c: pd.Series(dtype="Float64") for c in (*SUM_COLUMNS, "longest_run_km")},
            index=pd.DatetimeIndex([], name="date", dtype="datetime64[ns]"),
        )
    start = dates.min() if start is None else pd.Timestamp(start)
    end = dates.max() if end is None else pd.Timestamp(end)
    idx = _day_index(start, end)
    keep = ((dates >= idx[0]) & (dates <= idx[-1])).to_numpy()
    r, dates = r[keep], dates[keep]

    km = _float(r["distance_m"]) / 1000.0
    km = km.where(km >= 0)
    moving = _float(r["moving_time_s"])
    elapsed = _float(r["elapsed_time_s"]) if "elapsed_time_s" in r else moving
    minutes = moving.fillna(elapsed) / 60.0
    rpe = _float(r["rpe"]) if "rpe" in r else pd.Series(np.nan, index=r.index)
    shoe = r["shoe_class"].astype("string").fillna("unknown")
    shoe = shoe.where(shoe.isin(SHOE_CLASSES), "unknown")

    out = pd.DataFrame(index=idx)
    out["km"] = _day_sum(km, dates, idx)
    out["minutes"] = _day_sum(minutes, dates, idx)
    out["runs"] = _day_sum(pd.Series(1.0, index=r.index), dates, idx)
    unknown_km = out["km"].isna()
    for cls in SHOE_CLASSES:
        mask = (shoe == cls).to_numpy()
        out[f"km_{cls}"] = _day_sum(km[mask].fillna(0.0), dates[mask], idx).mask(unknown_km)
    for column, group in (("km_barefoot_style", BAREFOOT_STYLE), ("km_traditional_style", TRADITIONAL_STYLE)):
        members = [f"km_{c}" for c in SHOE_CLASSES if grouping.get(c) == group]
        total = pd.Series(0.0, index=idx, dtype="Float64")
        for m in members:
            total = total + out[m]
        out[column] = total
    has_rpe = rpe.notna().to_numpy()
    srpe = _day_sum((rpe * minutes)[has_rpe], dates[has_rpe], idx)
    with_runs = out["runs"] > 0
    no_rpe = _day_sum(pd.Series(has_rpe.astype(float), index=r.index), dates, idx) == 0
    out["srpe_au"] = srpe.mask(with_runs & no_rpe)
    out["longest_run_km"] = _day_sum(km, dates, idx, how="max")
    out.index.name = "date"
    return out


def weekly_load(daily: pd.DataFrame) -> pd.DataFrame:
    """ISO-week (Monday-Sunday) sums of the daily series, by shoe class.

    Parameters
    ----------
    daily : DataFrame
        From :func:`daily_load`.

    Returns
    -------
    DataFrame
        Index ``week_start`` (the Monday). Columns ``iso_year``, ``iso_week``,
        ``days`` (days of the week inside the series: < 7 at the edges), the
        sums of :data:`SUM_COLUMNS` (NA when any day of the week is unknown),
        ``longest_run_km`` (max) and ``barefoot_style_share_pct`` (percent of
        km run barefoot-style; NA in a week without km).

    References
    ----------
    METHODS.md 2, "weekly load".
    """
    daily = _contiguous(daily)
    week = pd.DatetimeIndex(daily.index.to_period("W-SUN").start_time).as_unit("ns")
    cols = [c for c in SUM_COLUMNS if c in daily]
    values = daily[cols].apply(_float)
    g = values.groupby(week)
    sums = g.sum().where(g.count() == g.size().to_numpy()[:, None])
    out = pd.DataFrame(index=pd.DatetimeIndex(sums.index, name="week_start"))
    iso = out.index.isocalendar()
    out["iso_year"] = iso["year"].astype("Int64").to_numpy()
    out["iso_week"] = iso["week"].astype("Int64").to_numpy()
    out["days"] = g.size().astype("Int64").to_numpy()
    for c in cols:
        out[c] = _nullable(sums[c].to_numpy(), out.index)
    if "longest_run_km" in daily:
        longest = _float(daily["longest_run_km"]).groupby(week).max()
        out["longest_run_km"] = _nullable(longest.to_numpy(), out.index)
    out["barefoot_style_share_pct"] = _share_pct(out["km_barefoot_style"], out["km"])
    return out


def rolling_7d(daily: pd.DataFrame, *, window_days: int = 7) -> pd.DataFrame:
    """Rolling sums over days t-6..t (for display; never a cause of day t's pain).

    Returns the :data:`SUM_COLUMNS` summed over the window ending on each day
    (NA until the window is full or when a day in it is unknown) and
    ``barefoot_style_share_pct``. METHODS.md 2, "weekly load".
    """
    daily = _contiguous(daily)
    out = pd.DataFrame(index=daily.index)
    for c in (c for c in SUM_COLUMNS if c in daily):
        out[c] = _window_sum(daily[c], 0, window_days - 1)
    out["barefoot_style_share_pct"] = _share_pct(out["km_barefoot_style"], out["km"])
    return out


# ---------------------------------------------------------------------------
# acute / chronic
# ---------------------------------------------------------------------------


def ewma(load: pd.Series, *, span_days: int, hide_days: int = 42) -> pd.Series:
    """Exponentially weighted moving average of a daily load.

    E_t = lam * L_t + (1 - lam) * E_(t-1), lam = 2 / (N + 1), started at
    E_0 = L_0. A day with unknown load (NA) carries the previous value.

    Parameters
    ----------
    load : Series
        Daily load on consecutive days (km, minutes or AU).
    span_days : int
        N: 7 for acute (lam = 0.25), 28 for chronic (lam ~ 0.069).
    hide_days : int
        The first days are set to NA while the start value washes out
        (default 42).

    Returns
    -------
    Series
        Float64, same index and unit as ``load``.

    References
    ----------
    Williams S et al. 2017, BJSM 51:209; METHODS.md 2.
    """
    lam = 2.0 / (span_days + 1.0)
    out = _recursive_mean(load, lam, None)
    out[: max(hide_days, 0)] = np.nan
    return _nullable(out, load.index, load.name)


def acute_chronic(
    daily: pd.DataFrame,
    *,
    column: str = "km",
    acute_days: int = 7,
    chronic_days: int = 28,
    hide_days: int = 42,
) -> pd.DataFrame:
    """EWMA acute and chronic load, to be shown as two lines and modelled as two terms.

    Returns columns ``acute_<column>`` and ``chronic_<column>`` (see :func:`ewma`).
    Williams et al. 2017, BJSM 51:209; Bache-Mathiesen 2024 (separate terms).
    """
    daily = _contiguous(daily)
    return pd.DataFrame(
        {
            f"acute_{column}": ewma(daily[column], span_days=acute_days, hide_days=hide_days),
            f"chronic_{column}": ewma(daily[column], span_days=chronic_days, hide_days=hide_days),
        },
        index=daily.index,
    )


def acwr_uncoupled(
    daily: pd.DataFrame,
    *,
    column: str = "km",
    method: str = "rolling",
    acute_days: int = 7,
    chronic_days: int = 28,
    hide_days: int = 42,
) -> pd.DataFrame:
    """Uncoupled acute:chronic workload ratio, **descriptive only** (no zones).

    ``method="rolling"``: acute = mean of days t-6..t, chronic = mean of days
    t-27..t-7, so the acute week is not inside the chronic window (the coupled
    ratio c relates to it as uncoupled = 3c / (4 - c)). ``method="ewma"``:
    acute EWMA on day t over chronic EWMA on day t-7 (our reading of an
    uncoupled EWMA ratio), first ``hide_days`` hidden. The ratio is NA when
    chronic load is 0.

    Returns
    -------
    DataFrame
        ``acute_<column>``, ``chronic_<column>``, ``acwr_uncoupled``;
        ``attrs["label"]`` says it is descriptive.

    References
    ----------
    Gabbett 2016, BJSM 50:273; Lolli 2019, BJSM 53:921; Impellizzeri 2020,
    J Athl Train 55:893 (critique: no "sweet spot"); METHODS.md 2.
    """
    daily = _contiguous(daily)
    load = daily[column]
    if method == "rolling":
        acute = _float(_window_sum(load, 0, acute_days - 1)) / acute_days
        width = chronic_days - acute_days
        chronic = _float(_window_sum(load, acute_days, chronic_days - 1)) / width
    elif method == "ewma":
        acute = _float(ewma(load, span_days=acute_days, hide_days=hide_days))
        chronic = _float(ewma(load, span_days=chronic_days, hide_days=hide_days)).shift(acute_days)
    else:
        raise ValueError(f"method must be 'rolling' or 'ewma', not {method!r}")
    ratio = acute / chronic.where(chronic > 0)
    out = pd.DataFrame(
        {
            f"acute_{column}": _nullable(acute.to_numpy(), daily.index),
            f"chronic_{column}": _nullable(chronic.to_numpy(), daily.index),
            "acwr_uncoupled": _nullable(ratio.to_numpy(), daily.index),
        },
        index=daily.index,
    )
    out.attrs["label"] = DESCRIPTIVE
    return out


# ---------------------------------------------------------------------------
# change, spikes, monotony, fitness-fatigue
# ---------------------------------------------------------------------------

CHANGE_BINS: tuple[str, ...] = ("<10", "10-30", ">30")


def change_bin(change_pct: float) -> str | None:
    """Plain % change bin: ``"<10"`` (decreases too), ``"10-30"`` (10 and 30 included), ``">30"``.

    Rounded to 9 decimals first, so that 33 km after 30 km is exactly 10 %.
    """
    if change_pct is None or pd.isna(change_pct):
        return None
    change_pct = round(float(change_pct), 9)
    if change_pct < 10:
        return "<10"
    return "10-30" if change_pct <= 30 else ">30"


def week_change(weekly: pd.DataFrame, *, column: str = "km") -> pd.DataFrame:
    """Week-to-week change of a weekly load, symmetrised and binned.

    Parameters
    ----------
    weekly : DataFrame
        From :func:`weekly_load` (consecutive weeks; ``days`` column).
    column : str
        The load to compare (default ``km``).

    Returns
    -------
    DataFrame
        Index ``week_start``: ``<column>``, ``<column>_prev``,
        ``change_sym_pct`` = 100 (a - b) / (a + b) (bounded to +-100; NA when
        both weeks are 0), ``change_pct`` = 100 (a - b) / b (NA when b = 0,
        never inf), ``change_bin`` of the plain change (see
        :func:`change_bin`; a week with km after a 0 km week is ``">30"``).
        All NA when either week is incomplete (fewer than 7 days in the
        series, i.e. the edges).

    References
    ----------
    Nielsen RO et al. 2014, JOSPT 44:739 (> 30 % and distance-related
    injuries); Buist 2008, AJSM 36:33 (the 10 % rule did not prevent
    injury: never a safety rule). METHODS.md 2.
    """
    a = _float(weekly[column])
    b = a.shift(1)
    full = weekly["days"].to_numpy() == 7 if "days" in weekly else np.ones(len(weekly), bool)
    both_full = full & np.r_[False, full[:-1]]
    a, b = a.where(both_full), b.where(both_full)
    total = a + b
    sym = 100.0 * (a - b) / total.where(total > 0)
    plain = 100.0 * (a - b) / b.where(b > 0)
    bins = [">30" if (pb == 0 and pa > 0) else change_bin(pc) for pa, pb, pc in zip(a, b, plain, strict=True)]
    return pd.DataFrame(
        {
            column: _nullable(a.to_numpy(), weekly.index),
            f"{column}_prev": _nullable(b.to_numpy(), weekly.index),
            "change_sym_pct": _nullable(sym.to_numpy(), weekly.index),
            "change_pct": _nullable(plain.to_numpy(), weekly.index),
            "change_bin": pd.array(bins, dtype="string"),
        },
        index=weekly.index,
    )


def spike_bin(ratio: float, bins: Sequence[tuple[str, float]] = SPIKE_BINS) -> str | None:
    """Bin of a single-run spike ratio: none (<= 1.10), small (<= 1.30), moderate (<= 2.00), large.

    The ratio is rounded to 9 decimals first, so 3.3 km / 3.0 km counts as
    exactly 1.10 despite binary floating point. Frandsen et al. 2025.
    """
    if ratio is None or pd.isna(ratio):
        return None
    r = round(float(ratio), 9)
    for name, upper in bins:
        if r <= upper:
            return name
    return SPIKE_LARGE


def _longest_before(dates: pd.Series, km: pd.Series, window_days: int) -> pd.Series:
    """For each run: the longest known distance on days d-window..d-1 (NaN if none)."""
    if len(dates) == 0:
        return pd.Series(dtype="float64")
    per_day = pd.Series(km.to_numpy(), index=dates.to_numpy()).groupby(level=0).max()
    idx = _day_index(per_day.index.min(), per_day.index.max())
    longest = per_day.reindex(idx).rolling(window_days, min_periods=1).max().shift(1)
    return pd.Series(longest.reindex(dates.to_numpy()).to_numpy(), index=dates.index)


def spike_ratio(
    runs: pd.DataFrame,
    *,
    window_days: int = 30,
    grouping: Mapping[str, str] | None = None,
    bins: Sequence[tuple[str, float]] = SPIKE_BINS,
) -> pd.DataFrame:
    """Single-run spike: this run's distance over the longest run of the previous 30 days.

    Parameters
    ----------
    runs : DataFrame
        Canonical runs frame (index ``activity_id``; ``date``, ``distance_m``,
        ``shoe_class``).
    window_days : int
        Look-back, days d-30..d-1 (runs earlier on the same day do not count).
    grouping : mapping, optional
        Shoe class -> group for the within-class ratio; default: each shoe
        class on its own (a missing class counts as unknown).
    bins : sequence of (name, upper edge)
        Default :data:`SPIKE_BINS`; above the last edge is ``"large"``.

    Returns
    -------
    DataFrame
        Index ``activity_id``: ``date``, ``shoe_class``, ``distance_km``,
        ``longest_prev_km``, ``spike_ratio``, ``spike_bin``; and the same
        within the run's own class: ``longest_prev_class_km``,
        ``spike_ratio_class``, ``spike_bin_class``. NA when there is no
        earlier run with a distance in the window.

    References
    ----------
    Frandsen JSB, ..., Nielsen RO 2025, BJSM 59:1203: HRR 1.64 (small), 1.52
    (moderate), 2.28 (large) vs <= 1.10. METHODS.md 2.
    """
    r = runs[runs["date"].notna()]
    dates = pd.to_datetime(r["date"]).dt.normalize()
    km = _float(r["distance_m"]) / 1000.0
    km = km.where(km > 0)
    shoe = r["shoe_class"].astype("string").fillna("unknown")
    group = shoe.map(lambda c: grouping.get(c, c)) if grouping else shoe
    longest = _longest_before(dates, km, window_days)
    ratio = km / longest
    longest_cls = pd.Series(np.nan, index=r.index)
    for g in pd.unique(group.to_numpy()):
        mask = (group == g).to_numpy()
        longest_cls[mask] = _longest_before(dates[mask], km[mask], window_days).to_numpy()
    ratio_cls = km / longest_cls
    out = pd.DataFrame(
        {
            "date": dates.astype("datetime64[ns]"),
            "shoe_class": shoe,
            "distance_km": _nullable(km.to_numpy(), r.index),
            "longest_prev_km": _nullable(longest.to_numpy(), r.index),
            "spike_ratio": _nullable(ratio.to_numpy(), r.index),
            "spike_bin": pd.array([spike_bin(x, bins) for x in ratio], dtype="string"),
            "longest_prev_class_km": _nullable(longest_cls.to_numpy(), r.index),
            "spike_ratio_class": _nullable(ratio_cls.to_numpy(), r.index),
            "spike_bin_class": pd.array([spike_bin(x, bins) for x in ratio_cls], dtype="string"),
        },
        index=r.index,
    )
    out.index.name = "activity_id"
    return out


def monotony_strain(
    daily: pd.DataFrame,
    *,
    column: str = "km",
    window_days: int = 7,
    flag_above: float = 2.0,
    ddof: int = 1,
    sd_tolerance: float = 1e-9,
) -> pd.DataFrame:
    """Training monotony and strain over the last 7 daily loads (days t-6..t).

    monotony = mean / SD of the window's daily loads (sample SD, ``ddof=1``);
    strain = 7-day sum x monotony. Both are NA when SD <= ``sd_tolerance``
    (a week of identical loads, e.g. all rest), never inf, and NA until the
    window is full. ``monotony_flag`` is True above ``flag_above`` (2).

    Returns
    -------
    DataFrame
        ``mean_<column>``, ``sd_<column>``, ``monotony``, ``strain_<column>``,
        ``monotony_flag`` (boolean, NA where monotony is NA).

    References
    ----------
    Foster C 1998, MSSE 30:1164 (recalled, METHODS.md 2).
    """
    daily = _contiguous(daily)
    x = _float(daily[column])
    roll = x.rolling(window_days, min_periods=window_days)
    mean, sd, total = roll.mean(), roll.std(ddof=ddof), roll.sum()
    monotony = mean / sd.where(sd > sd_tolerance)
    strain = total * monotony
    flag = pd.array(np.where(monotony.isna(), None, monotony > flag_above), dtype="boolean")
    return pd.DataFrame(
        {
            f"mean_{column}": _nullable(mean.to_numpy(), daily.index),
            f"sd_{column}": _nullable(sd.to_numpy(), daily.index),
            "monotony": _nullable(monotony.to_numpy(), daily.index),
            f"strain_{column}": _nullable(strain.to_numpy(), daily.index),
            "monotony_flag": flag,
        },
        index=daily.index,
    )


def fitness_fatigue(
    daily: pd.DataFrame, *, column: str = "km", ctl_days: int = 42, atl_days: int = 7
) -> pd.DataFrame:
    """Chronic and acute training load and training-stress balance (a performance model).

    CTL_t = CTL_(t-1) + (L_t - CTL_(t-1)) / 42 and ATL likewise with 7 days,
    both started at 0; TSB_t = CTL_(t-1) - ATL_(t-1) (NA on the first day). A
    day with unknown load carries the previous values.

    Returns
    -------
    DataFrame
        ``ctl_<column>``, ``atl_<column>``, ``tsb_<column>``;
        ``attrs["label"]`` says it is a performance model, not an injury model.

    References
    ----------
    Banister impulse-response model (fitness-fatigue); METHODS.md 2.
    """
    daily = _contiguous(daily)
    ctl = pd.Series(_recursive_mean(daily[column], 1.0 / ctl_days, 0.0), index=daily.index)
    atl = pd.Series(_recursive_mean(daily[column], 1.0 / atl_days, 0.0), index=daily.index)
    tsb = (ctl - atl).shift(1)
    out = pd.DataFrame(
        {
            f"ctl_{column}": _nullable(ctl.to_numpy(), daily.index),
            f"atl_{column}": _nullable(atl.to_numpy(), daily.index),
            f"tsb_{column}": _nullable(tsb.to_numpy(), daily.index),
        },
        index=daily.index,
    )
    out.attrs["label"] = PERFORMANCE_MODEL
    return out


# ---------------------------------------------------------------------------
# lag features for the association models
# ---------------------------------------------------------------------------


def _spike_days(runs: pd.DataFrame, idx: pd.DatetimeIndex, spikes: pd.DataFrame | None = None) -> dict[str, pd.Series]:
    """0/1 per day: at least one run of each spike bin that day (``spikes``: :func:`spike_ratio` of ``runs``)."""
    sr = spike_ratio(runs) if spikes is None else spikes
    out = {}
    for name in ("small", "moderate", SPIKE_LARGE):
        days = pd.DatetimeIndex(sr.loc[sr["spike_bin"].eq(name).fillna(False), "date"]).unique()
        out[name] = pd.Series(idx.isin(days).astype(float), index=idx)
    return out


def lag_features(
    daily: pd.DataFrame,
    runs: pd.DataFrame | None = None,
    drills_daily: pd.Series | None = None,
    *,
    spikes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Load features for day t built only from days <= t-1 (no leakage of day t).

    Parameters
    ----------
    daily : DataFrame
        From :func:`daily_load` (index ``date``).
    runs : DataFrame, optional
        Canonical runs frame, for the spike terms (NA without it).
    drills_daily : Series, optional
        0/1 per date (:func:`analysis.io.drills.drill_days`); NA without it.
        Days outside its index are unknown.
    spikes : DataFrame, optional
        :func:`spike_ratio` of ``runs`` (default arguments), when already computed: not computed again.

    Returns
    -------
    DataFrame
        Index ``date`` (the days of ``daily``), Float64 columns:
        ``km_lag_1_3`` (km in t-3..t-1), ``km_lag_4_7``, ``km_lag_8_14``,
        ``km_lag_15_28``, ``minutes_lag_1_7``, ``barefoot_share_lag_1_7``
        (percent 0-100 of km in t-7..t-1 run barefoot-style; NA with no km),
        ``spike_small``, ``spike_moderate``, ``spike_large`` (1 when at least
        one run of that bin fell on t-3..t-1), ``drill_days_lag_1_7`` (days
        with drills in t-7..t-1). A window reaching before the first day of
        ``daily``, or holding a day of unknown load, gives NA (never a falsely
        low 0).

    References
    ----------
    METHODS.md 1 (days <= t-1) and 5.3 (lag bands); DESIGN.md, effect terms.
    """
    daily = _contiguous(daily)
    idx = daily.index
    out = pd.DataFrame(index=idx)
    for first, last in KM_LAG_BANDS:
        out[f"km_lag_{first}_{last}"] = _window_sum(daily["km"], first, last)
    out["minutes_lag_1_7"] = _window_sum(daily["minutes"], 1, 7)
    out["barefoot_share_lag_1_7"] = _share_pct(
        _window_sum(daily["km_barefoot_style"], 1, 7), _window_sum(daily["km"], 1, 7)
    )
    if runs is not None and len(idx):
        for name, days in _spike_days(runs, idx, spikes).items():
            out[f"spike_{name}"] = _window_max(days, 1, 3)
    else:
        for name in ("small", "moderate", SPIKE_LARGE):
            out[f"spike_{name}"] = pd.Series(pd.NA, index=idx, dtype="Float64")
    if drills_daily is not None:
        drills = drills_daily.copy()
        drills.index = pd.DatetimeIndex(drills.index).normalize()
        out["drill_days_lag_1_7"] = _window_sum(drills.reindex(idx), 1, 7)
    else:
        out["drill_days_lag_1_7"] = pd.Series(pd.NA, index=idx, dtype="Float64")
    out.index.name = "date"
    return out


# ---------------------------------------------------------------------------
# barefoot-style transition guard-rails
# ---------------------------------------------------------------------------

#: METHODS.md 3 transition guard-rails: a synthesis of the evidence, not a validated schedule
GUARDRAIL_DEFAULTS: dict[str, float] = {
    "start_share_pct": 10.0,
    "weekly_increase_points": 10.0,
    "run_ratio": 1.10,
    "window_days": 30,
    "caution_weekly_km": 35.0,
    "restart_weeks": 4,
}
GUARDRAIL_LABEL = "guard-rails: a synthesis of the transition evidence, not a validated schedule"


def transition_runs(
    runs: pd.DataFrame,
    *,
    run_ratio: float = 1.10,
    window_days: int = 30,
    grouping: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Each barefoot-style run against the longest barefoot-style run of the previous 30 days.

    Parameters
    ----------
    runs : DataFrame
        Canonical runs frame (``date``, ``distance_m``, ``shoe_class``).
    run_ratio : float
        Guard-rail: a barefoot-style run should stay <= 110 % (1.10) of the
        longest barefoot-style run of days d-30..d-1.
    window_days : int
        Look-back in days (30).
    grouping : mapping, optional
        Shoe class -> group; default :data:`GROUPING` (barefoot and
        minimalist together).

    Returns
    -------
    DataFrame
        Index ``activity_id``, barefoot-style runs only: ``date``,
        ``shoe_class``, ``distance_km``, ``longest_prev_km`` (km; NA when no
        barefoot-style run in the window), ``ratio`` and ``breach`` (boolean:
        ratio > ``run_ratio``, rounded to 9 decimals like :func:`spike_bin`;
        NA without an earlier run, which the start rule of
        :func:`transition_guardrails` covers).

    References
    ----------
    METHODS.md 3 (transition guard-rails; Fuller 2017, AJSM 45:1162; Ridge
    2013, MSSE 45:1363); the ratio is :func:`spike_ratio` within the group.
    """
    grouping = dict(GROUPING if grouping is None else grouping)
    sr = spike_ratio(runs, window_days=window_days, grouping=grouping)
    group = sr["shoe_class"].map(lambda c: grouping.get(c, c))
    sr = sr[(group == BAREFOOT_STYLE).to_numpy()]
    ratio = sr["spike_ratio_class"]
    rounded = _float(ratio).round(9)
    breach = pd.array(np.where(rounded.isna(), None, rounded > run_ratio), dtype="boolean")
    out = pd.DataFrame(
        {
            "date": sr["date"],
            "shoe_class": sr["shoe_class"],
            "distance_km": sr["distance_km"],
            "longest_prev_km": sr["longest_prev_class_km"],
            "ratio": ratio,
            "breach": breach,
        },
        index=sr.index,
    )
    out.index.name = "activity_id"
    return out


def transition_guardrails(
    runs: pd.DataFrame,
    *,
    start=None,
    end=None,
    grouping: Mapping[str, str] | None = None,
    rule_breaches: pd.Series | None = None,
    start_share_pct: float = 10.0,
    weekly_increase_points: float = 10.0,
    run_ratio: float = 1.10,
    window_days: int = 30,
    caution_weekly_km: float = 35.0,
    restart_weeks: int = 4,
    weekly: pd.DataFrame | None = None,
    checks: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Week-by-week check of a move to barefoot-style running against METHODS.md 3's guard-rails.

    The guard-rails (a synthesis, no validated schedule exists):

    * **start** at <= ``start_share_pct`` (10 %) of weekly km barefoot-style;
    * **add** <= ``weekly_increase_points`` (10 percentage points) a week, and
      only while the 24-hour pain rule holds;
    * keep each barefoot-style **run** <= ``run_ratio`` (110 %) of the longest
      barefoot-style run of the last ``window_days`` (30) days;
    * extra **caution** above ``caution_weekly_km`` (35 km/week).

    Parameters
    ----------
    runs : DataFrame
        Canonical runs frame (``date``, ``distance_m``, ``shoe_class``).
    start, end : date-like, optional
        Period (default first and last run date).
    grouping : mapping, optional
        Shoe class -> group; default :data:`GROUPING`.
    rule_breaches : Series, optional
        Boolean per run (index ``activity_id``): the ``breach`` column of
        :func:`analysis.flareups.twenty_four_hour_rule`. Enables
        ``increase_despite_pain``.
    start_share_pct, weekly_increase_points, run_ratio, window_days, caution_weekly_km, restart_weeks
        The guard-rails above; ``restart_weeks`` (4) is how many weeks
        without barefoot-style running make the next such week a new start.
    weekly, checks : DataFrame, optional
        Already computed from the same arguments (not computed again): ``weekly`` is
        :func:`weekly_load` of :func:`daily_load` of ``runs`` over ``start``..``end`` with
        ``grouping``; ``checks`` is :func:`transition_runs` of ``runs`` with ``run_ratio``,
        ``window_days`` and ``grouping``.

    Returns
    -------
    DataFrame
        Index ``week_start`` (ISO weeks, as :func:`weekly_load`): ``km``,
        ``km_barefoot_style``, ``barefoot_style_share_pct`` (0-100),
        ``share_change_points`` (this week's share minus last week's; NA when
        either week has no km), ``start_week`` (barefoot-style km after at
        least ``restart_weeks`` weeks without, or after fewer weeks when those
        are all the series has; never the first week of the series, whose
        history is unknown), and the boolean flags ``start_breach`` (start
        week above ``start_share_pct``), ``increase_breach`` (share up by more
        than ``weekly_increase_points``), ``run_breaches`` (count of runs of
        :func:`transition_runs` that break the run rule) and ``run_breach``,
        ``increase_despite_pain`` (share up in a week that follows a week with
        a 24-hour-rule breach; NA without ``rule_breaches``), ``caution``
        (barefoot-style km in a week of more than ``caution_weekly_km`` km in
        total), ``breach`` (any of start, increase, run, increase despite
        pain). ``attrs["label"]`` says these are a synthesis, and
        ``attrs["params"]`` holds the thresholds.

    Notes
    -----
    Fuller 2017 studied runners whose training was in minimalist shoes, so the
    35 km/week caution applies to total weekly km in a week that includes
    barefoot-style running.

    References
    ----------
    METHODS.md 3; Ridge 2013, MSSE 45:1363; Ryan 2014, BJSM 48:1257; Fuller
    2017, AJSM 45:1162; Fuller 2019, EJSS 19:402; Silbernagel 2007, AJSM
    35:897 (24-hour rule).
    """
    grouping = dict(GROUPING if grouping is None else grouping)
    if weekly is None:
        weekly = weekly_load(daily_load(runs, start=start, end=end, grouping=grouping))
    idx = weekly.index
    km = _float(weekly["km"])
    bs = _float(weekly["km_barefoot_style"])
    share = _float(weekly["barefoot_style_share_pct"])
    change = share - share.shift(1)

    has_bs = (bs > 0).to_numpy()
    start_week = np.zeros(len(idx), dtype=bool)
    for i in range(1, len(idx)):
        if has_bs[i]:
            before = bs.iloc[max(0, i - restart_weeks) : i]
            start_week[i] = bool(before.notna().all() and (before == 0).all())
    start_breach = start_week & (share.round(9) > start_share_pct).to_numpy()
    increase_breach = (change.round(9) > weekly_increase_points).to_numpy()

    if checks is None:
        checks = transition_runs(runs, run_ratio=run_ratio, window_days=window_days, grouping=grouping)
    week_of = pd.DatetimeIndex(checks["date"]).to_period("W-SUN").start_time.as_unit("ns")
    counts = checks["breach"].fillna(False).astype(int).groupby(week_of).sum()
    run_breaches = counts.reindex(idx, fill_value=0).to_numpy(dtype="int64")

    if rule_breaches is not None:
        rb = rule_breaches.astype("boolean").fillna(False)
        dates = runs.loc[runs.index.isin(rb.index), "date"]
        rb = rb.reindex(dates.index).fillna(False)
        bad_dates = pd.DatetimeIndex(dates[rb.to_numpy(dtype=bool)])
        bad_weeks = bad_dates.to_period("W-SUN").start_time.as_unit("ns")
        prev_bad = np.r_[False, idx.isin(bad_weeks)[:-1]] if len(idx) else np.zeros(0, bool)
        despite = pd.array(prev_bad & (change.round(9) > 0).to_numpy(), dtype="boolean")
    else:
        despite = pd.array([pd.NA] * len(idx), dtype="boolean")

    out = pd.DataFrame(index=idx)
    out["km"] = weekly["km"]
    out["km_barefoot_style"] = weekly["km_barefoot_style"]
    out["barefoot_style_share_pct"] = weekly["barefoot_style_share_pct"]
    out["share_change_points"] = _nullable(change.to_numpy(), idx)
    out["start_week"] = start_week
    out["start_breach"] = start_breach
    out["increase_breach"] = increase_breach
    out["run_breaches"] = run_breaches
    out["run_breach"] = run_breaches > 0
    out["increase_despite_pain"] = despite
    out["caution"] = has_bs & (km > caution_weekly_km).to_numpy()
    out["breach"] = start_breach | increase_breach | (run_breaches > 0) | despite.fillna(False).to_numpy(bool)
    out.attrs["label"] = GUARDRAIL_LABEL
    out.attrs["params"] = {
        "start_share_pct": start_share_pct,
        "weekly_increase_points": weekly_increase_points,
        "run_ratio": run_ratio,
        "window_days": window_days,
        "caution_weekly_km": caution_weekly_km,
        "restart_weeks": restart_weeks,
    }
    return out

"""Rows and columns of the pre-specified primary model (METHODS.md 5): region-days and lag features.

One row per region per calendar day (:func:`region_day_frame`): at-risk and logged flags, onset 0/1,
morning pain and the flare history known on day t. Load features come from the daily load frame and
use days t-28..t-1 only (:func:`load_arrays`, numpy, no pandas in the loops), so the outcome day's own
running never explains it (METHODS.md 1).

The distributed lag of total km (Gasparrini, Armstrong & Kenward 2010) is written out here, not taken
from a library: statsmodels has no distributed-lag basis, and the basis is three columns over 28
lags whose first column *is* the ``km_7d`` window (:func:`lag_basis`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: days of km history every modelled day needs (the distributed lag's span)
MAX_LAG_DAYS = 28

#: the estimands' window: days t-7..t-1
WINDOW_DAYS = 7

#: the pre-specified estimands: name -> unit (DESIGN.md "Findings JSON")
ESTIMANDS: dict[str, str] = {"barefoot_share_7d": "+10 points", "km_7d": "+10 km"}

#: onsets per model parameter (METHODS.md 5: at most one parameter per 5 onsets)
EVENTS_PER_PARAMETER = 5

#: the adjustment ladder, in the order adjustments ENTER as onsets accumulate (they leave in the
#: reverse order). Each step: (name, parameters added, what it is). Fixed before seeing any data.
ADJUSTMENT_LADDER: tuple[tuple[str, int, str], ...] = (
    ("days_since_flare", 1, "log days since the last episode ended (since the diary began, before any)"),
    ("season", 2, "season: one sine/cosine pair of the day of the year"),
    ("km_lag_shape_1", 1, "km of days 8-28 (the distributed lag of total km over days 1-28, 2 df)"),
    ("no_flare_yet", 1, "indicator: no flare-up yet in the diary"),
    ("km_lag_shape_2", 1, "a log-lag slope over days 8-28 (the distributed lag of total km, 3 df)"),
)


def ladder_sizes() -> list[tuple[int, tuple[str, ...]]]:
    """(parameters, adjustments) of every model on the ladder, smallest first.

    The smallest model holds the two estimands only (2 parameters besides the
    intercept, so 10 onsets); each further rung adds the next adjustment of
    :data:`ADJUSTMENT_LADDER`.
    """
    out = [(len(ESTIMANDS), ())]
    for name, k, _ in ADJUSTMENT_LADDER:
        out.append((out[-1][0] + k, (*out[-1][1], name)))
    return out


def minimum_onsets() -> int:
    """Onsets the smallest model needs (two estimands x 5 = 10)."""
    return ladder_sizes()[0][0] * EVENTS_PER_PARAMETER


def choose_adjustments(n_onsets: int) -> tuple[str, ...] | None:
    """The largest model on the ladder with at most one parameter per 5 onsets (None: not even the smallest)."""
    chosen = None
    for k, adjustments in ladder_sizes():
        if k * EVENTS_PER_PARAMETER <= n_onsets:
            chosen = adjustments
    return chosen


# ---------------------------------------------------------------------------
# the region-day frame
# ---------------------------------------------------------------------------


def region_day_frame(
    region_days: pd.DataFrame, pain_daily: pd.DataFrame | None = None, region: str | None = None
) -> pd.DataFrame:
    """One row per calendar day for one region: flags, onset, morning pain and flare history.

    Parameters
    ----------
    region_days : DataFrame
        :func:`analysis.flareups.region_days` (``date``, ``region``, ``onset``,
        ``in_flare``, ``at_risk`` and, when present, ``logged``).
    pain_daily : DataFrame, optional
        :func:`analysis.flareups.daily_pain` (``date``, ``region``, ``side``,
        ``morning``, ``pain_max``, ``logged``): the morning item, and ``logged``
        where ``region_days`` lacks it.
    region : str, optional
        Keep this region (required when the frames hold several).

    Returns
    -------
    DataFrame
        Index ``date`` (every day of ``region_days``), columns ``at_risk``,
        ``logged`` (bool), ``onset`` (0/1 int), ``in_flare`` (bool),
        ``morning_pain`` (0-10 float, the worse side; NaN = not logged),
        ``pain_item`` (attrs: ``"morning"``, or ``"daily highest"`` where the
        region has no morning entries, METHODS.md 4), ``no_flare_yet`` (no flare
        day before t), ``days_since_flare`` (days from the last flare day before t
        to t; before any flare, from the region's first logged day), ``flare_days_7d``
        (:func:`flare_days_before`: the share of t-7..t-1 that were flare days).

    References
    ----------
    METHODS.md 4 (morning item, sides merged) and 5 (one row per region per day).
    """
    rd = region_days if region is None else region_days[region_days["region"] == region]
    rd = rd.assign(date=pd.to_datetime(rd["date"]).dt.normalize()).drop_duplicates("date")
    rd = rd.set_index("date").sort_index()
    out = pd.DataFrame(index=pd.DatetimeIndex(rd.index, name="date"))
    out["at_risk"] = rd["at_risk"].astype("boolean").fillna(False).to_numpy(bool)
    out["onset"] = pd.to_numeric(rd["onset"]).fillna(0).to_numpy(int)
    out["in_flare"] = rd["in_flare"].astype("boolean").fillna(False).to_numpy(bool)
    pain_item = "morning"
    morning = pd.Series(np.nan, index=out.index)
    logged_from_pain = pd.Series(False, index=out.index)
    if pain_daily is not None and len(pain_daily):
        pd_ = pain_daily if region is None else pain_daily[pain_daily["region"] == region]
        by_day = pd_.assign(date=pd.to_datetime(pd_["date"]).dt.normalize()).groupby("date")
        logged_from_pain = by_day["logged"].any().reindex(out.index, fill_value=False).astype(bool)
        morning = pd.to_numeric(by_day["morning"].max(), errors="coerce").astype(float).reindex(out.index)
        if morning.notna().sum() == 0 and "pain_max" in pd_:
            morning = pd.to_numeric(by_day["pain_max"].max(), errors="coerce").astype(float)
            morning = morning.reindex(out.index)
            pain_item = "daily highest"
    elif "pain_max" in rd:
        morning = pd.to_numeric(rd["pain_max"], errors="coerce").astype(float)
        pain_item = "daily highest"
    if "logged" in rd:
        out["logged"] = rd["logged"].astype("boolean").fillna(False).to_numpy(bool)
    else:  # as analysis.onsets.region_days: an onset dated into unlogged days is observed there
        out["logged"] = logged_from_pain.to_numpy(bool) | (out["onset"].to_numpy() > 0)
    out["morning_pain"] = morning.to_numpy(float)
    no_yet, since = flare_history(out["in_flare"].to_numpy(bool), out["logged"].to_numpy(bool))
    out["no_flare_yet"] = no_yet
    out["days_since_flare"] = since
    out["flare_days_7d"] = flare_days_before(out["in_flare"], out.index)
    out.attrs["pain_item"] = pain_item
    return out


def flare_history(in_flare: np.ndarray, logged: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flare history known on day t from days <= t-1: (no flare yet, days since the last flare day).

    Before the first flare day the count runs from the first logged day (a lower
    bound: the diary cannot see earlier flares), at least 1.
    """
    n = len(in_flare)
    idx = np.arange(n)
    first_logged = int(np.argmax(logged)) if logged.any() else 0
    last = np.where(in_flare, idx, -1)
    last_before = np.r_[-1, np.maximum.accumulate(last)[:-1]] if n else last
    no_yet = last_before < 0
    since = np.where(no_yet, idx - first_logged + 1, idx - last_before).astype(float)
    return no_yet, np.maximum(since, 1.0)


#: days before d whose flare-up days :func:`flare_days_before` counts (the 7-day load terms' window)
FLARE_DAYS_WINDOW = 7


def flare_days_before(in_flare: pd.Series, dates: pd.DatetimeIndex, window_days: int = FLARE_DAYS_WINDOW) -> np.ndarray:
    """Share (0-1) of the ``window_days`` calendar days d-window..d-1 that were flare-up days, for each date d.

    The pain trend's load terms sum the same 7 days. A person runs less on the days of a flare-up and
    builds back after it, so those days' km and the pain that follows share a cause: this column
    carries it. Day d's own flag is never used; the flags of days <= d-1 are the detector's, which
    it sets partly from later mornings (an onset confirmed or dated back), as for ``days_since_flare``.
    ``in_flare`` is aligned by its date index (a date listed twice is a flare-up day if either row
    says so); days not in it, and days before its first, count as none.
    """
    if not len(dates):
        return np.zeros(0)
    flags = in_flare.astype("boolean").fillna(False).astype(bool)
    flags.index = pd.DatetimeIndex(flags.index).normalize()
    flags = flags.groupby(level=0).any()
    dates = pd.DatetimeIndex(dates).normalize()
    every_day = pd.date_range(min(dates.min(), flags.index.min()), dates.max(), freq="D")
    daily = flags.reindex(every_day, fill_value=False).to_numpy(float)
    counts = pd.Series(daily, index=every_day).shift(1, fill_value=0.0).rolling(window_days, min_periods=1).sum()
    return counts.reindex(dates).to_numpy(float) / window_days


# ---------------------------------------------------------------------------
# load features (days <= t-1)
# ---------------------------------------------------------------------------


@dataclass
class LoadArrays:
    """Daily km and barefoot-style km, and for each day its km by lag (n x 28) and 7-day sums."""

    dates: pd.DatetimeIndex
    km: np.ndarray  # km on each day (NaN = unknown)
    barefoot_km: np.ndarray  # barefoot-style km on each day
    km_lags: np.ndarray  # (n, MAX_LAG_DAYS): km on day t-l in column l-1; NaN where unknown
    km_7d: np.ndarray  # km over t-7..t-1
    barefoot_km_7d: np.ndarray  # barefoot-style km over t-7..t-1
    barefoot_share_slow_pct: np.ndarray | None = None  # the runner's usual share at that time (slow_share)


def lagged(values: np.ndarray, max_lag: int = MAX_LAG_DAYS) -> np.ndarray:
    """(n, max_lag) matrix with values[t-l] in column l-1 (NaN before the first day)."""
    v = np.asarray(values, dtype=float)
    if not len(v):  # no days (no runs): no rows, not a window longer than its input
        return np.empty((0, max_lag))
    padded = np.r_[np.full(max_lag, np.nan), v]
    windows = np.lib.stride_tricks.sliding_window_view(padded[:-1], max_lag)  # row t: v[t-max_lag..t-1]
    return windows[:, ::-1]


def load_arrays(daily: pd.DataFrame) -> LoadArrays:
    """Lagged km and barefoot-style km for every day of :func:`analysis.load.daily_load`.

    A window reaching before the first day of ``daily`` or holding a day of
    unknown km is NaN (never a falsely low 0); the day then drops from the model.
    """
    daily = daily.set_axis(pd.DatetimeIndex(daily.index).normalize()).sort_index()
    full = pd.date_range(daily.index.min(), daily.index.max(), freq="D") if len(daily) else daily.index

    def column(name: str) -> np.ndarray:
        values = daily[name] if name in daily else pd.Series(0.0, index=daily.index)
        return pd.to_numeric(values, errors="coerce").astype(float).reindex(full).to_numpy()

    return _arrays_from(pd.DatetimeIndex(full), column("km"), column("km_barefoot_style"))


def _arrays_from(dates: pd.DatetimeIndex, km: np.ndarray, bs: np.ndarray) -> LoadArrays:
    k = lagged(km)
    b = lagged(bs, WINDOW_DAYS)
    km7, bs7 = k[:, :WINDOW_DAYS].sum(axis=1), b.sum(axis=1)
    return LoadArrays(dates, km, bs, k, km7, bs7, slow_share(dates, km7, bs7))


#: the footwear term in words (findings ``guards.primary_model.footwear_contrast``; docs/methods.md 5)
FOOTWEAR_CONTRAST = (
    "the 7-day barefoot-style share minus the runner's usual share at that time (a linear trend and two "
    "sine/cosine pairs of the day of the year fitted to the runner's own 7-day shares over the whole "
    "history, later days included; the trend only with less than a year of running), so that "
    "barefoot-style running that follows the season or a transition is not read as an effect of footwear"
)

#: harmonics of the day of the year in the runner's usual barefoot-style share (:func:`slow_share`)
SLOW_SHARE_HARMONICS = 2

#: running history (days) needed before the usual share may follow the season, not only a trend
SLOW_SHARE_MIN_SPAN_DAYS = 365


def slow_share(
    dates: pd.DatetimeIndex, km_7d: np.ndarray, barefoot_km_7d: np.ndarray,
    harmonics: int = SLOW_SHARE_HARMONICS,
) -> np.ndarray | None:
    """The runner's usual barefoot-style share (%) at each date: the seasonal and slow part of the exposure.

    Least squares of the 7-day barefoot-style share (%, on days with km in
    t-7..t-1) over the whole running history on a linear trend and, when the
    history spans a year or more, ``harmonics`` sine/cosine pairs of the day of
    the year (else the trend only). The primary model's footwear term is the
    7-day share *minus* this fitted value (docs/methods.md 5, "Footwear
    contrast"): barefoot-style running that follows the season or a
    transition cannot then stand in for anything else that follows the season,
    whatever its shape, and the estimand is carried by the week-to-week
    variation around the runner's usual share at that time of year. Adjusting
    for (or centring on) the exposure's expected value given the confounder
    removes confounding by it in a linear predictor whatever the confounder's
    own effect (Robins, Mark & Newey 1992, Biometrics 48:479); in a
    logistic model with rare onsets this holds approximately, and the benchmark
    measured it (benchmarks/README.md, validity.py, session 5). No outcome
    parameter is spent: the fit uses exposure days only, never onsets.

    The value at a day is not causal: it reads the exposure of days after it,
    including footwear changed after onsets, and changes when data are appended.
    A fit on the days before each day only was measured and not adopted
    (docs/methods.md 5; benchmarks/README.md, "A causal usual share").

    Returns
    -------
    ndarray (one value per date) or None when no day has km in its window.
    """
    n = len(dates)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = 100.0 * np.asarray(barefoot_km_7d, float) / np.asarray(km_7d, float)
    ok = np.isfinite(share) & (np.nan_to_num(km_7d) > 0)
    if n == 0 or not ok.any():
        return None
    days = (dates - dates[0]).days.to_numpy(float)
    cols = [np.ones(n), days / 365.25]
    if days[ok].max() - days[ok].min() >= SLOW_SHARE_MIN_SPAN_DAYS:
        angle = 2 * np.pi * dates.day_of_year.to_numpy(float) / 365.25
        for h in range(1, harmonics + 1):
            cols += [np.sin(h * angle), np.cos(h * angle)]
    Z = np.column_stack(cols)
    if ok.sum() < 4 * Z.shape[1]:
        return np.full(n, float(np.mean(share[ok])))
    coef, *_ = np.linalg.lstsq(Z[ok], share[ok], rcond=None)
    return Z @ coef


def lag_basis(df: int, max_lag: int = MAX_LAG_DAYS, window_days: int = WINDOW_DAYS) -> np.ndarray:
    """Lag basis (max_lag x df) of the distributed lag of total km; column 0 is the ``km_7d`` window.

    The lag curve beta(l), l = 1..28 days, is constrained to ``df`` parameters:

    * column 0: weight 1 on lags 1-7, 0 after. Its coefficient is beta on each
      of days t-7..t-1, so 10 x it is the log odds ratio of +10 km over
      t-7..t-1 (``km_7d``), whatever the other columns do;
    * df >= 2, column 1: weight 1 on lags 8-28 (km of days t-28..t-8);
    * df = 3, column 2: log(lag), centred over lags 8-28, on lags 8-28: the
      curve over days 8-28 may rise or fall with log lag (a natural cubic
      spline of log lag with only its boundary knots is this straight line).

    So the estimand's window is one stratum of the lag curve (Gasparrini's
    "strata" lag function) and the older days enter through a 1-2 df curve
    beside it. A single natural spline across all 28 lags, changed by a 3 x 3
    basis so that its mean over lags 1-7 was one coefficient, was tried first:
    it bent the curve across day 7 and, when the true effect was the 7-day
    window itself, the 95 % interval of ``km_7d`` covered 0.910 (MC SE 0.014,
    400 simulated runners, ~30 onsets; benchmarks/primary_estimator.py).

    References
    ----------
    Gasparrini A, Armstrong B, Kenward MG (2010) Stat Med 29:2224; METHODS.md 5.
    """
    if df not in (1, 2, 3):
        raise ValueError(f"lag basis df must be 1, 2 or 3, not {df}")
    lags = np.arange(1, max_lag + 1, dtype=float)
    week = lags <= window_days
    cols = [week.astype(float)]
    if df >= 2:
        cols.append((~week).astype(float))
    if df == 3:
        log_lag = np.log(lags)
        cols.append(np.where(week, 0.0, log_lag - log_lag[~week].mean()))
    return np.column_stack(cols)


# ---------------------------------------------------------------------------
# the design
# ---------------------------------------------------------------------------


@dataclass
class PrimarySpec:
    """How the model's columns are made from load and flare history (kept to predict new days).

    ``columns`` names the model's columns after the constant; ``means`` are the
    centring constants (the model days' means), ``share_mean_pct`` the mean
    footwear value of those days that ran (days with no km in t-7..t-1 get it:
    their share is undefined, and the km terms carry their risk). The footwear
    value is the 7-day share minus the runner's usual share (:func:`slow_share`)
    when :meth:`raw` is given ``share_slow_pct`` (the primary model, tables),
    else the 7-day share itself (the cohort's pooled columns).
    """

    adjustments: tuple[str, ...]
    lag_df: int
    basis: np.ndarray
    columns: list[str]
    means: np.ndarray = field(default_factory=lambda: np.zeros(0))
    share_mean_pct: float = 0.0
    days_since_range: tuple[float, float] = (1.0, math.inf)

    def raw(
        self,
        km_lags: np.ndarray,
        barefoot_km_7d: np.ndarray,
        days_since_flare: np.ndarray,
        no_flare_yet: np.ndarray,
        dates: pd.DatetimeIndex,
        share_slow_pct: np.ndarray | None = None,
    ) -> np.ndarray:
        """Uncentred model columns (without the constant) for the given days."""
        km7 = km_lags[:, :WINDOW_DAYS].sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = 100.0 * barefoot_km_7d / km7
            if share_slow_pct is not None:
                share = share - share_slow_pct
            share = np.where(km7 > 0, share, self.share_mean_pct)
        cols = [share / 10.0]
        dl = km_lags @ self.basis
        cols.append(dl[:, 0] / 10.0)  # km over t-7..t-1 per +10 km: see lag_basis
        shape_cols = [dl[:, j] / 10.0 for j in range(1, self.lag_df)]
        for name in self.adjustments:
            if name == "days_since_flare":
                lo, hi = self.days_since_range
                cols.append(np.log(np.clip(days_since_flare, lo, hi)))
            elif name == "season":
                doy = 2 * np.pi * dates.day_of_year.to_numpy(float) / 365.25
                cols += [np.sin(doy), np.cos(doy)]
            elif name == "no_flare_yet":
                cols.append(np.asarray(no_flare_yet, dtype=float))
            elif name.startswith("km_lag_shape_"):
                cols.append(shape_cols[int(name.rsplit("_", 1)[1]) - 1])
        return np.column_stack(cols)

    def matrix(self, raw: np.ndarray) -> np.ndarray:
        """Design matrix: constant plus centred columns."""
        return np.column_stack([np.ones(len(raw)), raw - self.means])


def spec_for(adjustments: tuple[str, ...]) -> PrimarySpec:
    """The model's column layout for a set of adjustments from :data:`ADJUSTMENT_LADDER`."""
    lag_df = 1 + sum(a.startswith("km_lag_shape_") for a in adjustments)
    columns = list(ESTIMANDS)
    for name in adjustments:
        columns += ["season_sin", "season_cos"] if name == "season" else [name]
    return PrimarySpec(adjustments, lag_df, lag_basis(lag_df), columns)


@dataclass
class ModelDays:
    """The days a primary model can use, with everything needed to build its columns."""

    dates: pd.DatetimeIndex
    onset: np.ndarray
    km_lags: np.ndarray
    barefoot_km_7d: np.ndarray
    days_since_flare: np.ndarray
    no_flare_yet: np.ndarray
    n_at_risk_logged: int  # before dropping days without 28 days of known km
    share_slow_pct: np.ndarray | None = None

    @property
    def n_onsets(self) -> int:
        return int(self.onset.sum())


#: days after a flare-up episode's last day that the primary model does not count as at risk (0: none
#: beyond the detector's refractory days; :func:`after_flare_washout`, measured and not adopted)
WASHOUT_DAYS = 0


def after_flare_washout(frame: pd.DataFrame, washout_days: int) -> np.ndarray:
    """Days of ``frame`` (:func:`region_day_frame`) that a washout after each episode leaves at risk.

    A day t is washed out when an earlier episode's last flare day lies within
    ``washout_days`` days before it (``days_since_flare <= washout_days`` with a
    flare before t); days before the first episode are never washed out. The
    detector's refractory days (7) are the first of these days already, so a
    washout of 7 or less changes nothing; a washout of W > 7 removes days
    8..W after each end, onsets on them included, from the model's days.

    Why it was measured (benchmarks/README.md, "Session 7 (branch rev9)"): a
    runner in pain runs less, and less often barefoot-style, and ramps back over
    the following weeks, while the detected end of an episode often (46 % in the
    validity generator) comes before the true one; days 8-14 after a detected end
    then carry low exposure and less real risk, which reads as "more km, more
    onsets". A 14-day washout was measured once on fresh seeds against the model
    without one and **not adopted**: it did not lower the footwear estimand's
    false positives and cost 10-28 % of the estimated regions and a third of the
    page-1 detections of a planted footwear effect. Hence :data:`WASHOUT_DAYS` = 0.

    Returns
    -------
    ndarray of bool, one per row of ``frame``: True where the day is kept.
    """
    if washout_days <= 0:
        return np.ones(len(frame), dtype=bool)
    since = frame["days_since_flare"].to_numpy(float)
    after_episode = ~frame["no_flare_yet"].to_numpy(bool)
    return ~(after_episode & (since <= washout_days))


def model_days(frame: pd.DataFrame, loads: LoadArrays, washout_days: int | None = None) -> ModelDays:
    """At-risk, logged days of ``frame`` (:func:`region_day_frame`) with 28 days of known km before them.

    ``washout_days`` (default :data:`WASHOUT_DAYS`) also leaves out the days
    that :func:`after_flare_washout` washes out.
    """
    washout_days = WASHOUT_DAYS if washout_days is None else int(washout_days)
    use = frame["at_risk"].to_numpy(bool) & frame["logged"].to_numpy(bool)
    use &= after_flare_washout(frame, washout_days)
    dates = pd.DatetimeIndex(frame.index)
    pos = loads.dates.get_indexer(dates)
    n_risk = int(use.sum())
    use &= pos >= 0
    rows = pos[use]
    km_lags = loads.km_lags[rows]
    bs7 = loads.barefoot_km_7d[rows]
    known = np.isfinite(km_lags).all(axis=1) & np.isfinite(bs7)
    take = np.flatnonzero(use)[known]
    return ModelDays(
        dates=dates[take],
        onset=frame["onset"].to_numpy(int)[take].clip(0, 1),
        km_lags=km_lags[known],
        barefoot_km_7d=bs7[known],
        days_since_flare=frame["days_since_flare"].to_numpy(float)[take],
        no_flare_yet=frame["no_flare_yet"].to_numpy(bool)[take],
        n_at_risk_logged=n_risk,
        share_slow_pct=None if loads.barefoot_share_slow_pct is None
        else loads.barefoot_share_slow_pct[rows][known],
    )


def design(days: ModelDays, spec: PrimarySpec) -> np.ndarray:
    """Fix the spec's centring on these days and return the design matrix (constant first)."""
    km7 = days.km_lags[:, :WINDOW_DAYS].sum(axis=1)
    ran = km7 > 0
    share = 100.0 * days.barefoot_km_7d[ran] / km7[ran]
    if days.share_slow_pct is not None:
        share = share - days.share_slow_pct[ran]
    spec.share_mean_pct = float(np.mean(share)) if ran.any() else 0.0
    spec.days_since_range = (float(days.days_since_flare.min()), float(days.days_since_flare.max()))
    raw = spec.raw(days.km_lags, days.barefoot_km_7d, days.days_since_flare, days.no_flare_yet, days.dates,
                   days.share_slow_pct)
    spec.means = raw.mean(axis=0)
    return spec.matrix(raw)

"""Daily pain series, coverage and the 24-hour rule; flare-up onsets re-exported (METHODS.md 4).

Everything here works on the daily pain grid of :func:`daily_pain`: one row per
date x region x side, NA where the diary has no entry (never 0).

The flare-up onset rule (morning pain against a personal baseline, sides
merged, episodes, refractory and at-risk days, red flags, sensitivity
variants) lives in :mod:`analysis.onsets`; its public names are re-exported
here (``detect_flareups``, ``region_days``, ``sensitivity_variants``, ...), so
``from analysis import flareups; flareups.detect_flareups(...)`` keeps working.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analysis.onsets import (  # noqa: F401  (re-exported: the flare-up onset rule)
    EPISODE_COLUMNS,
    FLARE_DEFAULTS,
    ONSET_RULES,
    RED_FLAG_COLUMNS,
    REGION_DAY_COLUMNS,
    FlareRule,
    describe_rule,
    detect_flareups,
    flare_rule,
    onsets_by_rule,
    red_flags,
    region_days,
    sensitivity_summary,
    sensitivity_variants,
)
from analysis.schema import REGIONS, SIDES, TIMES_OF_DAY

#: display bands of the pain-monitoring model (Silbernagel 2007): upper edge -> band
PAIN_BANDS: tuple[tuple[float, str], ...] = ((2, "safe"), (5, "acceptable"), (10, "high"))


def pain_band(pain: float) -> str | None:
    """Display band of a 0-10 score: 0-2 safe, 3-5 acceptable, > 5 high (Silbernagel 2007)."""
    if pain is None or pd.isna(pain):
        return None
    for upper, band in PAIN_BANDS:
        if pain <= upper:
            return band
    return PAIN_BANDS[-1][1]


def _days(start, end) -> pd.DatetimeIndex:
    return pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="D", name="date").as_unit("ns")


# ---------------------------------------------------------------------------
# daily series and coverage
# ---------------------------------------------------------------------------


def daily_pain(pain: pd.DataFrame, *, start=None, end=None) -> pd.DataFrame:
    """The daily pain grid: one row per date x region x side, NA where not logged.

    Parameters
    ----------
    pain : DataFrame
        Canonical pain frame (:func:`analysis.io.pain_diary.read_pain_diary`).
    start, end : date-like, optional
        First and last day; default the diary's first and last date.

    Returns
    -------
    DataFrame
        Columns ``date``, ``region`` (plantar/achilles/patellar/glute),
        ``side`` (L/R), ``morning``, ``during``, ``after`` (Float64 0-10, the
        maximum when an item was entered twice; NA = not logged),
        ``pain_max`` (max of the three items, NA when none) and ``logged``
        (bool: the diary has a row for that date, region and side). A region
        left out on a day is NA, never 0, even when other regions were logged
        (see :func:`diary_coverage`). Sorted by date, region, side.

    References
    ----------
    METHODS.md 1 ("a day with no diary entry is missing, never 0 pain") and 4.
    """
    p = pain[pain["date"].notna() & pain["region"].isin(REGIONS) & pain["side"].isin(SIDES)]
    if start is None or end is None:
        if len(p) == 0:
            return _empty_daily()
        start = p["date"].min() if start is None else start
        end = p["date"].max() if end is None else end
    days = _days(start, end)
    grid = pd.MultiIndex.from_product([days, list(REGIONS), list(SIDES)], names=["date", "region", "side"])
    keys = [pd.to_datetime(p["date"]).dt.normalize(), p["region"].astype(str), p["side"].astype(str)]
    values = p["pain"].astype("Float64")
    items = values.groupby([*keys, p["time_of_day"].astype(str)]).max().unstack("time_of_day")
    items = items.reindex(columns=list(TIMES_OF_DAY)).reindex(grid)
    rows = values.groupby(keys).size().reindex(grid, fill_value=0)
    out = items.astype("Float64")
    out["pain_max"] = out[list(TIMES_OF_DAY)].max(axis=1, skipna=True).astype("Float64")
    out["logged"] = (rows > 0).to_numpy()
    out = out.reset_index()
    out.columns.name = None
    out["region"] = out["region"].astype("string")
    out["side"] = out["side"].astype("string")
    return out[["date", "region", "side", *TIMES_OF_DAY, "pain_max", "logged"]]


def _empty_daily() -> pd.DataFrame:
    frame = {
        "date": pd.Series(dtype="datetime64[ns]"),
        "region": pd.Series(dtype="string"),
        "side": pd.Series(dtype="string"),
    }
    frame.update({c: pd.Series(dtype="Float64") for c in (*TIMES_OF_DAY, "pain_max")})
    frame["logged"] = pd.Series(dtype="bool")
    return pd.DataFrame(frame)


def diary_coverage(pain: pd.DataFrame, *, start=None, end=None, warn_below_pct: float = 80.0) -> pd.DataFrame:
    """How many days of the period the diary covers, per region (for ``runlog check``).

    Parameters
    ----------
    pain : DataFrame
        Canonical pain frame.
    start, end : date-like, optional
        The period (inclusive); default the diary's own first and last date.
    warn_below_pct : float
        ``warn`` is True below this coverage (default 80 %, the sufficiency
        rule of METHODS.md 5).

    Returns
    -------
    DataFrame
        One row per region and a last row ``"any"`` (days with any entry):
        ``region``, ``days_logged`` (days with an entry for that region on
        either side), ``days_in_period``, ``pct_logged`` (percent),
        ``warn`` (bool).

    Notes
    -----
    A region never written down counts as not logged: runlog cannot tell
    "no pain" from "forgot". Runners should log 0 for every watched region.
    """
    p = pain[pain["date"].notna()]
    if start is None or end is None:
        if len(p) == 0 and (start is None or end is None):
            days = pd.DatetimeIndex([], dtype="datetime64[ns]")
        else:
            days = _days(p["date"].min() if start is None else start, p["date"].max() if end is None else end)
    else:
        days = _days(start, end)
    dates = pd.to_datetime(p["date"]).dt.normalize()
    inside = dates.isin(days)
    rows = []
    for region in (*REGIONS, "any"):
        mask = inside if region == "any" else inside & (p["region"] == region).fillna(False)
        logged = int(dates[mask].nunique())
        pct = 100.0 * logged / len(days) if len(days) else float("nan")
        rows.append(
            {
                "region": region,
                "days_logged": logged,
                "days_in_period": len(days),
                "pct_logged": pct,
                "warn": bool(not pct >= warn_below_pct),
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------
# the 24-hour rule
# ---------------------------------------------------------------------------

RULES = ("during_high", "after_high", "morning_worse", "week_rise")


def _links(diary_id, run_id: str) -> bool:
    if diary_id is None or pd.isna(diary_id):
        return False
    d = str(diary_id).strip()
    return d == run_id or run_id.endswith(":" + d)


def twenty_four_hour_rule(
    pain: pd.DataFrame,
    runs: pd.DataFrame,
    *,
    during_max: float = 5,
    after_max: float = 5,
    morning_rise_points: float = 2.0,
    week_rise_points: float = 1.0,
    min_week_days: int = 3,
) -> pd.DataFrame:
    """Check every run against the pain-monitoring model's 24-hour rule.

    For each run on day d, per region and side:

    * ``during_high``: pain during the run > ``during_max`` (5);
    * ``after_high``: pain after the run > ``after_max`` (5);
    * ``morning_worse``: the morning of d+1 at least ``morning_rise_points``
      (2) worse than the morning of d. A diary of integer self-reports moves
      by a point from day to day without any change in the tissue; 2 points
      is the clinically important change (Farrar 2001, Pain 94:149). Set 1 for
      the strictest reading of "must not rise";
    * ``week_rise``: mean daily max pain of d-6..d at least
      ``week_rise_points`` (1, the smallest meaningful change, Salaffi 2004)
      above that of d-13..d-7, each week needing ``min_week_days`` logged days.

    A ``during``/``after`` entry belongs to a run when its ``activity_id`` is
    the run's id (or the id after the source prefix, e.g. ``12345`` for
    ``strava:12345``); entries on the run's date that name no run of that date
    belong to every run of that date.

    Parameters
    ----------
    pain : DataFrame
        Canonical pain frame.
    runs : DataFrame
        Canonical runs frame (index ``activity_id``, ``date``).

    Returns
    -------
    DataFrame
        Index ``activity_id``: ``date``, ``during_max``, ``after_max`` (max
        over regions and sides), one boolean per rule in :data:`RULES` (True
        when it fired for any region/side, False when checked and held, NA
        when nothing could be checked), ``breach`` (any rule fired; NA when no
        rule could be checked) and ``rules`` (what fired and where, e.g.
        ``"after>5 achilles R; morning worse plantar L"``).

    References
    ----------
    Silbernagel KG et al. 2007, AJSM 35:897 (pain-monitoring model);
    METHODS.md 4.
    """
    r = runs[runs["date"].notna()]
    index = pd.Index(r.index.astype("string"), name="activity_id")
    empty = len(r) == 0 or len(pain) == 0
    result = {
        "date": pd.to_datetime(r["date"]).dt.normalize().to_numpy(dtype="datetime64[ns]"),
        "during_max": [np.nan] * len(r),
        "after_max": [np.nan] * len(r),
        **{rule: [None] * len(r) for rule in RULES},
        "rules": [""] * len(r),
    }
    if not empty:
        run_dates = pd.to_datetime(r["date"]).dt.normalize()
        start = run_dates.min() - pd.Timedelta(days=13)
        end = run_dates.max() + pd.Timedelta(days=1)
        grid = daily_pain(pain, start=start, end=end).set_index(["date", "region", "side"])
        wide_max = grid["pain_max"].astype("float64").unstack(["region", "side"])
        this_week = wide_max.rolling(7, min_periods=min_week_days).mean()
        prev_week = this_week.shift(7)
        morning = grid["morning"].astype("float64").unstack(["region", "side"])
        items = pain[pain["time_of_day"].isin(("during", "after"))].copy()
        items["date"] = pd.to_datetime(items["date"]).dt.normalize()
        items_by_date = {d: g for d, g in items.groupby("date")}
        no_items = items.iloc[:0]
        ids_by_date = {d: [str(i) for i in g.index] for d, g in r.groupby(run_dates)}
        for k, (run_id, day) in enumerate(zip(index, run_dates, strict=True)):
            _check_run(
                result,
                k,
                str(run_id),
                day,
                items_by_date.get(day, no_items),
                ids_by_date[day],
                morning,
                this_week,
                prev_week,
                during_max=during_max,
                after_max=after_max,
                morning_rise_points=morning_rise_points,
                week_rise_points=week_rise_points,
            )
    out = pd.DataFrame(index=index)
    out["date"] = result["date"]
    out["during_max"] = pd.array(result["during_max"], dtype="Float64")
    out["after_max"] = pd.array(result["after_max"], dtype="Float64")
    for rule in RULES:
        out[rule] = pd.array(result[rule], dtype="boolean")
    checked = out[list(RULES)].notna().any(axis=1)
    fired = out[list(RULES)].fillna(False).any(axis=1)
    out["breach"] = pd.array(np.where(checked, fired, None), dtype="boolean")
    out["rules"] = pd.array(result["rules"], dtype="string")
    return out


def _check_run(result, k, run_id, day, todays, same_day_ids, morning, this_week, prev_week, **limits) -> None:
    """Fill row k of ``result`` for one run (see :func:`twenty_four_hour_rule`)."""
    own = todays["activity_id"].map(lambda a: _links(a, run_id)).astype(bool)
    other = todays["activity_id"].map(lambda a: any(_links(a, i) for i in same_day_ids)).astype(bool)
    mine = todays[own | ~other]
    fired: list[str] = []
    state: dict[str, bool | None] = dict.fromkeys(RULES)

    def mark(rule: str, value: bool, text: str) -> None:
        state[rule] = bool(state[rule]) or value
        if value:
            fired.append(text)

    for time, rule, limit, label in (
        ("during", "during_high", limits["during_max"], "during>"),
        ("after", "after_high", limits["after_max"], "after>"),
    ):
        part = mine[mine["time_of_day"] == time]
        if len(part):
            worst = part["pain"].astype("float64").max()
            result[f"{time}_max"][k] = worst
            for (region, side), g in part.groupby(["region", "side"]):
                mark(
                    rule, bool(g["pain"].astype("float64").max() > limit), f"{label}{limit:g} {region} {side}"
                )
    nxt = day + pd.Timedelta(days=1)
    if day in morning.index and nxt in morning.index:
        for col in morning.columns:
            before, after = morning.at[day, col], morning.at[nxt, col]
            if not (math.isnan(before) or math.isnan(after)):
                rise = after - before
                mark("morning_worse", bool(rise >= limits["morning_rise_points"]),
                     f"morning worse {col[0]} {col[1]}")
    if day in this_week.index:
        for col in this_week.columns:
            now, prev = this_week.at[day, col], prev_week.at[day, col]
            if not (math.isnan(now) or math.isnan(prev)):
                mark(
                    "week_rise",
                    bool(now - prev >= limits["week_rise_points"]),
                    f"week rise {col[0]} {col[1]}",
                )
    for rule in RULES:
        result[rule][k] = state[rule]
    result["rules"][k] = "; ".join(fired)


def weekly_pain(pain_daily: pd.DataFrame, *, min_days: int = 3) -> pd.DataFrame:
    """Weekly pain per region and side from the daily pain grid.

    Parameters
    ----------
    pain_daily : DataFrame
        :func:`analysis.flareups.daily_pain` (``date``, ``region``, ``side``,
        ``pain_max`` 0-10, NA = not logged).
    min_days : int
        Weeks with fewer logged days get NA means (a gap, not a low value).

    Returns
    -------
    DataFrame
        Long: ``week_start`` (ISO week's Monday), ``region``, ``side``,
        ``days_logged``, ``pain_mean`` (mean of the logged days' maximum
        pain), ``pain_max`` (the week's highest), both Float64.

    References
    ----------
    METHODS.md 1 (missing is NA, never 0) and 4 (0-10 scale).
    """
    cols = ["week_start", "region", "side", "days_logged", "pain_mean", "pain_max"]
    if len(pain_daily) == 0:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
    d = pain_daily.assign(
        week_start=pd.to_datetime(pain_daily["date"])
        .dt.to_period("W-SUN")
        .dt.start_time.astype("datetime64[ns]"),
        value=pd.to_numeric(pain_daily["pain_max"]).astype("float64"),
    )
    g = d.groupby(["week_start", "region", "side"], observed=True)["value"]
    out = pd.DataFrame({"days_logged": g.count(), "pain_mean": g.mean(), "pain_max": g.max()}).reset_index()
    few = out["days_logged"] < min_days
    out["pain_mean"] = out["pain_mean"].astype("Float64").mask(few)
    out["pain_max"] = out["pain_max"].astype("Float64").mask(out["days_logged"] == 0)
    out["days_logged"] = out["days_logged"].astype("Int64")
    return out[cols]

"""Daily pain series, flare-up onsets and episodes, and the 24-hour rule (METHODS.md 4).

The unit of analysis is the flare-up **onset** per region and side, not the
flare day. Everything here works on the daily pain grid of :func:`daily_pain`:
one row per date x region x side, NA where the diary has no entry (never 0).

Decisions the methods leave open, taken here (the thresholds are parameters):

* **Consecutive means consecutive logged calendar days.** A day without an
  entry breaks a run, both for the 2-day onset rule and for the 3 settled days
  that end an episode; missing days never bridge a run. Likewise the morning
  rise compares with the morning of the day before (``morning_gap_days=1``).
* **Baseline** B = median of the daily maximum pain on the last 14 logged
  days that were not inside an episode (no calendar limit). With fewer than
  ``min_baseline_days`` (3) such days, B = ``default_baseline`` (0): the
  2-day rule then needs pain >= 3 on both days.
* **Onset date** is the first day of the qualifying run (for the 2-day rule,
  the first of the two days; B is taken as of that day). When several rules
  fire, the earliest onset wins; on a tie ``high`` > ``sustained`` >
  ``morning_rise``.
* **Episode end** is the last of the ``end_days`` consecutive logged days with
  daily maximum below B + ``end_margin``; the episode covers onset..end.
  An episode still open at the end of the diary has ``end_date`` NA.
* **Refractory period**: a new onset needs ``refractory_days`` (7) flare-free
  days after the end (onset > end + 7). A rule that fires sooner re-opens
  the previous episode (counted in ``reopened``), so it is never a new onset
  and never lies inside an episode.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.schema import REGIONS, SIDES, TIMES_OF_DAY

#: METHODS.md 4 defaults; every one can be passed to :func:`detect_flareups`
FLARE_DEFAULTS: dict[str, float] = {
    "baseline_days": 14,
    "rise_points": 2,
    "min_level": 3,
    "consecutive_days": 2,
    "high_above": 5,
    "morning_rise_points": 2,
    "end_days": 3,
    "end_margin": 1,
    "refractory_days": 7,
    "min_baseline_days": 3,
    "default_baseline": 0.0,
    "morning_gap_days": 1,
}

CRITERIA: tuple[str, ...] = ("high", "sustained", "morning_rise")
EPISODE_COLUMNS = (
    "region",
    "side",
    "onset_date",
    "end_date",
    "criterion",
    "baseline",
    "peak_pain",
    "reopened",
)

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
# onsets and episodes
# ---------------------------------------------------------------------------


@dataclass
class _Episode:
    onset: int
    criterion: str
    baseline: float
    peak: float
    end: int | None = None
    reopened: int = 0


@dataclass
class _Series:
    """One region x side on consecutive days; NaN = not logged."""

    pmax: np.ndarray
    morning: np.ndarray
    history: list[tuple[int, float]] = field(default_factory=list)


def _params(params: dict) -> dict:
    unknown = set(params) - set(FLARE_DEFAULTS)
    if unknown:
        raise TypeError(f"unknown flare-up parameter {sorted(unknown)[0]!r}; known: {sorted(FLARE_DEFAULTS)}")
    return {**FLARE_DEFAULTS, **params}


def _baseline(series: _Series, before: int, p: dict) -> float:
    values = [v for pos, v in series.history if pos < before][-int(p["baseline_days"]) :]
    if len(values) < p["min_baseline_days"]:
        return float(p["default_baseline"])
    return float(np.median(values))


def _candidates(s: _Series, t: int, p: dict) -> list[tuple[int, str, float]]:
    """Onset candidates fired on day t: (onset position, criterion, baseline)."""
    out = []
    base_t = _baseline(s, t, p)
    if s.pmax[t] > p["high_above"]:
        out.append((t, "high", base_t))
    c = int(p["consecutive_days"])
    first = t - c + 1
    if first >= 0 and not np.isnan(s.pmax[first : t + 1]).any():
        base = _baseline(s, first, p)
        level = max(base + p["rise_points"], p["min_level"])
        if (s.pmax[first : t + 1] >= level).all():
            out.append((first, "sustained", base))
    if not np.isnan(s.morning[t]):
        for gap in range(1, int(p["morning_gap_days"]) + 1):
            if t - gap >= 0 and not np.isnan(s.morning[t - gap]):
                if s.morning[t] >= s.morning[t - gap] + p["morning_rise_points"]:
                    out.append((t, "morning_rise", base_t))
                break
    return sorted(out, key=lambda x: (x[0], CRITERIA.index(x[1])))


def _episodes_of(s: _Series, p: dict) -> list[_Episode]:
    episodes: list[_Episode] = []
    active: _Episode | None = None
    settled = 0
    for t in range(len(s.pmax)):
        value = s.pmax[t]
        logged = not np.isnan(value)
        if active is not None:
            if not logged:
                settled = 0
                continue
            active.peak = max(active.peak, value)
            settled = settled + 1 if value < active.baseline + p["end_margin"] else 0
            if settled >= p["end_days"]:
                active.end, active, settled = t, None, 0
            continue
        if not logged:
            continue
        found = _candidates(s, t, p)
        if not found:
            s.history.append((t, float(value)))
            continue
        onset, criterion, base = found[0]
        last = episodes[-1] if episodes else None
        if last is not None and last.end is not None and onset - last.end <= p["refractory_days"]:
            s.history = [(pos, v) for pos, v in s.history if pos <= last.end]
            last.end, last.reopened = None, last.reopened + 1
            last.peak = max(last.peak, float(np.nanmax(s.pmax[onset : t + 1])))
            active = last
        else:
            s.history = [(pos, v) for pos, v in s.history if pos < onset]
            active = _Episode(onset, criterion, base, float(np.nanmax(s.pmax[onset : t + 1])))
            episodes.append(active)
        settled = 0
    return episodes


def _series_arrays(daily: pd.DataFrame, region: str, side: str, days: pd.DatetimeIndex) -> _Series:
    sub = daily[(daily["region"] == region) & (daily["side"] == side)].set_index("date")
    sub = sub.reindex(days)

    def arr(col):
        return sub[col].to_numpy(dtype="float64", na_value=np.nan)

    return _Series(pmax=arr("pain_max"), morning=arr("morning"))


def _day_range(daily: pd.DataFrame) -> pd.DatetimeIndex:
    if len(daily) == 0:
        return pd.DatetimeIndex([], dtype="datetime64[ns]", name="date")
    return _days(daily["date"].min(), daily["date"].max())


def detect_flareups(daily: pd.DataFrame, **params) -> pd.DataFrame:
    """Flare-up episodes per region and side from the daily pain grid.

    Onset on a day outside an episode when any of:

    * ``sustained``: daily max >= B + ``rise_points`` (2) and >= ``min_level``
      (3) on ``consecutive_days`` (2) consecutive logged days;
    * ``high``: any item (morning, during, after) > ``high_above`` (5);
    * ``morning_rise``: morning pain >= ``morning_rise_points`` (2) above the
      morning of the day before (within ``morning_gap_days``).

    B is the median daily max of the previous ``baseline_days`` (14)
    non-flare logged days. An episode ends after ``end_days`` (3) consecutive
    logged days below B + ``end_margin`` (1); a new onset needs more than
    ``refractory_days`` (7) flare-free days after it (see the module notes
    for gaps, the early baseline and re-opened episodes).

    Parameters
    ----------
    daily : DataFrame
        From :func:`daily_pain`.
    **params
        Any of :data:`FLARE_DEFAULTS`.

    Returns
    -------
    DataFrame
        One row per episode: ``region``, ``side``, ``onset_date``,
        ``end_date`` (NA while ongoing), ``criterion`` (high, sustained,
        morning_rise), ``baseline`` (B at onset), ``peak_pain``,
        ``reopened`` (rules that fired inside the refractory period and
        extended this episode). ``attrs["params"]`` holds the parameters.

    References
    ----------
    METHODS.md 4; Farrar 2001, Pain 94:149 (2 points clinically important).
    """
    p = _params(params)
    days = _day_range(daily)
    rows = []
    for region in REGIONS:
        for side in SIDES:
            if len(days) == 0:
                continue
            for ep in _episodes_of(_series_arrays(daily, region, side, days), p):
                rows.append(
                    {
                        "region": region,
                        "side": side,
                        "onset_date": days[ep.onset],
                        "end_date": days[ep.end] if ep.end is not None else pd.NaT,
                        "criterion": ep.criterion,
                        "baseline": ep.baseline,
                        "peak_pain": ep.peak,
                        "reopened": ep.reopened,
                    }
                )
    out = pd.DataFrame(rows, columns=list(EPISODE_COLUMNS))
    out = out.astype(
        {
            "region": "string",
            "side": "string",
            "onset_date": "datetime64[ns]",
            "end_date": "datetime64[ns]",
            "criterion": "string",
            "baseline": "Float64",
            "peak_pain": "Float64",
            "reopened": "Int64",
        }
    )
    out = out.sort_values(["onset_date", "region", "side"], kind="stable").reset_index(drop=True)
    out.attrs["params"] = p
    return out


def sensitivity_variants(daily: pd.DataFrame, **params) -> dict[str, pd.DataFrame]:
    """Episodes under the sensitivity variants of METHODS.md 4.

    Returns
    -------
    dict
        ``"default"``; ``"minus_1_point"`` and ``"plus_1_point"`` (every pain
        threshold, i.e. ``rise_points``, ``min_level``, ``high_above`` and
        ``morning_rise_points``, moved by one point); ``"one_day"`` and
        ``"two_days"`` (``consecutive_days`` = 1 or 2). Each value is a
        :func:`detect_flareups` result; ``params`` set the common base.
    """
    base = _params(params)
    points = ("rise_points", "min_level", "high_above", "morning_rise_points")
    variants = {
        "default": base,
        "minus_1_point": {**base, **{k: base[k] - 1 for k in points}},
        "plus_1_point": {**base, **{k: base[k] + 1 for k in points}},
        "one_day": {**base, "consecutive_days": 1},
        "two_days": {**base, "consecutive_days": 2},
    }
    return {name: detect_flareups(daily, **v) for name, v in variants.items()}


def region_days(
    daily: pd.DataFrame, episodes: pd.DataFrame, *, refractory_days: int | None = None
) -> pd.DataFrame:
    """One row per date x region (sides collapsed): onset, flare and at-risk flags.

    Parameters
    ----------
    daily : DataFrame
        From :func:`daily_pain`.
    episodes : DataFrame
        From :func:`detect_flareups` on the same grid.
    refractory_days : int, optional
        Default: the value the episodes were detected with (7).

    Returns
    -------
    DataFrame
        ``date``, ``region``, ``onset`` (Int64 0/1: an onset on either side),
        ``in_flare`` (either side inside an episode, onset..end inclusive; an
        open episode runs to the last day), ``at_risk`` (no episode of the
        region active on day t-1, and t not within ``refractory_days`` after
        an episode's end: the days on which a new onset could be counted),
        ``logged`` (either side logged), ``pain_max`` (max over sides).

    References
    ----------
    METHODS.md 5 (one row per region per day, at-risk days only).
    """
    if refractory_days is None:
        refractory_days = int(episodes.attrs.get("params", FLARE_DEFAULTS)["refractory_days"])
    days = _day_range(daily)
    n = len(days)
    frames = []
    for region in REGIONS:
        sub = daily[daily["region"] == region]
        by_day = sub.groupby("date")
        logged = by_day["logged"].any().reindex(days, fill_value=False).to_numpy(dtype=bool)
        pmax = by_day["pain_max"].max().reindex(days).astype("Float64")
        onset = np.zeros(n, dtype=int)
        flare = np.zeros(n, dtype=bool)
        refractory = np.zeros(n, dtype=bool)
        for ep in episodes[episodes["region"] == region].itertuples(index=False):
            first = int(days.searchsorted(ep.onset_date))
            last = n - 1 if pd.isna(ep.end_date) else int(days.searchsorted(ep.end_date))
            if first < n and days[first] == ep.onset_date:
                onset[first] = 1
            flare[first : min(last, n - 1) + 1] = True
            if not pd.isna(ep.end_date):
                refractory[last + 1 : last + 1 + refractory_days] = True
        active_before = np.r_[False, flare[:-1]] if n else flare
        frames.append(
            pd.DataFrame(
                {
                    "date": days,
                    "region": region,
                    "onset": pd.array(onset, dtype="Int64"),
                    "in_flare": flare,
                    "at_risk": ~active_before & ~refractory,
                    "logged": logged,
                    "pain_max": pmax.to_numpy(),
                }
            )
        )
    if not frames or n == 0:
        return pd.DataFrame(columns=["date", "region", "onset", "in_flare", "at_risk", "logged", "pain_max"])
    out = pd.concat(frames, ignore_index=True)
    out["region"] = out["region"].astype("string")
    return out.sort_values(["date", "region"], kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------
# the 24-hour rule
# ---------------------------------------------------------------------------

RULES = ("during_high", "after_high", "morning_worse", "week_rise")

#: the order in which a run's fired rules are listed in ``rules``
_RULE_ITEMS: tuple[tuple[str, str], ...] = (("during", "during_high"), ("after", "after_high"))


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

    Every check is done for all runs at once on arrays (the diary entries
    paired with the runs of their day, and the daily grid indexed by the run
    days); only the ``rules`` text is joined per run that broke a rule.

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
    n = len(r)
    index = pd.Index(r.index.astype("string"), name="activity_id")
    run_days = pd.to_datetime(r["date"]).dt.normalize()
    checks: list[_Checks] = []
    worst = {"during": np.full(n, np.nan), "after": np.full(n, np.nan)}
    if n and len(pain):
        limits = {"during": during_max, "after": after_max}
        checks += _item_checks(pain, index, run_days, limits, worst)
        start = run_days.min() - pd.Timedelta(days=13)
        end = run_days.max() + pd.Timedelta(days=1)
        grid = daily_pain(pain, start=start, end=end).set_index(["date", "region", "side"])
        morning = grid["morning"].astype("float64").unstack(["region", "side"])
        this_week = (
            grid["pain_max"].astype("float64").unstack(["region", "side"]).rolling(7, min_periods=min_week_days).mean()
        )
        prev_week = this_week.shift(7)
        at = morning.index.get_indexer(run_days)
        at_next = morning.index.get_indexer(run_days + pd.Timedelta(days=1))
        checks.append(
            _grid_checks("morning_worse", "morning worse", morning.to_numpy()[at], morning.to_numpy()[at_next],
                         morning_rise_points, list(morning.columns), order=2)
        )
        week_at = this_week.index.get_indexer(run_days)
        checks.append(
            _grid_checks("week_rise", "week rise", prev_week.to_numpy()[week_at], this_week.to_numpy()[week_at],
                         week_rise_points, list(this_week.columns), order=3)
        )
    out = pd.DataFrame(index=index)
    out["date"] = run_days.to_numpy(dtype="datetime64[ns]")
    out["during_max"] = pd.array(worst["during"], dtype="Float64")
    out["after_max"] = pd.array(worst["after"], dtype="Float64")
    for rule in RULES:
        mine = [c for c in checks if c.rule == rule]
        run = np.concatenate([c.run for c in mine]) if mine else np.array([], dtype=np.intp)
        fired = np.concatenate([c.fired for c in mine]) if mine else np.array([], dtype=bool)
        checked = np.bincount(run, minlength=n) > 0
        broke = np.bincount(run[fired], minlength=n) > 0
        out[rule] = pd.arrays.BooleanArray(broke, ~checked)
    checked = out[list(RULES)].notna().any(axis=1)
    fired = out[list(RULES)].fillna(False).any(axis=1)
    out["breach"] = pd.array(np.where(checked, fired, None), dtype="boolean")
    out["rules"] = pd.array(_rule_texts(checks, n), dtype="string")
    return out


@dataclass
class _Checks:
    """Rule checks of many runs: the run (position), whether it fired, its text, its place in the text."""

    rule: str
    run: np.ndarray
    fired: np.ndarray
    text: np.ndarray
    order: np.ndarray


def _item_checks(
    pain: pd.DataFrame, index: pd.Index, run_days: pd.Series, limits: dict, worst: dict
) -> list[_Checks]:
    """``during_high`` and ``after_high`` for every run; fills ``worst`` (max pain per run and item).

    The diary entries are paired with every run of their day; an entry belongs
    to a run when it names it, or when it names no run of that day.
    """
    items = pain[pain["time_of_day"].isin(tuple(limits))]
    entries = pd.DataFrame(
        {
            "day": pd.to_datetime(items["date"]).dt.normalize().to_numpy(dtype="datetime64[ns]"),
            "time": items["time_of_day"].astype(str).to_numpy(),
            "region": items["region"].astype("string").to_numpy(dtype=object, na_value=None),
            "side": items["side"].astype("string").to_numpy(dtype=object, na_value=None),
            "pain": items["pain"].astype("float64").to_numpy(),
            "ref": items["activity_id"].astype("string").to_numpy(dtype=object, na_value=None),
        }
    )
    entries["entry"] = np.arange(len(entries))
    runs = pd.DataFrame({"day": run_days.to_numpy(dtype="datetime64[ns]"), "run": np.arange(len(index)),
                         "run_id": index.astype(str).to_numpy(dtype=object)})
    pairs = entries.merge(runs, on="day", how="inner")
    # hand-written: the id comparison differs per pair (an exact match or the id after a source prefix)
    names = np.array(
        [isinstance(ref, str) and (ref.strip() == rid or rid.endswith(":" + ref.strip()))
         for ref, rid in zip(pairs["ref"], pairs["run_id"], strict=True)],
        dtype=bool,
    )
    names_any = np.bincount(pairs["entry"].to_numpy()[names], minlength=len(entries)) > 0
    pairs = pairs[names | ~names_any[pairs["entry"].to_numpy()]]
    out = []
    for k, (time, rule) in enumerate(_RULE_ITEMS):
        part = pairs[pairs["time"] == time]
        if len(part) == 0:
            continue
        by_run = part.groupby("run")["pain"].max()
        worst[time][by_run.index.to_numpy()] = by_run.to_numpy()
        g = part.dropna(subset=["region", "side"]).groupby(["run", "region", "side"])["pain"].max()
        if len(g) == 0:
            continue
        keys = g.index.to_frame(index=False)
        limit = limits[time]
        label = f"{time}>{limit:g}"
        place = sorted(set(zip(keys["region"], keys["side"], strict=True)))
        rank = {key: i for i, key in enumerate(place)}
        out.append(
            _Checks(
                rule=rule,
                run=keys["run"].to_numpy(dtype=np.intp),
                fired=(g.to_numpy() > limit),
                text=np.array([f"{label} {a} {b}" for a, b in zip(keys["region"], keys["side"], strict=True)],
                              dtype=object),
                order=np.array([k * 100_000 + rank[key] for key in zip(keys["region"], keys["side"],
                                                                        strict=True)]),
            )
        )
    return out


def _grid_checks(rule: str, label: str, before: np.ndarray, after: np.ndarray, points: float, columns: list,
                 order: int) -> _Checks:
    """A rise of at least ``points`` from ``before`` to ``after`` (runs x region/side), where both are logged."""
    with np.errstate(invalid="ignore"):
        rise = after - before
    run, col = np.nonzero(~np.isnan(before) & ~np.isnan(after))
    texts = np.array([f"{label} {c[0]} {c[1]}" for c in columns], dtype=object)
    return _Checks(rule=rule, run=run, fired=rise[run, col] >= points, text=texts[col],
                   order=order * 100_000 + col)


def _rule_texts(checks: list[_Checks], n: int) -> list[str]:
    """Per run: what fired, in the order during, after, morning, week (then region and side), joined by '; '."""
    texts = [""] * n
    if not checks:
        return texts
    run = np.concatenate([c.run[c.fired] for c in checks])
    order = np.concatenate([c.order[c.fired] for c in checks])
    text = np.concatenate([c.text[c.fired] for c in checks])
    sort = np.lexsort((order, run))
    for k, joined in pd.Series(text[sort]).groupby(run[sort], sort=False).agg("; ".join).items():
        texts[int(k)] = joined
    return texts


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

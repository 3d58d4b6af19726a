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

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.onsets import (  # noqa: F401  (re-exported: the flare-up onset rule)
    EPISODE_COLUMNS,
    FLARE_DEFAULTS,
    METHODS_RULE,
    ONSET_RULES,
    RED_FLAG_COLUMNS,
    REGION_DAY_COLUMNS,
    FlareRule,
    describe_rule,
    detect_flareups,
    flare_rule,
    onsets_by_rule,
    outcomes_of,
    red_flags,
    region_days,
    sensitivity_summary,
    sensitivity_variants,
)
from analysis.schema import REGIONS, SIDES, TIMES_OF_DAY, names_run

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


#: % of diary days a region must have logged to be modelled: 2/3, not METHODS.md 5's 80 %, by
#: measurement (docs/methods.md 5 "Sufficiency"; benchmarks/README.md, validity.py, session 5).
#: Defined here, below the statistics, so that ``runlog check`` warns at the model's own floor.
MIN_LOGGED_PCT = 200.0 / 3.0


def diary_coverage(pain: pd.DataFrame, *, start=None, end=None,
                   warn_below_pct: float = MIN_LOGGED_PCT) -> pd.DataFrame:
    """How many days of the period the diary covers, per region (for ``runlog check``).

    Parameters
    ----------
    pain : DataFrame
        Canonical pain frame.
    start, end : date-like, optional
        The period (inclusive); default the diary's own first and last date.
    warn_below_pct : float
        ``warn`` is True below this coverage (default :data:`MIN_LOGGED_PCT`,
        2/3: the model's sufficiency floor, docs/methods.md 5).

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


def diary_summary(pain: pd.DataFrame, *, start=None, end=None) -> dict:
    """What a diary holds, for ``runlog check`` and the notebook: rows, span, regions, sides, times, notes.

    Parameters
    ----------
    pain : DataFrame
        Canonical pain frame as read by :func:`analysis.io.pain_diary.read_pain_diary`
        (its ``attrs["diary"]`` gives what reading found: rows, rows not
        logged, values rounded, repeats, notes; absent for a frame built
        otherwise).
    start, end : date-like, optional
        The analysis period, for coverage (default: the diary's own span).

    Returns
    -------
    dict
        ``file``, ``layout``, ``rows`` (data rows read), ``entries`` (entries
        after side ``B`` became L and R), ``first_date`` and ``last_date``
        (ISO), ``span_days``, ``days_logged`` (dates with any entry),
        ``regions`` (entries per region, in :data:`analysis.schema.REGIONS`
        order, only regions found), ``sides`` and ``times`` found,
        ``not_logged`` (rows dropped: empty pain), ``rounded``, ``repeats``
        (entries merged into another of the same date, time, region and side:
        the higher pain counts), ``conflicts`` (repeats with another pain),
        ``outside_period`` (entries outside ``start``-``end``),
        ``coverage`` (:func:`diary_coverage` over the period) and ``notes``.
    """
    read = dict(pain.attrs.get("diary") or {})
    p = pain[pain["date"].notna()]
    dates = pd.to_datetime(p["date"]).dt.normalize()
    first, last = (dates.min(), dates.max()) if len(dates) else (None, None)
    regions = p["region"].astype("string").value_counts()
    found = {r: int(regions[r]) for r in REGIONS if r in regions.index}
    inside = None
    if start is not None and end is not None:
        inside = dates.between(pd.Timestamp(start), pd.Timestamp(end))
    key = ["date", "time_of_day", "region", "side"]
    repeats = read.get("repeats", int(p.duplicated(key).sum()))
    return {
        "file": read.get("file"),
        "layout": read.get("layout"),
        "rows": read.get("rows", len(pain)),
        "entries": len(pain),
        "first_date": None if first is None else f"{first:%Y-%m-%d}",
        "last_date": None if last is None else f"{last:%Y-%m-%d}",
        "span_days": 0 if first is None else int((last - first).days) + 1,
        "days_logged": int(dates.nunique()),
        "regions": found,
        "sides": [s for s in SIDES if (p["side"] == s).any()],
        "times": [t for t in TIMES_OF_DAY if (p["time_of_day"] == t).any()],
        "not_logged": read.get("not_logged", 0),
        "rounded": read.get("rounded", 0),
        "repeats": repeats,
        "conflicts": read.get("conflicts", 0),
        "outside_period": 0 if inside is None else int((~inside).sum()),
        "coverage": diary_coverage(pain, start=start, end=end),
        "notes": list(read.get("notes", [])),
    }


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
    # per pair: an exact match or the id after a source prefix (schema.names_run)
    names = np.array([names_run(ref, rid) for ref, rid in zip(pairs["ref"], pairs["run_id"], strict=True)],
                     dtype=bool)
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

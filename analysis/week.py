"""This week's answer per region: progress, hold or reduce, and next week's allowance (METHODS.md 9).

The pain-monitoring model (Silbernagel et al. 2007, AJSM 35:897) applied to the 7
days ending at the as-of date, per region on the worse side of each day, exactly as
METHODS.md 9 words it:

- ``not enough diary``: fewer than 4 logged mornings in the 7 days (the count is given);
- ``reduce`` if any of, in this order (the first that fires is the reason printed):
  a ``during`` or ``after`` value > 5; a morning after a run at least 2 points above
  the last logged morning before that run (did not settle overnight); the 7 days'
  mean morning pain at least 1.0 point above the 7 days before (>= 4 logged mornings
  in each); an open flare-up episode (METHODS.md 4, :func:`analysis.flareups.detect_flareups`);
- ``hold`` otherwise if any ``during``/``after`` value is 3-5;
- ``progress`` otherwise.

Next week's allowance (km by shoe class, METHODS.md 3, groups of
:data:`analysis.schema.GROUPING`): progress = total <= 1.10 x this week's km,
barefoot-style share <= this week's share + 10 points, no single barefoot-style run
above 110 % of the longest of the last 30 days; hold = this week's km and share;
reduce = the km and share of the most recent earlier week (at most 4 back) decided
progress or hold, else 50 % of this week's km and share. The barefoot-style km cap
is the share cap times the total cap.

"Open" flare-up: an episode with onset on or before the week's last day and no end
before or on it. The episodes come from the whole diary, so an onset confirmed by
mornings after the week's end is dated inside it (the rule of METHODS.md 4 dates an
onset to the first of its 2-of-3 days); the week's own line uses the diary to its
last day only.

Pure functions over the daily pain grid (:func:`analysis.flareups.daily_pain`), the
runs frame with ``shoe_class`` and the episodes frame; the loops are over weeks and
regions (a few hundred at most), so plain Python is clearer than vectorising.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.schema import BAREFOOT_STYLE, GROUPING, REGIONS
from analysis.units import display_per_km as _per_unit  # km -> the display unit
from analysis.units import plural

#: METHODS.md 9 thresholds (pain-monitoring model, Silbernagel 2007)
MIN_MORNINGS = 4
HIGH_PAIN = 5  # during/after above this -> reduce
ACCEPTABLE_LOW = 3  # during/after 3-5 -> hold
NOT_SETTLED_POINTS = 2  # morning after a run this much above the last morning before it
RISING_MEAN_POINTS = 1.0  # week's mean morning this much above the week before
PROGRESS_KM_FACTOR = 1.10
PROGRESS_SHARE_POINTS = 0.10
LONGEST_RUN_FACTOR = 1.10
LONGEST_RUN_DAYS = 30
REDUCE_LOOKBACK_WEEKS = 4
REDUCE_FALLBACK = 0.5
DECISIONS = ("progress", "hold", "reduce", "not enough diary")
_EPS_KM = 1e-6

_ITEM_LABEL = {"during": "during-run pain", "after": "after-run pain"}


def _fmt_day(day) -> str:
    return (day if isinstance(day, pd.Timestamp) else pd.Timestamp(day)).strftime("%Y-%m-%d")


def _fmt_pain(value: float) -> str:
    return f"{value:g}"


def worse_side(pain_daily: pd.DataFrame, region: str) -> pd.DataFrame:
    """One row per date for ``region``: each item the worse (higher) side of the day.

    Returns
    -------
    DataFrame
        Index ``date``; columns ``morning``, ``during``, ``after`` (float 0-10, NaN
        = not logged) and ``<item>_side`` (L, R, or B when both sides are equal).
    """
    p = pain_daily[pain_daily["region"] == region]
    items = ["morning", "during", "after"]
    dates = pd.to_datetime(p["date"]).to_numpy(dtype="datetime64[ns]")
    index = pd.DatetimeIndex(np.unique(dates), name="date")
    pos = np.searchsorted(index.to_numpy(), dates)
    side_of = p["side"].astype(str).to_numpy()
    out = pd.DataFrame(index=index)
    for item in items:
        # the day's maximum per side (np.fmax.at: NaN = not logged, repeated rows allowed)
        values = p[item].to_numpy(dtype=float, na_value=np.nan)
        left, right = np.full(len(index), np.nan), np.full(len(index), np.nan)
        for side, target in (("L", left), ("R", right)):
            rows = side_of == side
            np.fmax.at(target, pos[rows], values[rows])
        out[item] = np.fmax(left, right)
        lf, rf = np.nan_to_num(left, nan=-1.0), np.nan_to_num(right, nan=-1.0)
        side = np.where(lf > rf, "L", np.where(rf > lf, "R", "B"))
        out[f"{item}_side"] = np.where(np.isnan(out[item].to_numpy()), None, side)
    return out


def run_days(runs: pd.DataFrame) -> pd.DatetimeIndex:
    """Local dates with at least one run."""
    if runs is None or not len(runs):
        return pd.DatetimeIndex([])
    return pd.DatetimeIndex(pd.to_datetime(runs["date"]).dt.normalize().dropna().unique()).sort_values()


@dataclass(frozen=True)
class RunArrays:
    """The runs as sorted arrays (local day, km, barefoot-style or not), made once for all weeks."""

    day: np.ndarray  # datetime64[D], sorted
    km: np.ndarray
    barefoot: np.ndarray  # bool

    @classmethod
    def of(cls, runs: pd.DataFrame | RunArrays | None, grouping: Mapping[str, str] | None = None) -> RunArrays:
        if isinstance(runs, RunArrays):
            return runs
        grouping = dict(GROUPING if grouping is None else grouping)
        if runs is None or not len(runs):
            return cls(np.array([], dtype="datetime64[D]"), np.array([]), np.array([], dtype=bool))
        day = pd.to_datetime(runs["date"]).to_numpy(dtype="datetime64[D]")
        km = runs["distance_m"].astype(float).fillna(0).to_numpy() / 1000.0
        if "shoe_class" in runs:
            classes = runs["shoe_class"].astype("string").fillna("")
            bf = np.array([grouping.get(c) == BAREFOOT_STYLE for c in classes], dtype=bool)
        else:
            bf = np.zeros(len(runs), dtype=bool)
        ok = ~np.isnat(day)
        order = np.argsort(day[ok], kind="stable")
        return cls(day[ok][order], km[ok][order], bf[ok][order])

    def between(self, start, end) -> slice:
        lo = np.searchsorted(self.day, np.datetime64(pd.Timestamp(start).date(), "D"), side="left")
        hi = np.searchsorted(self.day, np.datetime64(pd.Timestamp(end).date(), "D"), side="right")
        return slice(lo, hi)


def week_km(runs: pd.DataFrame | RunArrays, start, end, grouping: Mapping[str, str] | None = None) -> dict:
    """Total and barefoot-style km of the runs dated ``start``..``end`` (inclusive), and the share.

    Returns
    -------
    dict
        ``km``, ``barefoot_style_km`` and ``share`` (barefoot-style / total, 0-1; 0 without runs), and
        ``runs``, how many runs (a run without a distance counts here and adds 0 km).
    """
    r = RunArrays.of(runs, grouping)
    w = r.between(start, end)
    km = float(r.km[w].sum())
    bf_km = float(r.km[w][r.barefoot[w]].sum())
    return {"km": km, "barefoot_style_km": bf_km, "share": bf_km / km if km > 0 else 0.0,
            "runs": int(w.stop - w.start)}


def longest_barefoot_run(runs: pd.DataFrame | RunArrays, end, grouping: Mapping[str, str] | None = None,
                         days: int = LONGEST_RUN_DAYS) -> tuple[float, pd.Timestamp] | None:
    """The longest barefoot-style run (km, date) of the ``days`` days ending at ``end``; None if none."""
    r = RunArrays.of(runs, grouping)
    end = pd.Timestamp(end).normalize()
    w = r.between(end - pd.Timedelta(days=days - 1), end)
    km, bf, day = r.km[w], r.barefoot[w], r.day[w]
    if not bf.any():
        return None
    i = int(np.argmax(np.where(bf, km, -1.0)))
    return float(km[i]), pd.Timestamp(day[i])


def _episode_list(episodes: pd.DataFrame | list | None, region: str) -> list[tuple]:
    """(onset, end or None, side) of the region's flare-up episodes, sorted by onset."""
    if isinstance(episodes, list):
        return episodes
    if episodes is None or not len(episodes):
        return []
    e = episodes[episodes["region"] == region]
    return sorted((pd.Timestamp(o), None if pd.isna(x) else pd.Timestamp(x), str(sd))
                  for o, x, sd in zip(e["onset_date"], e["end_date"], e["side"], strict=True))


def _open_episode(episodes: list[tuple], end: pd.Timestamp) -> tuple | None:
    """The latest episode open on ``end``: onset on or before it and no end on or before it."""
    found = [ep for ep in episodes if ep[0] <= end and (ep[1] is None or ep[1] > end)]
    return found[-1] if found else None


@dataclass(frozen=True)
class _Series:
    """:func:`worse_side` as arrays: one entry per calendar day (NaN = not logged), and the run days."""

    first: pd.Timestamp
    values: dict  # item -> float array
    sides: dict  # item -> object array
    ran: np.ndarray  # bool: a run on that day
    dates: pd.DatetimeIndex | None = None  # the calendar days of the arrays

    @classmethod
    def of(cls, days: pd.DataFrame, ran: pd.DatetimeIndex) -> _Series:
        if not len(days):
            empty = {k: np.array([]) for k in ("morning", "during", "after")}
            return cls(pd.Timestamp("1970-01-01"), empty, empty, np.array([], dtype=bool), pd.DatetimeIndex([]))
        full = pd.date_range(days.index.min(), days.index.max(), freq="D")
        d = days.reindex(full)
        return cls(full[0], {k: d[k].to_numpy(dtype=float) for k in ("morning", "during", "after")},
                   {k: d[f"{k}_side"].to_numpy(dtype=object) for k in ("morning", "during", "after")},
                   full.isin(pd.DatetimeIndex(ran)), full)

    def index(self, day) -> int:
        return int((pd.Timestamp(day) - self.first).days)

    def day(self, i: int) -> pd.Timestamp:
        if self.dates is not None and 0 <= i < len(self.dates):
            return self.dates[int(i)]
        return self.first + pd.Timedelta(days=int(i))

    def window(self, item: str, start, end) -> tuple[np.ndarray, int]:
        """Values of ``item`` from ``start`` to ``end`` (clipped to the series) and the index of the first."""
        return self.iwindow(item, self.index(start), self.index(end))

    def iwindow(self, item: str, first: int, last: int) -> tuple[np.ndarray, int]:
        """:meth:`window` by day indices (``first``..``last`` inclusive): no date arithmetic in the weekly loop."""
        n = len(self.values[item])
        lo, hi = max(first, 0), min(last + 1, n)
        return (self.values[item][lo:hi] if hi > lo else np.array([])), lo


def _side(s: _Series, item: str, i: int) -> str:
    """``(L) ``, ``(R) `` or ``(B) `` (both sides equal): the worse side a printed value came from."""
    side = s.sides[item][i]
    return f"({side}) " if side in ("L", "R", "B") else ""


def decide(days: pd.DataFrame | _Series, ran: pd.DatetimeIndex, end, *, region: str = "",
           episodes: pd.DataFrame | list | None = None) -> dict:
    """The decision of METHODS.md 9 for the 7 days ending at ``end`` (one region).

    Parameters
    ----------
    days : DataFrame
        :func:`worse_side` of the region (index date).
    ran : DatetimeIndex
        Dates with at least one run (:func:`run_days`).
    end : date-like
        The week's last day (the as-of date).
    region : str
        Region name (to find its flare-up episodes).
    episodes : DataFrame, optional
        :func:`analysis.flareups.detect_flareups` output.

    Returns
    -------
    dict
        ``decision`` (one of :data:`DECISIONS`), ``rule`` (the first rule that
        decided, with its date and value), ``rule_id``, ``date`` (of that value, or
        None), ``value``, ``side`` (the worse side the value came from: L, R or B),
        ``mornings`` (logged mornings in the 7 days), ``week_start``, ``week_end``.
    """
    s = days if isinstance(days, _Series) else _Series.of(days, ran)
    end = pd.Timestamp(end).normalize()
    start = end - pd.Timedelta(days=6)
    end_i = s.index(end)
    morning, m0 = s.iwindow("morning", end_i - 6, end_i)
    logged_idx = [m0 + k for k in np.flatnonzero(~np.isnan(morning))]
    n_mornings = len(logged_idx)
    out = {"week_start": start, "week_end": end, "mornings": n_mornings, "region": region}

    def result(decision, rule, rule_id, date=None, value=None, side=None):
        return {**out, "decision": decision, "rule": rule, "rule_id": rule_id, "date": date,
                "value": value, "side": side}

    if n_mornings < MIN_MORNINGS:
        return result("not enough diary",
                      f"{n_mornings} mornings logged {_fmt_day(start)}..{_fmt_day(end)} "
                      f"(need {MIN_MORNINGS})",
                      "mornings")
    run_pain = []  # (value, day index, item): during/after entries of the 7 days
    for item in ("during", "after"):
        vals, lo = s.iwindow(item, end_i - 6, end_i)
        run_pain += [(float(vals[k]), lo + int(k), item) for k in np.flatnonzero(~np.isnan(vals))]

    def highest(entries):
        value, i, item = max(entries, key=lambda e: (e[0], -e[1], e[2] == "during"))
        return value, i, item

    # 1. during/after > 5: the highest, earliest at ties
    high = [e for e in run_pain if e[0] > HIGH_PAIN]
    if high:
        value, i, item = highest(high)
        return result("reduce", f"{_ITEM_LABEL[item]} {_fmt_pain(value)}/10 {_side(s, item, i)}on {_fmt_day(s.day(i))} "
                      f"(> {HIGH_PAIN})",
                      f"{item}_high", s.day(i), value, s.sides[item][i])
    # 2. a morning after a run that did not settle: compare with the last logged morning on or before the run day
    all_m = s.values["morning"]
    for i in logged_idx:
        if i < 1 or not s.ran[i - 1]:
            continue
        before = np.flatnonzero(~np.isnan(all_m[: i]))
        if not len(before):
            continue
        j = int(before[-1])
        value, ref = float(all_m[i]), float(all_m[j])
        if value - ref >= NOT_SETTLED_POINTS:
            return result("reduce", f"morning {_fmt_pain(value)}/10 {_side(s, 'morning', i)}on {_fmt_day(s.day(i))} after run, "
                          f"{_fmt_pain(ref)}/10 on {_fmt_day(s.day(j))}",
                          "not_settled", s.day(i), value, s.sides["morning"][i])
    # 3. mean morning rising week to week (>= 4 logged mornings in each week)
    prev, _ = s.iwindow("morning", end_i - 13, end_i - 7)
    prev = prev[~np.isnan(prev)]
    if len(prev) >= MIN_MORNINGS:
        prev_end = start - pd.Timedelta(days=1)
        now_mean, prev_mean = float(np.nanmean(morning)), float(prev.mean())
        if now_mean - prev_mean >= RISING_MEAN_POINTS - 1e-9:
            return result("reduce", f"mean morning {now_mean:.1f} to {_fmt_day(end)} vs {prev_mean:.1f} "
                          f"to {_fmt_day(prev_end)} (+{now_mean - prev_mean:.1f})",
                          "rising", end, round(now_mean - prev_mean, 2), None)
    # 4. an open flare-up episode (METHODS.md 4)
    ep = _open_episode(_episode_list(episodes, region), end)
    if ep is not None:
        return result("reduce", f"flare-up episode open since {_fmt_day(ep[0])} (methods 4)",
                      "flare_open", ep[0], None, ep[2])
    acceptable = [e for e in run_pain if ACCEPTABLE_LOW <= e[0] <= HIGH_PAIN]
    if acceptable:
        value, i, item = highest(acceptable)
        return result("hold", f"{_ITEM_LABEL[item]} {_fmt_pain(value)}/10 {_side(s, item, i)}on {_fmt_day(s.day(i))} (3-5)",
                      f"{item}_acceptable", s.day(i), value, s.sides[item][i])
    if run_pain:
        value, i, item = highest(run_pain)
        return result("progress", f"{_ITEM_LABEL[item]} max {_fmt_pain(value)}/10 {_side(s, item, i)}on {_fmt_day(s.day(i))} "
                      "(<= 2)",
                      "all_low", s.day(i), value, s.sides[item][i])
    k = int(np.nanargmax(morning))
    i = m0 + k
    return result("progress", f"no run pain logged; morning max {_fmt_pain(morning[k])}/10 on "
                  f"{_fmt_day(s.day(i))}", "all_low", s.day(i), float(morning[k]), s.sides["morning"][i])


def allowance(decision: str, this_week: dict, earlier: list[tuple[str, dict, pd.Timestamp]],
              longest: tuple[float, pd.Timestamp] | None) -> dict:
    """Next week's allowance (METHODS.md 9).

    Parameters
    ----------
    decision : str
        This week's decision.
    this_week : dict
        :func:`week_km` of the 7 days.
    earlier : list of (decision, week_km dict, week_end)
        The earlier weeks, most recent first (at most 4 are looked at).
    longest : (km, date) or None
        :func:`longest_barefoot_run` of the last 30 days.

    Returns
    -------
    dict
        ``next_week_km_max``, ``next_week_barefoot_style_km_max``,
        ``next_week_barefoot_style_share_max`` (0-1), ``barefoot_style_run_km_max``
        (progress only, else None), ``basis`` (words, with the day of each number).
        All None for ``not enough diary``.
    """
    none = {"next_week_km_max": None, "next_week_barefoot_style_km_max": None,
            "next_week_barefoot_style_share_max": None, "barefoot_style_run_km_max": None, "basis": None}
    km, share = this_week["km"], this_week["share"]
    run_max = None
    if decision == "progress":
        if km > 0:
            km_max, share_max = PROGRESS_KM_FACTOR * km, min(1.0, share + PROGRESS_SHARE_POINTS)
            basis = "this week +10 %, barefoot-style share +10 points"
        else:
            # no run this week and no pain: 1.10 x 0 km would stop a runner who rested; resume at the last week
            # with runs whose decision was progress or hold (at most 4 weeks back), else set no km allowance
            resume = _last_tolerated(earlier)
            # runs without a distance (a treadmill without a foot pod, a hand-logged run) are not a rest week
            n_runs = this_week.get("runs", 0)
            this = (f"no distance recorded for this week's {plural(n_runs, 'run')}" if n_runs
                    else "no run this week")
            if resume is None:
                return {**none, "basis": f"{this}, and no progress or hold week with km in the 4 "
                        "before: no km allowance (resume as your physiotherapist advises)"}
            dec, wk, end = resume
            km_max, share_max = wk["km"], wk["share"]
            basis = f"{this}: resume at the km and share of the week to {_fmt_day(end)} ({dec})"
        if longest is not None:
            run_max = LONGEST_RUN_FACTOR * longest[0]
            basis += f"; no barefoot-style run above 110 % of {longest[0]:.1f} km on {_fmt_day(longest[1])}"
    elif decision == "hold":
        km_max, share_max, basis = km, share, "this week's km and share"
    elif decision == "reduce":
        back = _last_tolerated(earlier)
        if back is not None:
            dec, wk, wk_end = back
            km_max, share_max = wk["km"], wk["share"]
            basis = f"km and share of the week to {_fmt_day(wk_end)} ({dec})"
        else:
            km_max, share_max = REDUCE_FALLBACK * km, REDUCE_FALLBACK * share
            basis = "50 % of this week's km and share (no progress/hold week in the 4 before)"
    else:
        return none
    return {"next_week_km_max": round(km_max, 1),
            "next_week_barefoot_style_km_max": round(km_max * share_max, 1),
            "next_week_barefoot_style_share_max": round(share_max, 3),
            "barefoot_style_run_km_max": None if run_max is None else round(run_max, 1),
            "basis": basis}


def _last_tolerated(earlier: list[tuple[str, dict, pd.Timestamp]]) -> tuple[str, dict, pd.Timestamp] | None:
    """The most recent earlier week (at most 4 back) decided progress or hold and with runs, or None.

    A rest week (no run) sets no km to go back to (docs/methods.md 9).
    """
    return next(((dec, wk, end) for dec, wk, end in earlier[:REDUCE_LOOKBACK_WEEKS]
                 if dec in ("progress", "hold") and wk["km"] > 0), None)


def week_ends(pain_daily: pd.DataFrame, as_of=None) -> list[pd.Timestamp]:
    """The 7-day blocks' last days counted back from ``as_of`` (default the diary's last day), oldest first.

    Only blocks whose first day is on or after the diary's first day are kept.
    """
    if pain_daily is None or not len(pain_daily):
        return []
    dates = pd.to_datetime(pain_daily["date"])
    first = dates.min().normalize()
    end = pd.Timestamp(as_of).normalize() if as_of is not None else dates.max().normalize()
    out = []
    while end - pd.Timedelta(days=6) >= first:
        out.append(end)
        end -= pd.Timedelta(days=7)
    return out[::-1]


def weekly_decisions(pain_daily: pd.DataFrame, runs: pd.DataFrame, episodes: pd.DataFrame | None = None, *,
                     as_of=None, grouping: Mapping[str, str] | None = None,
                     regions=REGIONS, last_weeks: int | None = None) -> pd.DataFrame:
    """The decision and allowance of every week of the diary, per region (METHODS.md 9).

    Parameters
    ----------
    pain_daily : DataFrame
        :func:`analysis.flareups.daily_pain`.
    runs : DataFrame
        Canonical runs with ``shoe_class`` (``date``, ``distance_m``).
    episodes : DataFrame, optional
        :func:`analysis.flareups.detect_flareups` on the same grid.
    as_of : date-like, optional
        The last week's last day (default the diary's last day).
    grouping : mapping, optional
        Shoe class -> group (:data:`analysis.schema.GROUPING`).
    regions : sequence of str
        Regions to decide; a region with no diary row at all is left out.
    last_weeks : int, optional
        Decide only the last ``last_weeks`` weeks (at least ``REDUCE_LOOKBACK_WEEKS + 1``; default all).
        The last week's row is the same as with all weeks: a week's decision depends on its own days,
        the week before and the flare-up episodes, and a reduce allowance looks back at most
        :data:`REDUCE_LOOKBACK_WEEKS` weeks. ``runlog week`` without ``--json`` prints that row only.

    Returns
    -------
    DataFrame
        One row per region x week: the keys of :func:`decide` and :func:`allowance`,
        ``km`` and ``barefoot_style_km`` of the week, and ``next_km``,
        ``next_barefoot_style_km``, ``within_allowance`` (the following week's runs
        against this week's allowance; NA where the following week is not in the
        diary or there is no allowance).
    """
    grouping = dict(GROUPING if grouping is None else grouping)
    ends = week_ends(pain_daily, as_of)
    if last_weeks is not None:
        ends = ends[-max(int(last_weeks), REDUCE_LOOKBACK_WEEKS + 1):]
    if as_of is not None:
        pain_daily = pain_daily[pd.to_datetime(pain_daily["date"]) <= pd.Timestamp(as_of)]
    ran = run_days(runs)
    arrays = RunArrays.of(runs, grouping)
    kms = {e: week_km(arrays, e - pd.Timedelta(days=6), e) for e in ends}
    last_day = pd.to_datetime(pain_daily["date"]).max() if len(pain_daily) else None
    rows = []
    for region in regions:
        sub = pain_daily[pain_daily["region"] == region]
        if not len(sub) or not sub[["morning", "during", "after"]].notna().any().any():
            continue
        days = _Series.of(worse_side(pain_daily, region), ran)
        region_episodes = _episode_list(episodes, region)
        history: list[tuple[str, dict, pd.Timestamp]] = []
        for end in ends:
            d = decide(days, ran, end, region=region, episodes=region_episodes)
            a = allowance(d["decision"], kms[end], history[::-1],
                          longest_barefoot_run(arrays, end) if d["decision"] == "progress" else None)
            history.append((d["decision"], kms[end], end))
            row = {**d, **a, "km": round(kms[end]["km"], 1),
                   "barefoot_style_km": round(kms[end]["barefoot_style_km"], 1)}
            nxt_end = end + pd.Timedelta(days=7)
            within = pd.NA
            if a["next_week_km_max"] is not None and last_day is not None and nxt_end <= last_day:
                nxt = week_km(arrays, end + pd.Timedelta(days=1), nxt_end)
                row["next_km"], row["next_barefoot_style_km"] = round(nxt["km"], 1), round(nxt["barefoot_style_km"], 1)
                within = bool(nxt["km"] <= a["next_week_km_max"] + 0.05 + _EPS_KM
                              and nxt["barefoot_style_km"] <= a["next_week_barefoot_style_km_max"] + 0.05 + _EPS_KM)
            row["within_allowance"] = within
            rows.append(row)
    return pd.DataFrame(rows)


def this_week(decisions: pd.DataFrame) -> pd.DataFrame:
    """The last week's row per region of :func:`weekly_decisions`."""
    if decisions is None or not len(decisions):
        return pd.DataFrame()
    last = decisions["week_end"].max()
    return decisions[decisions["week_end"] == last].reset_index(drop=True)


def adherence(decisions: pd.DataFrame) -> dict:
    """How often the following week stayed within the allowance (descriptive, METHODS.md 9).

    Returns
    -------
    dict
        ``weeks`` (weeks with an allowance and a following week in the diary) and
        ``within`` (of them, the following week within both km caps), per region and ``all``.
    """
    out = {}
    if decisions is None or not len(decisions):
        return {"all": {"weeks": 0, "within": 0}}
    known = decisions[decisions["within_allowance"].notna()]
    for region, g in known.groupby("region"):
        out[str(region)] = {"weeks": int(len(g)), "within": int(g["within_allowance"].astype(bool).sum())}
    out["all"] = {"weeks": int(len(known)), "within": int(known["within_allowance"].astype(bool).sum())}
    return out


#: columns of the week's lines: region, decision, next week's allowance, then the rule
_ALLOWANCE_WIDTH = 37


def in_units(text: str, units: str = "km") -> str:
    """``text`` with every "<number> km" the rules and allowances write given in ``units`` (one decimal)."""
    if units == "km":
        return text
    per = _per_unit(units)
    return re.sub(r"(\d+(?:\.\d+)?) km\b", lambda m: f"{float(m[1]) * per:.1f} {units}", text)


def line(row: Mapping, units: str = "km") -> str:
    """One line (<= 100 columns) per region: decision, next week's allowance, the rule with its day and value.

    The allowance reads ``<= total (barefoot-style) km`` (or mi); :func:`lines` prints the header naming it.
    """
    if row["decision"] == "not enough diary":
        return f"{row['region']:<9}not enough diary: {in_units(row['rule'], units)}"
    per = _per_unit(units)
    if _num(row.get("next_week_km_max")) is None:  # a rested progress week with nothing to resume at
        head = f"{row['region']:<9}{row['decision']:<9}no {units} allowance"
    else:
        head = (f"{row['region']:<9}{row['decision']:<9}<= {row['next_week_km_max'] * per:.1f} "
                f"({row['next_week_barefoot_style_km_max'] * per:.1f}) {units}")
    return head.ljust(max(_ALLOWANCE_WIDTH, len(head) + 1)) + in_units(row["rule"], units)


def lines(this: pd.DataFrame, units: str = "km") -> list[str]:
    """The week's lines: the 7 days, a header, one line per region, then the shared guard-rail.

    Distances in ``units`` ("km" or "mi"); the JSON (:func:`to_json`) stays in km.
    """
    if this is None or not len(this):
        return ["this week: no decision: the diary has no 7 days ending at the as-of date "
                "(give --pain, or a later --as-of)"]
    first = this.iloc[0]
    per = _per_unit(units)
    out = [f"week {_fmt_day(first['week_start'])}..{_fmt_day(first['week_end'])}: {first['km'] * per:.1f} {units} "
           f"run, {first['barefoot_style_km'] * per:.1f} {units} barefoot-style (docs/methods.md 9)",
           f"region   decision next week {units} (barefoot-style) rule that decided: value (worse side), day"]
    out += [line(r, units) for _, r in this.iterrows()]
    missing = [r for r in REGIONS if r not in set(this["region"])]
    if missing:
        out.append(f"no diary entries at all for: {', '.join(missing)} (no decision)")
    guards = {r["basis"].split("; ", 1)[1] for _, r in this.iterrows()
              if r["decision"] == "progress" and isinstance(r.get("basis"), str) and "; " in r["basis"]}
    out += [f"progress also: {in_units(g, units)}" for g in sorted(guards)]
    return out


def _num(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def to_json(this: pd.DataFrame, decisions: pd.DataFrame, as_of=None) -> tuple[dict, list[dict]]:
    """``this_week`` and ``weekly_decisions`` of the findings JSON (DESIGN.md)."""
    regions = {}
    for _, r in (this if this is not None else pd.DataFrame()).iterrows():
        regions[str(r["region"])] = {
            "decision": r["decision"], "rule": r["rule"], "rule_id": r["rule_id"],
            "date": None if r["date"] is None or pd.isna(r["date"]) else _fmt_day(r["date"]),
            "value": None if r["value"] is None or pd.isna(r["value"]) else float(r["value"]),
            "side": None if r["side"] is None or pd.isna(r["side"]) else str(r["side"]),
            "mornings": int(r["mornings"]), "km": float(r["km"]),
            "barefoot_style_km": float(r["barefoot_style_km"]),
            "next_week_km_max": _num(r["next_week_km_max"]),
            "next_week_barefoot_style_km_max": _num(r["next_week_barefoot_style_km_max"]),
            "next_week_barefoot_style_share_max": _num(r["next_week_barefoot_style_share_max"]),
            "barefoot_style_run_km_max": _num(r["barefoot_style_run_km_max"]),
            "basis": None if r["basis"] is None or pd.isna(r["basis"]) else str(r["basis"]),
        }
    end = this["week_end"].iloc[0] if this is not None and len(this) else as_of
    this_json = {"as_of": None if end is None else _fmt_day(end), "regions": regions,
                 "adherence": adherence(decisions)}
    weekly = [] if decisions is None or not len(decisions) else [
        {"week_end": day, "region": str(region), "decision": decision,
         "within_allowance": None if pd.isna(within) else bool(within)}
        for day, region, decision, within in zip(
            pd.to_datetime(decisions["week_end"]).dt.strftime("%Y-%m-%d"), decisions["region"],
            decisions["decision"], decisions["within_allowance"], strict=True)]
    return this_json, weekly


def with_questionnaires(week_lines: list[str], this: pd.DataFrame, latest: Mapping[str, str]) -> list[str]:
    """The week's lines with each region's latest questionnaire score (and change) on the line below it."""
    if not latest:
        return week_lines
    out = []
    for text in week_lines:
        out.append(text)
        region = text.split(" ", 1)[0]
        if region in latest:
            out.append(f"  {latest[region]}")
    shown = set(this["region"]) if this is not None and len(this) else set()
    out += [f"{region:<9}{latest[region]}" for region in latest if region not in shown]
    return out

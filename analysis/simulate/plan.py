"""The training calendar of the synthetic runner, before pain changes it.

A pure function of a random generator and :class:`~analysis.simulate.params.SimParams`:
which days have a planned run, of what kind and length, at what local time,
which days are breaks (illness, travel), and the non-running activities
(walks, rides) that a Strava export also holds. Pain-driven changes (skipped or
shortened runs, the shoe chosen on the day) are made later, day by day, in
:mod:`analysis.simulate.model`.

Plan (weeks run Monday-Sunday)
------------------------------
* 16-week cycles: 8 base weeks, 6 build weeks, 2 taper weeks ending in a race
  (a half marathon, or a 10 km on every other cycle). Weeks 4 and 12 of a
  cycle are recovery weeks (x 0.75). Volume grows by ``yearly_progression`` a
  year and carries +-8 % week-to-week noise.
* Runs: Tuesday and Thursday easy (Thursday is a tempo run in build and taper
  weeks), Wednesday easy when the week's target is >= 32 km, Saturday easy
  with probability 0.8, Sunday long (36 % of the week, 8-22 km). Each planned
  run happens with probability ``run_adherence``.
* Adventures: with probability ``adventure_per_week`` the Sunday run becomes
  1.5-2.6 x the usual long run (a trail day with friends): the large
  single-run spikes of Frandsen et al. 2025.
* Breaks: illness (4-10 days, no running) and travel (7-13 days, a short run
  on 35 % of days, in the morning or the evening; the first trip of each year
  is abroad, in ``travel_tz``: an evening run there falls on the next day at
  home, so only the FIT file's own UTC offset dates it right).
* New Year: a short run just after midnight on 1 January (its UTC date is
  31 December, a quirk the readers must get right).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.simulate.params import SimParams

KINDS = ("easy", "tempo", "long", "race", "adventure", "newyear", "travel")


@dataclass
class Plan:
    """Per-day arrays (length = days) and the non-running activities.

    Attributes
    ----------
    kind : ndarray of str
        Planned run kind or "" (rest).
    km : ndarray of float
        Planned distance, km.
    local_start_s : ndarray of float
        Planned local start, seconds after local midnight.
    break_kind : ndarray of str
        "", "illness" or "travel".
    abroad : ndarray of bool
        Days spent in ``travel_tz``.
    block : ndarray of str
        "base", "build" or "taper".
    others : DataFrame
        Walks and rides: ``day``, ``sport`` (Walk/Ride), ``km``, ``local_start_s``.
    """

    kind: np.ndarray
    km: np.ndarray
    local_start_s: np.ndarray
    break_kind: np.ndarray
    abroad: np.ndarray
    block: np.ndarray
    others: pd.DataFrame


def _breaks(rng: np.random.Generator, days: int, p: SimParams, dates: pd.DatetimeIndex):
    kind = np.full(days, "", dtype=object)
    abroad = np.zeros(days, dtype=bool)
    years = days / 365.25
    spells = [("illness", d, int(rng.integers(4, 11))) for d in
              rng.integers(21, max(22, days), size=rng.poisson(p.illness_per_year * years))]
    spells += [("travel", d, int(rng.integers(7, 14))) for d in
               rng.integers(21, max(22, days), size=rng.poisson(p.travel_per_year * years))]
    spells.sort(key=lambda s: s[1])
    abroad_years: set[int] = set()
    for name, first, length in spells:
        last = min(days, first + length)
        if (kind[max(0, first - 3):last] != "").any():  # keep breaks apart
            continue
        kind[first:last] = name
        year = dates[first].year
        if name == "travel" and year not in abroad_years:
            abroad_years.add(year)
            abroad[first:last] = True
    return kind, abroad


def _block_target(pos: int, p: SimParams) -> tuple[str, float]:
    """The block (base, build, taper) of week ``pos`` of a 16-week cycle and its target km."""
    if pos < 8:
        name, target = "base", p.km_per_week_base * (1 + 0.03 * pos)
    elif pos < 14:
        name = "build"
        target = p.km_per_week_base + (p.km_per_week_build - p.km_per_week_base) * (pos - 7) / 6
    else:
        name, target = "taper", p.km_per_week_build * (0.70 if pos == 14 else 0.50)
    if pos in (3, 11):
        target *= 0.75
    return name, target


def _week_runs(rng: np.random.Generator, name: str, target: float, pos: int, p: SimParams) -> dict[int, str]:
    """Weekday -> kind of run planned for one week (draws in a fixed order: the sample depends on it)."""
    runs: dict[int, str] = {1: "easy", 3: "tempo" if name != "base" else "easy", 6: "long"}
    if target >= 32:
        runs[2] = "easy"
    if rng.random() < 0.8:
        runs[5] = "easy"
    if pos == 15:
        runs[6] = "race"
    elif rng.random() < p.adventure_per_week:
        runs[6] = "adventure"
    return runs


def _distance_and_start(
    rng: np.random.Generator, kind: str, weekday: int, u_time: float, easy_km: float, long_km: float, week: int
) -> tuple[float, float]:
    """Distance (km) and local start (s after midnight) of one planned run."""
    if kind in ("easy", "tempo"):
        if weekday == 5:
            return easy_km, 8.5 * 3600 + u_time * 1.5 * 3600
        if u_time < 0.6:
            return easy_km, 6 * 3600 + 600 + u_time / 0.6 * 70 * 60
        return easy_km, 17 * 3600 + 1200 + (u_time - 0.6) / 0.4 * 110 * 60
    if kind == "long":
        return long_km, 8 * 3600 + u_time * 1.5 * 3600
    if kind == "race":
        return (21.0975 if (week // 16) % 2 == 0 else 10.0), 9 * 3600.0
    return min(34.0, long_km * rng.uniform(1.5, 2.6)), 8 * 3600 + u_time * 1800


def make_plan(rng: np.random.Generator, days: int, p: SimParams) -> Plan:
    """Draw the training calendar (see the module docstring)."""
    dates = pd.date_range(p.start, periods=days, freq="D")
    weekday = dates.day_of_week.to_numpy()
    break_kind, abroad = _breaks(rng, days, p, dates)
    kind = np.full(days, "", dtype=object)
    km = np.zeros(days)
    start_s = np.zeros(days)
    block = np.full(days, "base", dtype=object)

    # week index counted from the Monday on or before the start
    week = (np.arange(days) + weekday[0]) // 7
    for w in np.unique(week):
        idx = np.flatnonzero(week == w)
        pos = int(w % 16)
        years = idx[0] / 365.25
        name, target = _block_target(pos, p)
        target *= (1.0 + p.yearly_progression * years) * rng.uniform(0.92, 1.08)
        block[idx] = name
        wd = {int(weekday[i]): int(i) for i in idx}
        runs = _week_runs(rng, name, target, pos, p)
        long_km = float(np.clip(0.36 * target, 8.0, 22.0) * rng.uniform(0.95, 1.05))
        easy_days = [d for d, k in runs.items() if k in ("easy", "tempo")]
        rest = max(target - long_km, 3.0 * len(easy_days))
        weights = rng.uniform(0.85, 1.15, size=len(easy_days))
        easy_km = np.maximum(3.0, rest * weights / weights.sum())
        for d, k in sorted(runs.items()):
            u_keep, u_time, u_sec = rng.random(), rng.random(), rng.random()
            if d not in wd:
                continue
            i = wd[d]
            if u_keep > p.run_adherence and k not in ("race",):
                continue
            easy = float(easy_km[easy_days.index(d)]) if k in ("easy", "tempo") else 0.0
            dist, t0 = _distance_and_start(rng, k, d, u_time, easy, long_km, int(w))
            kind[i], km[i], start_s[i] = k, dist, np.floor(t0) + np.floor(u_sec * 60) % 60

    # New Year's run just after midnight, local time
    for i in np.flatnonzero((dates.month == 1) & (dates.day == 1)):
        kind[i], km[i], start_s[i] = "newyear", float(rng.uniform(4.0, 6.0)), 600.0 + rng.integers(0, 600)

    # breaks: no run when ill; a short easy run on 35 % of travel days
    for i in np.flatnonzero(break_kind != ""):
        u, d, t = rng.random(), rng.uniform(4.0, 7.0), rng.uniform(0, 2700)
        if break_kind[i] == "travel" and u < 0.35:  # mornings 07:00-07:22 or evenings 19:15-19:37
            kind[i], km[i], start_s[i] = "travel", d, (7 * 3600 if t < 1350 else 19.25 * 3600 - 1350) + np.floor(t)
        else:
            kind[i], km[i], start_s[i] = "", 0.0, 0.0

    # walks and rides on days without a run
    others = []
    summer = (dates.month >= 5) & (dates.month <= 9)
    for i in range(days):
        u, v, d, t = rng.random(), rng.random(), rng.random(), rng.random()
        if kind[i] != "" or break_kind[i] == "illness":
            continue
        start = 12 * 3600 + np.floor(t * 4 * 3600)
        if u < p.walk_per_week / 7:
            others.append({"day": i, "sport": "Walk", "km": 3.0 + 5.0 * d, "local_start_s": start})
        elif summer[i] and v < p.ride_per_week_summer / 7:
            others.append({"day": i, "sport": "Ride", "km": 15.0 + 30.0 * d, "local_start_s": start})
    others_df = pd.DataFrame(others, columns=["day", "sport", "km", "local_start_s"])
    return Plan(kind, km, start_s, break_kind, abroad, block, others_df)

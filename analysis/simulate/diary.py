"""The runner's pain diary and drills log, from the course's flare episodes.

Pain (0-10, integers) per region and side is a latent level plus report noise:

* **Baseline**: each region/side has a resting level b of 0 (70 %) or 1. On
  5 % of days a region/side reads b + 1 (a "blip"), on every item of that
  day. Values stay in {b, b + 1}, so background noise can never meet either
  onset rule of docs/methods.md 4 (the adaptive default or ``rule="methods"``):
  no value reaches 3, the floor of both rules' levels, and none exceeds 5. Its
  SD stays below 0.5, so both rules' spread S sits at its floor of 0.5 and
  their level at max(B + 2, 3).
* **Flares**: from the onset day the level jumps to at least 4 (the peak 4-7,
  or one below it on day 0), holds the peak for about a third of the flare,
  then falls linearly to b + 1 on its last day; the next day it is back at b.
  Morning pain is the level; pain during a run is one lower (warming up,
  never below b); pain after a run is the level +-1 (never below b + 1). The
  onset therefore meets both rules on its own day: >= B + 2 and >= 3 on it
  and the next logged day (and, peaks 6-7, an item > 5); the morning before
  is at b, so the adaptive rule dates nothing back.
* **Settling**: the 3 days after a flare sit exactly at b with no blips, so
  METHODS.md 4's end rule (3 consecutive logged days below B + 1) closes the
  episode on the third; a new onset is possible 7 flare-free days later.

Reporting habits:

* **Missed days**: spells of 1-3 days with no entry at all start on
  ``missing_spell_rate`` of days (about 6 % of days missed). A region is left
  out on ``region_skip_rate`` of logged days.
* **Days that are always logged** (documented choice, so that a detector can
  find every onset within a day): the day before, of and after each onset and
  the 3 settling days, for every region.
* Entries: ``morning`` every logged day; ``during`` (70 %) and ``after``
  (85 %) on run days, with the Strava Activity ID. When both sides read the
  same outside a flare, the runner sometimes writes one row with side ``B``
  (both), as FORMATS.md allows.

Drills log: on a drill day the runner does 2-5 of the five foot-intrinsic
drills, 2-3 sets of 8-15 repetitions, 2-6 minutes each.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.schema import REGIONS, SIDES
from analysis.simulate.params import DRILLS, SimParams

ONSET_NOTES = ("first steps out of bed", "stiff this morning", "sore after yesterday")


def _flare_profile(length: int, peak: int, base: int, rng: np.random.Generator) -> np.ndarray:
    """Integer levels of one flare, day 0..length-1; all >= base + 1, days 0-1 >= 4."""
    hold = max(2, length // 3)
    levels = np.empty(length)
    levels[:hold] = peak
    if length > hold:
        levels[hold:] = np.linspace(peak, base + 1, length - hold + 1)[1:]
    levels[0] = max(4, peak - int(rng.random() < 0.5))
    levels = np.maximum(np.round(levels), base + 1)
    return levels.astype(int)


def pain_levels(episodes: pd.DataFrame, days: int, p: SimParams, rng: np.random.Generator):
    """Latent daily levels and the protected-day masks.

    Returns
    -------
    base : ndarray (4, 2) of int
        Resting level per region and side.
    morning, during, after : ndarray (days, 4, 2) of int
        Item values were the item logged.
    in_flare : ndarray (days, 4, 2) of bool
    protect : ndarray (days, 4) of bool
        Days that must be logged for the region (around onsets, settling days).
    """
    base = (rng.random((4, 2)) < p.baseline_one_rate).astype(int)
    blip = rng.random((days, 4, 2)) < p.blip_rate
    level = base[None, :, :] + blip
    in_flare = np.zeros((days, 4, 2), dtype=bool)
    protect = np.zeros((days, 4), dtype=bool)
    during = level.copy()
    after = level.copy()
    for ep in episodes.itertuples(index=False):
        r = REGIONS.index(ep.region)
        length = ep.last_day - ep.onset_day + 1
        settle = slice(ep.last_day + 1, min(days, ep.end_day + 1))
        protect[max(0, ep.onset_day - 1):min(days, ep.onset_day + 2), r] = True
        protect[settle, r] = True
        for s, side in enumerate(SIDES):
            if side not in ep.sides:
                continue
            peak = ep.peak if (ep.sides != "LR" or side == "L") else max(4, ep.peak - int(rng.integers(0, 2)))
            prof = _flare_profile(length, peak, int(base[r, s]), rng)
            span = slice(ep.onset_day, min(days, ep.onset_day + length))
            k = span.stop - span.start
            noise = rng.choice([-1, 0, 1], size=length, p=[0.25, 0.5, 0.25])[:k]
            level[span, r, s] = prof[:k]
            during[span, r, s] = np.maximum(prof[:k] - 1, base[r, s])
            after[span, r, s] = np.clip(prof[:k] + noise, base[r, s] + 1, 10)
            in_flare[span, r, s] = True
        for s in range(2):  # settling days: exactly at rest on both sides
            calm = ~in_flare[settle, r, s]
            level[settle, r, s] = np.where(calm, base[r, s], level[settle, r, s])
            during[settle, r, s] = np.where(calm, base[r, s], during[settle, r, s])
            after[settle, r, s] = np.where(calm, base[r, s], after[settle, r, s])
    outside = ~in_flare
    during = np.where(outside, level, during)
    after = np.where(outside, level, after)
    return base, level, during, after, in_flare, protect


def logged_days(days: int, protect: np.ndarray, p: SimParams, rng: np.random.Generator):
    """(day logged, region logged) masks: spells of missed days, skipped regions, protected days kept."""
    day_ok = np.ones(days, dtype=bool)
    starts = np.flatnonzero(rng.random(days) < p.missing_spell_rate)
    lengths = rng.integers(1, p.missing_spell_max_days + 1, size=len(starts))
    for s, n in zip(starts, lengths, strict=True):
        day_ok[s:s + n] = False
    region_ok = rng.random((days, 4)) >= p.region_skip_rate
    day_ok |= protect.any(axis=1)
    region_ok |= protect
    return day_ok, region_ok & day_ok[:, None]


def pain_diary(episodes: pd.DataFrame, runs: pd.DataFrame, days: int, p: SimParams,
               rng: np.random.Generator) -> tuple[pd.DataFrame, dict]:
    """The diary as the runner writes it (long, FORMATS.md "Pain diary").

    Returns
    -------
    (DataFrame, dict)
        Rows ``date``, ``time_of_day``, ``region``, ``side`` (L, R or B),
        ``pain`` (Int64), ``activity_id`` (Strava Activity ID as text or NA),
        ``notes``; and facts for the truth file (resting levels, days logged).
    """
    base, morning, during, after, in_flare, protect = pain_levels(episodes, days, p, rng)
    day_ok, region_ok = logged_days(days, protect, p, rng)
    run_of_day = dict(zip(runs["day"], runs["strava_id"], strict=True)) if len(runs) else {}
    onset_days = {(REGIONS.index(e.region), e.onset_day) for e in episodes.itertuples(index=False)}
    dates = pd.date_range(p.start, periods=days, freq="D")
    u_during = rng.random((days, 4))
    u_after = rng.random((days, 4))
    u_both = rng.random((days, 4))
    u_note = rng.random((days, 4))
    rows = []
    for t in np.flatnonzero(day_ok):
        act = run_of_day.get(int(t))
        for r, region in enumerate(REGIONS):
            if not region_ok[t, r]:
                continue
            entries = [("morning", morning)]
            if act is not None:
                if u_during[t, r] < p.during_entry_rate:
                    entries.append(("during", during))
                if u_after[t, r] < p.after_entry_rate:
                    entries.append(("after", after))
            both = u_both[t, r] < p.both_side_row_rate and not in_flare[t, r].any()
            for tod, values in entries:
                aid = str(act) if tod != "morning" else None
                note = ""
                if tod == "morning" and (r, int(t)) in onset_days and u_note[t, r] < 0.5:
                    note = ONSET_NOTES[int(u_note[t, r] * 100) % len(ONSET_NOTES)]
                if both and values[t, r, 0] == values[t, r, 1]:
                    rows.append((dates[t], tod, region, "B", int(values[t, r, 0]), aid, ""))
                    continue
                for s, side in enumerate(SIDES):
                    value = int(values[t, r, s])
                    rows.append((dates[t], tod, region, side, value, aid, note if value >= 3 else ""))
    diary = pd.DataFrame(rows, columns=["date", "time_of_day", "region", "side", "pain", "activity_id", "notes"])
    diary["pain"] = diary["pain"].astype("Int64")
    for col in ("time_of_day", "region", "side", "activity_id", "notes"):
        diary[col] = diary[col].astype("string")
    diary["notes"] = diary["notes"].replace("", pd.NA)
    facts = {
        "resting_level": {region: {side: int(base[r, s]) for s, side in enumerate(SIDES)}
                          for r, region in enumerate(REGIONS)},
        "days_logged": int(day_ok.sum()),
        "days": int(days),
    }
    return diary, facts


def drills_log(daily: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Drills log rows (date, drill, sets, reps, minutes, notes) for the drill days."""
    rows = []
    for date in daily.index[daily["drill_day"].to_numpy() == 1]:
        k = int(rng.integers(2, 6))
        for i in sorted(rng.choice(len(DRILLS), size=k, replace=False)):
            drill = DRILLS[i]
            note = "5 s holds" if drill == "short foot" else ""
            rows.append((date, drill, int(rng.integers(2, 4)), int(rng.integers(8, 16)),
                         float(rng.integers(2, 7)), note))
    out = pd.DataFrame(rows, columns=["date", "drill", "sets", "reps", "minutes", "notes"])
    out["sets"] = out["sets"].astype("Int64")
    out["reps"] = out["reps"].astype("Int64")
    out["minutes"] = out["minutes"].astype("Float64")
    out["drill"] = out["drill"].astype("string")
    out["notes"] = out["notes"].astype("string").replace("", pd.NA)
    return out

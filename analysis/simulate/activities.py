"""Dress the simulated runs as activities: ids, clock times, titles, pace, HR, cadence.

Everything a Strava export row or a FIT session carries is decided here, at
run level, from the run's kind and shoe class, so that ``activities.csv`` does
not depend on whether per-second samples are generated. The per-second
generator (:mod:`analysis.simulate.samples`) scatters around these values.

Run-level physiology (speeds in m/s, grow 4 % a year):

* average speed: easy 2.95, long 2.85, tempo 3.55, race 3.45 (half) / 3.75
  (10 km), adventure 2.70, travel and New Year 2.90; barefoot-style easy runs
  x 0.98; x N(1, 0.03) per run.
* average HR = 62 + 30 x speed + N(0, 3) bpm (+2 in June-August, + drift on
  long runs); max HR = average + 8-16.
* cadence, steps/min = (166 + 9 x (speed - 3)) x the shoe class's cadence
  factor (barefoot +4.5 %, minimalist +3.5 %, partial +1.5 %; METHODS.md 6)
  + N(0, 1). Strava's ``Average Cadence`` is half of it (strides/min).
* RPE (CR-10): easy 2-4, long 4-6, tempo and adventure 6-8, race 8-9; missing
  for ``rpe_missing_rate`` of runs.
* 0-2 stops of 10-40 s (none in races): elapsed = moving + stops.
* elevation: a loop of 2.0-3.5 km with a hill of 4-12 m (flat Copenhagen).

Ids: Strava ``Activity ID`` and the upload id of the file (``Filename``; a
different number, as in real exports) grow with time. Most runs come with a
FIT file, ``gpx_rate`` with a GPX file (a phone app), ``manual_entry_rate``
with none (a manual entry); runs abroad always have a FIT file.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from analysis.simulate.params import SimParams

BASE_SPEED_MPS = {"easy": 2.95, "long": 2.85, "tempo": 3.55, "adventure": 2.70, "travel": 2.90,
                  "newyear": 2.90}
RPE_CENTRE = {"easy": 3, "travel": 3, "newyear": 3, "long": 5, "tempo": 7, "adventure": 7, "race": 8}

BAREFOOT_TITLES = ("Barefoot {km:.0f} km on grass", "Barfuß im Park", "Løb barfodet på stranden",
                   "barefoot strides + easy", "Barfuss am Strand", "Barefoot loop")
LONG_TITLES = ("Long run", "Søndagstur", "Sunday long run")
TEMPO_TITLES = ("Tempo 3x2k", "Intervaller", "Tempo")
ADVENTURE_TITLES = ("Trail day with friends", "Long adventure")
TRAVEL_TITLES = ("Jet-lag shakeout", "Hotel run")
DESCRIPTIONS = ("legs heavy", "easy does it", "windy", "felt great", "calves tight", "rain all the way")
ATHLETE_WEIGHT_KG = 72.0
CADENCE_BASE_SPM = 166.0
CADENCE_PER_MPS = 9.0


def default_title(local_hour: int) -> str:
    """Strava's automatic name from the local start hour."""
    if 4 <= local_hour < 11:
        return "Morning Run"
    if 11 <= local_hour < 14:
        return "Lunch Run"
    if 14 <= local_hour < 17:
        return "Afternoon Run"
    if 17 <= local_hour < 21:
        return "Evening Run"
    return "Night Run"


def _title(rng: np.random.Generator, kind: str, shoe_class: str, shoe: str, km: float, hour: int) -> str:
    u = rng.random()
    pick = rng.integers(0, 1000)
    if shoe_class == "barefoot":
        return BAREFOOT_TITLES[pick % len(BAREFOOT_TITLES)].format(km=km)
    if kind == "newyear":
        return "Nytårsløb \U0001f386"
    if kind == "race":
        return "Half marathon race" if km > 20 else "10K race"
    if kind == "adventure":
        return ADVENTURE_TITLES[pick % len(ADVENTURE_TITLES)]
    if kind == "long" and u < 0.3:
        return LONG_TITLES[pick % len(LONG_TITLES)]
    if kind == "tempo" and u < 0.4:
        return TEMPO_TITLES[pick % len(TEMPO_TITLES)]
    if kind == "travel" and u < 0.5:
        return TRAVEL_TITLES[pick % len(TRAVEL_TITLES)]
    if shoe_class == "minimalist" and shoe and u < 0.15:
        return f"Easy in the {shoe}"
    return default_title(hour)


def _local_start(start: str, day: int, local_s: float, zone: str) -> tuple[datetime, datetime]:
    """(local aware datetime, UTC datetime) of a start given day offset and seconds after midnight."""
    d0 = datetime.fromisoformat(start)
    local = (d0 + timedelta(days=day, seconds=float(local_s))).replace(tzinfo=ZoneInfo(zone))
    return local, local.astimezone(ZoneInfo("UTC"))


def elevation_gain_m(distance_m: float, loop_m: float, hill_m: float) -> float:
    """Climb of ``distance_m`` on a loop whose altitude is hill/2 x (1 - cos(2 pi d / loop))."""
    n, frac = divmod(distance_m / loop_m, 1.0)
    part = hill_m * (1 - np.cos(2 * np.pi * frac)) / 2 if frac <= 0.5 else hill_m
    return float(n * hill_m + part)


def dress_runs(course_runs: pd.DataFrame, plan, p: SimParams, rng: np.random.Generator) -> pd.DataFrame:
    """Add ids, times, titles and run-level physiology to the course's runs.

    Returns
    -------
    DataFrame
        One row per run, in time order, with the course columns plus
        ``strava_id``, ``upload_id``, ``file_kind`` (fit, gpx, or "" = manual),
        ``tz``, ``start_local`` (aware), ``start_time`` (UTC), ``date``, ``name``,
        ``description``, ``distance_m``, ``moving_time_s``, ``elapsed_time_s``,
        ``avg_speed_mps``, ``max_speed_mps``, ``avg_heart_rate_bpm``,
        ``max_heart_rate_bpm``, ``avg_cadence_spm``, ``max_cadence_spm``,
        ``cadence_offset_spm``, ``hr_offset_bpm``, ``rpe``, ``elevation_gain_m``,
        ``loop_m``, ``hill_m``, ``altitude_base_m``, ``stops`` (tuple of (moving second, length s)).
    """
    rows = []
    for run in course_runs.itertuples(index=False):
        zone = p.travel_tz if run.abroad else p.tz
        local, utc = _local_start(p.start, run.day, plan.local_start_s[run.day], zone)
        years = run.day / 365.25
        v = (3.45 if run.km > 20 else 3.75) if run.kind == "race" else BASE_SPEED_MPS[run.kind]
        if run.shoe_class in ("barefoot", "minimalist") and run.kind in ("easy", "travel"):
            v *= 0.98
        v *= (1 + 0.04 * years) * rng.normal(1.0, 0.03)
        distance_m = round(run.km * 1000.0, 1)
        moving = float(round(distance_m / v))
        v = distance_m / moving
        n_stops = 0 if run.kind == "race" else int(rng.choice(3, p=[0.5, 0.35, 0.15]))
        stops = tuple(sorted((int(rng.uniform(0.1, 0.9) * moving), int(rng.integers(10, 41)))
                             for _ in range(n_stops)))
        elapsed = moving + sum(s[1] for s in stops)
        factor = p.cadence_factor.get(run.shoe_class, 1.0)
        cad_offset = rng.normal(0.0, 1.0)
        cadence = (CADENCE_BASE_SPM + CADENCE_PER_MPS * (v - 3.0)) * factor + cad_offset
        hr_offset = rng.normal(0.0, 3.0) + (2.0 if local.month in (6, 7, 8) else 0.0)
        hr = 62 + 30 * v + hr_offset + (0.03 * moving / 60 if run.kind in ("long", "adventure") else 0.0)
        rpe = float(np.clip(RPE_CENTRE.get(run.kind, 3) + rng.integers(-1, 2), 1, 10))
        if run.kind == "race":
            rpe = float(rng.integers(8, 10))
        if rng.random() < p.rpe_missing_rate:
            rpe = np.nan
        loop, hill = rng.uniform(2000, 3500), rng.uniform(4, 12)
        u_file = rng.random()
        if run.abroad:
            file_kind = "fit"
        elif u_file < p.manual_entry_rate:
            file_kind = ""
        elif u_file < p.manual_entry_rate + p.gpx_rate:
            file_kind = "gpx"
        else:
            file_kind = "fit"
        sec = local.hour * 3600 + local.minute * 60 + local.second
        rows.append({
            **run._asdict(),
            "strava_id": 8_400_000_000 + run.day * 3_700_000 + sec * 40 + int(rng.integers(0, 40)),
            "upload_id": 9_100_000_000 + run.day * 3_900_000 + sec * 41 + int(rng.integers(0, 41)),
            "file_kind": file_kind,
            "tz": zone,
            "start_local": local,
            "start_time": pd.Timestamp(utc),
            "date": pd.Timestamp(p.start) + pd.Timedelta(days=run.day),
            "name": _title(rng, run.kind, run.shoe_class, run.shoe, run.km, local.hour),
            "description": _description(rng),
            "distance_m": distance_m,
            "moving_time_s": moving,
            "elapsed_time_s": float(elapsed),
            "avg_speed_mps": v,
            "max_speed_mps": v * rng.uniform(1.15, 1.35),
            "avg_heart_rate_bpm": hr,
            "max_heart_rate_bpm": hr + rng.uniform(8, 16) + (6 if run.kind == "race" else 0),
            "avg_cadence_spm": cadence,
            "max_cadence_spm": cadence + rng.uniform(4, 8),
            "cadence_offset_spm": cad_offset,
            "hr_offset_bpm": hr_offset,
            "rpe": rpe,
            "elevation_gain_m": elevation_gain_m(distance_m, loop, hill),
            "loop_m": loop,
            "hill_m": hill,
            "altitude_base_m": rng.uniform(5, 25),
            "stops": stops,
        })
    out = pd.DataFrame(rows)
    if len(out):
        out["start_time"] = pd.to_datetime(out["start_time"], utc=True)
    return out.reset_index(drop=True)


def _description(rng: np.random.Generator) -> str:
    u = rng.random()
    pick = int(rng.integers(0, 1000))
    if u < 0.01:
        return "Felt good.\nCalves tight after 5 km."
    if u < 0.10:
        return DESCRIPTIONS[pick % len(DESCRIPTIONS)]
    return ""


def dress_others(others: pd.DataFrame, p: SimParams, rng: np.random.Generator) -> pd.DataFrame:
    """Walks and rides as manual Strava entries (no file, no gear)."""
    rows = []
    for o in others.itertuples(index=False):
        local, utc = _local_start(p.start, o.day, o.local_start_s, p.tz)
        v = rng.uniform(1.3, 1.5) if o.sport == "Walk" else rng.uniform(6.0, 7.0)
        distance_m = round(o.km * 1000.0, 1)
        moving = float(round(distance_m / v))
        sec = local.hour * 3600 + local.minute * 60 + local.second
        rows.append({"day": o.day, "sport": o.sport, "distance_m": distance_m, "moving_time_s": moving,
                     "elapsed_time_s": moving, "start_time": pd.Timestamp(utc),
                     "name": default_title(local.hour).replace("Run", o.sport),
                     "strava_id": 8_400_000_000 + o.day * 3_700_000 + sec * 40 + int(rng.integers(0, 40))})
    out = pd.DataFrame(rows, columns=["day", "sport", "distance_m", "moving_time_s", "elapsed_time_s",
                                      "start_time", "name", "strava_id"])
    if len(out):
        out["start_time"] = pd.to_datetime(out["start_time"], utc=True)
    return out

"""Unit conversions shared by every reader (FORMATS.md, "Cadence units, once more").

Each function is tiny, but keeping them in one place means a reader never
re-derives a factor. Works on scalars, numpy arrays and pandas Series alike.
"""

from __future__ import annotations

import re
from datetime import tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from analysis.errors import RunlogError

METRES_PER_MILE = 1609.344
METRES_PER_FOOT = 0.3048
SEMICIRCLE_TO_DEG = 180.0 / 2**31


def strides_to_steps(strides_per_min):
    """Cadence in strides/min (FIT, TCX RunCadence, Strava CSV) to steps/min (x 2)."""
    return strides_per_min * 2


def display_per_km(units: str) -> float:
    """Multiplier from km to a display unit, "km" or "mi" (the reports' and commands' --units)."""
    if units not in ("km", "mi"):
        raise ValueError(f"units must be 'km' or 'mi', not {units!r}")
    return 1000.0 / METRES_PER_MILE if units == "mi" else 1.0


def plural(count: int, word: str) -> str:
    """``count word``, the word in the plural where count is not 1 ("1 run", "2 runs", "3 entries")."""
    if count == 1:
        return f"{count} {word}"
    return f"{count} {word[:-1]}ies" if word.endswith("y") and word[-2:-1] not in "aeiou" else f"{count} {word}s"


def miles_to_m(miles):
    """Statute miles to metres."""
    return miles * METRES_PER_MILE


def feet_to_m(feet):
    """Feet to metres."""
    return feet * METRES_PER_FOOT


def semicircles_to_deg(semicircles):
    """FIT position in semicircles to degrees (deg = sc x 180 / 2^31)."""
    return semicircles * SEMICIRCLE_TO_DEG


_DURATION = re.compile(r"^\s*(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:[.,]\d+)?)\s*$")


def parse_duration_s(text) -> float:
    """A duration as ``h:mm:ss``, ``mm:ss``, ``mm:ss.s`` or plain seconds, in s.

    Returns NaN for blanks and placeholders (``--``, ``--:--:--``).
    """
    if text is None or (isinstance(text, float) and pd.isna(text)) or text is pd.NA:
        return float("nan")
    if isinstance(text, (int, float)):
        return float(text)
    s = str(text).strip()
    if not s or set(s) <= set("-:. ") or s.lower() == "nan":
        return float("nan")
    m = _DURATION.match(s)
    if m:
        h = int(m.group(1) or 0)
        return h * 3600 + int(m.group(2)) * 60 + float(m.group(3).replace(",", "."))
    try:
        return float(s.replace(",", "."))
    except ValueError as exc:
        raise ValueError(f"not a duration: {text!r}") from exc


def get_zone(tz: str | tzinfo | None) -> tzinfo:
    """Resolve a time-zone name (IANA, e.g. ``Europe/Copenhagen``); None means UTC."""
    if tz is None:
        return ZoneInfo("UTC")
    if isinstance(tz, tzinfo):
        return tz
    try:
        return ZoneInfo(str(tz))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RunlogError(f"unknown time zone '{tz}' (use an IANA name such as Europe/Berlin)") from exc


def local_date(utc_times: pd.Series, tz: str | tzinfo | None) -> pd.Series:
    """The runner's local calendar date (naive midnight) of tz-aware UTC times."""
    zone = get_zone(tz)
    t = pd.to_datetime(utc_times, utc=True)
    return t.dt.tz_convert(zone).dt.tz_localize(None).dt.normalize()


def localize_wall_time(wall: pd.Series, tz: str | tzinfo | None) -> pd.Series:
    """Local wall-clock times (naive) to UTC, in a named zone.

    Ambiguous times (the repeated hour when clocks go back) take the first
    occurrence; non-existent ones (the skipped hour) shift forward.
    """
    zone = get_zone(tz)
    t = pd.to_datetime(wall)
    return t.dt.tz_localize(zone, ambiguous=np.ones(len(t), dtype=bool), nonexistent="shift_forward").dt.tz_convert("UTC")

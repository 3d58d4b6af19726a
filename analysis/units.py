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
#: km/h to m/s (Polar writes speeds in km/h)
MPS_PER_KMH = 1 / 3.6
SEMICIRCLE_TO_DEG = 180.0 / 2**31


def strides_to_steps(strides_per_min):
    """Cadence in strides/min (FIT, TCX RunCadence, Strava CSV) to steps/min (x 2)."""
    return strides_per_min * 2


#: A running cadence whose 90th percentile over an activity (zeros left out) is at least this many
#: per minute is steps/min, whatever its format defines: 130 strides/min would be 260 steps/min, an
#: elite sprinter's rate, for a tenth of the activity. Strides/min files stay far below it (runs 75-100,
#: sprint repeats up to about 120); steps/min files with any running reach 150 and more, even when a
#: walking warm-up fills half the activity (which is why it is not the median).
STEPS_FROM_PER_MIN = 130.0
#: the quantile of the non-zero values compared with :data:`STEPS_FROM_PER_MIN`
STEPS_QUANTILE = 0.9


def running_cadence_spm(strides_per_min: pd.Series) -> tuple[pd.Series, str]:
    """A running cadence its format defines as strides/min (TCX ``RunCadence``/``Cadence``, GPX ``cad``), in steps/min.

    Writers put steps/min there too: the Wahoo Fitness app's TCX of a foot-pod treadmill run has
    ``RunCadence`` 178 at 2.7 m/s after 86 while walking (Runalyze's test file
    ``Treadmill-doubled-cadence.tcx``), which doubled would be 356 steps/min. When the 90th
    percentile of the non-zero values is at least :data:`STEPS_FROM_PER_MIN`, the values are taken as
    steps/min already and kept; otherwise they are doubled (:func:`strides_to_steps`).

    Parameters
    ----------
    strides_per_min : pandas.Series
        The activity's cadence samples as written (NaN where missing; 0 where not stepping).

    Returns
    -------
    tuple of (pandas.Series, str)
        The samples in steps/min, and a note for the import log ("" when they were doubled).
    """
    values = pd.to_numeric(strides_per_min, errors="coerce").astype("float64")
    stepping = values[values > 0]
    high = float(stepping.quantile(STEPS_QUANTILE)) if len(stepping) else np.nan
    if high >= STEPS_FROM_PER_MIN:
        return values, (f"cadence already steps/min (90th percentile {high:.0f}/min, too fast for "
                        "strides/min): not doubled")
    return strides_to_steps(values), ""


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

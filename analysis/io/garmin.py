"""Read Garmin Connect exports: the web ``Activities.csv``, the GDPR activities JSON and gear JSON.

Three files, one platform (FORMATS.md, "Garmin Connect web CSV"; data/README-exports.md):

* ``Activities.csv`` from Garmin Connect's "All Activities" page (Export CSV):
  one row per activity, 25-45 columns depending on the sports and metrics in
  the account, headers *and* activity types in the account's language, values
  in the account's units. Read by :func:`read_garmin_csv`.
* ``DI_CONNECT/DI-Connect-Fitness/<user>_0_summarizedActivities.json`` from the
  full (GDPR) data export: ``[{"summarizedActivitiesExport": [...]}]``. Read by
  :func:`read_garmin_json`.
* ``<user>_gear.json`` from the same export: shoes and which activities they
  were used on. Read by :func:`read_garmin_gear` / :func:`read_garmin_shoes`
  and applied to runs with :func:`apply_garmin_gear`.

Localised CSV headers
---------------------
Garmin translates every header and every activity type into the account's
language. :data:`HEADER_ALIASES` and :data:`RUN_TYPE_ALIASES` hold the names
for the columns and the running types this reader needs, in the languages
Garmin Connect offers. They are data, kept in ``analysis/data/garmin_locales.json``
(read once by :func:`locale_tables`) with their provenance: names listed as
``seen`` were read in real exports (../shared/data and public repositories);
the ``best_known`` ones are Garmin's wording as best known and are backed by
two fallbacks:

* a column whose header is unknown is still identified by its values where
  that is safe: the activity type is the first column, the date column is the
  one whose cells parse as dates, the distance the first column of 2-decimal
  numbers in the range of run distances, the duration the first ``h:mm:ss``
  column. The log reason names the column and how it was read, and lists the
  headers nobody recognised.
* an activity type missing from the table is taken as a run when it contains
  a running word stem (``run``, ``lauf``, ``løb``, ``bieg``, ``跑``, ...) and no
  skiing, cycling, swimming or walking stem; the log reason says so.

Comparison is case-, accent- and punctuation-insensitive (``Ø Pace`` =
``o pace``, ``Calorieën`` = ``Calorieen``, ``street_running`` = ``Street
Running``), so the 2017 layout with type keys (``running``,
``street_running``) is read by the same table.

Numbers
-------
Cells are quoted strings. Missing is ``--``, ``NaN``, ``--:--:--`` or empty;
Garmin guards negative elevations with a leading apostrophe (``'-3``).
Thousands separators and decimal commas both use ``,``: a comma followed by
exactly three digits is a thousands separator (``"8,966"``), one or two digits
a decimal comma (``"5,81"``) -- decided per column: if any cell of a column
has a decimal comma (``,\\d{1,2}$``), every comma in that column is a decimal
comma. In files written with decimal commas, a dot followed by three digits is
a thousands separator (``"2.932"`` steps). Durations are ``00:36:26``,
``41:06`` (mm:ss), ``00:04:53.4`` or ``00:00:54,9``.

Units
-----
Values follow the account's settings (km or miles, m or ft) and the file does
not say which. Stride length is always in metres. The distance unit is, in
this order: the ``units`` argument; a unit written in the header
(``Distance (mi)``); else it is decided from the file itself, and every
imported row's log reason says which unit and why:

1. Garmin computes the average stride length as distance / steps, so ``steps x
   stride_m / distance`` (or ``stride_m x cadence x moving_min / distance``) is
   ~1000 when distances are in km and ~1609 in miles. Stride, cadence and steps
   are found by their headers, or - in a language without a table - among the
   unrecognised columns by their values (stride 0.3-2.5, cadence 100-240,
   steps 300 and up), counted only when the ratio is tight across the runs.
2. Without them, how much the runs look like running in each unit: every run's
   pace and length scored against typical recreational running (about 6:00
   min/km, 3-16 km; log-normal) as km and as miles. Miles must fit better by
   a margin, a larger one when the header is not English or numbers have
   decimal commas (km is the setting of every locale but the US and UK), so
   a slow runner's 9:30 min/km is not taken for 5:54 min/km.

Elevation is in feet when distances are in miles (Garmin's "Statute" setting),
and vertical oscillation is taken in inches then (cm otherwise; no statute
export with running dynamics was at hand to confirm this).

Times
-----
``Date`` is the local wall time of the start, with no offset: it is turned
into UTC in the ``tz`` zone (default UTC) with
:func:`analysis.units.localize_wall_time`, and ``date`` is the wall date.
The GDPR JSON carries both ``startTimeGmt`` and ``startTimeLocal`` (epoch ms of
the wall time), so it gives each run's own offset and ``tz`` is only a
fallback.

Written by hand, and why: the CSV is split with the standard :mod:`csv` module
(quoted fields, CRLF, ``;`` re-saves), but numbers are parsed here because
pandas' ``read_csv`` takes one decimal and one thousands separator for the
whole file, while Garmin's files mix them by column; the header alias tables
are data (a JSON file), not code. The CSV has no activity id: its runs get
``garmin:<sha1-12 of the row text>``, so gear from the GDPR export (keyed by
activity id) can only be applied to runs read from the JSON.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import math
import re
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis import schema
from analysis.errors import RunlogError
from analysis.io.base import ReadResult, log_row, read_source_bytes
from analysis.io.sports import GARMIN_LOCALES_RESOURCE as LOCALES_RESOURCE
from analysis.io.sports import RUN_TYPE_ALIASES, alias_lookup, classify_activity_type, seen_then_best_known
from analysis.io.sports import garmin_locale_tables as locale_tables
from analysis.io.table import alnum_key, decode_text, first_line, header_cells, header_delimiter, where
from analysis.units import (
    METRES_PER_FOOT,
    METRES_PER_MILE,
    local_date,
    localize_wall_time,
    parse_duration_s,
)

SOURCE_CSV = "garmin_csv"
SOURCE_JSON = "garmin_json"

#: English Garmin Connect CSV header -> canonical runs column (the other
#: languages are in :data:`HEADER_ALIASES`). ``Time`` stands in for
#: ``Moving Time`` when that column is missing or zero.
VARIABLE_MAP: dict[str, str] = {
    "Activity Type": "sport",
    "Date": "start_time",
    "Title": "name",
    "Distance": "distance_m",
    "Moving Time": "moving_time_s",
    "Time": "moving_time_s",
    "Elapsed Time": "elapsed_time_s",
    "Avg HR": "avg_heart_rate_bpm",
    "Avg Run Cadence": "avg_cadence_spm",
    "Total Ascent": "elevation_gain_m",
    "Avg Stride Length": "avg_step_length_mm",
    "Avg Vertical Ratio": "avg_vertical_ratio_pct",
    "Avg Vertical Oscillation": "avg_vertical_oscillation_mm",
}

#: GDPR ``summarizedActivitiesExport`` key -> canonical runs column, with the
#: factor from the file's unit (cm, ms, cm/stride) to the canonical one.
JSON_VARIABLE_MAP: dict[str, tuple[str, float]] = {
    "activityType": ("sport", 1.0),
    "startTimeGmt": ("start_time", 1.0),
    "name": ("name", 1.0),
    "distance": ("distance_m", 0.01),
    "movingDuration": ("moving_time_s", 0.001),
    "duration": ("moving_time_s", 0.001),
    "elapsedDuration": ("elapsed_time_s", 0.001),
    "avgHr": ("avg_heart_rate_bpm", 1.0),
    "avgDoubleCadence": ("avg_cadence_spm", 1.0),
    "elevationGain": ("elevation_gain_m", 0.01),
    "avgStrideLength": ("avg_step_length_mm", 10.0),
    "avgVerticalRatio": ("avg_vertical_ratio_pct", 1.0),
    "avgVerticalOscillation": ("avg_vertical_oscillation_mm", 10.0),
}

#: running-dynamics averages added to the runs frame after the canonical columns
EXTRA_RUN_COLUMNS: tuple[str, ...] = (
    "avg_step_length_mm",
    "avg_vertical_oscillation_mm",
    "avg_vertical_ratio_pct",
)

# ---------------------------------------------------------------------------
# Locale tables: analysis/data/garmin_locales.json. Per field (and per running
# type), names in each language split into "seen" (read in a real export; the
# Japanese names come from a third-party test fixture, not an export) and
# "best_known" (Garmin's wording as best known). The running types, the running word
# stems and classify_activity_type live in analysis.io.sports, shared with the readers of
# other formats whose activity types come in the user's language (GPX <type>).
# ---------------------------------------------------------------------------
#: The fields a CSV header can name: the keys of :data:`HEADER_ALIASES`.
HEADER_FIELDS: tuple[str, ...] = (
    "activity_type", "date", "title", "distance", "time", "moving_time", "elapsed_time", "avg_hr",
    "avg_run_cadence", "avg_cadence", "avg_pace", "avg_speed", "total_ascent", "avg_stride_length",
    "avg_vertical_ratio", "avg_vertical_oscillation", "steps",
)


_LOCALES = locale_tables()

#: Field of the reader -> its CSV header in each language Garmin Connect offers
#: (seen names first, then the best-known ones).
HEADER_ALIASES: dict[str, tuple[str, ...]] = seen_then_best_known(_LOCALES["header_aliases"]["fields"])

#: Header rows of Garmin Connect CSV exports, one per language, comma-joined
#: (en: the union of the 2016-2026 layouts; the others from real exports, ja
#: from a third-party test fixture). Their names are "known": columns this
#: reader does not need are not reported as unrecognised. Also the vocabulary
#: of :func:`sniff_csv`.
KNOWN_HEADER_ROWS: tuple[str, ...] = tuple(
    ",".join(row) for row in _LOCALES["known_header_rows"]["languages"].values()
)

# ---------------------------------------------------------------------------
# Normalisation and lookup tables
# ---------------------------------------------------------------------------
_UNIT_SUFFIX = re.compile(
    r"\s*[(\[]\s*(km|kilometers?|kilometres?|mi|miles?|m|meters?|metres?|ft|feet)\s*[)\]]\s*$", re.IGNORECASE
)
_UNIT_WORDS = {
    "km": "km", "kilometer": "km", "kilometers": "km", "kilometre": "km", "kilometres": "km",
    "mi": "mi", "mile": "mi", "miles": "mi", "m": "m", "meter": "m", "meters": "m", "metre": "m",
    "metres": "m", "ft": "ft", "feet": "ft",
}


def _norm(text: object) -> str:
    """Case-, accent- and punctuation-free form of a header or activity type (:func:`table.alnum_key`)."""
    return alnum_key(text)


_HEADER_LOOKUP = alias_lookup(HEADER_ALIASES)
_KNOWN_HEADERS = frozenset(_norm(h) for row in KNOWN_HEADER_ROWS for h in row.split(",")) | frozenset(
    _HEADER_LOOKUP
)
_TYPE_HEADERS = frozenset(_norm(h) for h in HEADER_ALIASES["activity_type"])
#: header field (:data:`HEADER_ALIASES` key) -> canonical runs column, by :data:`VARIABLE_MAP`'s English headers
_FIELD_COLUMNS = {_HEADER_LOOKUP[_norm(header)]: column for header, column in VARIABLE_MAP.items()}
_DATE_HEADERS = frozenset(_norm(h) for h in HEADER_ALIASES["date"])

#: canonical sport of each GDPR type key handled by the JSON reader
JSON_RUN_TYPES: dict[str, str] = {
    "running": "running",
    "trail_running": "trail_running",
    "treadmill_running": "treadmill_running",
    "track_running": "track_running",
    "street_running": "running",
    "indoor_running": "treadmill_running",
    "virtual_run": "virtual_running",
    "ultra_run": "ultra_running",
}


# ---------------------------------------------------------------------------
# Cell parsing
# ---------------------------------------------------------------------------
_MISSING = frozenset({"", "--", "nan", "none", "null", "n/a", "na", "-", "—"})
_DEC_COMMA = re.compile(r"^[-+]?\d+,\d{1,2}$")
_DEC_POINT = re.compile(r"^[-+]?\d+\.\d{1,2}$")
_GROUPED_COMMA = re.compile(r"^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_GROUPED_POINT = re.compile(r"^[-+]?\d{1,3}(?:\.\d{3})+(?:,\d+)?$")
_SPACE_GROUP = re.compile(r"(?<=\d)[\s\u00a0\u202f](?=\d{3}(?:\D|$))")
_HMS = re.compile(r"^\d+:\d{1,2}:\d{1,2}(?:[.,]\d+)?$")


def _clean(cell: object) -> str:
    s = str(cell).strip().strip('"').strip()
    if s.startswith("'"):
        s = s[1:].strip()
    return _SPACE_GROUP.sub("", s)


def _is_missing(s: str) -> bool:
    return s.casefold() in _MISSING or (bool(s) and set(s) <= set("-:. "))


def parse_number(cell: object, comma_decimal: bool = False, dot_thousands: bool = False) -> float:
    """A Garmin CSV number, NaN when missing.

    Parameters
    ----------
    cell : str
        The cell as written (``"8,966"``, ``"5,81"``, ``"2.932"``, ``"'-3"``, ``"--"``).
    comma_decimal : bool
        The column uses decimal commas: every comma is a decimal separator.
        Otherwise a comma followed by exactly three digits groups thousands.
    dot_thousands : bool
        The file uses decimal commas, so a dot followed by exactly three digits
        groups thousands.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        When the cell is not a number.
    """
    s = _clean(cell)
    if _is_missing(s):
        return float("nan")
    if "," in s and "." in s:
        s = s.replace(".", "").replace(",", ".") if s.rfind(",") > s.rfind(".") else s.replace(",", "")
    elif "," in s:
        s = s.replace(",", "") if (not comma_decimal and _GROUPED_COMMA.match(s)) else s.replace(",", ".")
    elif "." in s and dot_thousands and _GROUPED_POINT.match(s):
        s = s.replace(".", "")
    return float(s)


def _parse_duration(cell: object) -> float:
    s = _clean(cell)
    return float("nan") if _is_missing(s) else parse_duration_s(s)


_CLOCK = r"(?:(?:,?\s+|T)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*([ap]\.?m\.?)?)?$"
_DATE_FORMS: tuple[tuple[re.Pattern, str], ...] = (
    (re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})" + _CLOCK, re.I), "ymd"),
    (re.compile(r"^(\d{1,2})[.-](\d{1,2})[.-](\d{4})" + _CLOCK, re.I), "dmy"),
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})" + _CLOCK, re.I), "slash"),
)


def parse_wall_times(cells: Iterable[object]) -> pd.Series:
    """Local wall-clock start times as written in a Garmin CSV, NaT when unreadable.

    Accepts ``2025-09-19 07:36:32`` (Garmin), ``11.07.2025 16:58`` (Excel,
    day first), ``7/4/2020 15:36`` (Excel with slashes: day first if any first
    number exceeds 12 in the column, else month first) and 12-hour clocks.

    Parameters
    ----------
    cells : iterable of str

    Returns
    -------
    Series of datetime64[ns] (naive)
    """
    cells = [_clean(c) for c in cells]
    parts: list[tuple | None] = []
    for s in cells:
        got = None
        for pattern, order in _DATE_FORMS:
            m = pattern.match(s)
            if m:
                got = (order, m.groups())
                break
        parts.append(got)
    slash_dayfirst = any(p is not None and p[0] == "slash" and int(p[1][0]) > 12 for p in parts)
    iso: list[str | None] = []
    for p in parts:
        if p is None:
            iso.append(None)
            continue
        order, g = p
        a, b, c = g[0], g[1], g[2]
        if order == "ymd":
            y, mo, d = a, b, c
        elif order == "dmy" or (order == "slash" and slash_dayfirst):
            d, mo, y = a, b, c
        else:
            mo, d, y = a, b, c
        h, mm, ss, ampm = int(g[3] or 0), int(g[4] or 0), int(g[5] or 0), g[6]
        if ampm:
            h = h % 12 + (12 if ampm.lower().startswith("p") else 0)
        iso.append(f"{int(y):04d}-{int(mo):02d}-{int(d):02d} {h:02d}:{mm:02d}:{ss:02d}")
    return pd.to_datetime(pd.Series(iso, dtype="object"), format="%Y-%m-%d %H:%M:%S", errors="coerce")


# ---------------------------------------------------------------------------
# Header layout
# ---------------------------------------------------------------------------
@dataclass
class _Layout:
    """Which columns hold which field (several candidates coalesce in order)."""

    columns: dict[str, list[int]] = field(default_factory=dict)
    header_units: dict[str, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _map_header(header: list[str]) -> _Layout:
    lay = _Layout()
    for i, raw in enumerate(header):
        text = str(raw).strip().lstrip("\ufeff")
        unit = None
        m = _UNIT_SUFFIX.search(text)
        if m:
            unit = _UNIT_WORDS[m.group(1).lower()]
            text = text[: m.start()]
        n = _norm(text)
        key = _HEADER_LOOKUP.get(n)
        if key is None:
            if n not in _KNOWN_HEADERS:
                lay.unknown.append(str(raw).strip())
            continue
        lay.columns.setdefault(key, []).append(i)
        if unit and key not in lay.header_units:
            lay.header_units[key] = unit
    return lay


def _column(rows: list[list[str]], j: int) -> list[str]:
    return [r[j] if j < len(r) else "" for r in rows]


def _guess_columns(header: list[str], rows: list[list[str]], lay: _Layout) -> None:
    """Identify needed columns with unknown headers by their values (notes in ``lay``)."""
    used = {j for cols in lay.columns.values() for j in cols}
    unknown = [j for j, h in enumerate(header) if j not in used and str(h).strip() in set(lay.unknown)]
    if not rows:
        return
    guess = _Guess(header, rows, lay, unknown)
    if "activity_type" not in lay.columns and 0 in unknown:
        guess.first("activity_type", [0], _looks_text, "activity type")
    if "date" not in lay.columns:
        guess.first("date", list(unknown), _looks_date, "start date")
    if "title" not in lay.columns:
        guess.first("title", [j for j in unknown if j < 6], _looks_title, "title")
    if "distance" not in lay.columns:
        guess.first("distance", list(unknown), _looks_distance, "distance")
    if "time" not in lay.columns and "moving_time" not in lay.columns:
        guess.first("time", list(unknown), _looks_duration, "duration")


@dataclass
class _Guess:
    """Columns with unknown headers, taken for a field by their values (:func:`_guess_columns`)."""

    header: list[str]
    rows: list[list[str]]
    lay: _Layout
    unknown: list[int]

    def first(self, key: str, candidates: list[int], looks: Callable[[list[str]], bool], how: str) -> None:
        """Take the first candidate column whose non-missing values ``looks`` like the field."""
        for j in candidates:
            if looks([c for c in (_clean(x) for x in _column(self.rows, j)) if not _is_missing(c)]):
                self.take(key, j, how)
                return

    def take(self, key: str, j: int, how: str) -> None:
        name = str(self.header[j]).strip()
        self.lay.columns[key] = [j]
        self.unknown.remove(j)
        if name in self.lay.unknown:
            self.lay.unknown.remove(name)
        self.lay.notes.append(f"column '{name}' read as {how} by its values")


def _numbers(vals: list[str]) -> list[float]:
    out = []
    for v in vals:
        with contextlib.suppress(ValueError):
            out.append(parse_number(v))
    return out


def _looks_text(vals: list[str]) -> bool:
    return bool(vals) and len(_numbers(vals)) < 0.2 * len(vals)


def _looks_date(vals: list[str]) -> bool:
    return bool(vals) and parse_wall_times(vals).notna().mean() >= 0.8


def _looks_title(vals: list[str]) -> bool:
    return _looks_text(vals) and not {v.casefold() for v in vals} <= {"true", "false", "0", "1"}


def _looks_distance(vals: list[str]) -> bool:
    nums = [x for x in _numbers(vals) if x > 0]
    two_dec = sum(bool(_DEC_POINT.match(v) or _DEC_COMMA.match(v)) for v in vals)
    return bool(nums) and two_dec >= 0.8 * len(vals) and 1.5 < statistics.median(nums) < 100


def _looks_duration(vals: list[str]) -> bool:
    return bool(vals) and sum(bool(_HMS.match(v)) for v in vals) >= 0.8 * len(vals)


# ---------------------------------------------------------------------------
# Units
# ---------------------------------------------------------------------------
def _positive(x: float | None) -> float | None:
    return x if x is not None and not math.isnan(x) and x > 0 else None


#: Typical recreational running, for weighing km against miles when nothing else in the file
#: tells (runlog's working assumption, not a published norm): a runner's median pace about
#: 6:00 min/km and median run about 6 km, each log-normal with these spreads. Checked on the 20
#: real runners of ../shared/data with 5 runs or more (median paces 4:42-7:44 min/km, runs 3.1-9.8 km): each
#: read right as km, and 18 of 20 right as miles had they used miles, in an English file (tests/io).
TYPICAL_PACE_S_PER_KM = 360.0
PACE_LOG_SD = 0.25
TYPICAL_RUN_KM = 6.0
RUN_KM_LOG_SD = 0.6
#: How much better (log-likelihood of the median run) miles must fit than km to be chosen. km is the
#: setting of every locale but the US and UK; a file in English leaves it open, a header in
#: another language (or decimal commas) makes miles unlikely, so it must fit far better.
MILES_MARGIN_ENGLISH = 0.5
MILES_MARGIN_OTHER = 2.0
#: metres per distance unit from the stride: the windows that settle km and miles
_KM_WINDOW = (800.0, 1250.0)
_MI_WINDOW = (1350.0, 2000.0)
_MAX_SPREAD = 0.08  # interquartile range / median of the ratio, for columns found by their values


def _metres_per_unit(parsed: list[dict], extra: dict[str, list[float]]) -> tuple[str, str] | None:
    """km or mi from the stride length, which Garmin writes in metres whatever the unit setting.

    ``steps x stride / distance`` (or ``stride x cadence x minutes / distance``) is the number of
    metres in one distance unit: ~1000 for km, ~1609 for miles. Stride, cadence and steps come
    from their headers, or else from columns nobody recognised (``extra``: name -> value per run)
    whose values look like them; those count only when the ratio is tight across runs.
    """
    strides, cadences, steps = _stride_columns(parsed, extra)
    minutes = [(_positive(p.get("moving_time")) or _positive(p.get("time")) or math.nan) / 60.0 for p in parsed]
    distance = [p.get("distance", math.nan) for p in parsed]
    best: tuple[float, float, str] | None = None  # (spread, median, why)
    for stride in strides:
        for kind, others in (("steps", steps), ("cadence", cadences)):
            for other in others:
                found = _unit_ratio(stride, other, kind, distance, minutes)
                if found is not None and (best is None or found[0] < best[0]):
                    best = found
    if best is None:
        return None
    _, med, why = best
    if _KM_WINDOW[0] <= med <= _KM_WINDOW[1]:
        return "km", why
    if _MI_WINDOW[0] <= med <= _MI_WINDOW[1]:
        return "mi", why
    return None


_Candidate = tuple[str, list[float], bool]  # (column name, value per run, found by its values)


def _stride_columns(parsed: list[dict], extra: dict[str, list[float]]
                    ) -> tuple[list[_Candidate], list[_Candidate], list[_Candidate]]:
    """Stride length, cadence and step columns: by their headers, then unknown ones whose values look like them."""
    n = len(parsed)

    def known(key: str) -> list[float]:
        return [p.get(key, math.nan) for p in parsed]

    def looks(values: list[float], lo: float, hi: float) -> bool:
        ok = [v for v in values if _positive(v) is not None]
        return len(ok) >= max(3, n // 2) and lo <= statistics.median(ok) <= hi

    strides = [("Avg Stride Length", known("avg_stride_length"), False)]
    cadences = [("Avg Run Cadence", known("avg_cadence"), False)]
    steps = [("Steps", known("steps"), False)]
    for name, values in extra.items():
        if looks(values, 0.3, 2.5):
            strides.append((name, values, True))
        elif looks(values, 100.0, 240.0):
            cadences.append((name, values, True))
        elif looks(values, 300.0, 200000.0):
            steps.append((name, values, True))
    return strides, cadences, steps


def _unit_ratio(stride: _Candidate, other: _Candidate, kind: str, distance: list[float],
                minutes: list[float]) -> tuple[float, float, str] | None:
    """(spread, median, why) of the metres per distance unit one stride and one steps/cadence column give."""
    s_name, s_vals, s_found = stride
    o_name, o_vals, o_found = other
    ratios = []
    for k in range(len(distance)):
        d, s, o = _positive(distance[k]), _positive(s_vals[k]), _positive(o_vals[k])
        if d is None or s is None or o is None:
            continue
        if kind == "steps":
            ratios.append(s * o / d)
        elif _positive(minutes[k]) is not None:
            ratios.append(s * o * minutes[k] / d)
    found = s_found or o_found
    if not ratios or (found and len(ratios) < 3):
        return None
    med = statistics.median(ratios)
    q = statistics.quantiles(ratios, n=4) if len(ratios) >= 2 else [med, med, med]
    spread = (q[2] - q[0]) / med
    if found and spread > _MAX_SPREAD:
        return None
    formula = "steps x stride length" if kind == "steps" else "stride length x cadence x time"
    cols = f" (columns '{s_name}' and '{o_name}', found by their values)" if found else ""
    return spread, med, f"{formula} / distance = {med:.0f} m per unit, 1000 for km and 1609 for miles{cols}"


def _mmss(seconds: float) -> str:
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


def _plausible_unit(parsed: list[dict], english: bool) -> tuple[str, str]:
    """km or mi by which makes the runs look like running: pace and run length (module notes).

    Under each unit the runner's median pace (s/km) and median run length (km)
    are scored against :data:`TYPICAL_PACE_S_PER_KM` and :data:`TYPICAL_RUN_KM`
    (log-normal; medians, so warm-ups and races do not decide); miles win only
    by the margin for the file's language.
    """
    paces, lengths = [], []
    for p in parsed:
        d = _positive(p.get("distance"))
        t = _positive(p.get("moving_time")) or _positive(p.get("time"))
        pace = _positive(p.get("avg_pace")) or (t / d if d is not None and t is not None else None)
        if d is not None and pace is not None:
            paces.append(pace)
            lengths.append(d)
    if not paces:
        return "km", "nothing in the file tells km from miles; km is the default"
    med_pace, med_len = statistics.median(paces), statistics.median(lengths)

    def loglik(metres_per_unit: float) -> float:
        f = metres_per_unit / 1000.0
        z_pace = (math.log(med_pace / f) - math.log(TYPICAL_PACE_S_PER_KM)) / PACE_LOG_SD
        z_len = (math.log(med_len * f) - math.log(TYPICAL_RUN_KM)) / RUN_KM_LOG_SD
        return -0.5 * (z_pace**2 + z_len**2)

    margin = MILES_MARGIN_ENGLISH if english else MILES_MARGIN_OTHER
    unit = "mi" if loglik(METRES_PER_MILE) - loglik(1000.0) > margin else "km"
    f = METRES_PER_MILE / 1000.0
    why = (f"in km the median run is {med_len:.1f} km at {_mmss(med_pace)}/km, in miles it would be "
           f"{med_len * f:.1f} km at {_mmss(med_pace / f)}/km; runs are typically 3-16 km at 4:30-8:00/km"
           + ("" if english else " and a header in another language than English means km unless miles fit "
              "far better"))
    return unit, why


def _infer_distance_unit(parsed: list[dict], extra: dict[str, list[float]] | None = None,
                         english: bool = True) -> tuple[str, str]:
    """'km' or 'mi' decided from the file itself, and why (module docstring, "Units").

    In order: the stride-length arithmetic (:func:`_metres_per_unit`), then how
    plausible the runs' paces and lengths are in each unit (:func:`_plausible_unit`).
    """
    return _metres_per_unit(parsed, extra or {}) or _plausible_unit(parsed, english)


def _nan_to_na(x: float | None, zero_is_missing: bool = False):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return pd.NA
    if zero_is_missing and x == 0:
        return pd.NA
    return x


# ---------------------------------------------------------------------------
# CSV reader
# ---------------------------------------------------------------------------
_NUMERIC_FIELDS = (
    "distance", "avg_hr", "avg_run_cadence", "avg_cadence", "total_ascent", "avg_stride_length",
    "avg_vertical_ratio", "avg_vertical_oscillation", "steps",
)
_DURATION_FIELDS = ("time", "moving_time", "elapsed_time", "avg_pace")


class _RowError(ValueError):
    """A data row that cannot be read (the reason is the message)."""


def _records(text: str, delimiter: str) -> tuple[list[list[str]], list[str | None]]:
    """CSV records, and each one's physical line (None for a record over several lines)."""
    physical = io.StringIO(text, newline="").readlines()  # the lines csv.reader itself reads
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records, lines, last = [], [], 0
    for record in reader:
        records.append(record)
        lines.append(physical[last].rstrip("\r\n") if reader.line_num == last + 1 else None)
        last = reader.line_num
    return records, lines


def _start_lines(text: str, delimiter: str, lines: list[str | None]) -> dict[int, int]:
    """Spreadsheet row -> the line of the file it starts on, for the rows after a record over several lines.

    ``lines`` is :func:`_records`' (None marks a record over several lines): a file without one
    (nearly every file) is not read again.
    """
    if None not in lines:
        return {}
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    out, ended = {}, 0
    for row, _ in enumerate(reader, start=1):
        if ended + 1 != row:
            out[row] = ended + 1
        ended = reader.line_num
    return out


_FIELD = re.compile(r'\s*(?:"(?:[^"]|"")*"|[^"{d}]*)\s*')


def _unescaped_title(record: list[str], line: str | None, title: int, ncols: int, delimiter: str) -> list[str]:
    """A record whose title holds double quotes Garmin did not escape, read as Garmin wrote it.

    Garmin Connect quotes the title without doubling the quotes inside it: a workout named
    ``10x20"/40"`` is written ``"10x20"/40""``, which the CSV rules read as ``10x20/40""`` (one quote
    lost, one gained), and ``"Tempo "5k", park"`` splits into one field too many. The other cells
    (type, date, numbers) never hold a quote, so the fields before the title are read from the
    left, those after it from the right (the quoting rules read the same backwards), and the
    title is what lies between, its outer quotes removed. A record that needs no repair (no
    quote in any cell, the header's number of fields, or more that are blank: a trailing
    delimiter, which the reader accepts), or that spans several lines, is kept.
    """
    fits = len(record) >= ncols and not any(c.strip() for c in record[ncols:])
    if line is None or (fits and not any('"' in c for c in record)):
        return record
    field_re = re.compile(_FIELD.pattern.replace("{d}", re.escape(delimiter)))

    def split(text: str, n: int) -> tuple[list[str], int] | None:
        cells, pos = [], 0
        for _ in range(n):
            m = field_re.match(text, pos)
            if m is None or m.end() >= len(text) or text[m.end()] != delimiter:
                return None
            cells.append(m.group(0))
            pos = m.end() + 1
        return cells, pos

    # blank fields past the header's (a trailing delimiter) are read from the right too, then left out
    trailing = 0
    while trailing < len(record) - ncols and not record[len(record) - 1 - trailing].strip():
        trailing += 1
    left = split(line, title)
    right = split(line[::-1], ncols - title - 1 + trailing)
    if left is None or right is None or left[1] + right[1] > len(line):
        return record
    right = (right[0][trailing:], right[1])
    middle = line[left[1]:len(line) - right[1]].strip()
    if len(middle) >= 2 and middle[0] == middle[-1] == '"':
        middle = middle[1:-1]

    def cell(raw: str) -> str:
        raw = raw.strip()
        return raw[1:-1].replace('""', '"') if len(raw) >= 2 and raw[0] == raw[-1] == '"' else raw

    return [cell(c) for c in left[0]] + [middle.replace('""', '"')] + [cell(c[::-1]) for c in reversed(right[0])]


@dataclass
class _Table:
    """A Garmin CSV split into records, with its column layout and number style."""

    header: list[str]
    rows: list[list[str]]
    layout: _Layout
    comma_cols: set[int]
    file_comma: bool
    walls: list = field(default_factory=list)  # parsed start (wall time) per row, NaT if unreadable
    #: spreadsheet row -> the 1-based line of the file it starts on, where a quoted line break above moves it
    lines: dict[int, int] = field(default_factory=dict)

    @classmethod
    def read(cls, data: bytes, label: str) -> _Table:
        text = decode_text(data)
        if not text.strip():
            raise RunlogError("empty file", path=label)
        delimiter = header_delimiter(first_line(text))
        try:
            records, lines = _records(text, delimiter)
        except csv.Error as exc:
            raise RunlogError(f"not a readable CSV: {exc}", path=label) from exc
        header, rows = records[0], records[1:]
        layout = _map_header(header)
        if layout.columns.get("title"):
            title = layout.columns["title"][0]
            rows = [_unescaped_title(r, line, title, len(header), delimiter) for r, line in zip(rows, lines[1:],
                                                                                           strict=True)]
        _guess_columns(header, [r for r in rows if any(c.strip() for c in r)], layout)
        for key, what in (("activity_type", "activity-type"), ("date", "date")):
            if key not in layout.columns:
                shown = delimiter.join(header)[:120]
                raise RunlogError(f"no {what} column found in the Garmin CSV header: {shown}", path=label)
        cleaned = [[_clean(c) for c in r] for r in rows]
        comma_cols = {j for j in range(len(header)) if any(_DEC_COMMA.match(c) for c in _column(cleaned, j))}
        n_comma = sum(bool(_DEC_COMMA.match(c)) for r in cleaned for c in r)
        n_point = sum(bool(_DEC_POINT.match(c)) for r in cleaned for c in r)
        table = cls(header, rows, layout, comma_cols, n_comma > n_point)
        table.lines = _start_lines(text, delimiter, lines)
        # parsed as one column, so that day-first or month-first is decided for the whole file
        table.walls = list(parse_wall_times([(table.cell(r, "date") or ("",))[0] for r in rows]))
        return table

    def cell(self, rec: list[str], key: str) -> tuple[str, int] | None:
        """First non-missing cell of a field's candidate columns, and its column."""
        for j in self.layout.columns.get(key, ()):
            if j < len(rec) and not _is_missing(_clean(rec[j])):
                return rec[j], j
        return None

    def parse_run(self, k: int) -> dict:
        """The values of run row ``k`` in the file's own units (NaN = missing).

        Raises
        ------
        _RowError
            A date or number that cannot be read.
        """
        rec = self.rows[k]
        out: dict = {}
        for key in _NUMERIC_FIELDS + _DURATION_FIELDS + ("avg_speed",):
            got = self.cell(rec, key)
            if got is None:
                continue
            value, j = got
            try:
                if key == "avg_speed":
                    if ":" in value:  # run rows carry a pace in the speed column
                        out.setdefault("avg_pace", _parse_duration(value))
                elif key in _DURATION_FIELDS:
                    out[key] = _parse_duration(value)
                else:
                    comma = j in self.comma_cols
                    out[key] = parse_number(value, comma, self.file_comma or comma)
            except ValueError:
                raise _RowError(f"unreadable {str(self.header[j]).strip()} '{_clean(value)}'") from None
        if not math.isnan(out.get("avg_run_cadence", math.nan)):
            out["avg_cadence"] = out["avg_run_cadence"]
        got = self.cell(rec, "date")
        if got is None:
            raise _RowError("no date")
        out["wall"] = self.walls[k]
        if pd.isna(out["wall"]):
            raise _RowError(f"unreadable date '{_clean(got[0])}'")
        title = self.cell(rec, "title")
        out["title"] = title[0].strip() if title else None
        return out


def _unrecognised_values(table: _Table, records: list[list[str]]) -> dict[str, list[float]]:
    """Numbers of the columns nobody recognised, per run row (NaN where missing or not a number)."""
    used = {j for cols in table.layout.columns.values() for j in cols}
    unknown = set(table.layout.unknown)
    out: dict[str, list[float]] = {}
    for j, name in enumerate(table.header):
        if j in used or str(name).strip() not in unknown:
            continue
        values = []
        for rec in records:
            try:
                comma = j in table.comma_cols
                values.append(parse_number(rec[j], comma, table.file_comma or comma) if j < len(rec) else math.nan)
            except ValueError:
                values.append(math.nan)
        out[str(name).strip()] = values
    return out


def _english_header(header: list[str]) -> bool:
    """Whether the header is Garmin's English one (the only language whose users set miles often)."""
    english = {_norm(h) for h in _LOCALES["known_header_rows"]["languages"].get("en", [])}
    cells = [_norm(h) for h in header if _norm(h)]
    return bool(cells) and sum(c in english for c in cells) >= 0.5 * len(cells)


def _units_and_notes(table: _Table, parsed: list[dict], units: str | None,
                     records: list[list[str]] | None = None) -> tuple[str, str, list[str]]:
    """Distance unit, elevation unit, and the notes every imported row's log reason carries."""
    lay = table.layout
    notes = list(lay.notes)
    if units is not None:
        dist_unit = units
    elif lay.header_units.get("distance") in ("km", "mi"):
        dist_unit = lay.header_units["distance"]
    else:
        english = _english_header(table.header) and not table.file_comma
        dist_unit, how = _infer_distance_unit(parsed, _unrecognised_values(table, records or []), english)
        if parsed and "distance" in lay.columns:
            notes.append(f"distances read as {dist_unit}: {how} (a unit in the header, e.g. 'Distance (km)', "
                         "or units= overrides)")
    elev_unit = lay.header_units.get("total_ascent") or ("ft" if dist_unit == "mi" else "m")
    if lay.unknown:
        shown = ", ".join(f"'{h}'" for h in lay.unknown[:6])
        more = f" (+{len(lay.unknown) - 6} more)" if len(lay.unknown) > 6 else ""
        notes.append(f"unrecognised columns: {shown}{more}")
    if "distance" not in lay.columns:
        notes.append("no distance column found")
    if "time" not in lay.columns and "moving_time" not in lay.columns:
        notes.append("no duration column found")
    return dist_unit, elev_unit, notes


def _scaled(value: float | None, factor: float, zero_is_missing: bool = False):
    return _nan_to_na(None if value is None else value * factor, zero_is_missing)


def _csv_run_record(p: dict, dist_unit: str, elev_unit: str) -> dict:
    """Canonical runs columns of a parsed row: fields named by :data:`VARIABLE_MAP`, file units -> canonical.

    ``Moving Time`` is read as ``Time`` where missing or zero; ``Avg Run Cadence`` as ``Avg Cadence``
    where missing (:meth:`_Table.parse_run`).
    """
    moving = p.get("moving_time")
    if moving is None or math.isnan(moving) or moving <= 0:
        moving = p.get("time")
    values = {  # by header field, in canonical units
        "title": p["title"] or pd.NA,
        "distance": _scaled(p.get("distance"), 1000.0 if dist_unit == "km" else METRES_PER_MILE),
        "moving_time": _nan_to_na(moving, zero_is_missing=True),
        "elapsed_time": _nan_to_na(p.get("elapsed_time"), zero_is_missing=True),
        "avg_hr": _nan_to_na(p.get("avg_hr"), zero_is_missing=True),
        "avg_run_cadence": _nan_to_na(p.get("avg_cadence"), zero_is_missing=True),
        "total_ascent": _scaled(p.get("total_ascent"), 1.0 if elev_unit == "m" else METRES_PER_FOOT),
        "avg_stride_length": _scaled(p.get("avg_stride_length"), 1000.0, True),
        "avg_vertical_oscillation": _scaled(
            p.get("avg_vertical_oscillation"), 25.4 if dist_unit == "mi" else 10.0, True
        ),
        "avg_vertical_ratio": _nan_to_na(p.get("avg_vertical_ratio"), True),
    }
    return {"wall": p["wall"], **{_FIELD_COLUMNS[f]: v for f, v in values.items()}}


def read_garmin_csv(
    source: str | Path | bytes,
    *,
    tz=None,
    name: str | None = None,
    units: str | None = None,
) -> ReadResult:
    """Read a Garmin Connect ``Activities.csv`` ("All Activities" -> Export CSV).

    Parameters
    ----------
    source : str, Path or bytes
        The file, or its bytes (a member of a zip).
    tz : str, optional
        IANA time zone of the ``Date`` column's wall times (default UTC).
    name : str, optional
        File name to write in the import log when ``source`` is bytes.
    units : {'km', 'mi'}, optional
        The account's distance unit; by default read from the header or
        inferred (module docstring, "Units"). Elevation follows: m or ft.

    Returns
    -------
    ReadResult
        ``runs`` (source ``garmin_csv``; ``activity_id`` = ``garmin:<sha1-12 of
        the row>``; no gear: the CSV has none; running-dynamics averages in
        ``avg_step_length_mm``, ``avg_vertical_oscillation_mm``,
        ``avg_vertical_ratio_pct``), no samples, and one log row per data row
        (``row`` = spreadsheet row, header = 1): imported, not_a_run (with the
        activity type), duplicate (the same row twice) or failed (with why).

    Raises
    ------
    RunlogError
        Empty file, or no activity-type or date column found.

    Notes
    -----
    Distance km or mi -> m; elevation m or ft -> m; durations ``h:mm:ss`` ->
    s; ``Avg Run Cadence`` is already steps/min; stride length m -> mm;
    vertical oscillation cm (in for miles) -> mm. ``moving_time_s`` is
    ``Moving Time``, or ``Time`` where that is missing or zero. Zero heart
    rate, cadence and running dynamics mean "no sensor" and become NA.

    References
    ----------
    FORMATS.md, "Garmin Connect web CSV"; data/README-exports.md, "garmin_csv/".
    """
    if units is not None and units not in ("km", "mi"):
        raise RunlogError(f"units must be 'km' or 'mi', not {units!r}")
    data, label = read_source_bytes(source, name)
    table = _Table.read(data, label)
    ncols = len(table.header)

    def entry(status: str, reason: str, rowno: int, aid: str | None = None) -> dict:
        if reason:  # a row with something to say names its line, where a quoted line break above moved it
            reason += where(rowno, table.lines)
        return log_row(label, status, reason, row=rowno, activity_id=aid, source=SOURCE_CSV)

    log: list[dict] = []
    runs: list[tuple[int, int, str, str, list[str], dict]] = []  # log slot, row, sport, how, record, values
    for k, rec in enumerate(table.rows):
        rowno = k + 2  # the header is spreadsheet row 1
        if not any(c.strip() for c in rec):
            continue
        if len(rec) < ncols or any(c.strip() for c in rec[ncols:]):
            log.append(entry("failed", f"row has {len(rec)} fields, the header has {ncols}", rowno))
            continue
        got = table.cell(rec, "activity_type")
        if got is None:
            log.append(entry("failed", "no activity type", rowno))
            continue
        sport, how = classify_activity_type(got[0])
        if sport is None:
            log.append(entry("not_a_run", f"activity type '{_clean(got[0])}' is not a run", rowno))
            continue
        try:
            values = table.parse_run(k)
        except _RowError as exc:
            log.append(entry("failed", str(exc), rowno))
            continue
        log.append({})  # filled once the units are known
        runs.append((len(log) - 1, rowno, sport, how, rec, values))

    dist_unit, elev_unit, notes = _units_and_notes(table, [v for *_, v in runs], units, [r[4] for r in runs])
    records: list[dict] = []
    first_row: dict[str, int] = {}
    for slot, rowno, sport, how, rec, values in runs:
        aid = "garmin:" + hashlib.sha1(",".join(rec).encode("utf-8")).hexdigest()[:12]
        if aid in first_row:
            log[slot] = entry("duplicate", f"same row as row {first_row[aid]}", rowno, aid)
            continue
        first_row[aid] = rowno
        records.append({"activity_id": aid, "sport": sport, **_csv_run_record(values, dist_unit, elev_unit)})
        reason = list(notes)
        if how == "keyword":
            kind = _clean(table.cell(rec, "activity_type")[0])
            reason.insert(0, f"activity type '{kind}' read as a run by keyword")
        log[slot] = entry("imported", "; ".join(reason), rowno, aid)

    if not records:
        return ReadResult.build(log_rows=log)
    frame = pd.DataFrame(records)
    frame["start_time"] = localize_wall_time(frame["wall"], tz)
    frame["date"] = pd.to_datetime(frame["wall"]).dt.normalize()
    return ReadResult.build(runs=_finish_runs(frame.drop(columns="wall"), SOURCE_CSV, label), log_rows=log)


def _finish_runs(frame: pd.DataFrame, source: str, label: str) -> pd.DataFrame:
    """Source columns, no gear, and nullable floats for the running-dynamics extras."""
    frame = frame.assign(source=source, source_file=label, gear_id=pd.NA, gear_name=pd.NA)
    for col in EXTRA_RUN_COLUMNS:
        frame[col] = pd.to_numeric(frame[col]).astype("Float64")
    return frame


# ---------------------------------------------------------------------------
# GDPR JSON
# ---------------------------------------------------------------------------
def _load_json(data: bytes, label: str):
    try:
        return json.loads(decode_text(data))
    except (json.JSONDecodeError, ValueError) as exc:
        raise RunlogError(f"not valid JSON: {exc}", path=label) from exc
    except RecursionError as exc:  # hostile nesting ([[[[...) deeper than Python's stack
        raise RunlogError("not valid JSON: nested too deeply", path=label) from exc


def _summaries(doc, label: str) -> list:
    """The activity dicts of a summarizedActivities file (all wrapper shapes)."""
    blocks = doc if isinstance(doc, list) else [doc]
    out: list = []
    found = False
    for block in blocks:
        if isinstance(block, dict) and "summarizedActivitiesExport" in block:
            found = True
            out.extend(block["summarizedActivitiesExport"] or [])
    if not found:
        raise RunlogError("no 'summarizedActivitiesExport' in this JSON", path=label)
    return out


def _num(entry: dict, key: str) -> float | None:
    v = entry.get(key)
    if v is None or isinstance(v, bool):
        return None
    v = float(v)
    return None if math.isnan(v) else v


def read_garmin_json(source: str | Path | bytes, *, tz=None, name: str | None = None) -> ReadResult:
    """Read a Garmin GDPR export ``*_summarizedActivities.json``.

    Parameters
    ----------
    source : str, Path or bytes
        The file, or its bytes.
    tz : str, optional
        IANA zone used for the local date only when an entry lacks
        ``startTimeLocal`` (default UTC).
    name : str, optional
        File name for the import log when ``source`` is bytes.

    Returns
    -------
    ReadResult
        ``runs`` (source ``garmin_json``, ``activity_id`` = ``garmin:<activityId>``),
        no samples, one log row per entry (``row`` = 1-based position in
        ``summarizedActivitiesExport``).

    Raises
    ------
    RunlogError
        Not JSON, or no ``summarizedActivitiesExport`` in it.

    Notes
    -----
    Distances and elevations are in cm, durations in ms, ``avgStrideLength``
    and ``avgVerticalOscillation`` in cm; ``startTimeGmt`` (or
    ``beginTimestamp``) is UTC epoch ms, possibly written as a float
    (``1.740849662E12``); ``startTimeLocal`` is the local wall time written as
    epoch ms, so ``startTimeLocal - startTimeGmt`` is the run's UTC offset and
    gives its local ``date``. ``avgDoubleCadence`` is steps/min
    (``2 x avgRunCadence``, which is strides/min). See :data:`JSON_VARIABLE_MAP`.

    References
    ----------
    FORMATS.md, "Garmin Connect web CSV" (full data export); data/README-exports.md, "garmin_json/".
    """
    data, label = read_source_bytes(source, name)
    entries = _summaries(_load_json(data, label), label)

    def entry(status: str, reason: str, k: int, aid: str | None = None) -> dict:
        return log_row(label, status, reason, row=k, activity_id=aid, source=SOURCE_JSON)

    log: list[dict] = []
    records: list[dict] = []
    seen: set[str] = set()
    for k, e in enumerate(entries, start=1):
        if not isinstance(e, dict):
            log.append(entry("failed", "entry is not an object", k))
            continue
        kind = e.get("activityType")
        kind = str((kind.get("typeKey") if isinstance(kind, dict) else kind) or "").strip()
        sport = (JSON_RUN_TYPES.get(kind) or classify_activity_type(kind)[0]) if kind else None
        if sport is None:
            log.append(entry("not_a_run", f"activity type '{kind or '?'}' is not a run", k))
            continue
        aid = _garmin_id(e.get("activityId")) or (
            "garmin:" + hashlib.sha1(json.dumps(e, sort_keys=True).encode()).hexdigest()[:12]
        )
        try:
            record = _json_run_record(e, tz)
        except _RowError as exc:
            log.append(entry("failed", str(exc), k))
            continue
        if aid in seen:
            log.append(entry("duplicate", "same activityId twice in the file", k, aid))
            continue
        seen.add(aid)
        records.append({"activity_id": aid, "sport": sport, **record})
        log.append(entry("imported", "", k, aid))
    if not records:
        return ReadResult.build(log_rows=log)
    return ReadResult.build(runs=_finish_runs(pd.DataFrame(records), SOURCE_JSON, label), log_rows=log)


def _garmin_id(ident) -> str | None:
    """``garmin:<activityId>`` (ids may be written as floats), or None."""
    if ident is None or isinstance(ident, bool) or ident == "":
        return None
    if isinstance(ident, float) and ident.is_integer():
        ident = int(ident)
    return f"garmin:{ident}"


def _json_run_record(e: dict, tz) -> dict:
    """Canonical runs columns of one summarized activity (cm, ms -> m, s).

    Raises
    ------
    _RowError
        No start time, or a value that is not a number.
    """
    try:
        nums = {key: _num(e, key) for key in JSON_VARIABLE_MAP if key not in ("activityType", "name")}
        start_ms = _num(e, "startTimeGmt")
        start_ms = _num(e, "beginTimestamp") if start_ms is None else start_ms
        local_ms = _num(e, "startTimeLocal")
        run_cadence = _num(e, "avgRunCadence")
    except (TypeError, ValueError) as exc:
        raise _RowError(f"unreadable value: {exc}") from None
    if start_ms is None:
        raise _RowError("no start time (startTimeGmt or beginTimestamp)")
    try:
        start = pd.Timestamp(round(start_ms), unit="ms", tz="UTC")
        if local_ms is not None:  # the wall time written as if it were UTC: its date is the local date
            day = pd.Timestamp(round(local_ms), unit="ms").normalize()
        else:
            day = local_date(pd.Series([start]), tz).iloc[0]
    except (OverflowError, ValueError) as exc:  # infinite, or beyond the years pandas can hold
        raise _RowError(f"start time out of range ({start_ms!r} ms)") from exc

    def conv(key: str, zero_is_missing: bool = False):
        return _scaled(nums[key], JSON_VARIABLE_MAP[key][1], zero_is_missing)

    moving = conv("movingDuration", True)
    if moving is pd.NA:
        moving = conv("duration", True)
    cadence = nums["avgDoubleCadence"]
    if cadence is None and run_cadence is not None:
        cadence = 2.0 * run_cadence  # avgRunCadence is strides/min
    title = e.get("name")
    return {
        "start_time": start,
        "date": day,
        "name": title.strip() if isinstance(title, str) and title.strip() else pd.NA,
        "distance_m": conv("distance"),
        "moving_time_s": moving,
        "elapsed_time_s": conv("elapsedDuration", True),
        "avg_heart_rate_bpm": conv("avgHr", True),
        "avg_cadence_spm": _nan_to_na(cadence, True),
        "elevation_gain_m": conv("elevationGain"),
        "avg_step_length_mm": conv("avgStrideLength", True),
        "avg_vertical_oscillation_mm": conv("avgVerticalOscillation", True),
        "avg_vertical_ratio_pct": conv("avgVerticalRatio", True),
    }


# ---------------------------------------------------------------------------
# Gear
# ---------------------------------------------------------------------------
def _gear_doc(source: str | Path | bytes, name: str | None) -> tuple[dict, str]:
    data, label = read_source_bytes(source, name)
    doc = _load_json(data, label)
    blocks = doc if isinstance(doc, list) else [doc]
    for block in blocks:
        if isinstance(block, dict) and ("gearDTOS" in block or "gearActivityDTOs" in block):
            return block, label
    raise RunlogError("no 'gearDTOS' in this JSON (expected a Garmin <user>_gear.json)", path=label)


def _is_shoe(g: dict) -> bool:
    kind = str(g.get("gearTypeName") or "shoes").strip().casefold()
    return kind in ("shoes", "shoe", "running shoes")


def _gear_name(g: dict) -> str | None:
    for key in ("displayName", "customMakeModel"):
        v = g.get(key)
        if isinstance(v, str) and v.strip():
            return v.strip()
    parts = [str(g[k]).strip() for k in ("gearMakeName", "gearModelName") if g.get(k)]
    return " ".join(parts) or None


def read_garmin_gear(source: str | Path | bytes, *, name: str | None = None) -> pd.DataFrame:
    """Which shoe each activity used, from a Garmin GDPR ``<user>_gear.json``.

    Parameters
    ----------
    source : str, Path or bytes
        The gear file (``gearDTOS`` and ``gearActivityDTOs``).
    name : str, optional
        File name for error messages when ``source`` is bytes.

    Returns
    -------
    DataFrame
        Index ``activity_id`` (``garmin:<activityId>``, matching
        :func:`read_garmin_json`), columns ``gear_id`` (the ``gearPk`` as a
        string) and ``gear_name`` (``displayName``, else ``customMakeModel``,
        else make + model). Shoes only (``gearTypeName`` "Shoes"); an activity
        linked to two shoes keeps the first listed.

    Raises
    ------
    RunlogError
        Not JSON, or not a gear file.

    References
    ----------
    FORMATS.md, "Garmin Connect web CSV" (gear in ``<user>_gear.json``).
    """
    doc, _ = _gear_doc(source, name)
    gear = {str(g.get("gearPk")): g for g in doc.get("gearDTOS") or [] if isinstance(g, dict)}
    rows: dict[str, tuple[str, str | None]] = {}
    links = doc.get("gearActivityDTOs") or {}
    for pk, acts in links.items():
        g = gear.get(str(pk), {"gearPk": pk})
        if not _is_shoe(g):
            continue
        for act in acts or []:
            ident = act.get("activityId") if isinstance(act, dict) else act
            if ident is None:
                continue
            aid = _garmin_id(ident)
            if aid:
                rows.setdefault(aid, (str(pk), _gear_name(g)))
    out = pd.DataFrame(
        {"gear_id": [v[0] for v in rows.values()], "gear_name": [v[1] for v in rows.values()]},
        index=pd.Index(list(rows), name="activity_id", dtype="string"),
    )
    return out.astype("string")


def read_garmin_shoes(source: str | Path | bytes, *, name: str | None = None) -> pd.DataFrame:
    """The shoes of a Garmin GDPR ``<user>_gear.json`` as a shoes-catalog frame.

    Parameters
    ----------
    source : str, Path or bytes
        The gear file.
    name : str, optional
        File name for error messages when ``source`` is bytes.

    Returns
    -------
    DataFrame
        Canonical shoes frame (:func:`analysis.schema.coerce_shoes`): ``name``
        (as in :func:`read_garmin_gear`), ``brand`` (``gearMakeName``),
        ``model`` (``customMakeModel``, else ``gearModelName``), ``gear_id``,
        ``retire_km`` (``maximumMeters`` / 1000, the user's retirement
        distance), ``retired`` (``gearStatusName`` "retired" or a ``dateEnd``).
        Specs (weight, stack, drop) are not in the file: NA.
    """
    doc, _ = _gear_doc(source, name)
    rows = []
    for g in doc.get("gearDTOS") or []:
        if not isinstance(g, dict) or not _is_shoe(g):
            continue
        model = g.get("customMakeModel") or g.get("gearModelName")
        max_m = g.get("maximumMeters")
        status = str(g.get("gearStatusName") or "").casefold()
        rows.append({
            "name": _gear_name(g),
            "brand": g.get("gearMakeName") or pd.NA,
            "model": model or pd.NA,
            "gear_id": str(g.get("gearPk")),
            "retire_km": float(max_m) / 1000.0 if isinstance(max_m, int | float) and max_m > 0 else pd.NA,
            "retired": status == "retired" or bool(g.get("dateEnd")),
        })
    return schema.coerce_shoes(pd.DataFrame(rows, columns=["name", "brand", "model", "gear_id", "retire_km",
                                                           "retired"]))


def apply_garmin_gear(runs: pd.DataFrame, gear_links: pd.DataFrame) -> pd.DataFrame:
    """Fill ``gear_id``/``gear_name`` of runs from :func:`read_garmin_gear` links.

    Parameters
    ----------
    runs : DataFrame
        Canonical runs frame (index ``activity_id``).
    gear_links : DataFrame
        Index ``activity_id``, columns ``gear_id``, ``gear_name``.

    Returns
    -------
    DataFrame
        A copy of ``runs`` whose missing ``gear_id``/``gear_name`` are filled
        where the run's id is linked to a shoe; gear already present is kept.
    """
    out = runs.copy()
    if gear_links is None or gear_links.empty or out.empty:
        return out
    links = gear_links[~gear_links.index.duplicated()]
    for col in ("gear_id", "gear_name"):
        mapped = pd.Series(out.index.map(links[col]), index=out.index, dtype="string")
        if col in out.columns:
            out[col] = out[col].astype("string").fillna(mapped)
        else:
            out[col] = mapped
    return out


# ---------------------------------------------------------------------------
# Sniffers
# ---------------------------------------------------------------------------
def sniff_csv(head: bytes, name: str = "") -> bool:
    """Tell whether the first bytes are a Garmin Connect ``Activities.csv`` (any language).

    Parameters
    ----------
    head : bytes
        The first ~64 KiB of the file.
    name : str, optional
        The file name (not needed: the header decides).

    Returns
    -------
    bool
        True when the first header cell is an activity-type header and a date
        header follows within two cells, or at least five header cells are
        known Garmin headers with an activity-type header among them.
    """
    cells = header_cells(head)
    if not cells:
        return False
    normed = [_norm(_UNIT_SUFFIX.sub("", c.strip())) for c in cells]
    if len(normed) < 3:
        return False
    if normed[0] in _TYPE_HEADERS and any(n in _DATE_HEADERS for n in normed[1:3]):
        return True
    known = sum(n in _KNOWN_HEADERS for n in normed)
    return known >= 5 and any(n in _TYPE_HEADERS for n in normed[:3])


def sniff_json(head: bytes, name: str = "") -> bool:
    """Tell whether the first bytes are a Garmin GDPR ``summarizedActivities`` JSON."""
    return b"summarizedActivitiesExport" in head[:65536]


def sniff_gear(head: bytes, name: str = "") -> bool:
    """Tell whether the first bytes are a Garmin GDPR ``<user>_gear.json``."""
    return b'"gearDTOS"' in head[:65536] or b'"gearActivityDTOs"' in head[:65536]


__all__ = [
    "HEADER_ALIASES",
    "HEADER_FIELDS",
    "JSON_RUN_TYPES",
    "JSON_VARIABLE_MAP",
    "KNOWN_HEADER_ROWS",
    "LOCALES_RESOURCE",
    "RUN_TYPE_ALIASES",
    "VARIABLE_MAP",
    "apply_garmin_gear",
    "classify_activity_type",
    "locale_tables",
    "parse_number",
    "parse_wall_times",
    "read_garmin_csv",
    "read_garmin_gear",
    "read_garmin_json",
    "read_garmin_shoes",
    "sniff_csv",
    "sniff_gear",
    "sniff_json",
]

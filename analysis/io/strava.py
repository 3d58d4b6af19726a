"""Strava bulk export ("Download your data" archive): its ``activities.csv`` and ``shoes.csv``.

:func:`read_strava` reads ``activities.csv`` (a path, or bytes) into canonical
runs; :func:`read_strava_shoes` reads ``shoes.csv``. Every layout Strava has
written is read: the pre-2019 short one (``id,date,...``, distance in metres),
the early-2019 11-column one (a single ``Distance`` in km), and the 72- to
103-column ones, in any of the languages Strava's website offers. The export
as a whole (zip or folder, each row joined with the activity file it names) is
read by :mod:`analysis.ingest.strava_export`.

Notes on the format (FORMATS.md, "Strava bulk export")
-----------------------------------------------------
* Column names repeat (``Elapsed Time``, ``Distance``, ``Max Heart Rate``, ...).
  The CSV is read with :mod:`csv` and columns are picked by name *and*
  occurrence: the first ``Distance`` is a display value (km, miles for imperial
  accounts, metres with a thousands comma for swims, decimal commas in
  localized exports); the second is metres and is the one used. A lone
  ``Distance`` (11-column layout) is km.
* Headers are matched through :data:`HEADER_ALIASES` after stripping HTML
  (``<span class="translation_missing" ...>Type</span>`` keeps ``Type``), the
  ``translation missing: ...horton_values.x`` placeholders, BOMs, case, accents,
  spaces and punctuation. Unknown columns are tolerated and listed in the log.
* The CSV is decoded and its delimiter (``,``, or ``;`` / tab after a
  spreadsheet re-save) found by :mod:`analysis.io.table`, as for the other
  user-edited tables; its header is the file's first line.
* ``Activity Date`` is UTC, written in the account's locale
  (``Oct 6, 2022, 11:19:20 PM``, ``23 jun. 2017 15:52:12``, ``6. 9. 2026 11:18:40``
  ...): see :func:`parse_activity_date`.
* Times are s, speeds m/s, elevation m; ``Average Cadence`` of a run is
  strides/min and becomes steps/min (x 2).
* Each row's ``Filename`` (``activities/*.fit.gz``, ``.gpx``, ``.tcx.gz`` ...) names
  its activity file: :class:`ActivityRow` keeps it for the export's reader.

Why parts of this are written by hand
-------------------------------------
``pandas.read_csv`` renames repeated columns (``Distance.1``) and
``csv.DictReader`` keeps the last one, so the header is mapped here by position.
``dateutil`` and ``pandas.to_datetime`` know English month names only and guess
day/month order per value; Strava's localized dates need a month table in
two dozen languages and a day/month order decided once per file, hence
:func:`parse_activity_date`. The locale tables (headers, activity types, month
names, shoes.csv headers) are data, kept in ``analysis/data/strava_locales.json``
and read once by :func:`locale_tables`: facts gathered from real exports
(English, Dutch, Czech, German, Italian headers) and, for the other languages,
Strava's published translations as best known; the file notes the provenance
of each table.

How a large file is read (20,000 activities in ~8x ``pandas.read_csv`` of
the same file, benchmarks/README.md "Large inputs"): :mod:`csv` reads the
records (in C) and each is cut, as it is read, to the cells of the fields
used (:func:`operator.itemgetter`); ids, duplicates and types are then
decided record by record, in file order, and the runs' values field by
field: each distinct cell text is parsed once per file (a file repeats its
dates' days, distances, gear), a numeric column becomes float64 in one numpy
call, and Strava's two English date forms are read by one regular
expression each (the general reading gives the same value, or refuses,
as a test checks). No library reads Strava's per-cell number rules
(:func:`parse_number`, not the generic CSV's) or its dates, so the column
work is these loops over Python strings; ``pandas.read_csv`` itself would
need the header mapped by position and its own quoting rules checked
against the csv module's, left for later. Python's cyclic garbage collector
is paused while a file is read (:func:`parse_activities_csv`).

References
----------
FORMATS.md, "Strava bulk export"; data/README-exports.md (real exports).
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from functools import cache, lru_cache
from importlib import resources
from operator import itemgetter
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

from analysis import units
from analysis.collector import gc_paused
from analysis.errors import RunlogError
from analysis.io.base import ExportRow, ReadResult, log_row, read_source_bytes
from analysis.io.table import alnum_key, decode_text, header_delimiter, where

SOURCE = "strava"
TimeZone = str | tzinfo | None
T = TypeVar("T")

#: Strava's English header -> canonical runs column (pvlib iotools style).
#: Localized headers are in :data:`HEADER_ALIASES`; Strava's own unit of each is
#: noted in :func:`read_strava`.
VARIABLE_MAP: dict[str, str] = {
    "Activity ID": "activity_id",
    "Activity Date": "start_time",
    "Activity Name": "name",
    "Activity Type": "sport",
    "Activity Description": "description",
    "Elapsed Time": "elapsed_time_s",
    "Moving Time": "moving_time_s",
    "Distance": "distance_m",
    "Average Heart Rate": "avg_heart_rate_bpm",
    "Average Cadence": "avg_cadence_spm",
    "Elevation Gain": "elevation_gain_m",
    "Perceived Exertion": "rpe",
    "Activity Gear": "gear_name",
    "Gear": "gear_id",
}

#: Where the locale tables live (package data): headers, activity types, month
#: names and shoes.csv headers in every language Strava offers, with their
#: provenance (which names were read in real exports, which are best knowledge).
LOCALES_RESOURCE = "data/strava_locales.json"

#: The fields an activities.csv header can name: the keys of :data:`HEADER_ALIASES`.
HEADER_FIELDS: tuple[str, ...] = (
    "activity_id", "date", "name", "type", "description", "elapsed_time", "moving_time", "distance",
    "max_heart_rate", "avg_heart_rate", "avg_cadence", "elevation_gain", "gear_name", "gear_id", "filename",
    "rpe", "trainer",
)


@cache
def locale_tables() -> dict:
    """Strava's locale tables, read once from ``analysis/data/strava_locales.json``.

    Returns
    -------
    dict
        The parsed file: ``header_aliases`` (``fields``: field -> names),
        ``known_unused_headers`` (``languages``: code -> names), ``run_types``
        (``languages``: code -> {type: sport}), ``month_names`` (``months``:
        "1".."12" -> names) and ``shoes_aliases`` (``fields``), each with an
        ``about`` and, where known, a ``provenance`` note. The module's tables
        below are built from it; treat it as read-only.
    """
    text = resources.files("analysis").joinpath(LOCALES_RESOURCE).read_text(encoding="utf-8")
    return json.loads(text)


_LOCALES = locale_tables()

#: Canonical field -> the header Strava writes for it, in every language its
#: website offers (en, de, fr, es, es-419, it, nl, pt-BR, pt-PT, ru, ja, zh-CN,
#: zh-TW, ko, cs, pl, sv, da, nb, fi, tr, id, vi, uk). Matching ignores case,
#: accents, spaces and punctuation (:func:`header_key`).
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    key: tuple(names) for key, names in _LOCALES["header_aliases"]["fields"].items()
}

#: The pre-July-2019 layout ``id,date,name,type,description,elapsed_time,distance,
#: commute,gear,filename``: distance in metres, ``gear`` is the shoe's name.
PRE2019_ALIASES: dict[str, tuple[str, ...]] = {
    "activity_id": ("id",),
    "date": ("date",),
    "name": ("name",),
    "type": ("type",),
    "description": ("description",),
    "elapsed_time": ("elapsed_time",),
    "moving_time": ("moving_time",),
    "distance": ("distance",),
    "gear_name": ("gear",),
    "filename": ("filename",),
}

#: Columns Strava writes that runlog does not use (every language of the locale
#: file's ``known_unused_headers``): recognised, so they are not reported as unknown.
KNOWN_UNUSED_HEADERS: tuple[str, ...] = tuple(
    name for names in _LOCALES["known_unused_headers"]["languages"].values() for name in names
)

#: Activity type as written in activities.csv -> canonical run sport (schema.RUN_SPORTS),
#: all languages together. Every other type is not a run. Keys match case- and accent-insensitively.
RUN_TYPES: dict[str, str] = {
    name: sport for types in _LOCALES["run_types"]["languages"].values() for name, sport in types.items()
}

#: Month names and abbreviations (as Strava writes them in ``Activity Date``), by
#: month number. A date word matches the longest name it starts with.
MONTH_NAMES: dict[int, tuple[str, ...]] = {
    int(month): tuple(names) for month, names in _LOCALES["month_names"]["months"].items()
}

_PM_MARKERS = ("午後", "下午", "오후")
_AM_MARKERS = ("午前", "上午", "오전")
_TIME = re.compile(r"(?<!\d)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(?!\d)")
_DOT_TIME = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{2})\.(\d{2})(?![\d.])")
_MERIDIEM = re.compile(r"(?<![^\W\d_])([ap])\.?\s?m\.?(?![^\W\d_])")
_VI_MERIDIEM = re.compile(r"(?<![^\W\d_])(sa|ch)(?![^\W\d_])")
_ISO = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?\s*(?:Z|UTC|\+00:?00)?\s*$")
#: Strava's English dates (en-US with AM/PM, en-GB 24 h), ASCII only: :func:`_english_date`
_EN_US_DATE = re.compile(r"([A-Za-z]{3,}) ([0-9]{1,2}), ([0-9]{4}), ([0-9]{1,2}):([0-9]{2}):([0-9]{2}) ([AaPp])[Mm]")
_EN_GB_DATE = re.compile(r"([0-9]{1,2}) ([A-Za-z]{3,}) ([0-9]{4}), ([0-9]{1,2}):([0-9]{2}):([0-9]{2})")
_THOUSANDS_COMMA = re.compile(r"^-?\d{1,3}(,\d{3})+$")
_NUMBER_SPACES = re.compile(r"[\s\u00a0\u202f']")
_DATE_TOKEN = re.compile(r"\d+|[^\W\d_]+")
_YEAR = re.compile(r"\d{4}")
_WORD3 = re.compile(r"[^\W\d_]{3,}")
_DIGITS = re.compile(r"\d+")
_ID = re.compile(r"\d+")
_ID_FLOAT = re.compile(r"\d+\.0*")
_GEAR_ID = re.compile(r"\d+(\.0*)?")
_SPACES = re.compile(r"\s+")
_DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")
_LINE_END = re.compile(r"[\r\n]")
_ACTIVITY_FILE = re.compile(r"\.(fit|gpx|tcx)(\.gz)?$", re.IGNORECASE)


# --------------------------------------------------------------------------- text keys


def _fold(text: str) -> str:
    """Casefold and drop accents (NFKD, combining marks removed)."""
    if text.isascii():  # NFKD leaves ASCII as it is, and ASCII casefolds to lower case
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _clean_header(cell: str) -> str:
    """A header cell as a person reads it: no BOM, HTML or translation placeholder."""
    text = cell.replace("\ufeff", "").strip()
    if "<" in text:
        text = html.unescape(re.sub(r"<[^>]*>", "", text)).strip()
    if text.casefold().startswith("translation missing:"):
        text = text.rsplit(".", 1)[-1].replace("_", " ").strip()
    return text


def header_key(cell: str) -> str:
    """Comparison key of a header: HTML, BOM, case, accents, spaces and punctuation removed."""
    return alnum_key(_clean_header(cell))


def _build_lookup(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for canonical, names in table.items():
        for alias in names:
            key = header_key(alias)
            if lookup.get(key, canonical) != canonical:
                raise ValueError(f"header alias {alias!r} maps to {lookup[key]} and {canonical}")
            lookup[key] = canonical
    return lookup


_ALIAS_LOOKUP = _build_lookup(HEADER_ALIASES)
_PRE2019_LOOKUP = _build_lookup(PRE2019_ALIASES)
_KNOWN_KEYS = frozenset(header_key(h) for h in KNOWN_UNUSED_HEADERS) | frozenset(_ALIAS_LOOKUP)
_RUN_TYPE_LOOKUP = {header_key(k): v for k, v in RUN_TYPES.items()}
_MONTH_LOOKUP = {_fold(name): month for month, names in MONTH_NAMES.items() for name in names}
#: header field (:data:`HEADER_ALIASES` key) -> canonical runs column, by :data:`VARIABLE_MAP`'s English headers
_FIELD_COLUMNS = {_ALIAS_LOOKUP[header_key(header)]: column for header, column in VARIABLE_MAP.items()}


# --------------------------------------------------------------------------- values


def parse_number(text: str | None, decimal_comma: bool = False) -> float:
    """A number as Strava (or a spreadsheet re-save) writes it; NaN when blank.

    Handles thousands separators (``1,025``; ``1.025,5``), decimal commas
    (``4,73``), non-breaking spaces and placeholders (``--``). A lone comma
    followed by exactly three digits is a thousands separator unless the file
    uses decimal commas (``decimal_comma``).

    Raises
    ------
    ValueError
        When the text is not a number.
    """
    if text is None:
        return float("nan")
    s = _NUMBER_SPACES.sub("", str(text))
    if not s or s in {"-", "--", "nan", "NaN", "NA", "N/A"}:
        return float("nan")
    if "," in s and "." in s:
        s = s.replace(".", "").replace(",", ".") if s.rfind(",") > s.rfind(".") else s.replace(",", "")
    elif "," in s:
        s = s.replace(",", "") if not decimal_comma and _THOUSANDS_COMMA.match(s) else s.replace(",", ".")
    return float(s)


@lru_cache(maxsize=4096)
def _month_of(word: str) -> int | None:
    """Month number of a (folded) month word: the longest table name it starts with (remembered per word)."""
    best, best_len = None, 0
    for name, month in _MONTH_LOOKUP.items():
        if len(name) > best_len and word.startswith(name) and len(word) >= 3:
            best, best_len = month, len(name)
    return best


def parse_activity_date(text: str, order: str | None = None) -> pd.Timestamp:
    """Strava's ``Activity Date`` (UTC, written in the account's locale) as a UTC Timestamp.

    Reads ``Oct 6, 2022, 11:19:20 PM``, ``21 Feb 2024, 01:17:32``,
    ``09.12.2022, 15:24:49``, ``6. 9. 2026 11:18:40``, ``23 jun. 2017 15:52:12``,
    ``8 jul 2017, 15:25:34``, ``2015-06-16 14:27:56``, ``6 de oct. de 2022``,
    ``2022年10月6日 下午11:19:20``, ``2022. 10. 6. 오후 11:19:20``,
    ``6.10.2022 klo 15.24.49`` and month names in two dozen languages.

    Parameters
    ----------
    text : str
        The cell.
    order : {"dmy", "mdy"}, optional
        Day/month order of an all-numeric date whose year comes last, decided
        once per file (:func:`numeric_date_order`); default day first, as in
        every Strava locale that writes numeric dates.

    Raises
    ------
    ValueError
        When the text is not a date.
    """
    raw = str(text).strip()
    if not raw:
        raise ValueError("blank")
    english = _english_date(raw)
    if english is not None:
        return english
    iso = _ISO.match(raw)
    if iso:
        return pd.Timestamp(datetime(*map(int, iso.groups()), tzinfo=UTC))
    meridiem = None
    for marker in _PM_MARKERS:
        if marker in raw:
            meridiem, raw = "p", raw.replace(marker, " ")
    for marker in _AM_MARKERS:
        if marker in raw:
            meridiem, raw = "a", raw.replace(marker, " ")
    s = _fold(raw)
    hms, at, s = _take_time(s)
    m = (_MERIDIEM.search(s, at) or _VI_MERIDIEM.search(s, at)) if at >= 0 else None
    if m:
        meridiem = {"a": "a", "p": "p", "sa": "a", "ch": "p"}[m.group(1)]
        s = s[: m.start()] + " " + s[m.end() :]
    year, month, day = _date_parts(_DATE_TOKEN.findall(s), order)
    hour, minute, second = hms
    if meridiem is not None:
        if not 1 <= hour <= 12:
            raise ValueError(f"hour {hour} with AM/PM")
        hour = hour % 12 + (12 if meridiem == "p" else 0)
    return pd.Timestamp(datetime(year, month, day, hour, minute, second, tzinfo=UTC))


def _english_form(raw: str) -> bool:
    """Whether a stripped date is written in one of Strava's English forms (:func:`_english_date`)."""
    return _EN_US_DATE.fullmatch(raw) is not None or _EN_GB_DATE.fullmatch(raw) is not None


def _english_date(raw: str) -> pd.Timestamp | None:
    """A stripped date in one of Strava's two English forms, or None (then the general reading decides).

    ``Oct 6, 2022, 11:19:20 PM`` (en-US) and ``21 Feb 2024, 01:17:32`` (en-GB)
    are read here directly, as the general reading reads them (the month word
    through :func:`_month_of`, ``12 AM`` as 0 h); anything else, or a text
    that the general reading would refuse (no such month, hour 0 or 13 with
    AM/PM, 30 February), gives None.
    """
    us = _EN_US_DATE.fullmatch(raw)
    if us is not None:
        word, day, year, hour, minute, second, meridiem = us.groups()
        hour_i = int(hour)
        if not 1 <= hour_i <= 12:
            return None
        hour_i = hour_i % 12 + (12 if meridiem in "Pp" else 0)
    else:
        gb = _EN_GB_DATE.fullmatch(raw)
        if gb is None:
            return None
        day, word, year, hour, minute, second = gb.groups()
        hour_i = int(hour)
    word = word.lower()
    month = _month_of(word) if word not in {"thg", "thang"} else None
    if month is None:
        return None
    try:
        return pd.Timestamp(datetime(int(year), month, int(day), hour_i, int(minute), int(second), tzinfo=UTC))
    except ValueError:
        return None


def _take_time(s: str) -> tuple[tuple[int, int, int], int, str]:
    """Find ``H:MM[:SS]`` (or Finnish ``H.MM.SS`` after the year).

    Returns the time, where it was (-1 when absent) and the text without it. An
    AM/PM marker is only looked for from there on (German ``am`` means "on").
    """
    m = _TIME.search(s)
    if m is None:
        year = _YEAR.search(s)
        m = _DOT_TIME.search(s, year.end()) if year else None
    if m is None:
        return (0, 0, 0), -1, s
    parts = (int(m.group(1)), int(m.group(2)), int(m.group(3) or 0))
    return parts, m.start(), s[: m.start()] + " " + s[m.end() :]


def _date_parts(tokens: list[str], order: str | None) -> tuple[int, int, int]:
    numbers = [t for t in tokens if t.isdigit()]
    words = [t for t in tokens if not t.isdigit()]
    months = [mo for mo in (_month_of(w) for w in words if w not in {"thg", "thang"}) if mo]
    marker = next((i for i, t in enumerate(tokens) if t in {"thg", "thang"}), None)
    if marker is not None and marker + 1 < len(tokens) and tokens[marker + 1].isdigit():
        # Vietnamese "6 thg 10, 2022": the number after "thg" is the month
        months = [int(tokens[marker + 1])]
        numbers = [t for i, t in enumerate(tokens) if t.isdigit() and i != marker + 1]
    if len(months) > 1:
        raise ValueError("two month names")
    if months:
        years = [n for n in numbers if len(n) == 4]
        days = [n for n in numbers if len(n) <= 2]
        if len(years) != 1 or len(days) != 1 or len(numbers) != 2:
            raise ValueError("no day and year beside the month name")
        return int(years[0]), months[0], int(days[0])
    if len(numbers) != 3:
        raise ValueError("not a date")
    a, b, c = numbers
    if len(a) == 4:
        return int(a), int(b), int(c)
    if len(c) != 4:
        raise ValueError("no four-digit year")
    if order == "mdy" or (order is None and int(b) > 12 >= int(a)):
        return int(c), int(a), int(b)
    return int(c), int(b), int(a)


def numeric_date_order(cells: Iterable[str]) -> str:
    """Day/month order of a file's all-numeric dates: ``"mdy"`` only when a middle number exceeds 12."""
    first_big = second_big = False
    for cell in cells:
        text = str(cell)
        if _english_form(text.strip()):  # a month word of 3+ letters: the check below skips it too, slower
            continue
        s = _fold(text)
        if _WORD3.search(_MERIDIEM.sub(" ", s)):
            continue
        nums = _DIGITS.findall(_TIME.sub(" ", s))
        if len(nums) >= 3 and len(nums[2]) == 4:
            first_big |= int(nums[0]) > 12
            second_big |= int(nums[1]) > 12
    return "mdy" if second_big and not first_big else "dmy"


def _strava_id(text: str) -> str:
    s = text.strip()
    if _ID.fullmatch(s):
        return s
    if _ID_FLOAT.fullmatch(s):
        return s.split(".")[0]
    raise ValueError(f"'{s}' is not an activity id" + (" (rounded by a spreadsheet?)" if "E" in s.upper() else ""))


def _gear_id(text: str) -> str | None:
    s = text.strip()
    if not s:
        return None
    if _GEAR_ID.fullmatch(s):
        return s.split(".")[0]
    return s


def _truthy(text: str) -> bool:
    return _fold(text.strip()) in {"true", "1", "yes", "ja", "oui", "si", "waar", "wahr", "sim", "ano", "tak"}


# --------------------------------------------------------------------------- CSV text


def _first_line(text: str) -> str:
    """The first line, ended by LF, CRLF or a lone CR (old Mac Excel's "CSV (Macintosh)").

    Unlike :func:`analysis.io.table.first_line` a blank first line is returned
    as it is: :func:`parse_activities_csv` takes the first record as the header, so
    :func:`sniff` must judge that same line.
    """
    text = text.lstrip("\ufeff")
    end = _LINE_END.search(text)  # not re.split: that would copy the rest of the file
    return text if end is None else text[: end.start()]


def _records(data: bytes) -> tuple[list[list[str]], str]:
    """The CSV's records (header first) and its delimiter (:func:`analysis.io.table.header_delimiter`)."""
    text = decode_text(data).lstrip("\ufeff")
    delimiter = header_delimiter(_first_line(text))
    return list(csv.reader(_lines(text), delimiter=delimiter)), delimiter


#: the line breaks of :meth:`str.splitlines` that are not ``\r`` or ``\n``
_OTHER_LINE_BREAKS = ("\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


def _lines(text: str) -> Iterable[str]:
    """The text's lines as ``io.StringIO(text, newline="")`` gives them to :mod:`csv` (ends kept).

    That is, split after ``\n``, ``\r\n`` and a lone ``\r``. When the text
    holds none of the other line breaks :meth:`str.splitlines` knows (form
    feed, ``\x85``, ``\u2028`` ...: each a fast scan), ``splitlines`` gives the
    same lines, sooner (20,000 records, 9 MB: ~30 ms less).
    """
    if any(ch in text for ch in _OTHER_LINE_BREAKS):
        return io.StringIO(text, newline="")
    return _each_freed(text.splitlines(keepends=True))


def _each_freed(lines: list[str]) -> Iterator[str]:
    """The lines in order, each let go of as it is given (the list is emptied): the file is never held twice."""
    lines.reverse()
    while lines:
        yield lines.pop()


@dataclass
class _Columns:
    """Where each canonical field sits in the header (every occurrence, left to right)."""

    header: list[str]
    positions: dict[str, list[int]] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    pre2019: bool = False

    def cells(self, record: Sequence[str], name: str) -> list[str]:
        return [record[i].strip() if i < len(record) else "" for i in self.positions.get(name, [])]

    def label(self, name: str, occurrence: int = 0) -> str:
        pos = self.positions.get(name)
        return _clean_header(self.header[pos[occurrence]]) if pos else name


def map_header(header: Sequence[str]) -> _Columns:
    """Locate each canonical field in an activities.csv header (any layout, any language)."""
    keys = [header_key(h) for h in header]
    pre2019 = {"id", "date", "type"} <= set(keys) and not any(_ALIAS_LOOKUP.get(k) == "activity_id" for k in keys)
    lookup = _PRE2019_LOOKUP if pre2019 else _ALIAS_LOOKUP
    cols = _Columns(list(header), pre2019=pre2019)
    for i, key in enumerate(keys):
        canonical = lookup.get(key)
        if canonical:
            cols.positions.setdefault(canonical, []).append(i)
        elif key and key not in _KNOWN_KEYS and not (pre2019 and key == "commute"):
            cols.unknown.append(_clean_header(header[i]))
    return cols


def sniff(head: bytes, name: str = "") -> bool:
    """Whether the first bytes of a file are a Strava activities.csv (any layout or language)."""
    # truncated: a head cut inside a multi-byte character still decodes as UTF-8
    first = _first_line(decode_text(head[:65536], truncated=True))
    if not first.strip():
        return False
    header = next(csv.reader([first], delimiter=header_delimiter(first)), [])
    cols = map_header(header)
    if not {"activity_id", "date", "type"} <= set(cols.positions):
        return False
    return not cols.pre2019 or bool({"elapsed_time", "filename", "distance"} & set(cols.positions))


# --------------------------------------------------------------------------- rows


def _each_once(parse: Callable[[str], T], texts: Sequence[str]) -> list[T | ValueError]:
    """``parse`` of every text, each distinct text parsed once (a file repeats its dates, numbers and names).

    The distinct texts are parsed in the order they first appear. A text
    that ``parse`` refuses gives the ValueError it raised, in its place.
    """
    done: dict[str, T | ValueError] = dict.fromkeys(texts)  # the distinct texts, in order (in C)
    for text in done:
        try:
            done[text] = parse(text)
        except ValueError as exc:
            done[text] = exc
    return list(map(done.__getitem__, texts))


def _cells(records: Sequence[Sequence[str]], p: int) -> list[str]:
    """The cell at position ``p`` of each record, as written ("" where a record is shorter)."""
    try:
        return list(map(itemgetter(p), records))  # in C, when no record is short
    except IndexError:
        return [r[p] if p < len(r) else "" for r in records]


def _first_cells(cols: _Columns, records: Sequence[Sequence[str]], name: str) -> list[str]:
    """The field's first cell of each record, stripped ("" when the record or the header lacks it)."""
    pos = cols.positions.get(name)
    if not pos:
        return [""] * len(records)
    return list(map(str.strip, _cells(records, pos[0])))


def _numeric_cells(cols: _Columns, records: Sequence[Sequence[str]], name: str,
                   occurrence: int | None = None) -> tuple[list[str], list[int] | int]:
    """The cell each record's numeric field is read from, and which occurrence of the header it is.

    The last non-blank occurrence of the field (or only the one asked for);
    "" for a record with none. The occurrence is one number for all records
    when only one is looked at.
    """
    positions = cols.positions.get(name, [])
    order = [occurrence] if occurrence is not None else list(range(len(positions)))[::-1]
    at = [(idx, positions[idx]) for idx in order if idx < len(positions)]
    if not at:
        return [""] * len(records), -1
    if len(at) == 1:
        idx, p = at[0]
        return list(map(str.strip, _cells(records, p))), idx
    texts: list[str] = []
    which: list[int] = []
    for r in records:
        n = len(r)
        for idx, p in at:
            if p < n:
                text = r[p].strip()
                if text:
                    texts.append(text)
                    which.append(idx)
                    break
        else:
            texts.append("")
            which.append(-1)
    return texts, which


def _cell_number(text: str, decimal_comma: bool) -> float:
    """A numeric cell's value: ``h:mm:ss`` durations (s), else :func:`parse_number`; NaN when blank."""
    if not text:
        return float("nan")
    if ":" in text:
        return units.parse_duration_s(text)
    return parse_number(text, decimal_comma)


def _number_column(cols: _Columns, records: Sequence[Sequence[str]], name: str, decimal_comma: bool,
                   errors: dict[int, str], occurrence: int | None = None) -> np.ndarray:
    """A numeric field of every record as float64 (NaN when blank or unreadable).

    An unreadable cell's message is set in ``errors`` under the record's index
    unless an earlier field already failed there (a record names its first bad
    column, in the order the fields are read).
    """
    texts, which = _numeric_cells(cols, records, name, occurrence)
    values = _each_once(lambda t: _cell_number(t, decimal_comma), texts)
    try:
        return np.array(values, dtype=np.float64)
    except TypeError:  # a ValueError in the list: a cell that is no number
        pass
    out = np.empty(len(values), dtype=np.float64)
    for i, value in enumerate(values):
        if isinstance(value, ValueError):
            idx = which if isinstance(which, int) else which[i]
            errors.setdefault(i, f"column '{cols.label(name, idx)}': cannot read '{texts[i]}' as a number")
            out[i] = np.nan
        else:
            out[i] = value
    return out


def _positive(values: np.ndarray) -> np.ndarray:
    """Strava writes 0 for 'not recorded' in times, distances, heart rate and cadence: NA (elementwise)."""
    return np.where(np.isfinite(values) & (values > 0), values, np.nan)


def _distance_m(cols: _Columns, records: Sequence[Sequence[str]], decimal_comma: bool,
                errors: dict[int, str]) -> np.ndarray:
    """Distance of every record in m (see :func:`read_strava`)."""
    if cols.pre2019:
        return _number_column(cols, records, "distance", decimal_comma, errors)
    if len(cols.positions.get("distance", [])) >= 2:  # 2019+ layouts: the second Distance is metres
        return _number_column(cols, records, "distance", decimal_comma, errors, occurrence=1)
    return _number_column(cols, records, "distance", decimal_comma, errors, occurrence=0) * 1000.0  # 11-col: km


def _text_or_none(texts: Iterable[str]) -> list[str | None]:
    """Name and description cells: CRLF made LF, stripped; blank = None."""
    return [text.replace("\r\n", "\n").strip() or None for text in texts]


def _gear_name(text: str) -> str | None:
    return _SPACES.sub(" ", text).strip() or None


#: the canonical runs columns of an activities.csv run, in the order its record dict lists them
_RUN_KEYS: tuple[str, ...] = (
    *(_FIELD_COLUMNS[f] for f in ("date", "name", "description", "distance", "moving_time", "elapsed_time",
                                  "avg_heart_rate", "avg_cadence", "elevation_gain", "rpe", "gear_id",
                                  "gear_name")),
    "source", "source_file",
)


def _run_records(cols: _Columns, records: Sequence[Sequence[str]], decimal_comma: bool, date_order: str,
                 label: str) -> tuple[list[dict | None], dict[int, str]]:
    """The runs of records already known to be runs (their id and type read), field by field.

    Returns each record's canonical fields (None where it failed) and, by
    record index, why a record failed: its first unreadable field, in the
    order date, cadence, RPE, distance, moving, elapsed time, heart rate,
    elevation gain (as a record was always read).
    """
    errors: dict[int, str] = {}
    date_texts = _first_cells(cols, records, "date")

    def start_of(text: str) -> pd.Timestamp:  # parse_activity_date of a stripped cell, English dates first
        english = _english_date(text) if text else None
        return english if english is not None else parse_activity_date(text, date_order)

    starts = _each_once(start_of, date_texts)
    for i, start in enumerate(starts):
        if isinstance(start, ValueError):
            errors[i] = f"column '{cols.label('date')}': cannot read '{date_texts[i]}' as a date ({start})"
    cadence = units.strides_to_steps(_positive(_number_column(cols, records, "avg_cadence", decimal_comma, errors)))
    rpe = _number_column(cols, records, "rpe", decimal_comma, errors)
    rpe = np.where((rpe >= 1) & (rpe <= 10), rpe, np.nan)
    distance = _positive(_distance_m(cols, records, decimal_comma, errors))
    moving = _positive(_number_column(cols, records, "moving_time", decimal_comma, errors))
    elapsed = _positive(_number_column(cols, records, "elapsed_time", decimal_comma, errors))
    heart_rate = _positive(_number_column(cols, records, "avg_heart_rate", decimal_comma, errors))
    elevation = _number_column(cols, records, "elevation_gain", decimal_comma, errors)
    n = len(records)
    columns = (  # in _RUN_KEYS' order
        starts,
        _text_or_none(_first_cells(cols, records, "name")),
        _text_or_none(_first_cells(cols, records, "description")),
        distance.tolist(), moving.tolist(), elapsed.tolist(), heart_rate.tolist(), cadence.tolist(),
        elevation.tolist(), rpe.tolist(),
        _each_once(_gear_id, _first_cells(cols, records, "gear_id")),
        _each_once(_gear_name, _first_cells(cols, records, "gear_name")),
        [SOURCE] * n, [label] * n,
    )
    runs = [None if i in errors else dict(zip(_RUN_KEYS, values, strict=True))
            for i, values in enumerate(zip(*columns, strict=True))]
    return runs, errors


def _decimal_comma(cols: _Columns, rows: list[list[str]], delimiter: str) -> bool:
    """Whether the file writes decimal commas in Strava's machine columns (a spreadsheet re-save)."""
    if delimiter == ";":
        return True
    machine = ("moving_time", "elevation_gain", "avg_heart_rate", "avg_cadence", "rpe")
    positions = [p for f in machine for p in cols.positions.get(f, [])]
    if not cols.pre2019 and len(cols.positions.get("distance", [])) >= 2:
        positions.append(cols.positions["distance"][1])
    for p in positions:
        cells = _cells(rows, p)
        if "," in "\n".join(cells) and any(_DECIMAL_COMMA.match(c.strip()) for c in cells if "," in c):
            return True
    return False


# --------------------------------------------------------------------------- reader


@dataclass
class ActivityRow(ExportRow):
    """One activities.csv record as read (:class:`~analysis.io.base.ExportRow`, logged as Strava's).

    ``activity_id`` is ``strava:<Activity ID>``; ``filename`` the record's ``Filename`` cell;
    ``activity_type`` its ``Activity Type`` as written.
    """

    source: str | None = SOURCE


@dataclass
class ActivitiesCsv:
    """An activities.csv read record by record (:func:`parse_activities_csv`)."""

    label: str
    columns: _Columns
    rows: list[ActivityRow]

    def summary(self) -> str:
        """The file's own import-log reason: its layout, records, runs and unknown headers."""
        cols = self.columns
        layout = "pre-2019 layout" if cols.pre2019 else f"{len(cols.header)} columns"
        n_runs = sum(r.status == "imported" for r in self.rows)
        text = f"Strava activities.csv ({layout}): {len(self.rows)} records, {n_runs} runs"
        if cols.unknown:
            more = f" and {len(cols.unknown) - 20} more" if len(cols.unknown) > 20 else ""
            text += f"; {len(cols.unknown)} unknown headers: {', '.join(cols.unknown[:20])}{more}"
        return text


def _key_columns(header: list[str], label: str) -> _Columns:
    cols = map_header(header)
    missing = [f for f in ("activity_id", "date", "type") if f not in cols.positions]
    if missing:
        raise RunlogError(
            f"not a Strava activities.csv: no {', '.join(missing)} column (header: {', '.join(header[:6])})",
            path=label,
        )
    return cols


def _type_of(cell: str) -> tuple[str, str | None]:
    """An ``Activity Type`` cell as written (HTML and placeholders removed) and its run sport (None: not a run)."""
    raw_type = _clean_header(cell)
    return raw_type, _RUN_TYPE_LOOKUP.get(header_key(raw_type))


def parse_activities_csv(data: bytes, label: str) -> ActivitiesCsv:
    """Read an activities.csv record by record, in any layout and language.

    Each record's id, duplicate and type are decided in file order; the runs'
    values are then read field by field over all run records, each distinct
    cell text parsed once (:func:`_run_records`). A record's outcome is what
    reading it alone gives.

    Parameters
    ----------
    data : bytes
        The file's content.
    label : str
        The file's name in the import log and in errors.

    Returns
    -------
    ActivitiesCsv
        One :class:`ActivityRow` per non-blank record, in file order.

    Raises
    ------
    RunlogError
        When the file is empty, not CSV, or lacks an ``Activity ID``,
        ``Activity Date`` or ``Activity Type`` column.

    Notes
    -----
    Python's cyclic garbage collector is paused meanwhile
    (:func:`analysis.collector.gc_paused`): reading 20,000 records makes
    ~100,000 containers, and each burst could start a collection of the
    oldest generation over every object the process holds (0.17 of 0.54 s of
    CPU measured; for 80,000 records the log and runs frames alone took 0.35
    s with the collector, 0.17 s without). None of them is in a cycle.
    """
    with gc_paused():
        return _parse_activities_csv(data, label)


@dataclass
class _Records:
    """An activities.csv's non-blank records, each cut down to the cells of the fields runlog reads."""

    columns: _Columns  #: the whole header
    compact: _Columns  #: the same fields, by position in the cut records (same labels)
    records: list[Sequence[str]]  #: one tuple per non-blank record ("" for a cell past a short record's end)
    rows: list[int]  #: each record's spreadsheet row (header = 1)
    delimiter: str
    #: row -> the 1-based line of the file it starts on, where a quoted line break above makes them differ
    lines: dict[int, int] = field(default_factory=dict)


def _read_records(data: bytes, label: str) -> _Records:
    """The file's records as :func:`_records` reads them, cut down while they are read.

    A record keeps only the cells of the header's known fields: the other
    cells (some 80 of a 94-column export) are freed as soon as the record is
    read, and the file's records are never held whole. A blank record (every
    cell blank) is dropped but counted in the row numbers. Errors are those
    of reading the whole file first: a CSV error, an empty file, then a
    header without ``Activity ID``, ``Activity Date`` or ``Activity Type``.
    """
    text = decode_text(data).lstrip("\ufeff")
    delimiter = header_delimiter(_first_line(text))
    reader = csv.reader(_lines(text), delimiter=delimiter)
    del text  # the lines hold it now, each freed once read (or StringIO's copy)
    kept: list[Sequence[str]] = []
    rows: list[int] = []
    lines: dict[int, int] = {}
    try:
        header = next(reader, None)
        if header is None:
            raise RunlogError("empty file", path=label)
        cols = map_header(header)
        needed = sorted({p for positions in cols.positions.values() for p in positions})
        if len(needed) > 1:
            take: Callable[[Sequence[str]], Sequence[str]] = itemgetter(*needed)  # a tuple, in C
        else:  # no activities.csv (the header check below says so); read on for the CSV's own errors
            def take(record: Sequence[str]) -> Sequence[str]:
                return tuple(record[p] for p in needed)
        ended = reader.line_num  # the line the last record ended on
        for ordinal, record in enumerate(reader, start=2):
            if ended + 1 != ordinal:  # a quoted line break above: the record starts on a later line
                lines[ordinal] = ended + 1
            ended = reader.line_num
            if any(map(str.strip, record)):
                try:
                    kept.append(take(record))
                except IndexError:  # a short record
                    kept.append(tuple(record[p] if p < len(record) else "" for p in needed))
                rows.append(ordinal)
    except csv.Error as exc:
        raise RunlogError(f"cannot read as CSV: {exc}", path=label) from exc
    cols = _key_columns(header, label)
    where = {p: i for i, p in enumerate(needed)}
    compact = _Columns([header[p] for p in needed],
                       {f: [where[p] for p in positions] for f, positions in cols.positions.items()},
                       cols.unknown, cols.pre2019)
    return _Records(cols, compact, kept, rows, delimiter, lines)


def _parse_activities_csv(data: bytes, label: str) -> ActivitiesCsv:
    """:func:`parse_activities_csv` with the collector paused."""
    read_in = _read_records(data, label)
    cols, kept_records, numbers = read_in.compact, read_in.records, read_in.rows
    # a blank record's cells tell neither the decimal mark nor the date order: the kept records decide
    decimal_comma = _decimal_comma(cols, kept_records, read_in.delimiter)
    date_order = numeric_date_order(_cells(kept_records, cols.positions["date"][0]))
    rels = [c.replace("\\", "/").lstrip("/") for c in _first_cells(cols, kept_records, "filename")]
    types = _each_once(_type_of, _first_cells(cols, kept_records, "type"))
    id_label, type_label = cols.label("activity_id"), cols.label("type")
    read: list[ActivityRow | None] = []
    seen_ids: dict[str, int] = {}
    runs_at: list[int] = []  # indices in ``read`` of the records that are runs, their values still to read
    sports: list[str] = []
    ids: list[str] = []
    for i, id_cell in enumerate(_first_cells(cols, kept_records, "activity_id")):
        row, rel = numbers[i], rels[i]
        try:
            aid = _strava_id(id_cell)
        except ValueError as exc:
            read.append(ActivityRow(row, "failed", f"column '{id_label}': {exc}", filename=rel, file_alone=True))
            continue
        activity_id = f"strava:{aid}"
        if aid in seen_ids:
            read.append(ActivityRow(row, "duplicate", f"Activity ID {aid} repeats row {seen_ids[aid]}",
                                    activity_id, filename=rel))
            continue
        seen_ids[aid] = row
        raw_type, sport = types[i]
        if not raw_type:
            read.append(ActivityRow(row, "failed", f"column '{type_label}' is blank", filename=rel))
        elif sport is None:
            read.append(ActivityRow(row, "not_a_run", f"{raw_type} (activity type) is not a run", filename=rel,
                                    activity_type=raw_type))
        else:
            read.append(None)
            runs_at.append(i)
            sports.append(sport)
            ids.append(activity_id)
    run_records = [kept_records[i] for i in runs_at]
    runs, errors = _run_records(cols, run_records, decimal_comma, date_order, label)
    trainer = cols.positions.get("trainer", [])
    for k, i in enumerate(runs_at):
        row, rel, rec = numbers[i], rels[i], runs[k]
        if rec is None:
            read[i] = ActivityRow(row, "failed", errors[k], filename=rel, file_alone=True)
            continue
        sport = sports[k]
        if sport == "running" and trainer and any(_truthy(c) for c in cols.cells(run_records[k], "trainer")):
            sport = "treadmill_running"
        rec.update(activity_id=ids[k], sport=sport, date=pd.NaT)
        read[i] = ActivityRow(row, "imported", activity_id=ids[k], run=rec, filename=rel)
    for r in read:  # a row the log gives a reason for names its line, where a quoted line break above moved it
        if r.reason and r.row in read_in.lines:
            r.reason += where(r.row, read_in.lines)
    return ActivitiesCsv(label, read_in.columns, read)


def runs_frame(runs: list[dict], tz: TimeZone) -> pd.DataFrame | None:
    """The imported runs as a frame, each ``date`` not set yet taken as the local date in ``tz``."""
    frame = pd.DataFrame(runs)
    if not len(frame):
        return None
    missing_date = frame["date"].isna()
    if missing_date.any():
        frame.loc[missing_date, "date"] = units.local_date(frame.loc[missing_date, "start_time"], tz)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def read_strava(source: str | Path | bytes, *, tz: TimeZone = None, name: str | None = None) -> ReadResult:
    """Read a Strava export's activities.csv (the CSV alone; its activity files are not read).

    Parameters
    ----------
    source : str, Path or bytes
        The ``activities.csv`` (a path, or bytes).
    tz : str or tzinfo, optional
        The runner's time zone (IANA name), for the local ``date``. Default UTC.
    name : str, optional
        File name to write in the import log when ``source`` is bytes.

    Returns
    -------
    ReadResult
        ``runs`` (index ``strava:<Activity ID>``): start_time (UTC, from
        ``Activity Date``), distance_m (the second ``Distance``, m; 11-column
        layout: km x 1000), moving/elapsed time (s), heart rate (bpm),
        avg_cadence_spm (``Average Cadence`` strides/min x 2), elevation_gain_m,
        rpe (``Perceived Exertion``, 1-10), gear_name (``Activity Gear``),
        gear_id (``Gear``), name, description. ``samples`` empty. ``log``: one
        row for activities.csv itself (its layout and unknown headers), one
        per record (``row`` = spreadsheet row).

    Raises
    ------
    RunlogError
        When activities.csv cannot be read at all (no ``Activity ID``,
        ``Activity Date`` or ``Activity Type`` column).

    Notes
    -----
    The whole export (zip or folder, each row joined with its activity file)
    is read by :func:`analysis.ingest.strava_export.read_strava_export`.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        data, label = bytes(source), name or "activities.csv"
    else:
        data, label = read_source_bytes(source, name)
    with gc_paused():  # the log's and the runs' dicts too: see parse_activities_csv
        table = parse_activities_csv(data, label)
        log = [log_row(label, "imported", table.summary(), source=SOURCE)]
        log += [r.log_entry(label) for r in table.rows]
        runs = runs_frame([r.run for r in table.rows if r.run is not None], tz)
        return ReadResult.build(runs=runs, log_rows=log)


# --------------------------------------------------------------------------- shoes

#: shoes.csv header -> canonical shoes column, for the 4-column (``Shoe Name,
#: Shoe Brand,Shoe Model,Shoe Default Sport Types``), 3-column and pre-2019
#: (``name,brand,model``) forms, and translated headers (locale file ``shoes_aliases``).
SHOES_ALIASES: dict[str, tuple[str, ...]] = {
    key: tuple(names) for key, names in _LOCALES["shoes_aliases"]["fields"].items()
}
_SHOES_LOOKUP = _build_lookup(SHOES_ALIASES)


def read_strava_shoes(source: str | Path | bytes, *, name: str | None = None) -> pd.DataFrame:
    """Read a Strava export's ``shoes.csv``.

    Parameters
    ----------
    source : str, Path or bytes
        ``shoes.csv`` (a path, or bytes; the export holding it is read by
        :func:`analysis.ingest.strava_export.read_export_shoes`).
    name : str, optional
        File name for messages when ``source`` is bytes (default ``shoes.csv``).

    Returns
    -------
    DataFrame
        Columns ``name``, ``brand``, ``model`` (``string``; blank = NA), one row
        per shoe in file order. Strava's shoes.csv has no gear id; an export
        without shoes.csv gives an empty frame.

    Raises
    ------
    RunlogError
        When the file is not readable as CSV, or its header is not a shoes
        list's and it has fewer than three columns.

    Notes
    -----
    Headers are matched through :data:`SHOES_ALIASES`; a header in none of the
    known languages is read by position (name, brand, model), the order every
    Strava version writes.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        return parse_strava_shoes(bytes(source), name or "shoes.csv")
    return parse_strava_shoes(*read_source_bytes(source, name))


def parse_strava_shoes(data: bytes | None, label: str) -> pd.DataFrame:
    """The shoes of a ``shoes.csv``'s content (None: an export without one, an empty frame).

    See :func:`read_strava_shoes`; ``label`` names the file in errors.
    """
    empty = pd.DataFrame({c: pd.Series([], dtype="string") for c in SHOES_ALIASES})
    if data is None:
        return empty
    try:
        rows, _ = _records(data)
    except csv.Error as exc:  # a line longer than the csv field limit
        raise RunlogError(f"cannot read as CSV: {exc}", path=label) from exc
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        return empty
    keys = [header_key(h) for h in rows[0]]
    where = {_SHOES_LOOKUP[k]: i for i, k in reversed(list(enumerate(keys))) if k in _SHOES_LOOKUP}
    if len(where) < 2:
        if len(rows[0]) < 3:
            raise RunlogError("not a Strava shoes.csv (expected Shoe Name, Shoe Brand, Shoe Model)", path=label)
        where = {"name": 0, "brand": 1, "model": 2}
    out = {}
    for col in SHOES_ALIASES:
        i = where.get(col)
        values = [(r[i].strip() if i is not None and i < len(r) else "") or None for r in rows[1:]]
        out[col] = pd.Series(values, dtype="string")
    return pd.DataFrame(out)

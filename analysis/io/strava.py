"""Strava bulk export ("Download your data" archive): ``activities.csv``, its files, ``shoes.csv``.

The reader takes the export as Strava delivers it (a ``.zip``, read in place with
:mod:`zipfile` and never unpacked to disk), its unpacked folder, or the
``activities.csv`` alone (a path, or bytes). Every layout Strava has written is
read: the pre-2019 short one (``id,date,...``, distance in metres), the
early-2019 11-column one (a single ``Distance`` in km), and the 72- to
103-column ones, in any of the languages Strava's website offers.

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
* Each row's ``Filename`` (``activities/*.fit.gz``, ``.gpx``, ``.tcx.gz`` ...)
  adds samples and running dynamics through the FIT/GPX/TCX readers, and row
  and file are combined by the rule :mod:`analysis.ingest.merge` applies across
  sources (:func:`join_file_run`): the run keeps Strava's id, and the export's
  name, description, gear and RPE; the device file's measured values (start,
  distance, moving and elapsed time, heart rate, cadence, elevation gain) win;
  either side fills what the other lacks; a FIT file's own UTC offset gives the
  local ``date``.

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
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from functools import cache
from importlib import resources
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from analysis import schema, units
from analysis.errors import RunlogError
from analysis.io import archive
from analysis.io.base import ReadResult, log_row
from analysis.io.table import decode_text, header_delimiter
from analysis.schema import DATE_PRIORITY, DEVICE_FIELDS, PLATFORM_FIELDS, priority

SOURCE = "strava"
TimeZone = str | tzinfo | None

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
_THOUSANDS_COMMA = re.compile(r"^-?\d{1,3}(,\d{3})+$")
_ACTIVITY_FILE = re.compile(r"\.(fit|gpx|tcx)(\.gz)?$", re.IGNORECASE)


# --------------------------------------------------------------------------- text keys


def _fold(text: str) -> str:
    """Casefold and drop accents (NFKD, combining marks removed)."""
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
    return re.sub(r"[\W_]+", "", _fold(_clean_header(cell)))


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
    s = re.sub(r"[\s\u00a0\u202f']", "", str(text))
    if not s or s in {"-", "--", "nan", "NaN", "NA", "N/A"}:
        return float("nan")
    if "," in s and "." in s:
        s = s.replace(".", "").replace(",", ".") if s.rfind(",") > s.rfind(".") else s.replace(",", "")
    elif "," in s:
        s = s.replace(",", "") if not decimal_comma and _THOUSANDS_COMMA.match(s) else s.replace(",", ".")
    return float(s)


def _month_of(word: str) -> int | None:
    """Month number of a (folded) month word: the longest table name it starts with."""
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
    year, month, day = _date_parts(re.findall(r"\d+|[^\W\d_]+", s), order)
    hour, minute, second = hms
    if meridiem is not None:
        if not 1 <= hour <= 12:
            raise ValueError(f"hour {hour} with AM/PM")
        hour = hour % 12 + (12 if meridiem == "p" else 0)
    return pd.Timestamp(datetime(year, month, day, hour, minute, second, tzinfo=UTC))


def _take_time(s: str) -> tuple[tuple[int, int, int], int, str]:
    """Find ``H:MM[:SS]`` (or Finnish ``H.MM.SS`` after the year).

    Returns the time, where it was (-1 when absent) and the text without it. An
    AM/PM marker is only looked for from there on (German ``am`` means "on").
    """
    m = _TIME.search(s)
    if m is None:
        year = re.search(r"\d{4}", s)
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
        s = _fold(str(cell))
        if re.search(r"[^\W\d_]{3,}", _MERIDIEM.sub(" ", s)):
            continue
        nums = re.findall(r"\d+", _TIME.sub(" ", s))
        if len(nums) >= 3 and len(nums[2]) == 4:
            first_big |= int(nums[0]) > 12
            second_big |= int(nums[1]) > 12
    return "mdy" if second_big and not first_big else "dmy"


def _strava_id(text: str) -> str:
    s = text.strip()
    if re.fullmatch(r"\d+", s):
        return s
    if re.fullmatch(r"\d+\.0*", s):
        return s.split(".")[0]
    raise ValueError(f"'{s}' is not an activity id" + (" (rounded by a spreadsheet?)" if "E" in s.upper() else ""))


def _gear_id(text: str) -> str | None:
    s = text.strip()
    if not s:
        return None
    if re.fullmatch(r"\d+(\.0*)?", s):
        return s.split(".")[0]
    return s


def _truthy(text: str) -> bool:
    return _fold(text.strip()) in {"true", "1", "yes", "ja", "oui", "si", "waar", "wahr", "sim", "ano", "tak"}


# --------------------------------------------------------------------------- CSV text


def _first_line(text: str) -> str:
    """The first line, ended by LF, CRLF or a lone CR (old Mac Excel's "CSV (Macintosh)").

    Unlike :func:`analysis.io.table.first_line` a blank first line is returned
    as it is: :func:`_read_export` takes the first record as the header, so
    :func:`sniff` must judge that same line.
    """
    return re.split(r"[\r\n]", text.lstrip("\ufeff"), maxsplit=1)[0]


def _records(data: bytes) -> tuple[list[list[str]], str]:
    """The CSV's records (header first) and its delimiter (:func:`analysis.io.table.header_delimiter`)."""
    text = decode_text(data).lstrip("\ufeff")
    delimiter = header_delimiter(_first_line(text))
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)), delimiter


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


# --------------------------------------------------------------------------- export access


@dataclass
class _Export:
    """An export's activities.csv and a way to fetch the files it names."""

    csv_bytes: bytes
    csv_label: str
    root_label: str
    fetch: Callable[[str], bytes | None] | None = None
    activity_files: list[str] = field(default_factory=list)


def _zip_csv_member(names: Iterable[str], wanted: str = "activities.csv") -> str | None:
    found = [n for n in names if PurePosixPath(n).name.lower() == wanted and n.count("/") <= 2]
    return min(found, key=lambda n: (n.count("/"), n)) if found else None


def _open_zip(zf: zipfile.ZipFile, label: str) -> _Export:
    member = _zip_csv_member(zf.namelist())
    if member is None:
        raise RunlogError("no activities.csv in this zip (is it a Strava export?)", path=label)
    prefix = member[: -len(PurePosixPath(member).name)]
    names = set(zf.namelist())
    lower = {n.lower(): n for n in names}
    budget = archive.ZipBudget()
    inner = archive.member_label(prefix)
    root = label if inner == archive.UNNAMED_MEMBER else f"{label}/{inner}"

    def fetch(rel: str) -> bytes | None:
        target = prefix + rel.lstrip("/")
        real = target if target in names else lower.get(target.lower())
        if not real:
            return None
        info = zf.getinfo(real)
        where = f"{root}/{rel}"
        refused = budget.take(info)
        if refused:
            raise archive.ArchiveLimitError(refused, path=where)
        return archive.read_member(zf, info, label=where)  # bounded, in memory; never extracted

    files = sorted(
        n[len(prefix) :] for n in names if n.startswith(prefix + "activities/") and not n.endswith("/")
    )
    csv_label = f"{label}/{archive.member_label(member)}"
    return _Export(archive.read_member(zf, zf.getinfo(member), label=csv_label), csv_label, root, fetch, files)


def _export_root(folder: Path) -> Path | None:
    """The folder holding activities.csv: the folder itself or one subfolder."""
    if (folder / "activities.csv").is_file():
        return folder
    subs = [p for p in sorted(folder.iterdir()) if p.is_dir() and (p / "activities.csv").is_file()]
    return subs[0] if len(subs) == 1 else None


def _within(path: Path, base: Path) -> bool:
    """Whether ``path``, links resolved, lies inside the resolved folder ``base``."""
    try:
        target = path.resolve()
    except (OSError, RuntimeError):  # a link loop
        return False
    return base in target.parents


def _open_folder(root: Path, csv_path: Path) -> _Export:
    base = root.resolve()

    def fetch(rel: str) -> bytes | None:
        # a Filename such as ../../x.fit, an absolute path or a link out of the export is never read
        path = root / rel
        return path.read_bytes() if _within(path, base) and path.is_file() else None

    act = root / "activities"
    files = (
        sorted(p.relative_to(root).as_posix() for p in act.rglob("*") if p.is_file() and _within(p, base))
        if act.is_dir() else []
    )
    has_files = act.is_dir()
    return _Export(csv_path.read_bytes(), str(csv_path), str(root), fetch if has_files else None, files)


def is_export_folder(path: str | Path) -> bool:
    """Whether a folder is an unpacked Strava export (holds a Strava activities.csv)."""
    p = Path(path)
    if not p.is_dir():
        return False
    root = _export_root(p)
    return root is not None and _sniff_file(root / "activities.csv")


def is_export_zip(path: str | Path) -> bool:
    """Whether a file is a Strava export zip (holds a Strava activities.csv)."""
    p = Path(path)
    if not p.is_file() or not zipfile.is_zipfile(p):
        return False
    try:
        with zipfile.ZipFile(p) as zf:
            member = _zip_csv_member(zf.namelist())
            if member is None:
                return False
            return sniff(archive.read_member(zf, zf.getinfo(member), label=p, limit=65536), member)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RunlogError):  # damaged: not read as an export
        return False


def _sniff_file(path: Path) -> bool:
    with open(path, "rb") as fh:
        return sniff(fh.read(65536), path.name)


def _open_source(source: str | Path | bytes, name: str | None) -> tuple[_Export, zipfile.ZipFile | None]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        label = name or "activities.csv"
        if data[:4] == b"PK\x03\x04":
            try:
                zf = zipfile.ZipFile(io.BytesIO(data))
            except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
                raise RunlogError(f"cannot open the zip: {exc}", path=name or "strava_export.zip") from exc
            return _open_zip(zf, name or "strava_export.zip"), zf
        return _Export(data, label, str(PurePosixPath(label).parent)), None
    path = Path(source)
    if path.is_dir():
        root = _export_root(path)
        if root is None:
            raise RunlogError("no activities.csv in this folder (is it a Strava export?)", path=path)
        return _open_folder(root, root / "activities.csv"), None
    if not path.is_file():
        raise RunlogError("file not found", path=path)
    if zipfile.is_zipfile(path):
        try:
            zf = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise RunlogError(f"cannot open the zip: {exc}", path=path) from exc
        return _open_zip(zf, name or str(path)), zf
    return _open_folder(path.parent, path), None


# --------------------------------------------------------------------------- activity files


def _file_reader(rel: str) -> Callable[..., ReadResult] | None:
    low = rel.lower().removesuffix(".gz")
    if low.endswith(".fit"):
        from analysis.io.fit import read_fit

        return read_fit
    if low.endswith(".gpx"):
        from analysis.io.gpx import read_gpx

        return read_gpx
    if low.endswith(".tcx"):
        from analysis.io.tcx import read_tcx

        return read_tcx
    return None


def _read_activity_file(data: bytes, rel: str, label: str, tz: TimeZone, positions: bool) -> ReadResult:
    """Read one file of the export's activities/ folder with the reader its extension names."""
    reader = _file_reader(rel)
    if reader is None:
        raise RunlogError("not an activity file (expected .fit, .gpx or .tcx, optionally .gz)", path=label)
    # Inflated here rather than by the reader, so that the TCX/GPX text can be
    # stripped below. Bounded: a .gz may be a bomb; gzip is told by its magic
    # bytes, as the readers do; a damaged stream gives what precedes the damage.
    data, gzip_note = archive.gunzip_if_gzip(data, label=label)
    if not rel.lower().removesuffix(".gz").endswith(".fit"):
        data = data.lstrip()  # Strava's TCX files start with spaces before <?xml
    try:
        result = reader(data, tz=tz, name=label, positions=positions)
    except RunlogError as exc:
        if gzip_note:  # the cut may be why the file does not read
            raise RunlogError(f"{exc.reason}; {gzip_note}", path=exc.path, row=exc.row) from exc
        raise
    return _add_note(result, gzip_note)


def _add_note(result: ReadResult, note: str | None) -> ReadResult:
    """``result`` with ``note`` appended to the reason of each of its log rows (in place)."""
    if note and len(result.log):
        result.log["reason"] = result.log["reason"].fillna("").map(lambda r: f"{r}; {note}" if r else note)
    return result


def _file_status(result: ReadResult) -> tuple[str, str]:
    """Status and reason a file reader gave its file (its first log row)."""
    if len(result.log) == 0:
        return ("imported" if len(result.runs) else "not_a_run"), ""
    first = result.log.iloc[0]
    return str(first["status"]), "" if pd.isna(first["reason"]) else str(first["reason"])


# --------------------------------------------------------------------------- rows


class _RowError(Exception):
    """A row that cannot be read; the message names the column."""


def _number(cols: _Columns, record, name: str, decimal_comma: bool, occurrence: int | None = None) -> float:
    """The value of a numeric field: the last non-blank occurrence (or the one asked for)."""
    cells = cols.cells(record, name)
    order = [occurrence] if occurrence is not None else list(range(len(cells)))[::-1]
    for idx in order:
        if idx >= len(cells) or not cells[idx]:
            continue
        try:
            if ":" in cells[idx]:
                return units.parse_duration_s(cells[idx])
            return parse_number(cells[idx], decimal_comma)
        except ValueError as exc:
            raise _RowError(f"column '{cols.label(name, idx)}': cannot read '{cells[idx]}' as a number") from exc
    return float("nan")


def _positive(value: float) -> float:
    """Strava writes 0 for 'not recorded' in times, distances, heart rate and cadence: NA."""
    return value if np.isfinite(value) and value > 0 else float("nan")


def _distance_m(cols: _Columns, record, decimal_comma: bool) -> float:
    cells = cols.cells(record, "distance")
    if cols.pre2019:
        return _number(cols, record, "distance", decimal_comma)
    if len(cells) >= 2:  # 2019+ layouts: the second Distance is metres
        return _number(cols, record, "distance", decimal_comma, occurrence=1)
    return _number(cols, record, "distance", decimal_comma, occurrence=0) * 1000.0  # 11-col: km


def _row_record(cols: _Columns, record, decimal_comma: bool, date_order: str, label: str) -> dict:
    """A run's canonical fields from one activities.csv record (raises _RowError)."""

    def one(name: str) -> str:
        return (cols.cells(record, name) or [""])[0]

    try:
        start = parse_activity_date(one("date"), date_order)
    except ValueError as exc:
        raise _RowError(f"column '{cols.label('date')}': cannot read '{one('date')}' as a date ({exc})") from exc
    cadence = _positive(_number(cols, record, "avg_cadence", decimal_comma))
    rpe = _number(cols, record, "rpe", decimal_comma)
    name = one("name").replace("\r\n", "\n").strip()
    desc = one("description").replace("\r\n", "\n").strip()
    gear = re.sub(r"\s+", " ", one("gear_name")).strip()
    return {
        "start_time": start,
        "name": name or None,
        "description": desc or None,
        "distance_m": _positive(_distance_m(cols, record, decimal_comma)),
        "moving_time_s": _positive(_number(cols, record, "moving_time", decimal_comma)),
        "elapsed_time_s": _positive(_number(cols, record, "elapsed_time", decimal_comma)),
        "avg_heart_rate_bpm": _positive(_number(cols, record, "avg_heart_rate", decimal_comma)),
        "avg_cadence_spm": units.strides_to_steps(cadence),
        "elevation_gain_m": _number(cols, record, "elevation_gain", decimal_comma),
        "rpe": rpe if 1 <= rpe <= 10 else float("nan"),
        "gear_id": _gear_id(one("gear_id")),
        "gear_name": gear or None,
        "source": SOURCE,
        "source_file": label,
    }


def _decimal_comma(cols: _Columns, rows: list[list[str]], delimiter: str) -> bool:
    """Whether the file writes decimal commas in Strava's machine columns (a spreadsheet re-save)."""
    if delimiter == ";":
        return True
    machine = ("moving_time", "elevation_gain", "avg_heart_rate", "avg_cadence", "rpe")
    positions = [p for f in machine for p in cols.positions.get(f, [])]
    if not cols.pre2019 and len(cols.positions.get("distance", [])) >= 2:
        positions.append(cols.positions["distance"][1])
    pattern = re.compile(r"^-?\d+,\d+$")
    return any(pattern.match(r[p].strip()) for r in rows for p in positions if p < len(r))


# --------------------------------------------------------------------------- reader


def read_strava(
    source: str | Path | bytes,
    *,
    tz: TimeZone = None,
    name: str | None = None,
    positions: bool = False,
    read_files: bool = True,
) -> ReadResult:
    """Read a Strava bulk export: its activities.csv and the activity files it names.

    Parameters
    ----------
    source : str, Path or bytes
        The export ``.zip`` (read in place), its unpacked folder, or its
        ``activities.csv`` (a path, or bytes of the CSV or of the zip).
    tz : str or tzinfo, optional
        The runner's time zone (IANA name), for the local ``date`` of runs
        without a FIT file giving its own UTC offset. Default UTC.
    name : str, optional
        File name to write in the import log when ``source`` is bytes.
    positions : bool, default False
        Keep latitude/longitude in the samples (privacy: off by default).
    read_files : bool, default True
        Read each row's activity file (``activities/*.fit.gz`` ...) for samples
        and running dynamics. False reads the CSV only.

    Returns
    -------
    ReadResult
        ``runs`` (index ``strava:<Activity ID>``): start_time (UTC, from
        ``Activity Date``), distance_m (the second ``Distance``, m; 11-column
        layout: km x 1000), moving/elapsed time (s), heart rate (bpm),
        avg_cadence_spm (``Average Cadence`` strides/min x 2), elevation_gain_m,
        rpe (``Perceived Exertion``, 1-10), gear_name (``Activity Gear``),
        gear_id (``Gear``), name, description; where the row's activity file
        was read, the measured values are the file's (:func:`join_file_run`).
        ``samples`` from the files, under the Strava id. ``log``: one row for
        activities.csv itself (its layout and unknown headers), one per record
        (``row`` = spreadsheet row), one per activity file.

    Raises
    ------
    RunlogError
        When the export or its activities.csv cannot be read at all (no
        activities.csv, no ``Activity ID``/``Activity Date``/``Activity Type``
        column).

    Notes
    -----
    A file merged into its row's run is logged ``duplicate`` (it joined
    ``strava:<id>``; the CSV row is the import; the reason names the measured
    values the file changed). A missing or unreadable
    activity file is logged ``failed`` and the run is still imported from the
    CSV. The file of a non-run row is logged ``not_a_run`` without being read.
    Files nobody references (and files of rows that failed) are read as
    standalone activities with their own reader's ids.
    """
    export, zf = _open_source(source, name)
    try:
        return _read_export(export, tz, positions, read_files)
    finally:
        if zf is not None:
            zf.close()


def _read_export(export: _Export, tz: TimeZone, positions: bool, read_files: bool) -> ReadResult:  # noqa: C901 (complexity debt from before C90; see the closing note)
    label = export.csv_label
    try:
        rows, delimiter = _records(export.csv_bytes)
    except csv.Error as exc:
        raise RunlogError(f"cannot read as CSV: {exc}", path=label) from exc
    if not rows:
        raise RunlogError("empty file", path=label)
    cols = map_header(rows[0])
    missing = [f for f in ("activity_id", "date", "type") if f not in cols.positions]
    if missing:
        raise RunlogError(
            f"not a Strava activities.csv: no {', '.join(missing)} column (header: {', '.join(rows[0][:6])})",
            path=label,
        )
    data = rows[1:]
    decimal_comma = _decimal_comma(cols, data, delimiter)
    date_order = numeric_date_order(r[cols.positions["date"][0]] for r in data if len(r) > cols.positions["date"][0])

    log: list[dict] = []
    runs: list[dict] = []
    samples: list[pd.DataFrame] = []
    standalone: list[tuple[str, str]] = []  # (rel path, why it is read alone)
    seen_ids: dict[str, int] = {}
    handled_files: set[str] = set()
    n_runs = 0
    can_fetch = read_files and export.fetch is not None

    file_log_at = len(log)
    log.append({})  # placeholder for the file-level row, filled below
    for ordinal, record in enumerate(data, start=1):
        row = ordinal + 1
        if not any(c.strip() for c in record):
            continue
        filename = (cols.cells(record, "filename") or [""])[0]
        rel = filename.replace("\\", "/").lstrip("/")
        try:
            aid = _strava_id((cols.cells(record, "activity_id") or [""])[0])
        except ValueError as exc:
            log.append(log_row(label, "failed", f"column '{cols.label('activity_id')}': {exc}", row=row, source=SOURCE))
            if rel and can_fetch:
                standalone.append((rel, f"activities.csv row {row} failed"))
            continue
        activity_id = f"strava:{aid}"
        if aid in seen_ids:
            log.append(log_row(label, "duplicate", f"Activity ID {aid} repeats row {seen_ids[aid]}", row=row,
                               activity_id=activity_id, source=SOURCE))
            continue
        seen_ids[aid] = row
        raw_type = _clean_header((cols.cells(record, "type") or [""])[0])
        if not raw_type:
            log.append(log_row(label, "failed", f"column '{cols.label('type')}' is blank", row=row, source=SOURCE))
            continue
        sport = _RUN_TYPE_LOOKUP.get(header_key(raw_type))
        if sport is None:
            log.append(log_row(label, "not_a_run", f"{raw_type} (activity type) is not a run", row=row, source=SOURCE))
            if rel and can_fetch:
                log.append(log_row(f"{export.root_label}/{rel}", "not_a_run",
                                   f"{raw_type}: file of activities.csv row {row}, not read", source=SOURCE))
                handled_files.add(rel)
            continue
        try:
            rec = _row_record(cols, record, decimal_comma, date_order, label)
        except _RowError as exc:
            log.append(log_row(label, "failed", str(exc), row=row, source=SOURCE))
            if rel and can_fetch:
                standalone.append((rel, f"activities.csv row {row} failed"))
            continue
        if sport == "running" and any(_truthy(c) for c in cols.cells(record, "trainer")):
            sport = "treadmill_running"
        rec.update(activity_id=activity_id, sport=sport, date=pd.NaT)
        reason, file_entry = "", None
        if rel and can_fetch:
            handled_files.add(rel)
            file_samples, reason, file_entry = _merge_file(export, rel, rec, row, tz, positions)
            if file_samples is not None:
                samples.append(file_samples)
        runs.append(rec)
        n_runs += 1
        log.append(log_row(label, "imported", reason, row=row, activity_id=activity_id, source=SOURCE))
        if file_entry is not None:
            log.append(file_entry)

    if can_fetch:
        referenced = {rel for rel, _ in standalone}
        for rel in export.activity_files:
            if rel not in handled_files and rel not in referenced:
                standalone.append((rel, "not named in activities.csv"))
    extra = [_read_standalone(export, rel, why, tz, positions) for rel, why in standalone]

    records = len([r for r in data if any(c.strip() for c in r)])
    layout = "pre-2019 layout" if cols.pre2019 else f"{len(cols.header)} columns"
    summary = f"Strava activities.csv ({layout}): {records} records, {n_runs} runs"
    if cols.unknown:
        shown = ", ".join(cols.unknown[:20]) + (f" and {len(cols.unknown) - 20} more" if len(cols.unknown) > 20 else "")
        summary += f"; {len(cols.unknown)} unknown headers: {shown}"
    if read_files and export.fetch is None:
        summary += "; activity files not available (CSV only)"
    log[file_log_at] = log_row(label, "imported", summary, source=SOURCE)

    runs_df = pd.DataFrame(runs)
    if len(runs_df):
        missing_date = runs_df["date"].isna()
        if missing_date.any():
            runs_df.loc[missing_date, "date"] = units.local_date(runs_df.loc[missing_date, "start_time"], tz)
        runs_df["date"] = pd.to_datetime(runs_df["date"])
    result = ReadResult.build(runs=runs_df if len(runs_df) else None, samples=_concat(samples), log_rows=log)
    return ReadResult.concat([result, *extra])


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame | None:
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else None


#: the note on an imported activities.csv row whose activity file the export does not hold
FILE_NOT_IN_EXPORT = "not in the export"


def _merge_file(
    export: _Export, rel: str, rec: dict, row: int, tz: TimeZone, positions: bool
) -> tuple[pd.DataFrame | None, str, dict | None]:
    """Read a run's activity file and fill ``rec`` from it.

    Returns the file's samples (under the Strava id), a note for the CSV row's
    log entry and the file's own log entry (None when the export does not hold
    the file: the row's note says so, and nothing failed).
    """
    file_label = f"{export.root_label}/{rel}"
    aid = rec["activity_id"]

    def entry(status: str, reason: str, activity_id: str | None = None) -> dict:
        return log_row(file_label, status, reason, activity_id=activity_id, source=SOURCE)

    try:
        data = export.fetch(rel) if export.fetch else None
    except (RunlogError, OSError) as exc:  # a damaged or refused zip member, an unreadable file
        reason = exc.reason if isinstance(exc, RunlogError) else str(exc)
        return None, f"activity file {rel} unreadable", entry(
            "failed", f"unreadable ({reason}); run kept from activities.csv row {row}")
    if data is None:
        # the run is imported from its row; a file the export does not hold was never given, so it is
        # no failed input: the row's own entry says the run has summary values only
        return None, f"activity file {rel} {FILE_NOT_IN_EXPORT}: summary values from activities.csv only", None
    try:
        result = _read_activity_file(data, rel, file_label, tz, positions)
    except Exception as exc:  # noqa: BLE001 - a bad activity file must never stop the export
        reason = exc.reason if isinstance(exc, RunlogError) else f"{type(exc).__name__}: {exc}"
        return None, f"activity file {rel} unreadable", entry(
            "failed", f"unreadable ({reason}); run kept from activities.csv row {row}")
    status, file_reason = _file_status(result)
    if len(result.runs) == 0:
        return None, f"activity file {rel} holds no run", entry(
            status if status != "imported" else "not_a_run",
            f"{file_reason or 'no run in the file'}; run kept from activities.csv row {row}")
    file_run = result.runs.iloc[0]
    joined, replaced = join_file_run(rec, file_run, _file_kind(rel))
    rec.update(joined)
    smp = result.samples
    smp = smp[smp["activity_id"] == file_run.name].copy()
    smp["activity_id"] = aid
    note = f"merged into {aid} (activities.csv row {row}): {len(smp)} samples"
    if replaced:
        note += f"; measured values from the file where the CSV differs: {', '.join(replaced)}"
    if file_reason:
        note += f"; {file_reason}"
    # the file and the CSV row are one activity: the row is the import, the file joins it
    return smp, f"{len(smp)} samples from {rel}", entry("duplicate", note, aid)


def _file_kind(rel: str) -> str:
    """Source kind of an activity file by its name: ``fit``, ``tcx`` or ``gpx`` (the reader it gets)."""
    return rel.lower().removesuffix(".gz").rsplit(".", 1)[-1]


def _ranks_before_strava(kind: str, order: tuple[str, ...]) -> bool:
    """Whether a source kind comes before Strava's export in one of merge.py's priority orders."""
    return (order.index(kind) if kind in order else len(order)) < order.index(SOURCE)


def _differs(ours: object, theirs: object) -> bool:
    """Whether two non-missing values differ (numbers beyond float rounding)."""
    if isinstance(ours, float | int) and isinstance(theirs, float | int):
        return not np.isclose(float(ours), float(theirs), rtol=1e-9, atol=0.0)
    return bool(ours != theirs)


def join_file_run(rec: dict, file_run: pd.Series, kind: str) -> tuple[dict, list[str]]:
    """Combine an activities.csv run with the run of its own activity file.

    The rule is :func:`analysis.ingest.merge.merge_duplicates`' rule for one run seen
    by two sources, read from the same tables: for each field of
    :data:`~analysis.ingest.merge.DEVICE_FIELDS` (start time, distance, moving and
    elapsed time, heart rate, cadence, elevation gain) the device file's value
    wins (FIT, TCX and GPX rank before Strava in :func:`~analysis.ingest.merge.priority`,
    except a GPX track's summed distance, which ranks after it); for each
    field of :data:`~analysis.ingest.merge.PLATFORM_FIELDS` (name, description, gear,
    RPE, sport) the export's value wins (``PLATFORM_PRIORITY``). Either way a
    blank value is taken from the other side. The local ``date`` is the file's
    (``DATE_PRIORITY``: a FIT file knows its own UTC offset).

    One step goes beyond merge.py: a plain Strava ``Run`` takes the file's more
    specific run sport (a FIT treadmill sub-sport gives ``treadmill_running``),
    as Strava's type cannot say it.

    Parameters
    ----------
    rec : dict
        The run read from the CSV row (canonical runs columns).
    file_run : Series
        The first run of the row's activity file, as its reader returned it.
    kind : {"fit", "tcx", "gpx"}
        The file's source kind.

    Returns
    -------
    joined : dict
        ``rec`` with the file's values where the rule takes them.
    replaced : list of str
        The fields where the file's value replaced a different CSV value.
    """
    out = dict(rec)
    replaced: list[str] = []
    for col in PLATFORM_FIELDS + DEVICE_FIELDS:
        theirs = file_run.get(col)
        if pd.isna(theirs):
            continue
        ours = out.get(col)
        if pd.isna(ours):
            out[col] = theirs
        elif _ranks_before_strava(kind, priority(col)):
            if _differs(ours, theirs):
                replaced.append(col)
            out[col] = theirs
    if _ranks_before_strava(kind, DATE_PRIORITY) and pd.notna(file_run.get("date")):
        out["date"] = file_run["date"]
    file_sport = file_run.get("sport")
    if out["sport"] == "running" and isinstance(file_sport, str) and file_sport in schema.RUN_SPORTS:
        out["sport"] = file_sport  # e.g. a FIT treadmill sub-sport refines Strava's plain "Run"
    return out, replaced


def _read_standalone(export: _Export, rel: str, why: str, tz: TimeZone, positions: bool) -> ReadResult:
    """Read a file no imported row took, as its own activity (its reader's ids and log)."""
    file_label = f"{export.root_label}/{rel}"
    try:
        data = export.fetch(rel) if export.fetch else None
    except (RunlogError, OSError) as exc:  # a damaged or refused zip member, an unreadable file
        reason = exc.reason if isinstance(exc, RunlogError) else str(exc)
        return ReadResult.build(log_rows=[log_row(file_label, "failed", f"{reason} ({why})", source=SOURCE)])
    if data is None:
        return ReadResult.build(log_rows=[log_row(file_label, "failed", f"missing from the export ({why})",
                                                  source=SOURCE)])
    if not _ACTIVITY_FILE.search(rel):
        return ReadResult.build(log_rows=[log_row(file_label, "failed", f"not an activity file ({why})",
                                                  source=SOURCE)])
    try:
        result = _read_activity_file(data, rel, file_label, tz, positions)
    except Exception as exc:  # noqa: BLE001 - a bad activity file must never stop the export
        reason = exc.reason if isinstance(exc, RunlogError) else f"{type(exc).__name__}: {exc}"
        return ReadResult.build(log_rows=[log_row(file_label, "failed", f"{reason} ({why})", source=SOURCE)])
    if len(result.log):
        _add_note(result, why)
    else:
        result.log = schema.coerce_import_log(pd.DataFrame([log_row(file_label, "imported", why, source=SOURCE)]))
    return result


# --------------------------------------------------------------------------- shoes

#: shoes.csv header -> canonical shoes column, for the 4-column (``Shoe Name,
#: Shoe Brand,Shoe Model,Shoe Default Sport Types``), 3-column and pre-2019
#: (``name,brand,model``) forms, and translated headers (locale file ``shoes_aliases``).
SHOES_ALIASES: dict[str, tuple[str, ...]] = {
    key: tuple(names) for key, names in _LOCALES["shoes_aliases"]["fields"].items()
}
_SHOES_LOOKUP = _build_lookup(SHOES_ALIASES)


def read_strava_shoes(source: str | Path | bytes) -> pd.DataFrame:
    """Read a Strava export's ``shoes.csv``.

    Parameters
    ----------
    source : str, Path or bytes
        ``shoes.csv`` itself (path or bytes), or the export (zip or folder)
        holding it.

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
    data, label = _shoes_bytes(source)
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


def export_shoes_csv(source: str | Path) -> tuple[bytes | None, str]:
    """The ``shoes.csv`` of a Strava export given as a source, if it has one.

    Parameters
    ----------
    source : str or Path
        A Strava export: its zip, its folder (or the folder holding it), or its
        ``activities.csv`` (the ``shoes.csv`` beside it is taken).

    Returns
    -------
    (bytes or None, str)
        The file's bytes (None when ``source`` is not a Strava export with a
        ``shoes.csv``, or cannot be opened: the loader reports that) and a
        label for messages, ``shoes.csv in <export>``.
    """
    path = Path(source)
    label = f"shoes.csv in {path.name}"
    try:
        if path.is_dir():
            root = _export_root(path)
            found = root / "shoes.csv" if root is not None else None
            return (found.read_bytes() if found is not None and found.is_file() else None), label
        if path.is_file() and path.name.lower() == "activities.csv":
            found = path.with_name("shoes.csv")
            return (found.read_bytes() if found.is_file() else None), f"shoes.csv beside {path}"
        if path.is_file() and zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                names = zf.namelist()
                acts = _zip_csv_member(names)
                if acts is None:
                    return None, label
                prefix = acts[: -len(PurePosixPath(acts).name)]
                member = next((n for n in names if n.lower() == (prefix + "shoes.csv").lower()), None)
                if member is None:
                    return None, label
                return archive.read_member(zf, zf.getinfo(member), label=f"{path}/{member}"), label
    except (OSError, zipfile.BadZipFile, RunlogError):
        return None, label
    return None, label


def _shoes_bytes(source: str | Path | bytes) -> tuple[bytes | None, str]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if data[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                member = _zip_csv_member(zf.namelist(), "shoes.csv")
                return (archive.read_member(zf, zf.getinfo(member), label="shoes.csv") if member else None), "shoes.csv"
        return data, "shoes.csv"
    path = Path(source)
    if path.is_dir():
        root = _export_root(path) or path
        return ((root / "shoes.csv").read_bytes() if (root / "shoes.csv").is_file() else None), str(root)
    if not path.is_file():
        raise RunlogError("file not found", path=path)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            member = _zip_csv_member(zf.namelist(), "shoes.csv")
            return (archive.read_member(zf, zf.getinfo(member), label=path) if member else None), str(path)
    return path.read_bytes(), str(path)


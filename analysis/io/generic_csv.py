"""Read a generic activities CSV: runlog's canonical column names, or any tracker's via a map.

A file with the canonical runs columns (DESIGN.md, "Canonical frames"; e.g.
``start_time,distance_m,moving_time_s,gear_name,name,sport``) is read as it
is. Any other tracker's CSV is read by naming its columns in ``column_map``
and giving its units.

Records are read with the standard :mod:`csv` module rather than
``pandas.read_csv``, because each record must be accounted for on its own: a
record with too many fields or an unreadable value fails alone, with its row
number, while the others go on. Decoding and the delimiter are those of the
other user-written tables (:mod:`analysis.io.table`): UTF-8 (with or without
BOM), else UTF-16 (with BOM), else cp1252 (what Excel writes on Windows), else
Latin-1; the delimiter (``,`` ``;`` or tab) is the one that splits the header
line into the most fields, written by hand because :class:`csv.Sniffer`
guesses from the whole sample and is thrown by commas inside quoted names and
by decimal commas.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from datetime import date as Date
from datetime import datetime
from pathlib import Path

import pandas as pd

from analysis.errors import RunlogError
from analysis.io.base import ReadResult, log_row, read_source_bytes
from analysis.io.table import decode_text, first_line, header_cells, header_delimiter
from analysis.units import METRES_PER_MILE, local_date, localize_wall_time, parse_duration_s

#: Columns read from the file (canonical names; matched case-insensitively).
COLUMNS: tuple[str, ...] = (
    "activity_id",
    "start_time",
    "date",
    "sport",
    "name",
    "description",
    "distance_m",
    "moving_time_s",
    "elapsed_time_s",
    "avg_heart_rate_bpm",
    "avg_cadence_spm",
    "elevation_gain_m",
    "rpe",
    "gear_id",
    "gear_name",
)

#: The file's column names -> canonical names. A canonical file maps onto
#: itself; ``column_map`` adds a tracker's own names.
VARIABLE_MAP: dict[str, str] = {column: column for column in COLUMNS}

#: ``sport`` values (lower case, words joined by ``_``) -> canonical run sport.
SPORT_MAP: dict[str, str] = {
    "run": "running",
    "running": "running",
    "road_running": "running",
    "street_running": "running",
    "trail_run": "trail_running",
    "trail_running": "trail_running",
    "treadmill": "treadmill_running",
    "treadmill_run": "treadmill_running",
    "treadmill_running": "treadmill_running",
    "indoor_running": "treadmill_running",
    "track_run": "track_running",
    "track_running": "track_running",
    "virtual_run": "virtual_running",
    "virtual_running": "virtual_running",
    "ultra_run": "ultra_running",
    "ultra_running": "ultra_running",
}

#: Metres per unit of the distance column.
DISTANCE_UNITS: dict[str, float] = {"m": 1.0, "km": 1000.0, "mi": METRES_PER_MILE}
#: Seconds per unit of a plain-number duration (``hms`` numbers are seconds).
TIME_UNITS: dict[str, float] = {"s": 1.0, "min": 60.0, "hms": 1.0}

SOURCE = "csv"
_ID_PREFIX = re.compile(r"^(?:fit|strava|garmin|tcx|gpx|csv):")
_MISSING = {"", "-", "--", "na", "n/a", "nan", "null", "none"}
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_NUMBER_COLUMNS = ("avg_heart_rate_bpm", "avg_cadence_spm", "elevation_gain_m", "rpe")
_TEXT_COLUMNS = ("name", "description", "gear_id", "gear_name")


class _RowError(ValueError):
    """A value of one record that cannot be read; the message names the column."""


def sniff(head: bytes, name: str = "") -> bool:
    """Tell whether a file is a generic runs CSV.

    Parameters
    ----------
    head : bytes
        The first ~64 KiB of the file.
    name : str, optional
        The file name (not needed: the header decides).

    Returns
    -------
    bool
        True when the header holds ``distance_m`` and ``start_time`` or ``date``.
    """
    fields = {cell.lower() for cell in header_cells(head)}
    return "distance_m" in fields and bool(fields & {"start_time", "date"})


def read_generic_csv(
    source: str | Path | bytes,
    *,
    tz: str | None = None,
    name: str | None = None,
    column_map: dict[str, str] | None = None,
    distance_unit: str = "m",
    time_unit: str = "s",
) -> ReadResult:
    """Read an activities CSV into canonical runs and an import log.

    Parameters
    ----------
    source : str, Path or bytes
        Path of the CSV, or its content.
    tz : str, optional
        IANA time zone of naive ``start_time`` values (local wall time) and of
        ``date``-only rows; default UTC.
    name : str, optional
        File name written to the import log when ``source`` is bytes.
    column_map : dict, optional
        ``{their_column: canonical_column}`` for a tracker's own header, e.g.
        ``{"Distance (km)": "distance_m", "Duration": "moving_time_s"}``.
        Canonical names in the file are recognised without it.
    distance_unit : {'m', 'km', 'mi'}
        Unit of the ``distance_m`` column as written in the file.
    time_unit : {'s', 'min', 'hms'}
        Unit of ``moving_time_s`` and ``elapsed_time_s`` as written: seconds,
        minutes, or ``h:mm:ss``. A value with a colon is always read as
        ``h:mm:ss`` / ``mm:ss``, whatever the unit.

    Returns
    -------
    ReadResult
        ``runs``: one row per imported record (no samples); ``log``: one row
        per data record with its spreadsheet ``row`` (header = 1; with quoted
        line breaks, the record's ordinal + 1) and status imported,
        duplicate, not_a_run or failed.

    Raises
    ------
    RunlogError
        When the file cannot be read, has no data rows, lacks ``distance_m``
        or both ``start_time`` and ``date``, maps two columns to one name, or
        ``column_map`` names a column that is not in the header.

    Notes
    -----
    * Required columns: ``distance_m`` and ``start_time`` or ``date``; the
      other canonical runs columns are optional (missing = NA).
    * ``start_time`` is ISO 8601 (``2025-03-01T07:30:00Z``,
      ``2025-03-01 07:30``, ``...+01:00``). With an offset it is converted to
      UTC and the local ``date`` is taken in that offset (a ``Z`` or
      ``+00:00`` time takes its date in ``tz``); without one it is local wall
      time in ``tz`` (an ambiguous time takes the first occurrence). A row
      with only ``date`` (``YYYY-MM-DD``) starts at local midnight in ``tz``
      and the log says "no start time; date only". A ``date`` column, when
      given, is the local date.
    * A missing or blank ``sport`` means running; other values are mapped by
      :data:`SPORT_MAP` (canonical names accepted); anything else is
      ``not_a_run``.
    * Numbers: blanks and ``--`` / ``NA`` are NA. In a ``;`` or tab separated
      file a comma is the decimal mark (``5,2``); in a comma separated file a
      quoted ``1,234.5`` has a thousands separator. ``avg_cadence_spm`` is
      steps/min; ``elevation_gain_m`` is metres; ``rpe`` must be 1-10.
    * A row fails alone, its reason naming the column, when a number, time or
      date cannot be read, a distance, time or other number is negative, or
      it has more fields than the header. Rows with no value at all are
      skipped.
    * ``activity_id``: the ``activity_id`` column, prefixed ``csv:`` unless it
      already starts with a runlog source prefix (``fit:``, ``strava:``,
      ...); else ``csv:`` + the first 12 hex digits of the SHA-1 of the row's
      fields. A repeated id within the file is logged ``duplicate``.

    References
    ----------
    RFC 4180, Common Format and MIME Type for CSV Files; ISO 8601 date and time.
    """
    if distance_unit not in DISTANCE_UNITS:
        raise ValueError(f"distance_unit must be one of {sorted(DISTANCE_UNITS)}, not {distance_unit!r}")
    if time_unit not in TIME_UNITS:
        raise ValueError(f"time_unit must be one of {sorted(TIME_UNITS)}, not {time_unit!r}")
    raw, label = read_source_bytes(source, name)
    text = decode_text(raw)
    delimiter = header_delimiter(first_line(text))
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise RunlogError(f"not readable as CSV ({exc})", path=label) from exc
    header_at = next((i for i, rec in enumerate(records) if any(cell.strip() for cell in rec)), None)
    if header_at is None:
        raise RunlogError("empty file", path=label)
    columns = _resolve_columns(records[header_at], column_map, label)
    options = {
        "distance_factor": DISTANCE_UNITS[distance_unit],
        "time_factor": TIME_UNITS[time_unit],
        "decimal_comma": delimiter != ",",
    }

    runs: list[dict] = []
    log: list[dict] = []
    first_row_of: dict[str, int] = {}
    width = len(records[header_at])
    for ordinal in range(header_at + 1, len(records)):
        record = records[ordinal]
        row = ordinal + 1
        if not any(cell.strip() for cell in record):
            continue
        if len(record) > width:
            reason = f"row has {len(record)} fields, the header has {width}"
            log.append(log_row(label, "failed", reason, row=row, source=SOURCE))
            continue
        values = {columns[i]: cell for i, cell in enumerate(record) if i in columns}
        sport = _sport(values.get("sport", ""))
        if sport is None:
            reason = f"sport {values['sport'].strip()} is not a run"
            log.append(log_row(label, "not_a_run", reason, row=row, source=SOURCE))
            continue
        try:
            run = _parse_row(values, **options)
        except _RowError as exc:
            log.append(log_row(label, "failed", str(exc), row=row, source=SOURCE))
            continue
        activity_id = _activity_id(values.get("activity_id", ""), record, delimiter)
        if activity_id in first_row_of:
            reason = f"same activity_id as row {first_row_of[activity_id]}"
            log.append(log_row(label, "duplicate", reason, row=row, activity_id=activity_id, source=SOURCE))
            continue
        first_row_of[activity_id] = row
        note = run.pop("_note")
        run.update(activity_id=activity_id, sport=sport, source=SOURCE, source_file=label)
        runs.append(run)
        log.append(log_row(label, "imported", note, row=row, activity_id=activity_id, source=SOURCE))
    if not log:
        raise RunlogError("no data rows below the header", path=label)
    frame = _place_in_time(pd.DataFrame(runs), tz) if runs else None
    return ReadResult.build(runs=frame, log_rows=log)


def _resolve_columns(header: list[str], column_map: dict[str, str] | None, label: str) -> dict[int, str]:
    """Header position -> canonical column; raise on clashes and unknown names."""
    given = {str(k).strip(): str(v).strip() for k, v in (column_map or {}).items()}
    for target in given.values():
        if target not in COLUMNS:
            raise RunlogError(
                f"column_map: '{target}' is not a runs column ({', '.join(COLUMNS)})", path=label
            )
    by_lower = {k.lower(): v for k, v in given.items()}
    cells = [cell.strip().lstrip("\ufeff").strip() for cell in header]
    missing = [k for k in given if k.lower() not in {c.lower() for c in cells}]
    if missing:
        raise RunlogError(f"column_map names column '{missing[0]}', which is not in the header", path=label)
    columns: dict[int, str] = {}
    source_of: dict[str, str] = {}
    for position, cell in enumerate(cells):
        target = given.get(cell) or by_lower.get(cell.lower()) or VARIABLE_MAP.get(cell.lower())
        if target is None:
            continue
        if target in source_of:
            raise RunlogError(f"columns '{source_of[target]}' and '{cell}' both give '{target}'", path=label)
        source_of[target] = cell
        columns[position] = target
    if "distance_m" not in source_of:
        raise RunlogError("no distance_m column (use column_map to name it)", path=label)
    if not source_of.keys() & {"start_time", "date"}:
        raise RunlogError("no start_time or date column (use column_map to name it)", path=label)
    return columns


def _normalise(text: str) -> str:
    """``TrailRun`` / ``Trail Run`` / ``trail-run`` -> ``trail_run``."""
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", text.strip())
    return re.sub(r"[\s\-]+", "_", words).lower()


def _sport(text: str) -> str | None:
    """Canonical run sport; blank means running; None when not a run."""
    if not text.strip():
        return "running"
    return SPORT_MAP.get(_normalise(text))


def _is_missing(text: str) -> bool:
    return text.strip().lower() in _MISSING


def _number(text: str, column: str, decimal_comma: bool) -> float | None:
    """A non-negative number, or None when blank."""
    if _is_missing(text):
        return None
    s = text.strip().replace("\u00a0", "").replace(" ", "")
    if decimal_comma and "," in s:
        s = s.replace(".", "").replace(",", ".")
    elif _THOUSANDS.match(s):
        s = s.replace(",", "")
    try:
        value = float(s)
    except ValueError:
        raise _RowError(f"column '{column}': '{text.strip()}' is not a number") from None
    if value != value:  # NaN spelled some other way
        return None
    if value < 0:
        raise _RowError(f"column '{column}': {text.strip()} is negative")
    return value


def _duration_s(text: str, column: str, factor: float, decimal_comma: bool) -> float | None:
    """A duration in s from ``h:mm:ss`` / ``mm:ss`` or a number in the file's unit."""
    if _is_missing(text):
        return None
    if ":" in text:
        try:
            return parse_duration_s(text)
        except ValueError:
            raise _RowError(f"column '{column}': '{text.strip()}' is not a duration (h:mm:ss)") from None
    value = _number(text, column, decimal_comma)
    return None if value is None else value * factor


def _start(text: str) -> datetime | None:
    if _is_missing(text):
        return None
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise _RowError(
            f"column 'start_time': '{text.strip()}' is not an ISO 8601 date-time (YYYY-MM-DD hh:mm[:ss][+hh:mm])"
        ) from None


def _day(text: str) -> Date | None:
    if _is_missing(text):
        return None
    try:
        return Date.fromisoformat(text.strip())
    except ValueError:
        raise _RowError(f"column 'date': '{text.strip()}' is not a date (YYYY-MM-DD)") from None


def _parse_row(
    values: dict[str, str], *, distance_factor: float, time_factor: float, decimal_comma: bool
) -> dict:
    """One record's runs fields; start time still unresolved (see ``_place_in_time``)."""
    start = _start(values.get("start_time", ""))
    day = _day(values.get("date", ""))
    if start is None and day is None:
        raise _RowError("columns 'start_time' and 'date': both empty")
    note = ""
    if start is None:
        start, note = datetime(day.year, day.month, day.day), "no start time; date only"
    distance = _number(values.get("distance_m", ""), "distance_m", decimal_comma)
    run = {
        "_start": start,
        "_day": day,
        "_note": note,
        "distance_m": None if distance is None else distance * distance_factor,
    }
    for column in ("moving_time_s", "elapsed_time_s"):
        run[column] = _duration_s(values.get(column, ""), column, time_factor, decimal_comma)
    for column in _NUMBER_COLUMNS:
        run[column] = _number(values.get(column, ""), column, decimal_comma)
    if run["rpe"] is not None and not 1 <= run["rpe"] <= 10:
        raise _RowError(f"column 'rpe': {values['rpe'].strip()} is outside 1-10")
    for column in _TEXT_COLUMNS:
        text = values.get(column, "").strip()
        run[column] = text if text else None
    return run


def _activity_id(given: str, record: list[str], delimiter: str) -> str:
    """The row's id, prefixed ``csv:`` unless it carries a runlog source prefix."""
    given = given.strip()
    if given:
        return given if _ID_PREFIX.match(given) else f"{SOURCE}:{given}"
    digest = hashlib.sha1(delimiter.join(record).encode("utf-8")).hexdigest()[:12]
    return f"{SOURCE}:{digest}"


def _place_in_time(runs: pd.DataFrame, tz: str | None) -> pd.DataFrame:
    """Resolve ``_start`` to UTC ``start_time`` and the local ``date`` (see Notes)."""
    starts = runs.pop("_start")
    days = runs.pop("_day")
    naive = starts.map(lambda t: t.tzinfo is None)
    own_offset = starts.map(lambda t: t.tzinfo is not None and t.utcoffset().total_seconds() != 0)

    parts = []
    if naive.any():
        parts.append(localize_wall_time(pd.Series(list(starts[naive]), index=starts.index[naive]), tz))
    if (~naive).any():
        aware = starts[~naive]
        parts.append(pd.Series(pd.to_datetime(list(aware), utc=True), index=aware.index))
    start_time = pd.concat(parts).sort_index()

    local = local_date(start_time, tz)
    wall_dates = starts.map(lambda t: pd.Timestamp(t.replace(tzinfo=None)).normalize())
    local = local.where(~(naive | own_offset), wall_dates.astype(local.dtype))
    given = days.map(lambda d: pd.Timestamp(d) if d is not None else pd.NaT).astype(local.dtype)
    runs["start_time"] = start_time
    runs["date"] = given.fillna(local)
    return runs

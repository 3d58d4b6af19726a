"""Read a generic activities CSV: runlog's canonical column names, or any tracker's via a map.

A file with the canonical runs columns (DESIGN.md, "Canonical frames"; e.g.
``start_time,distance_m,moving_time_s,gear_name,name,sport``) is read as it
is. Any other tracker's CSV is read by naming its columns in ``column_map``
and giving its units.

Records are split by pyarrow's CSV parser when every record has the header's
number of fields (nearly every file), else by pandas' C parser, else by the
standard :mod:`csv` module (a NUL byte, an unterminated quote, a record far
wider than the header); the three give the same records. The cells stay Arrow
string columns from there on: each column is checked and converted at once by
Arrow's compute kernels (dates, durations; numbers by
:func:`analysis.io.numbers.parse_numbers`), and only the cells those kernels do
not settle (an odd spelling, a bad value) go one by one through the same
functions as ever (``float``, ``datetime.fromisoformat``), so the values and
messages do not depend on the path. Each record is still accounted for on its
own: a record with too many fields or an unreadable value fails alone, with
its row number and a reason naming the column, while the others go on. Written
on Arrow rather than on pandas' string methods because the round trips
between Python strings and pandas' columns cost more than the parsing.

Decoding and the delimiter are those of the other user-written tables (:mod:`analysis.io.table`): UTF-8 (with or without
BOM), else UTF-16 (with BOM), else cp1252 (what Excel writes on Windows), else
Latin-1; the delimiter (``,`` ``;`` or tab) is the one that splits the header
line into the most fields, written by hand because :class:`csv.Sniffer`
guesses from the whole sample and is thrown by commas inside quoted names and
by decimal commas.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import warnings
from concurrent.futures import ThreadPoolExecutor
from datetime import date as Date
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

from analysis import schema
from analysis.errors import RunlogError
from analysis.io.base import ReadResult, read_source_bytes
from analysis.io.numbers import MISSING, is_missing, parse_number, parse_numbers
from analysis.io.table import decode_text, first_line, header_cells, header_delimiter, where
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
        duplicate, not_a_run or failed; the reason of a row that a quoted line
        break above moved off the line of its number ends with that line,
        ``(line 9 in a text editor)``.

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
      it has more fields than the header (trailing empty fields, as
      spreadsheets write, do not count). Rows with no value at all are
      skipped.
    * ``activity_id``: the ``activity_id`` column, prefixed ``csv:`` unless it
      already starts with a runlog source prefix (``fit:``, ``strava:``,
      ...); else ``csv:`` + the first 12 hex digits of the XXH3-64 (xxHash,
      seed 0) of the row's fields joined by the delimiter (the header's
      number of fields, a short row padded with empty ones), in UTF-8. A
      repeated id within the file is logged ``duplicate``. Earlier versions
      took the SHA-1 of the same text (CHANGELOG.md); :func:`legacy_ids` maps
      those old ids to the new ones.

    References
    ----------
    RFC 4180, Common Format and MIME Type for CSV Files; ISO 8601 date and time.
    """
    if distance_unit not in DISTANCE_UNITS:
        raise ValueError(f"distance_unit must be one of {sorted(DISTANCE_UNITS)}, not {distance_unit!r}")
    if time_unit not in TIME_UNITS:
        raise ValueError(f"time_unit must be one of {sorted(TIME_UNITS)}, not {time_unit!r}")
    raw, label = read_source_bytes(source, name)
    header, data, n_fields, rows, delimiter, lead = _records(raw, label)
    del raw
    columns = _resolve_columns(header, column_map, label)
    width = len(header)
    values = {target: data[pos] for pos, target in columns.items()}
    ids = _given_ids(values.get("activity_id"), len(rows))
    unnamed = ~_nonempty(ids)
    # a large file's row hashes (a Python loop that holds the GIL) are taken in a thread while its columns are
    # checked and parsed (Arrow's and numpy's kernels, which release it): on two cores the one hides the other
    hashing = ThreadPoolExecutor(max_workers=1) if len(rows) >= _THREADED_ROWS and unnamed.any() else None
    try:
        ahead = None if hashing is None else hashing.submit(
            _hashed_ids, [c if unnamed.all() else c.filter(pa.array(unnamed)) for c in data[:width]], delimiter)
        keep = _not_blank(data, values, n_fields, label)
        kept_unnamed = unnamed
        skipped = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))  # blank records: where, line breaks
        if not keep.all():  # rows with no value at all are skipped, not logged
            mask = pa.array(keep)
            at = np.flatnonzero(~keep)
            skipped = (at, _line_breaks([c.take(pa.array(at)) for c in data], len(at)))  # lines they take up
            data, n_fields, rows = [c.filter(mask) for c in data], n_fields[keep], rows[keep]
            values = {k: v.filter(mask) for k, v in values.items()}
            ids, kept_unnamed = ids.filter(mask), unnamed[keep]
        n = len(rows)

        status = np.full(n, IMPORTED, dtype=np.int8)
        reason: dict[int, str] = {}  # row position -> why it is not imported
        too_wide = n_fields > width
        for i in np.flatnonzero(too_wide):
            reason[int(i)] = f"row has {n_fields[i]} fields, the header has {width}"
        status[too_wide] = FAILED

        sport, not_run = _sports(values.get("sport"), n)
        not_run &= ~too_wide
        if not_run.any():
            words = values["sport"].filter(pa.array(not_run)).to_pylist()
            reason.update({int(i): f"sport {t.strip()} is not a run"
                           for i, t in zip(np.flatnonzero(not_run), words, strict=True)})
            status[not_run] = NOT_A_RUN

        parsed, bad = _parse_columns(values, n, distance_factor=DISTANCE_UNITS[distance_unit],
                                     time_factor=TIME_UNITS[time_unit], decimal_comma=delimiter != ",")
        for i, why in bad.items():
            if status[i] == IMPORTED:
                reason[i] = why
                status[i] = FAILED
        ok = status == IMPORTED
        hashed = None
        if ahead is not None:
            hashed = ahead.result()
            if len(kept_unnamed) < len(unnamed):  # blank records dropped: their ids too
                hashed = _pick(hashed, keep[unnamed])
        ids, keys = _activity_ids(ids, kept_unnamed, ok, data, width, delimiter, hashed)
    finally:
        if hashing is not None:
            hashing.shutdown(wait=True)
    dup = _repeated(ids, ok, rows, reason, keys)
    if reason:  # a row the log names: its line in a text editor, where a quoted line break above moved it
        _name_lines(reason, rows, _start_lines(rows, data, keep, skipped, lead))
    del data, values, hashed  # the split's cells: what the frames keep of them (names, ids) lives on in parsed, ids
    status[dup] = DUPLICATE
    imported = status == IMPORTED
    named = imported | dup
    repeated = {"source_file": _repeated_text(label, n), "source": _repeated_text(SOURCE, n)}  # shared by both frames
    log = pd.DataFrame({
        "source_file": _text(repeated["source_file"]),
        "row": pd.arrays.IntegerArray(rows.astype(np.int64, copy=False), np.zeros(n, dtype=bool)),  # rows taken over
        "status": _text(_log_statuses(status)),
        "reason": _text(_log_reasons(reason, parsed["_note"])),
        "activity_id": _text(ids if named.all() else pc.if_else(pa.array(named), ids,
                                                                  pa.scalar(None, pa.large_string()))),
        "source": _text(repeated["source"]),
    })
    runs = None
    if imported.any():
        runs = _runs_frame(parsed, imported, ids, sport, repeated, tz)
    return ReadResult(schema.empty_runs() if runs is None else runs, schema.empty_samples(),
                      schema.coerce_import_log(log))


def _log_statuses(status: np.ndarray) -> pa.LargeStringArray:
    """The log's ``status`` texts of the status codes (one repeated text when every record has one status)."""
    if len(status) and (status == status[0]).all():
        return _repeated_text(STATUSES[status[0]], len(status))
    return pa.array(list(STATUSES), pa.large_string()).take(pa.array(status))


def _log_reasons(reason: dict[int, str], note: np.ndarray) -> pa.LargeStringArray:
    """The log's ``reason`` texts: ``reason``'s (each on one line), else the date-only note where ``note``, else ``""``."""
    n = len(note)
    if not reason and not note.any():  # nothing to say (nearly every file): empty texts, no column to fill
        return _repeated_text("", n)
    log_reason = pa.array(["", _DATE_ONLY], pa.large_string()).take(pa.array(note.astype(np.int8)))
    if reason:
        at = np.array(sorted(reason), dtype=np.int64)
        told = pa.array([" ".join(reason[i].split()) for i in at.tolist()], pa.large_string())  # one line each
        where = np.zeros(n, dtype=bool)
        where[at] = True
        log_reason = pc.replace_with_mask(log_reason, pa.array(where), told)
    return log_reason


def _not_blank(data: list, values: dict, n_fields: np.ndarray, label: str) -> np.ndarray:
    """Which records have a cell that is not empty or white space; raises when none has."""
    maybe_blank = np.ones(len(n_fields), dtype=bool)
    for v in values.values():  # the mapped columns first: few records are left to look at whole
        maybe_blank &= _blank(v)
        if not maybe_blank.any():  # every record has a value (nearly every file: decided by one column)
            break
    keep = np.ones(len(n_fields), dtype=bool)
    for i in np.flatnonzero(maybe_blank):
        keep[i] = _has_text(data, i, n_fields[i])
    if not keep.any():
        raise RunlogError("no data rows below the header", path=label)
    return keep


def _records(raw: bytes, label: str) -> tuple[list[str], list, np.ndarray, np.ndarray, str]:
    """The file's header and its records below it.

    Returns
    -------
    (header, data, n_fields, rows, delimiter, lead)
        The header's cells; one Arrow string column per field of the records
        below it (``""`` where a record is shorter); each record's number of
        fields up to its last non-empty one (trailing empty fields, as
        spreadsheets add, do not count); each record's spreadsheet row
        (record ordinal + 1); the delimiter; the line breaks inside the
        cells of the header and the records above it (nearly always 0).
    """
    body = raw[len(codecs.BOM_UTF8):] if raw.startswith(codecs.BOM_UTF8) else raw
    ascii_file = body.isascii()
    split = _ascii_columns(body) if ascii_file else None
    if split is not None:
        cells, delimiter = split
    else:
        text = decode_text(raw)
        delimiter = header_delimiter(_first_line(text))
        cells = _columns(text, delimiter, label, encoded=body if ascii_file else None)
        del text
    del body
    n_fields = _last_filled(cells)
    header_at = next((int(i) for i in np.flatnonzero(n_fields) if _has_text(cells, i, n_fields[i])), None)
    if header_at is None:
        raise RunlogError("empty file", path=label)
    header = [str(c[header_at].as_py()) for c in cells[: n_fields[header_at]]]
    data = [c.slice(header_at + 1) for c in cells]
    n_fields = n_fields[header_at + 1 :]
    rows = np.arange(header_at + 2, header_at + 2 + len(n_fields))
    lead = sum(_breaks_in(text) for c in cells for text in c.slice(0, header_at + 1).to_pylist())  # a few cells
    return header, data, n_fields, rows, delimiter, lead


_LF = re.compile(b"\n")
_CR = re.compile(b"\r")


def _breaks_in(text: str | None) -> int:
    """The line breaks in one cell (CRLF, LF or CR, one each)."""
    return 0 if not text else text.count("\n") + text.count("\r") - text.count("\r\n")


def _may_break(column) -> bool:
    """Whether an Arrow string column's cells hold a LF or CR (their bytes searched, without a copy).

    A literal search runs near memchr speed (some 30 ms per 100 MB): only a column with a line
    break inside a quoted cell goes on to count them (:func:`_line_breaks`).
    """
    buffer = column.buffers()[2]
    if buffer is None or not buffer.size or not len(column):
        return False
    wide = pa.types.is_large_string(column.type) or pa.types.is_large_binary(column.type)
    offsets = np.frombuffer(column.buffers()[1], dtype=np.int64 if wide else np.int32)
    view = memoryview(buffer)[int(offsets[column.offset]) : int(offsets[column.offset + len(column)])]  # this slice
    return _LF.search(view) is not None or _CR.search(view) is not None


def _line_breaks(columns: list, n: int) -> np.ndarray:
    """The line breaks inside each of ``n`` records' cells (CRLF, LF or CR, one each), as int64.

    A record holding k of them spans k + 1 lines of the file (:func:`_start_lines`).
    """
    out = np.zeros(n, dtype=np.int64)
    for column in columns:
        if not len(column) or not _may_break(column):
            continue
        counts = [pc.count_substring(column, s).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
                  for s in ("\n", "\r", "\r\n")]
        out += counts[0] + counts[1] - counts[2]
    return out


def _start_lines(rows: np.ndarray, data: list, keep: np.ndarray, skipped: tuple, lead: int) -> np.ndarray:
    """The 1-based line of the file each record below the header starts on (a text editor's numbering).

    Parameters
    ----------
    rows : ndarray of int
        The spreadsheet rows of the records kept (``data``'s).
    data : list
        Their cells, one Arrow string column per field.
    keep : ndarray of bool
        Which of the records below the header were kept (the others were blank).
    skipped : (ndarray, ndarray)
        The positions (among all records below the header) of the blank ones, and the line
        breaks inside their cells.
    lead : int
        The line breaks inside the header's cells and those above it.

    Returns
    -------
    ndarray of int
        ``rows`` plus every line break inside the cells of the records above (and of the header).
    """
    breaks = _line_breaks(data, len(rows))
    before = np.cumsum(breaks) - breaks  # inside the kept records above each one
    at, skipped_breaks = skipped
    if len(at) and skipped_breaks.any():  # and inside the blank records above it
        summed = np.concatenate([[0], np.cumsum(skipped_breaks)])
        before = before + summed[np.searchsorted(at, np.flatnonzero(keep))]
    return rows + lead + before


def _name_lines(reason: dict[int, str], rows: np.ndarray, lines: np.ndarray) -> None:
    """End each reason of a record not on the line of its row with that line (``reason`` changed in place)."""
    for i in list(reason):
        reason[i] += where(int(rows[i]), {int(rows[i]): int(lines[i])})


#: status codes while reading (:data:`STATUSES` are their names in the log)
IMPORTED, DUPLICATE, NOT_A_RUN, FAILED = 0, 1, 2, 3
STATUSES = ("imported", "duplicate", "not_a_run", "failed")
_DATE_ONLY = "no start time; date only"


def _text(array) -> pd.arrays.ArrowStringArray:
    """An Arrow string array as pandas' ``string`` array, without copying."""
    if isinstance(array, pa.ChunkedArray):
        return pd.arrays.ArrowStringArray(array)
    return pd.arrays.ArrowStringArray(pa.chunked_array([array]))


def _repeated_text(text: str, n: int) -> pa.LargeStringArray:
    """``text`` ``n`` times, as an Arrow string array built from its buffers (``pa.repeat`` of a string
    scalar appends one by one: 0.1 s per 2 million)."""
    data = text.encode("utf-8")
    size = len(data)
    offsets = np.arange(0, size * (n + 1), size, dtype=np.int64) if size else np.zeros(n + 1, dtype=np.int64)
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data * n))


def _runs_frame(parsed: dict, imported: np.ndarray, ids, sport, repeated: dict, tz: str | None) -> pd.DataFrame:
    """The canonical runs frame of the imported records (as :func:`analysis.schema.coerce_runs` gives it).

    Built column by column in the canonical dtypes, so that no column is
    converted or copied again (the number arrays of ``parsed`` are taken
    over, their blanks zeroed in place; ``repeated``'s ``source`` and
    ``source_file`` columns of every record are shared with the log when
    every record is imported); a column the file does not have is all NA
    without being filled (:func:`_missing_numbers`, :func:`_null_texts`); a
    time outside pandas' nanosecond range goes through ``coerce_runs``, which
    refuses it as it does for every reader.
    """
    k = int(imported.sum())
    every = k == len(imported)
    mask = None if every else pa.array(imported)

    def chosen(array):
        return array if mask is None else array.filter(mask)

    def rows(values: np.ndarray) -> np.ndarray:
        return values if every else values[imported]  # a copy only when rows drop out

    frame = {}
    for column in ("distance_m", "moving_time_s", "elapsed_time_s") + _NUMBER_COLUMNS:
        v = parsed[column]
        if v is None:  # not in the file
            frame[column] = _missing_numbers(k)
            continue
        v = rows(v)
        missing = np.isnan(v)
        v[missing] = 0.0  # taken over: parsed is not read again
        frame[column] = pd.arrays.FloatingArray(v, missing)
    null = _null_texts(k)  # one all-null text column, shared by every text column the file does not have
    for column in _TEXT_COLUMNS:
        frame[column] = _text(null if parsed[column] is None else chosen(parsed[column]))
    frame["sport"] = _text(chosen(sport))
    frame["source"] = _text(chosen(repeated["source"]))
    frame["source_file"] = _text(chosen(repeated["source_file"]))
    index = pd.Index(_text(chosen(ids)), name="activity_id")
    day = parsed["_day"]
    start_time, date = _place_in_time(rows(parsed["_wall"]), rows(parsed["_offset_s"]),
                                      None if day is None else rows(day), tz)
    try:
        frame["start_time"] = start_time.dt.as_unit("ns").array
        frame["date"] = date.dt.as_unit("ns").array
    except (OverflowError, ValueError):  # out of the ns range: coerce_runs says which column, as for any reader
        frame["start_time"], frame["date"] = start_time.array, date.array
        return schema.coerce_runs(pd.DataFrame(frame, index=index))
    columns = {}
    for column, dtype in schema.RUNS_DTYPES.items():
        if column in frame:
            columns[column] = frame[column]
        elif dtype == "string":
            columns[column] = _text(null)
        else:
            columns[column] = _missing_numbers(k) if dtype == "Float64" else pd.array(np.full(k, np.nan), dtype=dtype)
    return pd.DataFrame(columns, index=index, copy=False)


def _missing_numbers(n: int) -> pd.arrays.FloatingArray:
    """``n`` NA as a ``Float64`` array, its values zeros the allocator hands over untouched (``calloc``)."""
    return pd.arrays.FloatingArray(np.zeros(n), np.ones(n, dtype=bool))


def _null_texts(n: int) -> pa.LargeStringArray:
    """``n`` nulls as an Arrow string array built on zeroed buffers (``pa.nulls`` writes its zeros: 16 MiB
    per 2 million). Arrow arrays are immutable, so one may back several columns."""
    offsets = pa.py_buffer(np.zeros(n + 1, dtype=np.int64))
    validity = pa.py_buffer(np.zeros((n + 7) // 8, dtype=np.uint8))
    return pa.LargeStringArray.from_buffers(n, offsets, pa.py_buffer(b""), validity, null_count=n)


#: a record this much wider than the header goes to the :mod:`csv` path (pandas needs a width up front)
_EXTRA_FIELDS = 16


def _columns(text: str, delimiter: str, label: str, encoded: bytes | None = None) -> list:
    """Every record's cells, one Arrow string column per field (blank records too, ``""`` where short).

    As :func:`_cells`, but kept as Arrow arrays when pyarrow's parser splits the file;
    ``encoded`` is ``text`` in UTF-8 when the caller has it (an ASCII file's own bytes).
    """
    if "\0" not in text:
        width = len(next(csv.reader([_first_line(text)], delimiter=delimiter), []))
        arrays = _arrow_arrays(text, delimiter, width, encoded)
        if arrays is not None:
            return arrays
    frame = _other_cells(text, delimiter, label)
    return [pa.array(frame[c].to_numpy(dtype=object), pa.large_string()) for c in frame.columns]


def _ascii_columns(body: bytes) -> tuple[list, str] | None:
    """:func:`_columns` and the delimiter of an ASCII file split by pyarrow, its text never decoded whole.

    The same cells and delimiter as decoding the file and calling
    :func:`_columns` (the header line and the checks are taken from the first
    64 KiB, as :func:`_first_line` takes them); None when the file is not for
    pyarrow's path (a NUL byte, a first line running past 64 KiB, uneven
    records), and the caller decodes it.
    """
    if b"\0" in body:
        return None
    head = body[: 1 << 16].decode("ascii")
    line = first_line(head)
    if len(head) < len(body) and not (line and head.find(line) + len(line) < len(head)):
        return None
    delimiter = header_delimiter(line)
    width = len(next(csv.reader([line], delimiter=delimiter), []))
    arrays = _arrow_arrays(head, delimiter, width, body)
    return None if arrays is None else (arrays, delimiter)


def _cells(text: str, delimiter: str, label: str) -> pd.DataFrame:
    """Every record's cells as text, one row per record (blank lines too), ``""`` where a record is shorter.

    pyarrow's parser when every record has the header's width, else pandas' C
    parser where it splits as :mod:`csv` would; else :mod:`csv` (see the module's docstring).
    """
    if "\0" not in text:
        width = len(next(csv.reader([_first_line(text)], delimiter=delimiter), []))
        cells = _arrow_cells(text, delimiter, width)
        if cells is not None:
            return cells
    return _other_cells(text, delimiter, label)


def _other_cells(text: str, delimiter: str, label: str) -> pd.DataFrame:
    """The cells by pandas' C parser, or by :mod:`csv` where pandas would split otherwise."""
    if "\0" not in text:
        width = len(next(csv.reader([_first_line(text)], delimiter=delimiter), [])) + _EXTRA_FIELDS
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return pd.read_csv(io.StringIO(text), sep=delimiter, header=None, names=range(width), dtype=object,
                                   keep_default_na=False, na_values=[], skip_blank_lines=False, quotechar='"',
                                   doublequote=True, escapechar=None, engine="c", low_memory=False,
                                   skipinitialspace=False, comment=None)
        except (pd.errors.ParserError, ValueError, csv.Error, OverflowError):
            pass  # an unterminated quote, a very wide record: the csv module decides
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise RunlogError(f"not readable as CSV ({exc})", path=label) from exc
    width = max(map(len, records), default=0)
    return pd.DataFrame([r + [""] * (width - len(r)) for r in records], columns=range(width), dtype=object)


def _arrow_cells(text: str, delimiter: str, width: int) -> pd.DataFrame | None:
    """:func:`_arrow_arrays` as a frame of pandas' Arrow-backed strings (no copy)."""
    arrays = _arrow_arrays(text, delimiter, width)
    if arrays is None:
        return None
    return pd.DataFrame({i: _text(a) for i, a in enumerate(arrays)})


def _arrow_arrays(text: str, delimiter: str, width: int, encoded: bytes | None = None) -> list | None:
    """The cells by pyarrow's CSV parser (threaded C++), for a file whose every record has ``width`` fields.

    None when any record has another number of fields (a blank line, a short or
    long record): such a file is split by pandas or :mod:`csv`, which keep them.
    """
    import pyarrow.csv as pacsv

    if width < 1 or not text.startswith(_first_line(text)):  # (``text`` may be the head of ``encoded``)
        return None
    uneven = []
    names = [str(i) for i in range(width)]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(text.encode("utf-8") if encoded is None else encoded),
            read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 24, use_threads=False),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char='"', double_quote=True,
                                             escape_char=False, newlines_in_values=True,
                                             ignore_empty_lines=False,
                                             invalid_row_handler=lambda row: uneven.append(row) or "skip"),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.large_string()),
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
        return None
    if uneven:
        return None
    columns = table.columns
    del table
    out = []
    for i in range(width):  # each column's chunks freed once combined: one column's copy held at a time
        out.append(columns[i].combine_chunks())
        columns[i] = None
    return out


def _first_line(text: str) -> str:
    """:func:`analysis.io.table.first_line`, looking at the first 64 KiB only when the line ends in them."""
    head = text[: 1 << 16]
    line = first_line(head)
    if len(head) == len(text) or (line and text.find(line) + len(line) < len(head)):
        return line
    return first_line(text)


def _nonempty(column) -> np.ndarray:
    """Which cells of an Arrow string column are not ``""``."""
    return pc.not_equal(column, "").to_numpy(zero_copy_only=False)


def _blank(column) -> np.ndarray:
    """Which cells of an Arrow string column are ``""`` or white space only (``utf8_is_space`` takes what
    ``utf8_trim_whitespace`` removes, checked over every code point; no trimmed copy is made)."""
    return ~_nonempty(column) | pc.utf8_is_space(column).to_numpy(zero_copy_only=False)


def _last_filled(cells: list) -> np.ndarray:
    """Each record's number of fields up to its last non-empty one (0 for none), columns looked at from the
    last until every record has one (one pass when the last column is filled)."""
    n = len(cells[0]) if cells else 0
    out = np.zeros(n, dtype=np.int64)
    unset = np.ones(n, dtype=bool)
    for j in range(len(cells) - 1, -1, -1):
        hit = unset & _nonempty(cells[j])
        out[hit] = j + 1
        unset &= ~hit
        if not unset.any():
            break
    return out


def _has_text(cells: list, i: int, n: int) -> bool:
    """Whether record ``i`` (of ``n`` fields) has a cell that is not empty or spaces."""
    return any(str(c[i].as_py()).strip() for c in cells[:n])


def _sports(column, n: int):
    """Canonical run sport per record (blank means running; null when not a run), and where not a run."""
    if column is None:
        return _repeated_text("running", n), np.zeros(n, dtype=bool)
    codes = pc.dictionary_encode(column)
    sports = pa.array([_sport(u) for u in codes.dictionary.to_pylist()], pa.large_string()).take(codes.indices)
    return sports, sports.is_null().to_numpy(zero_copy_only=False)


def _parse_columns(values: dict, n: int, *, distance_factor: float, time_factor: float,
                   decimal_comma: bool) -> tuple[dict, dict[int, str]]:
    """All records' runs fields at once, and the first problem of each record that has one.

    Problems are looked for in the order a person reads the row: start_time,
    date, both empty, distance, moving and elapsed time, the other numbers,
    the RPE range.
    """
    bad: dict[int, str] = {}

    def first(problems: dict[int, str]) -> None:
        for i, why in problems.items():
            bad.setdefault(i, why)

    get = values.get
    wall, offset_s, problems = _start_times(get("start_time"), n)
    first(problems)
    day = None  # no date column
    if get("date") is not None:
        day, problems = _days(get("date"), n)
        first(problems)
    first(_implausible(wall, "start_time"))
    if day is not None:
        first(_implausible(day, "date"))
    undated = np.isnat(wall)
    neither = undated if day is None else undated & np.isnat(day)
    first(dict.fromkeys(np.flatnonzero(neither).tolist(), "columns 'start_time' and 'date': both empty"))
    note = undated & ~neither
    if note.any():
        wall[note] = day[note]  # local midnight of the date
    out = {"_wall": wall, "_offset_s": offset_s, "_day": day, "_note": note}
    distance, problems = _numbers(get("distance_m"), "distance_m", decimal_comma, n)
    first(problems)
    distance *= distance_factor  # in place: the array is this column's own
    out["distance_m"] = distance
    for column in ("moving_time_s", "elapsed_time_s"):  # None: not in the file
        out[column], problems = (None, {}) if get(column) is None else _durations(get(column), column, time_factor,
                                                                                    decimal_comma, n)
        first(problems)
    for column in _NUMBER_COLUMNS:
        out[column], problems = (None, {}) if get(column) is None else _numbers(get(column), column, decimal_comma, n)
        first(problems)
    rpe = out["rpe"]
    outside = np.zeros(0, dtype=np.int64) if rpe is None else np.flatnonzero(~np.isnan(rpe) & ~((rpe >= 1) & (rpe <= 10)))
    if len(outside):
        texts = get("rpe").take(pa.array(outside)).to_pylist()
        first({int(i): f"column 'rpe': {t.strip()} is outside 1-10" for i, t in zip(outside, texts, strict=True)})
    for column in _TEXT_COLUMNS:
        out[column] = None if get(column) is None else _text_cells(get(column))
    return out, bad


def _implausible(stamps: np.ndarray, column: str) -> dict[int, str]:
    """Rows whose date lies outside :data:`analysis.schema.PLAUSIBLE_YEARS`, with the reason a person reads."""
    out = np.flatnonzero(schema.implausible_dates(stamps))
    return {int(i): schema.implausible_reason(column, stamps[i]) for i in out}


def _text_cells(column):
    """The cells trimmed of white space, null where that leaves nothing.

    When no cell starts or ends with a byte that could be white space (ASCII
    ``<= 0x20``, ``0x7f``, or any byte of a non-ASCII character) trimming
    changes nothing: the column is taken as it is (blank cells made null), without
    the two copies ``utf8_trim_whitespace`` and ``if_else`` make of it.
    """
    null = pa.scalar(None, pa.large_string())
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if len(array) and not array.null_count and pa.types.is_large_string(array.type):
        _, offsets_buffer, data_buffer = array.buffers()
        offsets = np.frombuffer(offsets_buffer, dtype=np.int64)[array.offset: array.offset + len(array) + 1]
        filled = offsets[1:] > offsets[:-1]
        data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(0, np.uint8)
        first, last = data[offsets[:-1][filled]], data[offsets[1:][filled] - 1]
        if not ((first <= 0x20) | (first >= 0x7F) | (last <= 0x20) | (last >= 0x7F)).any():
            return array if filled.all() else pc.if_else(pa.array(filled), array, null)
    text = pc.utf8_trim_whitespace(column)
    return pc.if_else(pc.equal(text, ""), null, text)


#: the ISO 8601 date-times almost every file has, parsed by Arrow at once; any other goes to
#: ``datetime.fromisoformat`` one by one (its results are the same for these: the fields are range-checked
#: here, and Arrow refuses a day its month does not have)
_ISO_COMMON = (r"^(?P<d>\d{4}-\d{2}-\d{2})[T ](?P<t>(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,6})?)?)"
               r"(?P<z>Z|[+-](?:[01]\d|2[0-3]):[0-5]\d|)$")
_DATE_COMMON = r"^(?P<d>\d{4}-\d{2}-\d{2})$"
#: the commonest of those: UTC, to the second (a subset of :data:`_ISO_COMMON`, read the same)
_ISO_UTC = r"^\d{4}-\d{2}-\d{2}T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\dZ$"


def _wall_stamps(dates, times=None) -> np.ndarray:
    """``YYYY-MM-DD`` (and ``hh:mm[:ss[.f]]``) texts as datetime64[us]; NaT where the day does not exist.

    Year 0000, which :mod:`datetime` refuses, is NaT too.
    """
    joined = dates if times is None else _join([dates, times], "T")
    try:
        stamps = np.array(pc.cast(joined, pa.timestamp("us")).to_numpy(zero_copy_only=False), dtype="datetime64[us]")
    except pa.ArrowInvalid:  # some day does not exist (2025-02-30): pandas tells which
        stamps = np.array(pd.to_datetime(joined.to_pandas(), format="ISO8601", errors="coerce"),
                          dtype="datetime64[us]")
    stamps[pc.starts_with(dates, "0000").to_numpy(zero_copy_only=False)] = np.datetime64("NaT")
    return stamps


def _start_times(column, n: int) -> tuple[np.ndarray, np.ndarray, dict[int, str]]:
    """Wall-clock start times (NaT where blank or bad), their UTC offsets in s (NaN: none given), problems."""
    problems: dict[int, str] = {}
    if column is None:
        return np.full(n, np.datetime64("NaT"), dtype="datetime64[us]"), np.full(n, np.nan), problems
    todo = np.ones(n, dtype=bool)
    # 2025-03-01T07:30:00Z, what most exports write: its wall time is its first 19 characters, its offset 0.
    # Told from the bytes when every cell has its 20 characters (then no cell needs trimming), else by RE2.
    text = None
    utc, year_zero = _utc_form(column)
    if utc is None:
        text = pc.utf8_trim_whitespace(column)
        utc = pc.match_substring_regex(text, _ISO_UTC).to_numpy(zero_copy_only=False)
    if utc.any():
        at = np.flatnonzero(utc)
        stamps = _utc_stamps(column, year_zero) if utc.all() and text is None else None
        if stamps is None:
            chosen = column if text is None else text  # the same texts where utc holds
            stamps = _wall_stamps(pc.utf8_slice_codeunits(chosen if utc.all() else chosen.filter(pa.array(utc)),
                                                          0, 19))
        good = ~np.isnat(stamps)  # an impossible date goes on, to be told
        if len(at) == n and good.all():  # every cell such a time (nearly every file): the stamps are the walls
            return stamps, np.zeros(n), problems
    wall = np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
    offset_s = np.full(n, np.nan)
    if utc.any():
        wall[at[good]] = stamps[good]
        offset_s[at[good]] = 0.0
        todo[at[good]] = False
    rest = np.flatnonzero(todo)
    if len(rest):  # blanks and placeholders (none of them matched above) stay NaT, and are no problem
        todo[rest[_missing(column if len(rest) == n else column.filter(pa.array(todo)))]] = False
    if not todo.any():
        return wall, offset_s, problems
    if text is None:
        text = pc.utf8_trim_whitespace(column)
    rest = np.flatnonzero(todo)
    parts = pc.extract_regex(text if len(rest) == n else text.filter(pa.array(todo)), _ISO_COMMON)  # RE2, in C
    common = parts.is_valid().to_numpy(zero_copy_only=False)
    if common.any():
        at = rest[common]
        chosen = parts if common.all() else parts.filter(pa.array(common))
        stamps = _wall_stamps(pc.struct_field(chosen, "d"), pc.struct_field(chosen, "t"))
        good = ~np.isnat(stamps)  # an impossible date (2025-02-30) goes the slow way, to be told
        wall[at[good]] = stamps[good]
        zone = pc.struct_field(chosen, "z")
        off = np.where(pc.equal(zone, "Z").to_numpy(zero_copy_only=False), 0.0, np.nan)
        signed = pc.equal(pc.utf8_length(zone), 6).to_numpy(zero_copy_only=False)
        if signed.any():
            z = zone.filter(pa.array(signed))
            hours = pc.cast(pc.utf8_slice_codeunits(z, 1, 3), pa.float64()).to_numpy(zero_copy_only=False)
            minutes = pc.cast(pc.utf8_slice_codeunits(z, 4, 6), pa.float64()).to_numpy(zero_copy_only=False)
            sign = np.where(pc.starts_with(z, "-").to_numpy(zero_copy_only=False), -1.0, 1.0)
            off[signed] = sign * (hours * 3600 + minutes * 60)
        offset_s[at[good]] = off[good]
        todo[at[good]] = False
    for i in np.flatnonzero(todo):
        try:
            t = _start(text[int(i)].as_py())
        except _RowError as exc:
            problems[int(i)] = str(exc)
            continue
        wall[i] = np.datetime64(t.replace(tzinfo=None), "us")
        offset = t.utcoffset()
        offset_s[i] = np.nan if offset is None else offset.total_seconds()
    return wall, offset_s, problems


#: positions of the digits and of the other characters of ``YYYY-MM-DDThh:mm:ssZ`` (:data:`_ISO_UTC`)
_UTC_DIGITS = (0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18)
_UTC_MARKS = ((4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":"), (19, "Z"))


def _utc_form(column) -> tuple[np.ndarray | None, np.ndarray | None]:
    r"""Which cells match :data:`_ISO_UTC`, and which of those are of year 0000, read from the bytes.

    Only for a column whose every cell is 20 bytes long (else ``(None, None)``
    and the caller matches the regex): a cell matches when its 20 bytes are
    ASCII digits and ``- - T : : Z`` in their places, the hour 00-23 and the
    minutes and seconds 00-59, as the regex says (RE2's ``\d`` is ASCII only;
    a cell with white space around it is longer, and goes the regex's way).
    Written by hand because RE2 over 2 million cells took ~0.1 s; this is a
    few numpy comparisons over the column's buffer.
    """
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if not len(array) or array.null_count or not pa.types.is_large_string(array.type):
        return None, None
    _, offsets_buffer, data_buffer = array.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64)[array.offset: array.offset + len(array) + 1]
    if offsets[-1] - offsets[0] != 20 * len(array) or not (np.diff(offsets) == 20).all():
        return None, None
    cells = np.frombuffer(data_buffer, dtype=np.uint8)[offsets[0]: offsets[-1]].reshape(len(array), 20)
    digit = {i: cells[:, i] - np.uint8(48) for i in _UTC_DIGITS}  # wraps above 9 for anything but a digit
    ok = np.ones(len(array), dtype=bool)
    for i in _UTC_DIGITS:
        ok &= digit[i] < 10
    for i, mark in _UTC_MARKS:
        ok &= cells[:, i] == ord(mark)
    ok &= (digit[11] < 2) | ((digit[11] == 2) & (digit[12] < 4))  # hour 00-23
    ok &= (digit[14] < 6) & (digit[17] < 6)  # minutes, seconds 00-59
    year_zero = (digit[0] == 0) & (digit[1] == 0) & (digit[2] == 0) & (digit[3] == 0)
    return ok, year_zero


def _utc_stamps(column, year_zero: np.ndarray) -> np.ndarray | None:
    """The wall times of a column whose every cell matches :data:`_ISO_UTC`, cast at once by Arrow (its ISO
    parser reads the ``Z``); year 0000 NaT, as :func:`_wall_stamps` gives it. None when a day does not
    exist (Arrow refuses the whole column: :func:`_wall_stamps` then tells which)."""
    try:
        cast = pc.cast(column, pa.timestamp("us", tz="UTC"))
    except pa.ArrowInvalid:
        return None
    stamps = np.array(cast.to_numpy(zero_copy_only=False), dtype="datetime64[us]")
    stamps[year_zero] = np.datetime64("NaT")
    return stamps


def _days(column, n: int) -> tuple[np.ndarray, dict[int, str]]:
    """Dates (midnight; NaT where blank or bad) and the problems."""
    days = np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
    problems: dict[int, str] = {}
    if column is None:
        return days, problems
    text = pc.utf8_trim_whitespace(column)
    todo = ~_missing(column)
    common = pc.match_substring_regex(text, _DATE_COMMON).to_numpy(zero_copy_only=False) & todo
    if common.any():
        at = np.flatnonzero(common)
        stamps = _wall_stamps(text if common.all() else text.filter(pa.array(common)))
        good = ~np.isnat(stamps)
        days[at[good]] = stamps[good]
        todo[at[good]] = False
    for i in np.flatnonzero(todo):
        try:
            d = _day(text[int(i)].as_py())
        except _RowError as exc:
            problems[int(i)] = str(exc)
            continue
        days[i] = np.datetime64(d, "us")
    return days, problems


def _missing(column) -> np.ndarray:
    """Which cells are blank or a placeholder (:data:`analysis.io.numbers.MISSING`)."""
    lower = pc.utf8_lower(pc.utf8_trim_whitespace(column))
    return pc.is_in(lower, value_set=pa.array(sorted(MISSING), pa.large_string())).to_numpy(zero_copy_only=False)


def _numbers(column, name: str, decimal_comma: bool, n: int) -> tuple[np.ndarray, dict[int, str]]:
    """Non-negative numbers (NaN when blank) and the problems, by :func:`analysis.io.numbers.parse_numbers`."""
    if column is None:
        return np.full(n, np.nan), {}
    values, bad = parse_numbers(column, decimal_comma=decimal_comma)
    negative = values < 0
    problems: dict[int, str] = {}
    for flags, message in ((bad, "column '{}': '{}' is not a number"), (negative, "column '{}': {} is negative")):
        at = np.flatnonzero(flags)
        if len(at):
            texts = column.take(pa.array(at)).to_pylist()
            problems.update({int(i): message.format(name, t.strip()) for i, t in zip(at, texts, strict=True)})
    values[negative] = np.nan
    return values, problems


def _durations(column, name: str, factor: float, decimal_comma: bool, n: int) -> tuple[np.ndarray, dict[int, str]]:
    """Durations in s (``h:mm:ss`` / ``mm:ss``, or numbers in the file's unit) and the problems."""
    if column is None:
        return _numbers(None, name, decimal_comma, n)
    clock = pc.match_substring(column, ":").to_numpy(zero_copy_only=False)
    if clock.any():  # placeholders looked for only where they could matter (three passes over the column)
        clock &= ~_missing(column)
    if not clock.any():
        values, problems = _numbers(column, name, decimal_comma, n)
        return values * factor, problems
    values, problems = _numbers(pc.if_else(pa.array(clock), "", column), name, decimal_comma, n)
    values = values * factor
    where = np.flatnonzero(clock)
    parts = pc.extract_regex(column.filter(pa.array(clock)), _DURATION_PARTS)
    matched = parts.is_valid().to_numpy(zero_copy_only=False)
    if matched.any():
        parts = parts.filter(pa.array(matched))
        hours = pc.cast(pc.if_else(pc.equal(pc.struct_field(parts, "h"), ""), "0", pc.struct_field(parts, "h")),
                        pa.float64()).to_numpy(zero_copy_only=False)
        minutes = pc.cast(pc.struct_field(parts, "m"), pa.float64()).to_numpy(zero_copy_only=False)
        seconds = pc.cast(pc.replace_substring(pc.struct_field(parts, "s"), ",", "."), pa.float64()).to_numpy(
            zero_copy_only=False)
        values[where[matched]] = hours * 3600 + minutes * 60 + seconds
    for i in where[~matched]:  # placeholders (--:--) and anything else: as parse_duration_s says
        try:
            value = _duration_s(column[int(i)].as_py(), name, factor, decimal_comma)
        except _RowError as exc:
            problems[int(i)] = str(exc)
            continue
        values[i] = np.nan if value is None else value
    return values, problems


#: ``h:mm:ss`` / ``mm:ss``, the pattern of :func:`analysis.units.parse_duration_s`, in three groups
_DURATION_PARTS = r"^\s*(?:(?P<h>\d+):)?(?P<m>\d{1,2}):(?P<s>\d{1,2}(?:[.,]\d+)?)\s*$"


def _join(arrays: list, separator: str):
    """Arrow string arrays joined element-wise with ``separator`` (one C call)."""
    arrays = [a.cast(pa.large_string()) for a in arrays]
    return pc.binary_join_element_wise(*arrays, pa.scalar(separator, pa.large_string()))


def _given_ids(given, n: int):
    """Each record's own id (``activity_id``, prefixed ``csv:`` unless it has a source prefix; ``""`` where
    none is given), as Arrow strings."""
    if given is None:
        return _repeated_text("", n)
    ids = pc.utf8_trim_whitespace(given)
    own = pc.and_(pc.not_equal(ids, ""), pc.invert(pc.match_substring_regex(ids, _ID_PREFIX.pattern)))
    return pc.if_else(own, _join([_repeated_text(SOURCE, n), ids], ":"), ids)


def _activity_ids(ids, unnamed: np.ndarray, ok: np.ndarray, data: list, width: int, delimiter: str,
                  hashed: np.ndarray | None = None):
    """Each record's id (see Notes of :func:`read_generic_csv`; ``""`` where a record has none), hashed for
    the ``ok`` records that have no id of their own.

    ``ids``: :func:`_given_ids`; ``unnamed``: where those are ``""``. The
    hash is over the record's first ``width`` fields (the header's), a
    shorter record padded with empty fields. ``hashed``, when given, is
    :func:`_hashed_ids` of every ``unnamed`` record (taken ahead, in a
    thread); else the records that need one are hashed here.

    Returns
    -------
    (ids, keys)
        The ids (Arrow strings), and when every ``ok`` record's id is hashed,
        the hashes' top 48 bits in the order of those records (equal exactly
        when the ids are: :func:`_repeated` compares integers), else None.
    """
    keys = None
    need = ok & unnamed
    if need.any():
        mask = pa.array(need)
        if hashed is None:
            hashed = _hashed_ids([c if need.all() else c.filter(mask) for c in data[:width]], delimiter)
        elif not np.array_equal(need, unnamed):
            hashed = _pick(hashed, need[unnamed])
        values, digits = hashed
        ids = digits if need.all() else pc.replace_with_mask(ids, mask, digits)
        if np.array_equal(need, ok):
            keys = values >> np.uint64(64 - 4 * ID_HEX_DIGITS)
    return ids, keys


def _hashed_ids(columns: list, delimiter: str) -> tuple[np.ndarray, pa.Array]:
    """:func:`_row_hash_values` of the records (``columns``: their first ``width`` fields) and their ids."""
    values = _row_hash_values(columns, delimiter)
    return values, _hex_ids(_top_bytes(values))


def _pick(hashed: tuple[np.ndarray, pa.Array], where: np.ndarray) -> tuple[np.ndarray, pa.Array]:
    """The hashes and ids of :func:`_hashed_ids` at the records ``where`` holds."""
    values, digits = hashed
    return values[where], digits.filter(pa.array(where))


#: records from which a file's row hashes are taken in a thread beside the parsing of its columns
_THREADED_ROWS = 100_000

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
#: each byte's two hex digits (a byte -> 2 digits in one look-up)
_HEX_PAIRS_U16 = np.stack([_HEX[np.arange(256) >> 4], _HEX[np.arange(256) & 15]], axis=1).copy().view(np.uint16)[:, 0]
#: hex digits of a hashed id (48 bits: a collision is as unlikely as it was with the SHA-1 ids)
ID_HEX_DIGITS = 12


def _row_hashes(joined) -> pa.Array:
    """``csv:`` + the first 12 hex digits of the XXH3-64 of each text (UTF-8), i.e. its top 48 bits.

    XXH3-64 (seed 0) is specified (xxHash, stable since 0.8) and gives the
    same value on every machine and version; :mod:`xxhash` takes one text per
    call (no batch call), ~0.1 us each, and numpy writes the hex digits of
    all at once.
    """
    return _hex_ids(_top_bytes(_xxh3_values(joined)))


def _row_hash_values(columns: list, delimiter: str, batch: int = 1 << 13) -> np.ndarray:
    """The XXH3-64 of each record's fields joined by ``delimiter``, joined and hashed ``batch`` records at a
    time (the joined texts and their Python copies are then never all held at once)."""
    n = len(columns[0])
    out = np.empty(n, dtype=np.uint64)
    for start in range(0, n, batch):
        out[start: start + batch] = _xxh3_values(_join([c.slice(start, batch) for c in columns], delimiter))
    return out


def _xxh3_values(texts) -> np.ndarray:
    """The XXH3-64 (seed 0) of each text (UTF-8), as unsigned 64-bit integers."""
    digest = xxhash.xxh3_64_intdigest
    return np.fromiter(map(digest, texts.cast(pa.large_binary()).to_pylist()), dtype=np.uint64, count=len(texts))


def _top_bytes(values: np.ndarray) -> np.ndarray:
    """The first ``ID_HEX_DIGITS // 2`` bytes of each 64-bit value written big-endian (as its hex digest)."""
    return values.astype(">u8").view(np.uint8).reshape(len(values), 8)[:, : ID_HEX_DIGITS // 2]


def _hex_ids(digests: np.ndarray) -> pa.Array:
    """``csv:`` + the hex of each row of bytes (k x 6), as an Arrow string array."""
    k, width = digests.shape
    size = 4 + 2 * width
    out = np.empty((k, size), dtype=np.uint8)
    out[:, :4] = np.frombuffer(f"{SOURCE}:".encode(), dtype=np.uint8)
    out[:, 4:] = _HEX_PAIRS_U16[digests].view(np.uint8)
    offsets = np.arange(0, size * (k + 1), size, dtype=np.int64)
    return pa.LargeStringArray.from_buffers(k, pa.py_buffer(offsets), pa.py_buffer(out))


def _legacy_row_hashes(joined) -> pa.Array:
    """The ids of earlier versions (CHANGELOG.md): ``csv:`` + the first 12 hex digits of the SHA-1 of each text."""
    k = len(joined)
    sha1 = hashlib.sha1
    digests = np.frombuffer(b"".join([sha1(b).digest() for b in joined.cast(pa.large_binary()).to_pylist()]),
                            dtype=np.uint8).reshape(k, 20)[:, : ID_HEX_DIGITS // 2]
    return _hex_ids(digests)


def legacy_ids(source: str | Path | bytes, *, name: str | None = None) -> dict[str, str]:
    """The ids the records of a generic CSV had before the hashed ids changed (legacy id -> id now).

    Until this change a record without ``activity_id`` was ``csv:`` + the
    first 12 hex digits of the SHA-1 of its fields joined by the delimiter;
    now it is the XXH3-64 of the same text (:func:`read_generic_csv`, Notes).
    Overrides written against the old ids are matched through this map
    (:func:`analysis.footwear.assign_footwear`). Every record below the
    header is in it, whether it was imported or not: an old id names one
    record's text, so an entry that names no run now does no harm. Costs a
    second split of the file and a SHA-1 per record: called only when an
    override names no run.

    Parameters
    ----------
    source : str, Path or bytes
        The CSV as it was imported.
    name : str, optional
        File name for messages when ``source`` is bytes.

    Returns
    -------
    dict
        ``{"csv:<sha1-12>": "csv:<xxh3-12>"}``.
    """
    raw, label = read_source_bytes(source, name)
    header, data, _n_fields, _rows, delimiter, _lead = _records(raw, label)
    del raw
    if not len(data) or not len(data[0]):
        return {}
    joined = _join(data[: len(header)], delimiter)
    return dict(zip(_legacy_row_hashes(joined).to_pylist(), _row_hashes(joined).to_pylist(), strict=True))


def _repeated(ids, ok: np.ndarray, rows: np.ndarray, reason: dict[int, str], keys: np.ndarray | None = None
              ) -> np.ndarray:
    """Records whose id an earlier imported record has (their reasons added to ``reason``).

    ``keys``: integers equal exactly where the ``ok`` records' ids are (see
    :func:`_activity_ids`); sorting them is ~20x faster than encoding the strings.
    """
    dup = np.zeros(len(ok), dtype=bool)
    at = np.flatnonzero(ok)
    if len(at) < 2:
        return dup
    if keys is not None:
        ordered = np.sort(keys)
        if not (ordered[1:] == ordered[:-1]).any():  # no repeat (nearly every file): one sort decides
            return dup
        codes = np.unique(keys, return_inverse=True)[1].reshape(-1)
    else:
        codes = pc.dictionary_encode(ids.filter(pa.array(ok))).indices.to_numpy(zero_copy_only=False)
    if np.bincount(codes).max() < 2:
        return dup
    _, first = np.unique(codes, return_index=True)
    first_of = first[codes]  # position (among ok records) of the first record with each one's id
    later = np.flatnonzero(first_of != np.arange(len(codes)))
    dup[at[later]] = True
    for j in later:
        reason[int(at[j])] = f"same activity_id as row {rows[at[first_of[j]]]}"
    return dup


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


def _number(text: str, column: str, decimal_comma: bool) -> float | None:
    """A non-negative number (:func:`analysis.io.numbers.parse_number`), or None when blank."""
    try:
        value = parse_number(text, decimal_comma=decimal_comma)
    except ValueError:
        raise _RowError(f"column '{column}': '{text.strip()}' is not a number") from None
    if value != value:  # blank, or NaN spelled some other way
        return None
    if value < 0:
        raise _RowError(f"column '{column}': {text.strip()} is negative")
    return value


def _duration_s(text: str, column: str, factor: float, decimal_comma: bool) -> float | None:
    """A duration in s from ``h:mm:ss`` / ``mm:ss`` or a number in the file's unit."""
    if is_missing(text):
        return None
    if ":" in text:
        try:
            return parse_duration_s(text)
        except ValueError:
            raise _RowError(f"column '{column}': '{text.strip()}' is not a duration (h:mm:ss)") from None
    value = _number(text, column, decimal_comma)
    return None if value is None else value * factor


def _start(text: str) -> datetime | None:
    if is_missing(text):
        return None
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise _RowError(
            f"column 'start_time': '{text.strip()}' is not an ISO 8601 date-time (YYYY-MM-DD hh:mm[:ss][+hh:mm])"
        ) from None


def _day(text: str) -> Date | None:
    if is_missing(text):
        return None
    try:
        return Date.fromisoformat(text.strip())
    except ValueError:
        raise _RowError(f"column 'date': '{text.strip()}' is not a date (YYYY-MM-DD)") from None


def _place_in_time(wall: np.ndarray, offset_s: np.ndarray, day: np.ndarray | None,
                   tz: str | None) -> tuple[pd.Series, pd.Series]:
    """The UTC ``start_time`` and the local ``date`` of wall times, their offsets (s; NaN: none) and
    dates (None: no date column; see Notes of :func:`read_generic_csv`)."""
    naive = np.isnan(offset_s)
    if not naive.any() and not offset_s.any() and (day is None or np.isnat(day).all()) and tz in (None, "UTC"):
        # every time "Z" (or +00:00) and the zone UTC (the commonest file): the wall times are the UTC start
        # times and their days the dates, read from the same array (no zone conversion, no copies)
        wall = pd.Series(wall)
        return wall.dt.tz_localize("UTC"), pd.Series(wall.to_numpy().astype("datetime64[D]").astype(wall.dtype))
    wall = pd.Series(wall.astype("datetime64[us]"))
    parts = []
    if naive.any():
        parts.append(localize_wall_time(wall[naive], tz))
    if (~naive).any():
        aware = wall if not naive.any() else wall[~naive]
        shift = offset_s[~naive]
        if shift.any():  # all "Z" (nearly every file that gives offsets): nothing to subtract
            aware = aware - pd.to_timedelta(shift, unit="s")
        parts.append(aware.dt.tz_localize("UTC"))
    start_time = pd.concat(parts).sort_index() if len(parts) > 1 else parts[0]

    local = local_date(start_time, tz)
    own_offset = ~naive & (offset_s != 0)
    if (naive | own_offset).any():
        local = local.where(~(naive | own_offset), wall.dt.normalize().astype(local.dtype))
    if day is None or np.isnat(day).all():  # no date given: the dates are the start times' (a copy saved)
        return start_time, local
    return start_time, pd.Series(day.astype("datetime64[us]")).astype(local.dtype).fillna(local)

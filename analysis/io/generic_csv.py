"""Read a generic activities CSV: runlog's canonical column names, or any tracker's via a map.

A file with the canonical runs columns (DESIGN.md, "Canonical frames"; e.g.
``start_time,distance_m,moving_time_s,gear_name,name,sport``) is read as it
is. Any other tracker's CSV is read by naming its columns in ``column_map``
and giving its units.

Records are split by pandas' C parser (``pandas.read_csv``, every cell read
as text) and each column is then checked and converted at once, so that a file
of millions of rows reads in time close to ``pandas.read_csv`` alone; yet each
record is accounted for on its own: a record with too many fields or an
unreadable value fails alone, with its row number and a reason naming the
column, while the others go on. Where pandas' parser would not split records as
the standard :mod:`csv` module does (a NUL byte, an unterminated quote, a
record far wider than the header), the records are split by :mod:`csv`
instead, and the same column checks follow. Values are converted with the
same functions either way (``float``, ``datetime.fromisoformat``), so the
numbers do not depend on the path. Decoding and the delimiter are those of the
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
import warnings
from datetime import date as Date
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import schema
from analysis.errors import RunlogError
from analysis.io.base import ReadResult, read_source_bytes
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
      it has more fields than the header (trailing empty fields, as
      spreadsheets write, do not count). Rows with no value at all are
      skipped.
    * ``activity_id``: the ``activity_id`` column, prefixed ``csv:`` unless it
      already starts with a runlog source prefix (``fit:``, ``strava:``,
      ...); else ``csv:`` + the first 12 hex digits of the SHA-1 of the row's
      fields joined by the delimiter (the header's number of fields, a short
      row padded with empty ones). A repeated id within the file is logged
      ``duplicate``.

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
    delimiter = header_delimiter(_first_line(text))
    cells = _cells(text, delimiter, label)
    filled = np.column_stack([_nonempty(cells[c]) for c in cells.columns]) \
        if cells.shape[1] else np.zeros((len(cells), 0), dtype=bool)
    # a record's fields up to its last non-empty one (trailing empty fields, as spreadsheets add, do not count)
    n_fields = np.where(filled.any(axis=1), filled.shape[1] - np.argmax(filled[:, ::-1], axis=1), 0)
    header_at = next((int(i) for i in np.flatnonzero(n_fields) if _has_text(cells, i, n_fields[i])), None)
    if header_at is None:
        raise RunlogError("empty file", path=label)
    header = [str(c) for c in cells.iloc[header_at, : n_fields[header_at]]]
    columns = _resolve_columns(header, column_map, label)
    width = len(header)
    data = cells.iloc[header_at + 1 :]
    n_fields = n_fields[header_at + 1 :]
    rows = np.arange(header_at + 2, header_at + 2 + len(data))  # spreadsheet rows: record ordinal + 1
    values = {target: data[pos].astype("string[pyarrow]").reset_index(drop=True) for pos, target in columns.items()}
    maybe_blank = np.ones(len(data), dtype=bool)
    for v in values.values():  # the mapped columns first: few records are left to look at whole
        maybe_blank &= (v.str.strip() == "").to_numpy(dtype=bool)
    keep = np.ones(len(data), dtype=bool)
    for i in np.flatnonzero(maybe_blank):  # rows with no value at all are skipped, not logged
        keep[i] = _has_text(data, i, n_fields[i])
    if not keep.any():
        raise RunlogError("no data rows below the header", path=label)
    if not keep.all():
        data, n_fields, rows = data[keep], n_fields[keep], rows[keep]
        values = {k: v[keep].reset_index(drop=True) for k, v in values.items()}
    n = len(rows)
    empty = pd.Series([""] * n, dtype="string[pyarrow]")
    get = lambda column: values.get(column, empty)  # noqa: E731 - a missing column reads as blanks

    status = np.full(n, "imported", dtype=object)
    reason = pd.Series([None] * n, dtype=object)
    too_wide = n_fields > width
    reason[too_wide] = [f"row has {k} fields, the header has {width}" for k in n_fields[too_wide]]
    status[too_wide] = "failed"

    sport = _sports(get("sport"))
    not_run = sport.isna().to_numpy() & ~too_wide
    reason[not_run] = [f"sport {t.strip()} is not a run" for t in get("sport")[not_run]]
    status[not_run] = "not_a_run"

    parsed, bad = _parse_columns(values, n, distance_factor=DISTANCE_UNITS[distance_unit],
                                 time_factor=TIME_UNITS[time_unit], decimal_comma=delimiter != ",")
    failed = bad.notna().to_numpy() & (status == "imported")
    reason[failed] = bad[failed]
    status[failed] = "failed"

    ok = status == "imported"
    ids = _activity_ids(get("activity_id"), data, width, ok, delimiter)
    ok_ids = pd.Series(ids[ok].to_numpy())
    repeated = ok_ids.duplicated(keep="first").to_numpy()
    dup = np.zeros(n, dtype=bool)
    if repeated.any():
        first_row = dict(zip(ok_ids[~repeated], rows[ok][~repeated], strict=True))
        dup[np.flatnonzero(ok)[repeated]] = True
        reason[dup] = [f"same activity_id as row {first_row[i]}" for i in ok_ids[repeated]]
        status[dup] = "duplicate"
    imported = status == "imported"
    reason[imported] = np.where(parsed["_note"].to_numpy()[imported], "no start time; date only", "")

    log = pd.DataFrame({
        "source_file": label,
        "row": rows,
        "status": status,
        "reason": _one_line(reason, status != "imported"),
        "activity_id": ids.where(imported | dup, None).to_numpy(),
        "source": SOURCE,
    })
    runs = None
    if imported.any():
        frame = parsed[imported].drop(columns="_note").reset_index(drop=True)
        frame["activity_id"] = ids[imported].to_numpy()
        frame["sport"] = sport[imported].to_numpy()
        frame["source"] = SOURCE
        frame["source_file"] = label
        runs = _place_in_time(frame, tz)
    result = ReadResult.build(runs=runs)
    return ReadResult(result.runs, result.samples, schema.coerce_import_log(log))


#: a record this much wider than the header goes to the :mod:`csv` path (pandas needs a width up front)
_EXTRA_FIELDS = 16


def _cells(text: str, delimiter: str, label: str) -> pd.DataFrame:
    """Every record's cells as text, one row per record (blank lines too), ``""`` where a record is shorter.

    pandas' C parser where it splits as :mod:`csv` would; else :mod:`csv` (see the module's docstring).
    """
    if "\0" not in text:
        width = len(next(csv.reader([_first_line(text)], delimiter=delimiter), []))
        cells = _arrow_cells(text, delimiter, width)
        if cells is not None:
            return cells
        width += _EXTRA_FIELDS
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
    """The cells by pyarrow's CSV parser (threaded C++), for a file whose every record has ``width`` fields.

    None when any record has another number of fields (a blank line, a short or
    long record): such a file is split by pandas or :mod:`csv`, which keep them.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if width < 1 or not text.startswith(_first_line(text)):
        return None
    uneven = []
    names = [str(i) for i in range(width)]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 24),
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
    return pd.DataFrame({i: pd.arrays.ArrowStringArray(table.column(i)) for i in range(width)})


def _first_line(text: str) -> str:
    """:func:`analysis.io.table.first_line`, looking at the first 64 KiB only when the line ends in them."""
    head = text[: 1 << 16]
    line = first_line(head)
    if len(head) == len(text) or (line and text.find(line) + len(line) < len(head)):
        return line
    return first_line(text)


def _nonempty(column: pd.Series) -> np.ndarray:
    """Which cells of a text column are not ``""`` (in C for pyarrow strings)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "pyarrow":
        return pc.not_equal(pa.array(column), "").to_numpy(zero_copy_only=False)
    return column.to_numpy(dtype=object) != ""


def _one_line(reasons: pd.Series, where: np.ndarray) -> np.ndarray:
    """The reasons, white space collapsed where ``where`` (a reason may quote a cell with line breaks)."""
    out = reasons.to_numpy(dtype=object).copy()
    for i in np.flatnonzero(where):
        out[i] = " ".join(str(out[i]).split())
    return out


def _has_text(cells: pd.DataFrame, i: int, n: int) -> bool:
    """Whether record ``i`` (of ``n`` fields) has a cell that is not empty or spaces."""
    return any(str(c).strip() for c in cells.iloc[i, :n])


def _sports(column: pd.Series) -> pd.Series:
    """Canonical run sport per record (blank means running), None when not a run."""
    uniques = pd.unique(column)
    return column.map({u: _sport(u) for u in uniques})


def _parse_columns(values: dict[str, pd.Series], n: int, *, distance_factor: float, time_factor: float,
                   decimal_comma: bool) -> tuple[pd.DataFrame, pd.Series]:
    """All records' runs fields at once, and per record the first problem (None when fine).

    Problems are looked for in the order a person reads the row: start_time,
    date, both empty, distance, moving and elapsed time, the other numbers,
    the RPE range.
    """
    bad = pd.Series([None] * n, dtype=object)

    def get(column):
        return values.get(column)

    def first(problems: pd.Series) -> None:
        nonlocal bad
        bad = bad.where(bad.notna(), problems)

    wall, offset_s, problems = _start_times(get("start_time"), n)
    first(problems)
    day, problems = _days(get("date"), n)
    first(problems)
    neither = np.isnat(wall) & np.isnat(day)
    first(pd.Series(np.where(neither, "columns 'start_time' and 'date': both empty", None), dtype=object))
    note = np.isnat(wall) & ~neither
    wall[note] = day[note]  # local midnight of the date
    out = {"_wall": wall, "_offset_s": offset_s, "_day": day, "_note": note}
    distance, problems = _numbers(get("distance_m"), "distance_m", decimal_comma, n)
    first(problems)
    out["distance_m"] = distance * distance_factor
    for column in ("moving_time_s", "elapsed_time_s"):
        out[column], problems = _durations(get(column), column, time_factor, decimal_comma, n)
        first(problems)
    for column in _NUMBER_COLUMNS:
        out[column], problems = _numbers(get(column), column, decimal_comma, n)
        first(problems)
    rpe = out["rpe"]
    outside = rpe.notna() & ~rpe.between(1, 10)
    if outside.any():
        first(pd.Series(np.where(outside, "column 'rpe': " + get("rpe").astype(object).str.strip()
                                 + " is outside 1-10", None), dtype=object))
    for column in _TEXT_COLUMNS:
        if get(column) is None:
            out[column] = pd.Series([None] * n, dtype=object)
            continue
        text = get(column).str.strip().astype(object)
        out[column] = text.where(text != "", None)
    return pd.DataFrame(out), bad


#: the ISO 8601 date-times almost every file has, parsed by pandas at once; any other goes to
#: ``datetime.fromisoformat`` one by one (its results are the same for these: the fields are range-checked here)
_ISO_COMMON = (r"^(?P<d>\d{4}-\d{2}-\d{2})[T ](?P<t>(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,6})?)?)"
               r"(?P<z>Z|[+-](?:[01]\d|2[0-3]):[0-5]\d|)$")
_DATE_COMMON = r"^(\d{4}-\d{2}-\d{2})$"


def _start_times(column: pd.Series | None, n: int) -> tuple[np.ndarray, np.ndarray, pd.Series]:
    """Wall-clock start times (NaT where blank or bad), their UTC offsets in s (NaN: none given), problems."""
    wall = np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
    offset_s = np.full(n, np.nan)
    problems = pd.Series([None] * n, dtype=object)
    if column is None:
        return wall, offset_s, problems
    text = column.str.strip()
    todo = ~_missing(column)
    import pyarrow as pa
    import pyarrow.compute as pc

    parts = pc.extract_regex(pa.array(text.astype("string[pyarrow]")), _ISO_COMMON)  # RE2, in C
    common = parts.is_valid().to_numpy(zero_copy_only=False) & todo
    if common.any():
        at = np.flatnonzero(common)
        chosen = parts.filter(pa.array(common))
        stamps = pd.to_datetime(_join([pc.struct_field(chosen, "d"), pc.struct_field(chosen, "t")], "T").to_pandas(),
                                format="ISO8601", errors="coerce").to_numpy(dtype="datetime64[us]")
        good = ~np.isnat(stamps)  # an impossible date (2025-02-30) goes the slow way, to be told
        wall[at[good]] = stamps[good]
        zone = pc.struct_field(chosen, "z").to_numpy(zero_copy_only=False)[good]
        off = np.full(len(zone), np.nan)
        off[zone == "Z"] = 0.0
        signed = (zone != "Z") & (zone != "")
        if signed.any():
            z = pd.Series(zone[signed]).astype(str)
            sign = np.where(z.str[0] == "-", -1.0, 1.0)
            off[signed] = sign * (z.str[1:3].astype(float) * 3600 + z.str[4:6].astype(float) * 60).to_numpy()
        offset_s[at[good]] = off
        todo[at[good]] = False
    for i in np.flatnonzero(todo):
        try:
            t = _start(text.iat[i])
        except _RowError as exc:
            problems.iat[i] = str(exc)
            continue
        wall[i] = np.datetime64(t.replace(tzinfo=None), "us")
        offset = t.utcoffset()
        offset_s[i] = np.nan if offset is None else offset.total_seconds()
    return wall, offset_s, problems


def _days(column: pd.Series | None, n: int) -> tuple[np.ndarray, pd.Series]:
    """Dates (midnight; NaT where blank or bad) and the problems."""
    days = np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
    problems = pd.Series([None] * n, dtype=object)
    if column is None:
        return days, problems
    text = column.str.strip()
    todo = ~_missing(column)
    common = text.str.match(_DATE_COMMON).to_numpy(dtype=bool) & todo
    if common.any():
        at = np.flatnonzero(common)
        stamps = pd.to_datetime(text[common].astype(object), format="%Y-%m-%d", errors="coerce")
        stamps = stamps.to_numpy(dtype="datetime64[us]")
        good = ~np.isnat(stamps)
        days[at[good]] = stamps[good]
        todo[at[good]] = False
    for i in np.flatnonzero(todo):
        try:
            d = _day(text.iat[i])
        except _RowError as exc:
            problems.iat[i] = str(exc)
            continue
        days[i] = np.datetime64(d, "us")
    return days, problems


def _missing(column: pd.Series) -> np.ndarray:
    return column.str.strip().str.lower().isin(_MISSING).to_numpy()


def _numbers(column: pd.Series | None, name: str, decimal_comma: bool, n: int = 0) -> tuple[pd.Series, pd.Series]:
    """Non-negative numbers (NaN when blank) and the problems, as :func:`_number` of each cell."""
    if column is None:
        return pd.Series(np.full(n, np.nan)), pd.Series([None] * n, dtype=object)
    missing = _missing(column)
    s = column.str.strip().str.replace("\u00a0", "", regex=False).str.replace(" ", "", regex=False)
    if decimal_comma:
        comma = s.str.contains(",", regex=False)
        s = s.where(~comma, s.str.replace(".", "", regex=False).str.replace(",", ".", regex=False))
    else:
        grouped = s.str.match(_THOUSANDS.pattern)
        s = s.where(~grouped, s.str.replace(",", "", regex=False))
    values = np.full(len(column), np.nan)
    problems = pd.Series([None] * len(column), dtype=object)
    todo = np.flatnonzero(~missing)
    try:
        values[todo] = _floats(s.iloc[todo])
    except (ValueError, TypeError):  # some cell is no number: each cell on its own
        for i in todo:
            try:
                value = _number(column.iat[i], name, decimal_comma)
            except _RowError as exc:
                problems.iat[i] = str(exc)
                continue
            values[i] = np.nan if value is None else value
    negative = values < 0
    if negative.any():
        problems[negative] = [f"column '{name}': {t.strip()} is negative" for t in column[negative]]
        values[negative] = np.nan
    return pd.Series(values), problems


#: plain decimal numbers, for which pyarrow's correctly rounded parser gives Python's float() exactly
_PLAIN_NUMBER = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"


def _floats(text: pd.Series) -> np.ndarray:
    """``float()`` of each cell; ValueError when one is no number.

    Plain decimals (nearly always all of them) are parsed by pyarrow in C;
    anything else (``inf``, ``1_000``) by Python's ``float`` itself.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    arrow = pa.array(text.astype("string[pyarrow]"))
    if pc.all(pc.match_substring_regex(arrow, _PLAIN_NUMBER)).as_py() is not False:
        return pc.cast(arrow, pa.float64()).to_numpy(zero_copy_only=False)
    return text.to_numpy(dtype=object).astype(float)  # numpy calls Python's float() on each string


def _durations(column: pd.Series | None, name: str, factor: float, decimal_comma: bool,
               n: int = 0) -> tuple[pd.Series, pd.Series]:
    """Durations in s (``h:mm:ss`` / ``mm:ss``, or numbers in the file's unit) and the problems."""
    if column is None:
        return _numbers(None, name, decimal_comma, n)
    clock = column.str.contains(":", regex=False).to_numpy() & ~_missing(column)
    values, problems = _numbers(column.where(~clock, ""), name, decimal_comma)
    values = values * factor
    if clock.any():
        parts = column[clock].str.extract(_DURATION_PARTS)
        matched = parts[1].notna().to_numpy()
        seconds = (parts[0].fillna("0").astype(float) * 3600 + parts[1].astype(float) * 60
                   + parts[2].str.replace(",", ".", regex=False).astype(float)).to_numpy()
        where = np.flatnonzero(clock)
        values.iloc[where[matched]] = seconds[matched]
        for i in where[~matched]:  # placeholders (--:--) and anything else: as parse_duration_s says
            try:
                value = _duration_s(column.iat[i], name, factor, decimal_comma)
            except _RowError as exc:
                problems.iat[i] = str(exc)
                continue
            values.iat[i] = np.nan if value is None else value
    return values, problems


#: ``h:mm:ss`` / ``mm:ss``, the pattern of :func:`analysis.units.parse_duration_s`, in three groups
_DURATION_PARTS = r"^\s*(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:[.,]\d+)?)\s*$"


def _join(arrays: list, separator: str):
    """Arrow string arrays joined element-wise with ``separator`` (one C call)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arrays = [a.cast(pa.large_string()) for a in arrays]
    return pc.binary_join_element_wise(*arrays, pa.scalar(separator, pa.large_string()))


def _activity_ids(given: pd.Series, data: pd.DataFrame, width: int, ok: np.ndarray, delimiter: str) -> pd.Series:
    """Each record's id (see :func:`_activity_id`), the hash computed for the records that need one.

    The hash is over the record's first ``width`` fields (the header's), a
    shorter record padded with empty fields.
    """
    ids = given.str.strip()
    prefixed = ids.str.match(_ID_PREFIX.pattern).to_numpy(dtype=bool)
    blank = (ids == "").to_numpy(dtype=bool)
    ids = ids.where(prefixed | blank, SOURCE + ":" + ids).astype(object)
    need = np.flatnonzero(ok & blank)
    if len(need):
        import pyarrow as pa

        rows = data.iloc[need, :width]
        joined = _join([pa.array(rows.iloc[:, c].astype("string[pyarrow]")) for c in range(width)], delimiter)
        sha1 = hashlib.sha1
        ids.iloc[need] = [f"{SOURCE}:{sha1(b).hexdigest()[:12]}" for b in joined.cast(pa.large_binary()).to_pylist()]
    return ids


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


def _place_in_time(runs: pd.DataFrame, tz: str | None) -> pd.DataFrame:
    """Resolve the wall time and offset to UTC ``start_time`` and the local ``date`` (see Notes of
    :func:`read_generic_csv`)."""
    wall = pd.Series(runs.pop("_wall").to_numpy(dtype="datetime64[us]"), index=runs.index)
    offset_s = runs.pop("_offset_s").to_numpy(dtype=float)
    day = pd.Series(runs.pop("_day").to_numpy(dtype="datetime64[us]"), index=runs.index)
    naive = np.isnan(offset_s)
    parts = []
    if naive.any():
        parts.append(localize_wall_time(wall[naive], tz))
    if (~naive).any():
        aware = wall[~naive] - pd.to_timedelta(offset_s[~naive], unit="s")
        parts.append(aware.dt.tz_localize("UTC"))
    start_time = pd.concat(parts).sort_index() if len(parts) > 1 else parts[0]

    local = local_date(start_time, tz)
    own_offset = ~naive & (offset_s != 0)
    local = local.where(~(naive | own_offset), wall.dt.normalize().astype(local.dtype))
    runs["start_time"] = start_time
    runs["date"] = day.astype(local.dtype).fillna(local)
    return runs

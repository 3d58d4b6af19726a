"""Read Samsung Health's exercise table (``com.samsung.shealth.exercise.<timestamp>.csv``).

Samsung Health's "Download personal data" (Settings -> Download personal data)
writes a folder, ``samsunghealth_<user>_<timestamp>/``, that users zip or
copy: one CSV per table (``com.samsung.shealth.sleep.<timestamp>.csv``,
``com.samsung.shealth.exercise.<timestamp>.csv``, ...) and a ``jsons/``
folder of per-record payloads. The workouts are the rows of the exercise
table; its sibling tables (``com.samsung.shealth.exercise.weather``,
``...recovery_heart_rate``, ``...program``) and every other table hold no
workouts. This module reads the exercise table; the loader finds it in the
folder or zip by its first line (:func:`sniff`).

Facts the reader relies on, and where they come from:

* Line 1 names the table: ``com.samsung.shealth.exercise,7006011,17`` in current
  exports (the two numbers vary), ``com.samsung.health.exercise`` alone in older
  ones; line 2 is the header; rows follow (parsers of other projects agree:
  Python, TypeScript and Java readers in public repositories). Rows may end in a
  comma the header lacks.
* Column names carry a ``com.samsung.health.exercise.`` prefix (``...start_time``,
  ``...exercise_type``), some none (``title``, ``source_type``; older exports none
  at all): a column is known by the part after its last dot.
* ``start_time`` / ``end_time`` are UTC, ``2023-11-11 09:24:21.285`` (Samsung's
  SDK and server API: "UTC milliseconds"; one public project checked 71 sessions of
  an export against the Samsung Health Data SDK's epoch times: all equal).
  ``time_offset`` is the local offset, ``UTC+0200`` / ``UTC-0300`` in exports;
  the SDK and server API define it as milliseconds (``7200000``), which older
  exports are reported to write: both are read.
* ``duration`` is milliseconds, ``distance`` metres, ``altitude_gain`` metres,
  ``mean_heart_rate`` beats/min, ``mean_speed`` m/s (Samsung Health SDK,
  ``HealthConstants.Exercise``). A heart rate of 0 means none was measured.
* ``exercise_type`` is Samsung's predefined code: 1002 Running, 1001 Walking, 0 a
  custom type (Samsung Health SDK, "Predefined Exercise Type"); 11007 cycling,
  13001 hiking and 14001 swimming as other projects' tables agree.

Not known, so not assumed: a code for treadmill or indoor running (other projects
disagree on 15005: "Treadmill" in one, "Functional training" in another; such a row
is ``not_a_run`` with its code named); the unit of ``mean_cadence`` (steps or strides
per minute: not read, the file's log row says so); shoes (Samsung Health has no gear).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.errors import RunlogError
from analysis.io.base import ExportRow, ReadResult, log_row, read_source_bytes
from analysis.io.table import decode_text, first_line, note_rows, read_csv_table
from analysis.units import local_date

SOURCE = "samsung"

#: first cell of line 1 (the table's name), current and older exports
TABLE_NAMES: tuple[str, ...] = ("com.samsung.shealth.exercise", "com.samsung.health.exercise")

#: the prefix of the data type's own columns
DATA_TYPE_PREFIX = "com.samsung.health.exercise."
#: column (the part after the last dot, lower case) -> the reader's field
VARIABLE_MAP: dict[str, str] = {
    "datauuid": "activity_id",
    "start_time": "start_time",
    "end_time": "end_time",
    "time_offset": "time_offset",
    "exercise_type": "type",
    "duration": "moving_time_s",
    "distance": "distance_m",
    "mean_heart_rate": "avg_heart_rate_bpm",
    "altitude_gain": "elevation_gain_m",
    "title": "name",
    "comment": "description",
    "mean_cadence": "mean_cadence",
}
#: the columns a row cannot be read without
REQUIRED: tuple[str, ...] = ("start_time", "exercise_type", "duration")

#: Samsung's running code (Samsung Health SDK, Predefined Exercise Type)
RUNNING_CODE = 1002
#: names of other codes, for the log: the SDK's table (0, 1001) and codes other projects agree on
TYPE_NAMES: dict[int, str] = {
    0: "custom",
    1001: "walking",
    1002: "running",
    11007: "cycling",
    13001: "hiking",
    14001: "swimming",
}

_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{2}):?(\d{2})$", re.IGNORECASE)  # UTC+0200, +02:00
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?$")
_MS_PER_S = 1000.0


def _table_name(text: str) -> str:
    """The first cell of the first line, lower case ("" when none)."""
    line = text.lstrip("\ufeff").split("\n", 1)[0]
    return line.split(",", 1)[0].strip().strip("\"'").lower()


def _is_exercise_header(text: str) -> bool:
    """Whether the first line is the exercise table's header itself (its name line removed, as users
    do before opening the table in a spreadsheet): the columns it needs, one with the data type's prefix."""
    line = first_line(text.lstrip("\ufeff")).strip()  # any line end: \r alone too
    try:
        cells = next(csv.reader([line]), [])
    except csv.Error:  # not a CSV line (a binary file's head, an unclosed quote): not this table
        return False
    columns = {column_name(c) for c in cells}
    return all(c in columns for c in REQUIRED) and any(c.strip().lower().startswith(DATA_TYPE_PREFIX)
                                                       for c in cells)


def sniff(head: bytes, name: str = "") -> bool:
    """Whether the first bytes of a file are Samsung Health's exercise table.

    Parameters
    ----------
    head : bytes
        The first ~64 KiB of the file.
    name : str, optional
        Not needed: line 1 decides (the table's name exactly, so that the sibling tables
        ``com.samsung.shealth.exercise.weather`` and the like are not taken).
    """
    text = decode_text(head[:16384], truncated=True)
    return _table_name(text) in TABLE_NAMES or _is_exercise_header(text)


def read_samsung(source: str | Path | bytes, *, tz: str | None = None, name: str | None = None) -> ReadResult:
    """Read Samsung Health's exercise table into canonical runs and import log.

    Parameters
    ----------
    source : str, Path or bytes
        The file (``com.samsung.shealth.exercise.<timestamp>.csv``), or its content.
    tz : str, optional
        The runner's time zone (IANA name), used only for the local date of a row without a
        readable ``time_offset``. Default UTC.
    name : str, optional
        File name to write in the import log when ``source`` is bytes.

    Returns
    -------
    ReadResult
        ``runs`` (index ``samsung:<datauuid>``; a row without one: ``samsung:`` and its UTC start
        as ``YYYYMMDDTHHMMSS``): ``start_time`` (UTC), ``date`` (the local date: UTC start plus
        ``time_offset``), ``sport`` (running), ``name`` (title), ``distance_m``, ``moving_time_s``
        (duration), ``elapsed_time_s`` (end minus start), ``avg_heart_rate_bpm``,
        ``elevation_gain_m``. No samples. ``log``: one row for the file, one per record (rows
        numbered as in the file: line 1 the table's name, line 2 the header).

    Raises
    ------
    RunlogError
        When the file is not readable as CSV, starts with neither the table's name nor its header
        (a name line removed: the header is line 1, rows numbered from 2), or lacks
        the start_time, exercise_type or duration column.

    Notes
    -----
    Exercise type 1002 is a run; every other row is ``not_a_run`` with its type named. A row
    whose start time, type or duration does not read is ``failed`` with the reason; a repeated
    datauuid is a duplicate. Distance 0 or blank and heart rate 0 or blank are NA.

    References
    ----------
    Samsung Health SDK for Android, ``HealthConstants.Exercise`` and "Predefined Exercise Type";
    Samsung Health server API, data type ``com.samsung.health.exercise``; exports seen in the
    tests and parsers of public repositories.
    """
    raw, label = read_source_bytes(source, name)
    text = decode_text(raw)
    table = _table_name(text)
    if table in TABLE_NAMES:
        # line 1 blanked: the header is line 2 and rows keep the file's line numbers
        body = "\n" + text.split("\n", 1)[1] if "\n" in text else ""
    elif _is_exercise_header(text):  # the name line removed: the header is line 1
        body, table = text, "no name line, header on line 1"
    else:
        raise RunlogError(f"not Samsung Health's exercise table: line 1 should name it "
                          f"({TABLE_NAMES[0]},...), found '{table[:60]}'", path=label)
    csv = read_csv_table(body.encode("utf-8"), name=label, overlong="keep")  # one mangled row fails alone
    positions, unknown = _map_header(csv.header, label)

    def cell(cells: list[str], column: str) -> str:
        j = positions.get(column)
        return cells[j].strip() if j is not None and j < len(cells) else ""

    seen: dict[str, int] = {}
    rows = [_record(row, cells, cell, seen, tz) for row, cells in csv.rows]
    rows += [ExportRow(row, "failed", reason, source=SOURCE) for row, reason in csv.overlong]
    rows.sort(key=lambda r: r.row)  # the log in file order
    # a row with fewer cells than the header says so, and fails when it lacks a column a run needs
    note_rows(rows, csv, [positions[c] for c in ("start_time", "exercise_type", "duration", "distance")
                          if c in positions])
    runs = pd.DataFrame([dict(r.run, source_file=label) for r in rows if r.run is not None])
    n_runs = sum(r.status == "imported" for r in rows)
    summary = (f"Samsung Health exercise table ({table}): {len(rows)} records, {n_runs} runs; "
               "times UTC, local dates from time_offset")
    if "mean_cadence" in positions and any(cell(c, "mean_cadence") for _, c in csv.rows):
        summary += "; mean_cadence not read (its unit, steps or strides per minute, is not known)"
    if unknown:
        summary += f"; no column {', '.join(unknown)}"
    log = [log_row(label, "imported", summary, source=SOURCE)] + [r.log_entry(label) for r in rows]
    return ReadResult.build(runs=runs if len(runs) else None, log_rows=log)


def column_name(header: str) -> str:
    """A header cell's column: the part after its last dot, lower case (prefixes differ by version)."""
    return header.strip().rsplit(".", 1)[-1].lower()


def _map_header(header: list[str], label: str) -> tuple[dict[str, int], list[str]]:
    """Column (after the last dot) -> position; and the optional columns missing.

    A column written twice (``exercise_type`` and ``com.samsung.health.exercise.exercise_type``)
    is read from the one with the data type's prefix (the SDK's documented field), else the first.
    """
    positions: dict[str, int] = {}
    for j, text in enumerate(header):
        key = column_name(text)
        if key not in VARIABLE_MAP:
            continue
        if key not in positions or (text.lower().startswith(DATA_TYPE_PREFIX)
                                    and not header[positions[key]].lower().startswith(DATA_TYPE_PREFIX)):
            positions[key] = j
    missing = [c for c in REQUIRED if c not in positions]
    if missing:
        columns = "the column " if len(missing) == 1 else "the columns "
        raise RunlogError(f"Samsung Health exercise table without {columns}{', '.join(missing)} "
                          f"(header: {','.join(header)[:100]})", path=label)
    optional = ("distance", "time_offset", "datauuid")
    return positions, [c for c in optional if c not in positions]


def _number(text: str) -> float:
    try:
        return float(text) if text else np.nan
    except ValueError:
        return np.nan


def _time(text: str) -> pd.Timestamp | None:
    """A Samsung time cell (``2023-11-11 09:24:21.285``) as UTC, or None."""
    if not _TIME.match(text):
        return None
    try:
        return pd.Timestamp(text, tz="UTC")
    except ValueError:
        return None


def offset_s(text: str) -> float:
    """A ``time_offset`` cell as seconds east of UTC: ``UTC+0200``, ``UTC-0330`` (or without ``UTC``), or
    milliseconds in whole quarter hours; NaN if not read."""
    m = _OFFSET.match(text.strip())
    if m:
        sign = 1.0 if m.group(1) == "+" else -1.0
        return sign * (int(m.group(2)) * 3600 + int(m.group(3)) * 60)
    if text.strip() in ("UTC", "utc"):
        return 0.0
    ms = _number(text.strip())
    # the SDK's range, -12 h to +14 h in milliseconds, in whole quarter hours (as every zone's offset is)
    in_range = -43_200_000 <= ms <= 50_400_000 and ms % 900_000 == 0
    return ms / _MS_PER_S if in_range else np.nan


def type_label(code: int) -> str:
    """An exercise type for the log: ``1001 (walking)``, or ``15005 (a code runlog does not know)``."""
    return f"{code} ({TYPE_NAMES.get(code, 'a code runlog does not know')})"


def _record(row: int, cells: list[str], cell, seen: dict[str, int], tz: str | None) -> ExportRow:
    """One record's fate and, for a run, its canonical fields."""
    start_text = cell(cells, "start_time")
    start = _time(start_text)
    if start is None:
        return ExportRow(row, "failed", f"column 'start_time': '{start_text[:40]}' is not a date and time "
                         "(Samsung writes 2023-11-11 09:24:21.285, UTC)", source=SOURCE)
    given = cell(cells, "datauuid")
    aid = f"{SOURCE}:{given or start.strftime('%Y%m%dT%H%M%S')}"
    if aid in seen:
        return ExportRow(row, "duplicate", f"{aid} repeats row {seen[aid]}", activity_id=aid, source=SOURCE)
    seen[aid] = row
    type_text = cell(cells, "exercise_type")
    if not type_text:
        return ExportRow(row, "failed", "column 'exercise_type' is blank", source=SOURCE)
    code = _number(type_text)
    if np.isnan(code) or code != int(code):
        return ExportRow(row, "failed", f"column 'exercise_type': '{type_text[:40]}' is not a Samsung exercise "
                         "type code (1002 is running)", source=SOURCE)
    if int(code) != RUNNING_CODE:
        return ExportRow(row, "not_a_run", f"exercise type {type_label(int(code))} is not a run",
                         activity_type=type_text, source=SOURCE)
    duration_text = cell(cells, "duration")
    duration_ms = _number(duration_text)
    if np.isnan(duration_ms) or duration_ms < 0:
        return ExportRow(row, "failed", f"column 'duration': '{duration_text[:40]}' is not a duration in "
                         "milliseconds", source=SOURCE)
    notes: list[str] = []
    offset_text = cell(cells, "time_offset")
    offset = offset_s(offset_text)
    if np.isnan(offset):
        date = local_date(pd.Series([start]), tz).iloc[0]
        given = f"time_offset '{offset_text[:20]}' not read" if offset_text else "no time_offset"
        notes.append(f"{given}: local date taken in {tz or 'UTC'}")
    else:
        date = (start + pd.Timedelta(seconds=offset)).tz_localize(None).normalize()
    end = _time(cell(cells, "end_time"))
    elapsed = (end - start).total_seconds() if end is not None and end > start else np.nan

    def positive(column: str) -> float:
        text = cell(cells, column)
        value = _number(text)
        if text and np.isnan(value):
            notes.append(f"column '{column}': '{text[:20]}' is not a number, left blank")
        return value if value > 0 else np.nan

    distance = positive("distance")
    if np.isnan(distance):
        notes.append("no distance recorded (0 m or none): distance unknown")
    heart_rate = positive("mean_heart_rate")
    climb_text = cell(cells, "altitude_gain")
    climb = _number(climb_text)
    if climb_text and np.isnan(climb):
        notes.append(f"column 'altitude_gain': '{climb_text[:20]}' is not a number, left blank")
    run = {
        "activity_id": aid,
        "start_time": start,
        "date": date,
        "sport": "running",
        "name": cell(cells, "title") or pd.NA,
        "description": cell(cells, "comment") or pd.NA,
        "distance_m": distance,
        "moving_time_s": duration_ms / _MS_PER_S,
        "elapsed_time_s": elapsed,
        "avg_heart_rate_bpm": heart_rate,
        "avg_cadence_spm": np.nan,
        "elevation_gain_m": climb if climb >= 0 else np.nan,
        "source": SOURCE,
    }
    return ExportRow(row, "imported", "; ".join(notes), activity_id=aid, run=run, activity_type=type_text,
                     source=SOURCE)

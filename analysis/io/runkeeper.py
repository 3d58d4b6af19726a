"""Read Runkeeper's ``cardioActivities.csv`` (the activity table of a Runkeeper data export).

Runkeeper (ASICS Runkeeper) exports a zip holding ``cardioActivities.csv``, one
row per activity, and one GPX file per GPS-tracked activity beside it, named in
the row's ``GPX File`` cell (``2013-12-29-1136.gpx``). This module reads the
table; :mod:`analysis.ingest.runkeeper_export` joins each row with its GPX
file, as the Strava export's rows are joined with theirs.

Layouts met in real exports (public repositories; FORMATS.md has no section yet):

* before ~2017: ``Date,Type,Route Name,Distance (mi),Duration,Average Pace,
  Average Speed (mph),Calories Burned,Climb (ft),Average Heart Rate (bpm),Notes,GPX File``
  (no id column);
* later: ``Activity Id,Date,Type,Route Name,Distance (mi),Duration,Average Pace,
  Average Speed (mph),Calories Burned,Climb (ft),Average Heart Rate (bpm),
  Friend's Tagged,Notes,GPX File`` (``Activity Id`` a UUID);
* metric accounts write ``Distance (km)``, ``Average Speed (km/h)`` and ``Climb (m)``.

Facts the reader relies on: ``Date`` is the local wall time of the start
(``2013-12-29 11:36:13``; the GPX file of that run starts at the same instant in
UTC); ``Duration`` is the time without pauses (``Average Pace`` is Duration over
Distance), as ``h:mm:ss`` or ``mm:ss``; ``Notes`` may hold quoted line breaks;
a manual entry has no GPX file (and often no climb); blank cells are missing.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.errors import RunlogError
from analysis.io.base import ExportRow, ReadResult, log_row, read_source_bytes
from analysis.io.sports import classify_activity_type
from analysis.io.table import header_cells, header_key, note_rows, read_csv_table
from analysis.units import METRES_PER_FOOT, METRES_PER_MILE, localize_wall_time, parse_duration_s

SOURCE = "runkeeper"

#: cardioActivities.csv header (units in brackets left out) -> canonical runs column
#: (or the reader's own field, for the id, type and GPX file).
VARIABLE_MAP: dict[str, str] = {
    "Activity Id": "activity_id",
    "Date": "start_time",
    "Type": "type",
    "Route Name": "name",
    "Distance": "distance_m",
    "Duration": "moving_time_s",
    "Climb": "elevation_gain_m",
    "Average Heart Rate": "avg_heart_rate_bpm",
    "Notes": "description",
    "GPX File": "gpx_file",
}
#: columns Runkeeper writes that runlog does not use (not reported as unknown)
KNOWN_UNUSED: tuple[str, ...] = ("Average Pace", "Average Speed", "Calories Burned", "Friend's Tagged")
#: unit written in brackets after Distance / Climb -> metres per unit
METRES_PER_UNIT: dict[str, float] = {"mi": METRES_PER_MILE, "km": 1000.0, "ft": METRES_PER_FOOT, "m": 1.0}

_KEYS = {header_key(h): field for h, field in VARIABLE_MAP.items()}
_UNUSED = frozenset(header_key(h) for h in KNOWN_UNUSED)
_UNIT = re.compile(r"\(\s*([A-Za-z/]+)\s*\)\s*$")
_WALL_TIME = "%Y-%m-%d %H:%M:%S"


def sniff(head: bytes, name: str = "") -> bool:
    """Whether the first bytes of a file are a Runkeeper ``cardioActivities.csv``.

    Parameters
    ----------
    head : bytes
        The first ~64 KiB of the file.
    name : str, optional
        Not needed: the header decides (``Date``, ``Type``, ``Duration``, ``GPX File`` and a
        ``Distance`` with its unit).
    """
    cells = header_cells(head)
    keys = {header_key(c) for c in cells}
    return {"date", "type", "duration", "gpx_file", "distance"} <= keys


def read_runkeeper(source: str | Path | bytes, *, tz: str | None = None, name: str | None = None) -> ReadResult:
    """Read a Runkeeper ``cardioActivities.csv`` into canonical runs and import log (no GPX files).

    Parameters
    ----------
    source : str, Path or bytes
        The file, or its content.
    tz : str, optional
        The runner's time zone (IANA name): ``Date`` is local wall time, put into UTC in this
        zone. Default UTC.
    name : str, optional
        File name to write in the import log when ``source`` is bytes.

    Returns
    -------
    ReadResult
        ``runs`` (index ``runkeeper:<Activity Id>``; without that column, ``runkeeper:`` and
        the start as ``YYYYMMDDTHHMMSS``): ``start_time`` (UTC), ``date`` (the wall date),
        ``sport``, ``name`` (Route Name), ``description`` (Notes), ``distance_m`` (the header's
        unit), ``moving_time_s`` (Duration), ``elevation_gain_m`` (Climb, the header's unit),
        ``avg_heart_rate_bpm``. No samples. ``log``: one row for the file, one per record.

    Raises
    ------
    RunlogError
        When the file is not readable as CSV or lacks the Date, Type, Distance or Duration
        column, or the unit of Distance.

    Notes
    -----
    ``Type`` ``Running`` is a run; every other type (Cycling, Walking, Hiking, Swimming,
    Elliptical...) is ``not_a_run`` with the type named, as read by the shared matcher of
    activity types (:func:`analysis.io.sports.classify_activity_type`). A row whose date or
    duration does not read fails with the reason; a repeated Activity Id is a duplicate.
    Runkeeper writes no elapsed time, cadence or gear.

    References
    ----------
    Runkeeper, "Export your data" (Account Settings), cardioActivities.csv as seen in public
    repositories of exported data.
    """
    table = parse_cardio_activities(*read_source_bytes(source, name), tz=tz)
    rows = table.rows
    runs = pd.DataFrame([r.run for r in rows if r.run is not None])
    log = [log_row(table.label, "imported", table.summary, source=SOURCE)] + [r.log_entry(table.label) for r in rows]
    return ReadResult.build(runs=runs if len(runs) else None, log_rows=log)


class CardioActivities:
    """A cardioActivities.csv read record by record (:func:`parse_cardio_activities`)."""

    def __init__(self, label: str, rows: list[ExportRow], summary: str):
        self.label, self.rows, self.summary = label, rows, summary


def parse_cardio_activities(data: bytes, label: str, *, tz: str | None = None) -> CardioActivities:
    """Read cardioActivities.csv into one :class:`~analysis.io.base.ExportRow` per record.

    Parameters
    ----------
    data : bytes
        The file's content.
    label : str
        Its name for the log.
    tz : str, optional
        The runner's time zone for the wall times (default UTC).

    Returns
    -------
    CardioActivities
        ``rows`` in file order (``filename``: the ``GPX File`` cell; ``run``: the canonical
        fields of an imported record, ``date`` set) and ``summary``, the file's log reason.
    """
    csv = read_csv_table(data, name=label, overlong="keep")  # one mangled row fails alone, not the table
    positions, units, unknown = _map_header(csv.header, label)
    records = csv.rows

    def cell(cells: list[str], field: str) -> str:
        j = positions.get(field)
        return cells[j].strip() if j is not None and j < len(cells) else ""

    walls = pd.to_datetime(pd.Series([cell(c, "start_time") for _, c in records], dtype=object),
                           format=_WALL_TIME, errors="coerce")
    utc = localize_wall_time(walls, tz) if len(walls) else walls
    rows: list[ExportRow] = []
    seen: dict[str, int] = {}
    for k, (row, cells) in enumerate(records):
        rows.append(_record(row, cells, cell, (walls.iloc[k], utc.iloc[k]), units, seen, label))
    rows += [ExportRow(row, "failed", reason, source=SOURCE) for row, reason in csv.overlong]
    rows.sort(key=lambda r: r.row)  # the log in file order
    # a row with fewer cells than the header says so, and fails when it lacks a column a run needs
    note_rows(rows, csv, [positions[f] for f in ("start_time", "type", "distance_m", "moving_time_s")
                          if f in positions])
    n_runs = sum(r.status == "imported" for r in rows)
    units_text = f"distance in {units['distance']}" + (f", climb in {units['climb']}" if "climb" in units else "")
    summary = f"Runkeeper cardioActivities.csv: {len(rows)} records, {n_runs} runs; {units_text}; times as local"
    summary += f" wall time in {tz or 'UTC'}"
    if unknown:
        summary += f"; unknown headers: {', '.join(unknown)}"
    return CardioActivities(label, rows, summary)


def _map_header(header: list[str], label: str) -> tuple[dict[str, int], dict[str, str], list[str]]:
    """Field -> column position, the units of Distance and Climb, and the headers nobody knows."""
    positions: dict[str, int] = {}
    units: dict[str, str] = {}
    unknown: list[str] = []
    for j, text in enumerate(header):
        field = _KEYS.get(header_key(text))
        if field is None:
            if header_key(text) not in _UNUSED:
                unknown.append(text)
            continue
        positions.setdefault(field, j)
        unit = _UNIT.search(text)
        if field in ("distance_m", "elevation_gain_m") and unit:
            units["distance" if field == "distance_m" else "climb"] = unit.group(1).lower()
    missing = [h for h, f in VARIABLE_MAP.items() if f in ("start_time", "type", "distance_m", "moving_time_s")
               and f not in positions]
    if missing:
        raise RunlogError(f"not a Runkeeper cardioActivities.csv: no {', '.join(missing)} column", path=label)
    for key in ("distance", "climb"):
        if key in units and units[key] not in METRES_PER_UNIT:
            raise RunlogError(f"unknown unit '{units[key]}' in the {key.title()} header (expected km, mi, m or ft)",
                              path=label)
    if "distance" not in units:
        raise RunlogError("the Distance header names no unit (Runkeeper writes 'Distance (km)' or "
                          "'Distance (mi)')", path=label)
    return positions, units, unknown


def _number(text: str) -> float:
    try:
        return float(text) if text else np.nan
    except ValueError:
        return np.nan


def _record(row: int, cells: list[str], cell, start: tuple[pd.Timestamp, pd.Timestamp], units: dict[str, str],
            seen: dict[str, int], label: str) -> ExportRow:
    """One record's fate and, for a run, its canonical fields (``start``: wall time and UTC)."""
    wall, utc = start
    gpx = cell(cells, "gpx_file").replace("\\", "/")
    raw_type = cell(cells, "type")
    date_text = cell(cells, "start_time")
    if pd.isna(wall):
        return ExportRow(row, "failed", f"column 'Date': '{date_text}' is not a date and time "
                         "(Runkeeper writes 2013-12-29 11:36:13)", filename=gpx, file_alone=True, source=SOURCE)
    given = cell(cells, "activity_id")
    aid = f"{SOURCE}:{given or wall.strftime('%Y%m%dT%H%M%S')}"
    if aid in seen:
        return ExportRow(row, "duplicate", f"{aid} repeats row {seen[aid]}", activity_id=aid, source=SOURCE)
    seen[aid] = row
    if not raw_type:
        return ExportRow(row, "failed", "column 'Type' is blank", filename=gpx, source=SOURCE)
    sport, _ = classify_activity_type(raw_type)
    if sport is None:
        return ExportRow(row, "not_a_run", f"{raw_type} (activity type) is not a run", filename=gpx,
                         activity_type=raw_type, source=SOURCE)
    try:
        moving = parse_duration_s(cell(cells, "moving_time_s"))
    except ValueError:
        return ExportRow(row, "failed", f"column 'Duration': '{cell(cells, 'moving_time_s')}' is not a duration "
                         "(h:mm:ss or mm:ss)", filename=gpx, file_alone=True, source=SOURCE)
    blank: list[str] = []  # cells written but not numbers: left blank, and said so in the log

    def number(field: str, header: str) -> float:
        text = cell(cells, field)
        value = _number(text)
        if text and np.isnan(value):
            blank.append(f"column '{header}': '{text}' is not a number, left blank")
        return value

    distance = number("distance_m", "Distance") * METRES_PER_UNIT[units["distance"]]
    climb = number("elevation_gain_m", "Climb") * METRES_PER_UNIT[units.get("climb", "m")]
    heart_rate = number("avg_heart_rate_bpm", "Average Heart Rate (bpm)")
    run = {
        "activity_id": aid,
        "start_time": utc,
        "date": wall.normalize(),
        "sport": sport,
        "name": cell(cells, "name") or pd.NA,
        "description": cell(cells, "description") or pd.NA,
        "distance_m": distance,
        "moving_time_s": moving,
        "elapsed_time_s": np.nan,
        "avg_heart_rate_bpm": heart_rate,
        "avg_cadence_spm": np.nan,
        "elevation_gain_m": climb,
        "source": SOURCE,
        "source_file": label,
    }
    return ExportRow(row, "imported", "; ".join(blank), activity_id=aid, run=run, filename=gpx,
                     activity_type=raw_type, source=SOURCE)

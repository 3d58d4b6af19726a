"""Read Polar Flow's per-session CSV (flow.polar.com: a training session -> Export -> CSV).

Apart from the account's data export (``training-session-*.json``, :mod:`analysis.io.polar`),
Polar Flow offers each training session for download as TCX, GPX or CSV. The CSV holds
two tables, one after the other (real exports in hanakysela/Polar,
``Hana_Kysela_2015-09-06_10-01-07.csv`` and ``Hana_Kysela_2015-11-01_14-28-12.csv``, and
one quoted in another project's reader):

* line 1, the session's header: ``Name,Sport,Date,Start time,Duration,Total distance
  (km),Average heart rate (bpm),Average speed (km/h),...,Average cadence (rpm),...,
  Ascent (m),Descent (m),[Average power (W),Max power (W),]Notes,Height (cm),Weight (kg),HR
  max,HR sit,VO2max,`` (every line ends in a comma);
* line 2, the session: ``Hana Kysela,RUNNING,06.09.2015,10:01:07,02:16:08,21.34,160,...``.
  ``Name`` is the account holder's name, not the session's (not read: runlog keeps no person's
  name). ``Sport`` is Polar's sport key (``RUNNING``, ``CYCLING``...). ``Date`` is day first
  (``06.09.2015``; ``20-06-2018`` in the other export) and ``Start time`` local wall time with
  no offset (the file name says the same: ``..._2015-09-06_10-01-07.csv``; a date that is no
  day-first date, or whose month-first reading is the file name's, is read month first).
  ``Duration``
  ``hh:mm:ss``; distance in km; a heart rate of 0 or a blank cell is none measured;
* line 3, the samples' header: ``Sample rate,Time,HR (bpm),Speed (km/h),Pace (min/km),
  Cadence,Altitude (m),Stride length (m),Distances (m),Temperatures (C),Power (W),``, then one
  line per sample: ``Time`` is the time since the start (``00:05:44``), the sample rate is
  written on the first sample only.

Cadence is read as the TCX and GPX readers read theirs (Polar writes strides/min: 73 in a run
at 8.9 km/h), through :func:`analysis.units.running_cadence_spm`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.errors import RunlogError
from analysis.io.base import ReadResult, log_row, read_source_bytes
from analysis.io.numbers import parse_number
from analysis.io.polar import SPORT_NAMES
from analysis.io.table import column_key, decode_text
from analysis.units import MPS_PER_KMH, localize_wall_time, parse_duration_s, running_cadence_spm

SOURCE = "polar"
#: the first cells of the session's header (line 1) and of the samples' header (line 3)
SESSION_HEADER = ("name", "sport", "date", "start time", "duration")
SAMPLES_HEADER = ("sample rate", "time")
_DAY_FIRST = re.compile(r"^\s*(\d{1,2})[.\-/](\d{1,2})[.\-/](\d{4})\s*$")
_ISO_DAY = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
#: the session's date in Polar Flow's file name: ``<Name>_YYYY-MM-DD_hh-mm-ss.csv``
_NAME_DAY = re.compile(r"_(\d{4})-(\d{2})-(\d{2})_\d{2}-\d{2}-\d{2}\.csv$", re.IGNORECASE)


def _cells(row: list[str]) -> list[str]:
    return [cell.strip().casefold() for cell in row]


def _rows(text: str) -> list[list[str]]:
    """The file's non-blank CSV records."""
    return [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]


def sniff(head: bytes, name: str = "") -> bool:
    """Whether the first bytes of a file are a Polar Flow session CSV.

    Parameters
    ----------
    head : bytes
        The first ~64 KiB of the file.
    name : str, optional
        Not needed: the two headers decide.

    Returns
    -------
    bool
        True when the first line begins ``Name,Sport,Date,Start time,Duration`` and the third
        ``Sample rate,Time``.
    """
    text = decode_text(head[:65536], truncated=True)
    lines = [line for line in text.splitlines() if line.strip()][:3]
    if len(lines) < 3:
        return False
    first = _cells(next(csv.reader([lines[0]])))
    third = _cells(next(csv.reader([lines[2]])))
    return tuple(first[:5]) == SESSION_HEADER and tuple(third[:2]) == SAMPLES_HEADER


def read_polar_csv(
    source: str | Path | bytes,
    *,
    tz: str | None = None,
    name: str | None = None,
    positions: bool = False,
) -> ReadResult:
    """Read a Polar Flow session CSV into one run, its samples and one import-log row.

    Parameters
    ----------
    source : str, Path or bytes
        The CSV file (path or content).
    tz : str, optional
        IANA time zone of the runner: the start time is local wall time with no offset.
        Default UTC.
    name : str, optional
        File name written to the import log when ``source`` is bytes.
    positions : bool, default False
        Accepted for the loader's sake; the CSV has no positions.

    Returns
    -------
    ReadResult
        A run (``sport`` from ``Sport`` by :data:`analysis.io.polar.SPORT_NAMES`), or one
        ``not_a_run`` row naming the sport.

    Raises
    ------
    RunlogError
        When the session line is missing or its date, start time or duration does not read.

    Notes
    -----
    ``start_time``: ``Date`` (day first; month first where :func:`_wall_time` finds it so) and
    ``Start time`` taken in ``tz``; ``date`` the local
    day. ``moving_time_s`` and ``elapsed_time_s``: ``Duration``. ``distance_m``: ``Total
    distance (km)`` x 1000, else the last sample's ``Distances (m)``.
    ``avg_heart_rate_bpm``: ``Average heart rate (bpm)`` (0 is none). ``avg_cadence_spm``: the
    mean of the samples' non-zero cadence in steps/min, else the session's ``Average cadence``
    likewise. ``elevation_gain_m``: ``Ascent (m)``. ``description``: ``Notes``; no name.
    ``activity_id`` is ``polar:csv-`` + the first 12 hex digits of the file's SHA-1.
    """
    raw, label = read_source_bytes(source, name)
    rows = _rows(decode_text(raw))
    if len(rows) < 2 or tuple(_cells(rows[0])[:5]) != SESSION_HEADER:
        raise RunlogError("not a Polar Flow session CSV (line 1 is not Name,Sport,Date,Start time,Duration,...)",
                          path=label)
    header = _cells(rows[0])
    session = dict(zip(header, (cell.strip() for cell in rows[1]), strict=False))
    if tuple(_cells(rows[1])[:2]) == SAMPLES_HEADER:
        raise RunlogError("the session line (line 2) is missing: export the session again from Polar Flow",
                          path=label)
    sport_text = session.get("sport", "")
    sport = SPORT_NAMES.get(column_key(sport_text))
    if sport is None:
        reason = f"sport {sport_text or '(none)'} is not a run"
        return ReadResult.build(log_rows=[log_row(label, "not_a_run", reason, row=2, source=SOURCE)])

    wall, date_note = _wall_time(session.get("date", ""), session.get("start time", ""), label)
    start = localize_wall_time(pd.Series([wall]), tz).iloc[0]
    try:
        duration_s = parse_duration_s(session.get("duration"))
    except ValueError:
        duration_s = math.nan
    if math.isnan(duration_s):
        raise RunlogError(f"line 2, column 'Duration': {session.get('duration', '')!r} is not hh:mm:ss", path=label)

    notes: list[str] = [date_note] if date_note else []
    samples = _samples(rows[2:], start, notes)
    distance_m = _number(session.get("total distance (km)")) * 1000
    if math.isnan(distance_m) and samples is not None and samples["distance_m"].notna().any():
        distance_m = float(samples["distance_m"].dropna().iloc[-1])
        notes.append("no total distance: the last sample's distance used")
    heart_rate = _number(session.get("average heart rate (bpm)"))
    cadence = None
    if samples is not None and (samples["cadence_spm"] > 0).any():
        samples["cadence_spm"], note = running_cadence_spm(samples["cadence_spm"])
        cadence = float(samples["cadence_spm"][samples["cadence_spm"] > 0].mean())
    else:
        session_cadence = _number(session.get("average cadence (rpm)"))
        if session_cadence > 0:
            spm, note = running_cadence_spm(pd.Series([session_cadence]))
            cadence = float(spm.iloc[0])
        else:
            note = ""
    if note:
        notes.append(note)

    activity_id = f"{SOURCE}:csv-{hashlib.sha1(raw).hexdigest()[:12]}"
    run = {
        "activity_id": activity_id,
        "start_time": start,
        "date": wall.normalize(),
        "sport": sport,
        "name": pd.NA,
        "description": session.get("notes") or pd.NA,
        "distance_m": distance_m,
        "moving_time_s": duration_s,
        "elapsed_time_s": duration_s,
        "avg_heart_rate_bpm": heart_rate if heart_rate > 0 else np.nan,
        "avg_cadence_spm": cadence if cadence is not None else np.nan,
        "elevation_gain_m": _number(session.get("ascent (m)")),
        "source": SOURCE,
        "source_file": label,
    }
    count = 0 if samples is None else len(samples)
    reason = "; ".join([f"Polar Flow session CSV, {count} samples", *notes])
    log = [log_row(label, "imported", reason, row=2, activity_id=activity_id, source=SOURCE)]
    if samples is not None:
        samples.insert(0, "activity_id", activity_id)
    return ReadResult.build(runs=pd.DataFrame([run]), samples=samples, log_rows=log)


def _number(text) -> float:
    """A session cell as a number (:func:`analysis.io.numbers.parse_number`'s rules); NaN when none."""
    try:
        return parse_number("" if text is None else str(text), decimal_comma=True)  # a quoted "21,34" as before
    except ValueError:
        return math.nan


def _wall_time(day: str, clock: str, label: str) -> tuple[pd.Timestamp, str]:
    """``Date`` and ``Start time`` as naive wall time, and a log note when the date was read month first.

    Polar Flow writes the date day first (``06.09.2015``, ``20-06-2018``; ``2018-06-20`` is read too).
    Month first is taken instead only where the cell says so: where day first is no date and month
    first is (``12/25/2018``), or where the file name's own date (``<Name>_2018-12-05_10-12-53.csv``,
    Polar Flow's naming) is the month-first reading and not the day-first one (``05.12.2018``).
    """
    m = _DAY_FIRST.match(day)
    note = ""
    if m:
        a, b, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        ymd, other = (year, b, a), (year, a, b)
        named = _NAME_DAY.search(Path(str(label)).name)
        named_ymd = tuple(int(g) for g in named.groups()) if named else None
        if not _is_date(ymd) and _is_date(other):
            ymd, note = other, f"date {day!r} read month first (no day-first date)"
        elif named_ymd is not None and named_ymd == other != ymd:
            ymd, note = other, f"date {day!r} read month first, as the file name's date says"
    elif m := _ISO_DAY.match(day):
        ymd = tuple(int(g) for g in m.groups())
    else:
        raise RunlogError(f"line 2, column 'Date': {day!r} is not a day-first date (06.09.2015)", path=label)
    try:
        seconds = parse_duration_s(clock)
        return pd.Timestamp(*ymd) + pd.Timedelta(seconds=seconds), note
    except (ValueError, TypeError) as exc:
        raise RunlogError(f"line 2: date {day!r} and start time {clock!r} do not read as a date and time",
                          path=label) from exc


def _is_date(ymd: tuple[int, int, int]) -> bool:
    try:
        pd.Timestamp(*ymd)
    except ValueError:
        return False
    return True


def _samples(rows: list[list[str]], start: pd.Timestamp, notes: list[str]) -> pd.DataFrame | None:
    """The samples table (the rows after ``Sample rate,Time,...``) as canonical samples, or None."""
    at = next((i for i, row in enumerate(rows) if tuple(_cells(row)[:2]) == SAMPLES_HEADER), None)
    if at is None:
        notes.append("no samples table")
        return None
    header = _cells(rows[at])
    body = rows[at + 1:]
    if not body:
        return None
    table = pd.DataFrame([row[:len(header)] + [""] * (len(header) - len(row)) for row in body], columns=header)

    def column(key: str) -> pd.Series:
        if key not in table:
            return pd.Series(np.nan, index=table.index)
        return pd.to_numeric(table[key].str.strip(), errors="coerce").astype("float64")

    elapsed = table["time"].map(_elapsed_s)
    unread = int(elapsed.isna().sum())
    if unread:
        notes.append(f"{unread} samples have no readable Time: left out")
    heart_rate = column("hr (bpm)")
    frame = pd.DataFrame({
        "time": start + pd.to_timedelta(elapsed, unit="s"),
        "elapsed_s": elapsed,
        "distance_m": column("distances (m)"),
        "speed_mps": column("speed (km/h)") * MPS_PER_KMH,
        "heart_rate_bpm": heart_rate.where(heart_rate > 0),
        "cadence_spm": column("cadence"),
        "altitude_m": column("altitude (m)"),
    })
    return frame[elapsed.notna()].reset_index(drop=True)


def _elapsed_s(text: str) -> float:
    try:
        return parse_duration_s(text)
    except ValueError:
        return math.nan

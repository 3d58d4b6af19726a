"""Fitbit exercise logs: ``exercise-*.json`` from a Google Takeout or the older Fitbit account archive.

Fitbit's data export, whether Google Takeout (``Takeout/Fitbit/Global Export
Data/``) or the account archive Fitbit offered before (``<name>/user-site-export/``),
holds the workouts in ``exercise-0.json``, ``exercise-100.json``, ...: JSON arrays
of up to 100 records in the shape of the Web API's activity log list. The other
files beside them are day series (heart rate, steps, sleep), not workouts. The
loader tells an exercise file by its content (an array of objects with
``logId`` and ``activityName``), so either layout, a zip or its folder, reads
the same (FORMATS.md, "Fitbit").

Facts the reader relies on
--------------------------
* Runs are ``activityName`` "Run" (``activityTypeId`` 90009) or "Treadmill";
  trail runs are just "Run". Everything else is logged ``not a run``.
* ``startTime`` is written ``03/28/20 23:17:51`` (MM/dd/yy) or, in some
  re-exports, ``2019-11-01 14:56:32``, with no offset. In the archives seen it
  is UTC (undocumented): it is read as UTC, and the import log says so on every
  run together with the zone the local ``date`` is taken in (``--tz``).
* ``duration`` (elapsed) and ``activeDuration`` (moving) are milliseconds.
* ``distance`` is in ``distanceUnit`` "Mile" or "Kilometer"; auto-detected
  records may have no distance at all: the run is imported with the distance
  unknown (NA), never 0.
* Real archives hold accidental "runs" of a few seconds and 0 m, and
  auto-detected "runs" of hours covering 0.4 mi. They are logged ``not_a_run``
  with their values (too short: under 60 s; no distance: 0 m outdoors; too
  slow: under 0.8 m/s), never silently dropped and never counted as load.
* ``logId`` identifies a record across files and exports (``fitbit:<logId>``).
* No GPS (only a ``tcxLink``), no cadence field, no gear.

Written by hand: no library reads Fitbit's archive; the JSON is read with
:mod:`json`.

References
----------
FORMATS.md, "Fitbit"; Fitbit Web API, "Get Activity Log List" (the record shape).
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime
from pathlib import Path

import pandas as pd

from analysis.errors import RunlogError
from analysis.io.base import ReadResult, log_row, read_source_bytes
from analysis.io.table import decode_text
from analysis.units import METRES_PER_MILE, local_date

SOURCE = "fitbit"

#: Fitbit's record keys -> canonical runs columns (pvlib iotools style); units in read_fitbit's Notes.
VARIABLE_MAP: dict[str, str] = {
    "logId": "activity_id",
    "startTime": "start_time",
    "activityName": "sport",
    "distance": "distance_m",
    "activeDuration": "moving_time_s",
    "duration": "elapsed_time_s",
    "averageHeartRate": "avg_heart_rate_bpm",
    "steps": "avg_cadence_spm",
}

#: ``activityName`` (lower case) -> canonical sport; ``activityTypeId`` 90009 is "Run".
RUN_NAMES: dict[str, str] = {
    "run": "running",
    "running": "running",
    "outdoor run": "running",
    "trail run": "trail_running",
    "treadmill": "treadmill_running",
    "treadmill run": "treadmill_running",
    "indoor run": "treadmill_running",
}
RUN_TYPE_IDS: dict[int, str] = {90009: "running"}

#: metres per ``distanceUnit``
DISTANCE_UNITS: dict[str, float] = {
    "mile": METRES_PER_MILE,
    "miles": METRES_PER_MILE,
    "kilometer": 1000.0,
    "kilometers": 1000.0,
    "km": 1000.0,
    "meter": 1.0,
    "meters": 1.0,
}

#: a "run" shorter than this (s) is an accidental recording
MIN_RUN_S = 60.0
#: a "run" with a distance averaging slower than this (m/s, 20:50 min/km) is no run
MIN_RUN_SPEED_MPS = 0.8
_TIME_FORMATS = ("%m/%d/%y %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%m/%d/%Y %H:%M:%S")


def sniff(head: bytes, name: str = "") -> bool:
    """Whether the first bytes of a file are a Fitbit ``exercise-*.json`` (an array of activity logs).

    Parameters
    ----------
    head : bytes
        The first ~64 KiB of the file (a JSON array, possibly cut).
    name : str, optional
        Not needed: the JSON keys decide.
    """
    text = head[:65536].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith(b"["):
        return False
    first = re.match(rb"\[\s*\{", text)
    return (first is not None and re.search(rb'"logId"\s*:', text) is not None
            and re.search(rb'"activityName"\s*:', text) is not None)


def read_fitbit(source: str | Path | bytes, *, tz: str | None = None, name: str | None = None) -> ReadResult:
    """Read a Fitbit ``exercise-*.json`` into canonical runs and import log.

    Parameters
    ----------
    source : str, Path or bytes
        The file, or its content.
    tz : str, optional
        IANA zone of the runner: the local ``date`` of each run (the start
        times are UTC). Default UTC. The CLI passes ``--tz`` (or the
        computer's zone).
    name : str, optional
        File name for the import log when ``source`` is bytes.

    Returns
    -------
    ReadResult
        Runs (``activity_id`` ``fitbit:<logId>``, source ``fitbit``), no
        samples, one log row per record (``row`` = its 1-based position in
        the array).

    Raises
    ------
    RunlogError
        Not JSON, or not an array of activity records.

    Notes
    -----
    * ``start_time``: ``startTime`` read as UTC (see the module notes).
    * ``moving_time_s`` = ``activeDuration`` / 1000, ``elapsed_time_s`` =
      ``duration`` / 1000 (ms in the file).
    * ``distance_m`` = ``distance`` x 1609.344 (``Mile``) or x 1000
      (``Kilometer``; also when the unit is missing, and the log says so);
      NA when the record has no distance, or 0 m on a treadmill.
    * ``avg_heart_rate_bpm`` = ``averageHeartRate``; ``avg_cadence_spm`` =
      ``steps`` / moving minutes (the tracker's step count during the run).
    * Not a run, with the values in the reason: under 60 s; 0 m outdoors;
      slower than 0.8 m/s on average.
    """
    data, label = read_source_bytes(source, name)
    records = _load(data, label)
    zone = tz or "UTC"
    assumption = f"start time read as UTC (Fitbit writes no offset); local date in {zone} (set it with --tz)"
    runs, log = [], []
    seen: set[str] = set()
    for k, rec in enumerate(records, start=1):
        if not isinstance(rec, dict):
            log.append(log_row(label, "failed", "record is not an object", row=k, source=SOURCE))
            continue
        try:
            run, status, reason = _record(rec)
        except _RecordError as exc:
            log.append(log_row(label, "failed", str(exc), row=k, source=SOURCE))
            continue
        if status != "imported":
            log.append(log_row(label, status, reason, row=k, source=SOURCE))
            continue
        aid = run["activity_id"]
        if aid in seen:
            log.append(log_row(label, "duplicate", "same logId twice in the file", row=k, activity_id=aid,
                               source=SOURCE))
            continue
        seen.add(aid)
        run.update(source=SOURCE, source_file=label)
        runs.append(run)
        log.append(log_row(label, "imported", "; ".join(filter(None, [reason, assumption])), row=k,
                           activity_id=aid, source=SOURCE))
    if not runs:
        return ReadResult.build(log_rows=log)
    frame = pd.DataFrame(runs)
    frame["date"] = local_date(frame["start_time"], tz).to_numpy()
    return ReadResult.build(runs=frame, log_rows=log)


def _load(data: bytes, label: str) -> list:
    try:
        doc = json.loads(decode_text(data))
    except ValueError as exc:
        raise RunlogError(f"not valid JSON: {' '.join(str(exc).split())[:160]}", path=label) from exc
    except RecursionError as exc:
        raise RunlogError("not valid JSON: nested too deeply", path=label) from exc
    if not isinstance(doc, list):
        raise RunlogError("not a Fitbit exercise file (expected a JSON array of activity records)", path=label)
    return doc


class _RecordError(ValueError):
    """A record that cannot be read (no logId, no readable start time, a value of the wrong type)."""


def _num(value) -> float:
    if isinstance(value, bool) or value is None:
        return math.nan
    if isinstance(value, (int, float)):
        v = float(value)
        return v if math.isfinite(v) else math.nan
    if isinstance(value, str):
        try:
            v = float(value.strip().replace(",", ""))
        except ValueError:
            raise _RecordError(f"not a number: {value[:40]!r}") from None
        return v if math.isfinite(v) else math.nan
    raise _RecordError(f"not a number: a {type(value).__name__}")


def parse_start(text) -> pd.Timestamp:
    """``startTime`` (``03/28/20 23:17:51``, ``2019-11-01 14:56:32``, ...) as a UTC timestamp.

    Raises
    ------
    _RecordError
        When no known layout reads it.
    """
    if not isinstance(text, str) or not text.strip():
        raise _RecordError("no startTime")
    s = text.strip()
    s = re.sub(r"\.\d+$", "", s.removesuffix("Z"))
    for fmt in _TIME_FORMATS:
        try:
            return pd.Timestamp(datetime.strptime(s, fmt), tz="UTC")
        except ValueError:
            continue
    raise _RecordError(f"startTime {text[:40]!r} is not a date and time Fitbit writes (MM/dd/yy HH:mm:ss)")


def _sport(rec: dict) -> str | None:
    name = rec.get("activityName")
    name = name.strip().lower() if isinstance(name, str) else ""
    if name in RUN_NAMES:
        return RUN_NAMES[name]
    type_id = rec.get("activityTypeId")
    if isinstance(type_id, (int, float)) and not isinstance(type_id, bool) and float(type_id).is_integer():
        return RUN_TYPE_IDS.get(int(type_id))
    return None


def _fmt_s(seconds: float) -> str:
    if math.isnan(seconds):
        return "?"
    s = int(round(seconds))
    return f"{s} s" if s < 60 else f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _distance_m(rec: dict) -> tuple[float, str]:
    """The record's distance in m (NaN when it has none) and a note on its unit."""
    if rec.get("distance") is None:
        return math.nan, ""
    value = _num(rec["distance"])
    unit = rec.get("distanceUnit")
    if isinstance(unit, str) and unit.strip():
        factor = DISTANCE_UNITS.get(unit.strip().lower())
        if factor is None:
            raise _RecordError(f"unknown distanceUnit {unit.strip()[:20]!r} (expected Mile or Kilometer)")
        return value * factor, ""
    return value * 1000.0, "no distanceUnit: distance taken as km"


def _record(rec: dict) -> tuple[dict, str, str]:
    """One record: (runs row, status, reason). Its keys are renamed by :data:`VARIABLE_MAP`, then units."""
    src = {column: rec.get(key) for key, column in VARIABLE_MAP.items()}
    activity = src["sport"]
    activity = activity.strip() if isinstance(activity, str) and activity.strip() else "?"
    start = parse_start(src["start_time"])
    sport = _sport(rec)
    if sport is None:
        return {}, "not_a_run", f"activity '{activity[:40]}' is not a run ({start:%Y-%m-%d %H:%M})"
    log_id = src["activity_id"]
    if isinstance(log_id, float) and log_id.is_integer():
        log_id = int(log_id)
    if not isinstance(log_id, (int, str)) or isinstance(log_id, bool) or not str(log_id).strip():
        raise _RecordError("no logId")
    elapsed = _num(src["elapsed_time_s"]) / 1000  # ms
    moving = _num(src["moving_time_s"]) / 1000
    moving = moving if moving > 0 else elapsed
    if math.isnan(moving) and math.isnan(elapsed):
        raise _RecordError("no duration or activeDuration")
    distance, unit_note = _distance_m(rec)
    run_s = moving if moving > 0 else elapsed
    values = f"{_fmt_s(run_s)}, " + ("distance unknown" if math.isnan(distance) else f"{distance:.0f} m")
    when = f"{start:%Y-%m-%d %H:%M}"
    if not run_s >= MIN_RUN_S:
        return {}, "not_a_run", f"not a run: too short ({values}; {activity}, {when})"
    treadmill = sport == "treadmill_running"
    if distance == 0 and not treadmill:
        return {}, "not_a_run", f"not a run: no distance ({values}; {activity}, {when})"
    zero_on_treadmill = distance == 0
    if zero_on_treadmill:
        distance = math.nan
    if distance > 0 and distance / run_s < MIN_RUN_SPEED_MPS:
        speed = distance / run_s
        return {}, "not_a_run", f"not a run: too slow ({values}, {speed:.2f} m/s; {activity}, {when})"
    steps = _num(src["avg_cadence_spm"])  # the run's step count: per moving minute below
    hr = _num(src["avg_heart_rate_bpm"])
    notes = [unit_note]
    if zero_on_treadmill:
        notes.append("0 m on a treadmill (no foot pod): distance unknown")
    elif math.isnan(distance):
        notes.append("no distance in the record: distance unknown")
    run = {
        "activity_id": f"{SOURCE}:{str(log_id).strip()}",
        "start_time": start,
        "sport": sport,
        "name": activity,
        "distance_m": distance,
        "moving_time_s": moving if moving > 0 else math.nan,
        "elapsed_time_s": elapsed if elapsed > 0 else math.nan,
        "avg_heart_rate_bpm": hr if hr > 0 else math.nan,
        "avg_cadence_spm": steps / (moving / 60) if steps > 0 and moving > 0 else math.nan,
    }
    return run, "imported", "; ".join(filter(None, notes))

"""Polar Flow account export: ``training-session-*.json`` (a folder or zip of them, or one file).

Polar Flow's data export ("Settings > Account > Download your data") is a zip of
JSON files; the workouts are ``training-session-<date>-<id>.json`` (the
``activity-*.json`` files are daily step counts, not workouts). Two shapes are
read (FORMATS.md, "Polar Flow"):

* **current** (about 2022 on): ``startTime`` naive local wall time plus
  ``timezoneOffsetMinutes`` (UTC = local - offset), ``durationMillis``,
  ``distanceMeters``, ``sport.id`` (a string; ``"1"`` is running) with the
  localised label in ``name``, ``hrAvg``/``hrMax`` (0 means no data), and
  ``exercises[]`` each with ``statistics.statistics[]``,
  ``samples.samples[] {type, intervalMillis, values}`` and
  ``routes.route.wayPoints[] {latitude, longitude, altitude, elapsedMillis}``;
* **older** (about 2018-2021): ``duration`` as ISO-8601 (``PT3625.5S``),
  ``distance`` (m), ``sport`` as a string (``RUNNING``, ``TREADMILL_RUNNING``,
  ``TRAIL_RUNNING``...), ``samples.{heartRate, speed, cadence, altitude,
  distance}[{dateTime, value}]`` and ``samples.recordedRoute[]``.

A multisport session holds one exercise per leg: each exercise is its own
activity, and only the running legs are runs (the others are logged ``not a
run``). Dropouts in sample values come as ``null``, ``"NaN"`` or a bare ``NaN``
token (not strict JSON, which Python's :mod:`json` accepts): all become NaN.
Speeds are km/h (``SPEED`` samples, ``STATISTICS_TYPE_SPEED``) and become m/s.
``hrAvg`` 0 (or a heart-rate statistic of 0) means no strap: no data, never 0.

No Polar file names a shoe: runs from Polar get their shoe from a gear log, a
keyword in the title or the default shoe.

Written by hand: no library reads Polar's export JSON; the JSON itself is read
with :mod:`json` and the sample streams with numpy.

References
----------
FORMATS.md, "Polar Flow"; data/README-sources.md, "polar_flow/" (real files and
their reference values); Polar AccessLink API, "sport type mapping" (the
English sport labels).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.errors import RunlogError
from analysis.io import archive
from analysis.io.base import ReadResult, log_row
from analysis.io.table import column_key, decode_text
from analysis.units import MPS_PER_KMH, localize_wall_time

SOURCE = "polar"

#: Polar's names -> canonical columns (pvlib iotools style). Sample types of the
#: current shape and keys of the older shape's ``samples``; SPEED is km/h.
VARIABLE_MAP: dict[str, str] = {
    "startTime": "start_time",
    "durationMillis": "moving_time_s",
    "duration": "moving_time_s",
    "distanceMeters": "distance_m",
    "distance": "distance_m",
    "hrAvg": "avg_heart_rate_bpm",
    "ascent": "elevation_gain_m",
    "HEART_RATE": "heart_rate_bpm",
    "SPEED": "speed_mps",
    "DISTANCE": "distance_m",
    "CADENCE": "cadence_spm",
    "ALTITUDE": "altitude_m",
    "heartRate": "heart_rate_bpm",
    "speed": "speed_mps",
    "cadence": "cadence_spm",
    "altitude": "altitude_m",
}

#: ``sport.id`` values known to be running (FORMATS.md: "1" = running).
RUN_SPORT_IDS: dict[str, str] = {"1": "running"}

#: Older shape's ``sport`` strings (and Polar's English labels, lower case) -> canonical sport.
SPORT_NAMES: dict[str, str] = {
    "running": "running",
    "road_running": "running",
    "jogging": "running",
    "ultra_running": "ultra_running",
    "ultrarunning_running": "ultra_running",
    "cross_country_running": "trail_running",
    "trail_running": "trail_running",
    "treadmill_running": "treadmill_running",
    "track_and_field_running": "track_running",
    "track&field_running": "track_running",
    "(triathlon)_running": "running",
    "(duathlon)_running": "running",
    "(off_road_triathlon)_trail_running": "trail_running",
    "(off_road_duathlon)_trail_running": "trail_running",
}

#: sample streams sparser than this (ms) are not read; way points later than this (ms) are dropped
MAX_INTERVAL_MS = 60_000.0
MAX_ELAPSED_MS = 7 * 86_400_000.0
#: below this median, a running cadence is strides/min (one foot) rather than steps/min
STRIDES_BELOW_SPM = 110.0
_ISO_DURATION = re.compile(r"^P(?:(\d+(?:\.\d+)?)D)?T?(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?$")
_SAMPLE_KEYS = {"heartRate", "speed", "cadence", "altitude", "distance"}


def sniff(head: bytes, name: str = "") -> bool:
    """Whether the first bytes of a file are a Polar Flow training session (either shape).

    Parameters
    ----------
    head : bytes
        The first ~64 KiB of the file (a JSON document, possibly cut).
    name : str, optional
        Not needed: the JSON keys decide.
    """
    text = head[:65536]
    if not text.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return False
    if re.search(rb'"startTime"\s*:', text) is None:
        return False
    if re.search(rb'"exercises"\s*:\s*\[', text):
        return True
    return re.search(rb'"durationMillis"\s*:', text) is not None and re.search(rb'"sport"\s*:', text) is not None


def read_polar(
    source: str | Path | bytes,
    *,
    tz: str | None = None,
    name: str | None = None,
    positions: bool = False,
) -> ReadResult:
    """Read Polar Flow training sessions into canonical runs, samples and import log.

    Parameters
    ----------
    source : str, Path or bytes
        A ``training-session-*.json`` file (path or content), or a Polar Flow
        export folder or zip (path or content): every training session in it
        is read (told by its JSON keys); other files of the export (daily
        activity, profile) are not workouts and are skipped.
    tz : str, optional
        IANA zone for a session that carries no UTC offset (default UTC).
    name : str, optional
        Label written to the import log when ``source`` is bytes.
    positions : bool, default False
        Add ``latitude_deg`` and ``longitude_deg`` to the samples.

    Returns
    -------
    ReadResult
        One run per running exercise (``activity_id`` ``polar:<exercise id>``,
        source ``polar``); samples at the streams' own interval (1 s); one
        import-log row per exercise (``row`` = its 1-based position in
        ``exercises``), imported or ``not_a_run`` with the sport.

    Raises
    ------
    RunlogError
        Not JSON, or JSON that is no training session.

    Notes
    -----
    * ``start_time``: ``startTime`` (local wall time) minus
      ``timezoneOffsetMinutes``; the local ``date`` is the wall time's date.
      Without an offset, the wall time is taken in ``tz`` (the log says so).
    * ``moving_time_s``: ``durationMillis`` / 1000 (older: ``duration``
      ISO-8601); ``elapsed_time_s``: ``stopTime - startTime`` where given.
    * ``distance_m``: ``distanceMeters`` (older: ``distance``); 0 m is no
      distance recorded (an indoor session without a foot pod): NA.
    * ``avg_heart_rate_bpm``: ``hrAvg``, else the exercise's heart-rate
      statistic, else the mean of the HEART_RATE samples; 0 is NA.
    * ``avg_cadence_spm``: the cadence statistic (or the samples' mean); a
      median under 110 is taken as strides/min and doubled (a run's
      steps/min is never that low).
    * Sport: ``sport.id`` ``"1"`` is running; other ids are read by their
      English label in ``name`` (``Treadmill running``, ``Trail running``...,
      :data:`SPORT_NAMES`); the older shape's ``sport`` strings likewise.

    Samples: ``time`` = exercise start + i x ``intervalMillis``; HEART_RATE
    (bpm), SPEED (km/h -> m/s), DISTANCE (m), CADENCE (steps/min), ALTITUDE
    (m); route way points by their ``elapsedMillis``.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        label = name or "training-session.json"
        if data[:4] == b"PK\x03\x04":
            return _read_zip(archive.zip_of_bytes(data, label), label, tz, positions)
        return _read_session(data, label, tz, positions)
    path = Path(source)
    label = name or str(path)
    if path.is_dir():
        return _read_folder(path, label, tz, positions)
    try:
        if zipfile.is_zipfile(path):
            return _read_zip(archive.open_zip(path), label, tz, positions)
        data = path.read_bytes()
    except OSError as exc:
        raise RunlogError(f"cannot read the file ({exc.strerror or exc})", path=label) from exc
    return _read_session(data, label, tz, positions)


def _read_folder(folder: Path, label: str, tz, positions: bool) -> ReadResult:
    """Every training session below a folder, told by its content (other JSON files are no workouts)."""
    base = folder.resolve()
    results = []
    for p in sorted(folder.rglob("*.json")):
        if not p.is_file() or base not in p.resolve().parents:
            continue
        with open(p, "rb") as fh:
            if not sniff(fh.read(65536)):
                continue
        where = f"{label}/{p.relative_to(folder).as_posix()}"
        results.append(_guarded(lambda p=p, where=where: _read_session(p.read_bytes(), where, tz, positions), where))
    if not results:
        raise RunlogError("no Polar training session in this folder (is it a Polar Flow export?)", path=label)
    return ReadResult.concat(results)


def _read_zip(zf: zipfile.ZipFile, label: str, tz, positions: bool) -> ReadResult:
    """Every training session of a zip, told by its content, each member read within the archive limits."""
    budget = archive.ZipBudget()
    results = []
    for info in zf.infolist():
        if info.is_dir() or not info.filename.lower().endswith(".json"):
            continue
        where = f"{label}/{archive.member_label(info.filename)}"

        def read(info=info, where=where):
            if not sniff(archive.read_member(zf, info, label=where, limit=65536)):
                return None
            refused = budget.take(info)
            if refused:
                raise archive.ArchiveLimitError(refused, path=where)
            return _read_session(archive.read_member(zf, info, label=where), where, tz, positions)

        results.append(_guarded(read, where))
    results = [r for r in results if r is not None]
    if not results:
        raise RunlogError("no Polar training session in this zip (is it a Polar Flow export?)", path=label)
    return ReadResult.concat(results)


def _guarded(read, where: str) -> ReadResult:
    """One session of a folder or zip: a bad one is logged ``failed``, the others still read."""
    try:
        return read()
    except RunlogError as exc:
        return ReadResult.build(log_rows=[log_row(where, "failed", exc.reason, row=exc.row, source=SOURCE)])


# --------------------------------------------------------------------------- one session


def _load(data: bytes, label: str) -> dict:
    try:
        doc = json.loads(decode_text(data))
    except ValueError as exc:
        raise RunlogError(f"not valid JSON: {' '.join(str(exc).split())[:160]}", path=label) from exc
    except RecursionError as exc:
        raise RunlogError("not valid JSON: nested too deeply", path=label) from exc
    if not isinstance(doc, dict) or not ("startTime" in doc or "exercises" in doc):
        raise RunlogError("JSON that is not a Polar Flow training session (no startTime or exercises)",
                          path=label)
    return doc


def _read_session(data: bytes, label: str, tz, positions: bool) -> ReadResult:
    session = _load(data, label)
    exercises = session.get("exercises")
    if exercises is None:
        exercises = [session]
    if not isinstance(exercises, list):
        raise RunlogError(f"'exercises' is a {type(exercises).__name__}, not a list", path=label)
    if not exercises:
        raise RunlogError("the session has no exercises", path=label)
    single = len(exercises) == 1
    runs, samples, log = [], [], []
    digest = hashlib.sha1(data).hexdigest()[:12]
    for k, exercise in enumerate(exercises, start=1):
        row = k if not single else None
        if not isinstance(exercise, dict):
            log.append(log_row(label, "failed", f"exercise {k} is not an object", row=row, source=SOURCE))
            continue
        try:
            run, frame, notes = _exercise(session, exercise, single, tz, positions)
        except _ExerciseError as exc:
            log.append(log_row(label, "failed", str(exc), row=row, source=SOURCE))
            continue
        own = _ident(exercise)
        aid = f"{SOURCE}:{own}" if own else f"{SOURCE}:{_ident(session) or digest}" + ("" if single else f":{k}")
        if run.get("sport") is None:
            log.append(log_row(label, "not_a_run", notes[0], row=row, activity_id=None, source=SOURCE))
            continue
        run.update(activity_id=aid, source=SOURCE, source_file=label)
        runs.append(run)
        if frame is not None and len(frame):
            frame.insert(0, "activity_id", aid)
            samples.append(frame)
        log.append(log_row(label, "imported", "; ".join(notes), row=row, activity_id=aid, source=SOURCE))
    return ReadResult.build(
        runs=pd.DataFrame(runs) if runs else None,
        samples=pd.concat(samples, ignore_index=True) if samples else None,
        log_rows=log,
    )


class _ExerciseError(ValueError):
    """An exercise that cannot be read (no usable start time, a value of the wrong type)."""


def _ident(node: dict) -> str | None:
    ident = node.get("identifier")
    value = ident.get("id") if isinstance(ident, dict) else node.get("id")
    if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
        return re.sub(r"[^0-9A-Za-z_.-]", "", str(value))[:64] or None
    return None


def _num(value) -> float:
    """A JSON value as a float: numbers and numeric strings; ``null``, ``"NaN"``, NaN, others -> NaN."""
    if isinstance(value, bool) or value is None:
        return math.nan
    if isinstance(value, (int, float)):
        v = float(value)
        return v if math.isfinite(v) else math.nan
    if isinstance(value, str):
        try:
            v = float(value.strip())
        except ValueError:
            return math.nan
        return v if math.isfinite(v) else math.nan
    return math.nan


def _positive(value) -> float:
    v = _num(value)
    return v if v > 0 else math.nan


def _get(exercise: dict, session: dict, *keys: str, single: bool):
    """The first of ``keys`` in the exercise, else (for a single-exercise session) in the session."""
    for node in (exercise, session) if single else (exercise,):
        for key in keys:
            if key in node and node[key] is not None:
                return node[key]
    return None


def _duration_s(value) -> float:
    """``durationMillis`` (ms) as s, or an ISO-8601 duration (``PT3625.5S``)."""
    if isinstance(value, str) and value.strip().upper().startswith("P"):
        m = _ISO_DURATION.match(value.strip().upper())
        if m is None:
            return math.nan
        d, h, mi, s = (float(g) if g else 0.0 for g in m.groups())
        return d * 86400 + h * 3600 + mi * 60 + s
    return math.nan


def _sport_of(exercise: dict, session: dict, single: bool) -> tuple[str | None, str]:
    """Canonical sport (None: not a run) and how it was told."""
    sport = exercise.get("sport", session.get("sport") if single else None)
    label = _get(exercise, session, "name", single=single)
    label = label.strip() if isinstance(label, str) else ""
    if isinstance(sport, dict):
        sid = sport.get("id")
        sid = str(sid).strip() if isinstance(sid, (str, int)) and not isinstance(sid, bool) else ""
        if sid in RUN_SPORT_IDS:
            named = SPORT_NAMES.get(_key(label))
            return (named if named and named != "running" else RUN_SPORT_IDS[sid]), ""
        named = SPORT_NAMES.get(_key(label))
        if named:
            return named, ""
        what = f"sport id {sid or '?'}" + (f" ({label})" if label else "")
        return None, f"{what} is not a run"
    if isinstance(sport, str) and sport.strip():
        named = SPORT_NAMES.get(_key(sport))
        return (named, "") if named else (None, f"sport {sport.strip()} is not a run")
    named = SPORT_NAMES.get(_key(label))
    return (named, "") if named else (None, "no sport in the session" + (f" ({label})" if label else ""))


def _key(text: str) -> str:
    """A sport string as looked up in :data:`SPORT_NAMES`: :func:`analysis.io.table.column_key`."""
    return column_key(text)


def _offset_min(exercise: dict, session: dict) -> float:
    for node in (exercise, session):
        for key in ("timezoneOffsetMinutes", "timezoneOffset", "timeZoneOffset"):
            v = _num(node.get(key))
            if not math.isnan(v) and abs(v) <= 18 * 60:
                return v
    return math.nan


def _wall(value) -> pd.Timestamp | None:
    """A naive local wall time (``2026-05-23T10:46:22`` or with ``.000``); None when unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        t = pd.Timestamp(value.strip())
    except (ValueError, OverflowError):
        return None
    if t is pd.NaT or not 1970 <= t.year <= 2100:
        return None
    return t.tz_convert("UTC").tz_localize(None) if t.tzinfo is not None else t


def _to_utc(wall: pd.Timestamp, offset_min: float, tz) -> pd.Timestamp:
    if not math.isnan(offset_min):
        return (wall - pd.Timedelta(minutes=offset_min)).tz_localize("UTC")
    return localize_wall_time(pd.Series([wall]), tz).iloc[0]


def _statistics(exercise: dict) -> dict[str, dict]:
    """``statistics.statistics[]`` by type (``HEART_RATE``, ``SPEED``, ``CADENCE``...); older: top-level dicts."""
    out: dict[str, dict] = {}
    stats = exercise.get("statistics")
    items = stats.get("statistics") if isinstance(stats, dict) else stats
    for s in items if isinstance(items, list) else []:
        if isinstance(s, dict) and isinstance(s.get("type"), str):
            out[s["type"].removeprefix("STATISTICS_TYPE_")] = s
    for key, kind in (("heartRate", "HEART_RATE"), ("cadence", "CADENCE"), ("speed", "SPEED")):
        if isinstance(exercise.get(key), dict) and kind not in out:
            out[kind] = exercise[key]
    return out


def _exercise(session: dict, exercise: dict, single: bool, tz, positions: bool):
    """Runs row, samples frame and log notes of one exercise (sport None: not a run, notes[0] says why)."""
    sport, why = _sport_of(exercise, session, single)
    wall = _wall(_get(exercise, session, "startTime", single=single))
    if wall is None:
        raise _ExerciseError("no readable startTime")
    offset = _offset_min(exercise, session)
    notes: list[str] = []
    if math.isnan(offset):
        notes.append(f"no UTC offset in the session: local time taken in {tz or 'UTC'}")
    try:
        start = _to_utc(wall, offset, tz)
    except (ValueError, OverflowError) as exc:
        raise _ExerciseError(f"start time out of range ({exc})") from exc
    if sport is None:
        return {}, None, [f"{why} ({wall:%Y-%m-%d %H:%M})"]

    millis = _num(_get(exercise, session, "durationMillis", single=single))
    moving = millis / 1000 if millis >= 0 else _duration_s(_get(exercise, session, "duration", single=single))
    stop = _wall(_get(exercise, session, "stopTime", single=single))
    elapsed = (stop - wall).total_seconds() if stop is not None and stop >= wall else moving
    distance = _positive(_get(exercise, session, "distanceMeters", "distance", single=single))
    stats = _statistics(exercise)
    hr = _positive(_get(exercise, session, "hrAvg", "averageHeartRate", single=single))
    if math.isnan(hr):
        hr = _positive(stats.get("HEART_RATE", {}).get("avg"))
    frame, sample_notes = _samples(exercise, start, wall, offset, tz, positions)
    notes += sample_notes
    if math.isnan(hr) and frame is not None and frame["heart_rate_bpm"].gt(0).any():
        hr = float(frame["heart_rate_bpm"][frame["heart_rate_bpm"] > 0].mean())
    cadence = _positive(stats.get("CADENCE", {}).get("avg"))
    if math.isnan(cadence) and frame is not None and frame["cadence_spm"].gt(0).any():
        cadence = float(frame["cadence_spm"][frame["cadence_spm"] > 0].mean())
    elif not math.isnan(cadence) and cadence < STRIDES_BELOW_SPM:
        cadence *= 2
    label = _get(exercise, session, "name", single=single)
    note = _get(exercise, session, "note", "notes", single=single)
    run = {
        "start_time": start,
        "date": wall.normalize(),
        "sport": sport,
        "name": label.strip() if isinstance(label, str) and label.strip() else pd.NA,
        "description": note.strip() if isinstance(note, str) and note.strip() else pd.NA,
        "distance_m": distance,
        "moving_time_s": moving if moving > 0 else math.nan,
        "elapsed_time_s": elapsed if elapsed > 0 else math.nan,
        "avg_heart_rate_bpm": hr,
        "avg_cadence_spm": cadence,
        "elevation_gain_m": _num(_get(exercise, session, "ascent", "ascentMeters", single=single)),
    }
    if math.isnan(distance):
        notes.append("no distance recorded (0 m or none): distance unknown")
    return run, frame, notes


# --------------------------------------------------------------------------- samples


def _values(stream) -> np.ndarray | None:
    values = stream.get("values") if isinstance(stream, dict) else None
    if not isinstance(values, list):
        return None
    return np.array([_num(v) for v in values], dtype="float64")


def _samples(exercise: dict, start: pd.Timestamp, wall: pd.Timestamp, offset: float, tz, positions: bool):
    """The exercise's samples (current or older shape) and notes; (None, []) when it has none."""
    block = exercise.get("samples")
    notes: list[str] = []
    if isinstance(block, dict) and isinstance(block.get("samples"), list):
        frame = _current_samples(block["samples"], start, notes)
    elif isinstance(block, dict) and _SAMPLE_KEYS & set(block):
        frame = _older_samples(block, wall, offset, tz, notes)
    else:
        frame = None
    route = _route(exercise, block, wall, offset, tz)
    if route is not None and len(route):
        frame = _join_route(frame, route, start)
        if not positions:
            frame = frame.drop(columns=["latitude_deg", "longitude_deg"])
    if frame is None or not len(frame):
        return None, notes
    frame = frame.sort_values("time", kind="stable").reset_index(drop=True)
    frame["elapsed_s"] = (frame["time"] - start).dt.total_seconds()
    for col in ("heart_rate_bpm", "cadence_spm", "speed_mps", "distance_m", "altitude_m"):
        if col not in frame:
            frame[col] = np.nan
    frame.loc[frame["heart_rate_bpm"] <= 0, "heart_rate_bpm"] = np.nan
    cad = frame["cadence_spm"]
    if cad.gt(0).any() and float(cad[cad > 0].median()) < STRIDES_BELOW_SPM:
        frame["cadence_spm"] = cad * 2
        notes.append("cadence read as strides/min: doubled to steps/min")
    return frame, notes


def _current_samples(streams: list, start: pd.Timestamp, notes: list[str]) -> pd.DataFrame | None:
    cols: dict[str, np.ndarray] = {}
    interval_ms = None
    for stream in streams:
        if not isinstance(stream, dict):
            continue
        column = VARIABLE_MAP.get(str(stream.get("type", "")))
        values = _values(stream)
        if column is None or values is None or not len(values):
            continue
        step = _num(stream.get("intervalMillis"))
        step = step if step > 0 else 1000.0
        if step > MAX_INTERVAL_MS:
            notes.append(f"{stream.get('type')} samples every {step:g} ms (over a minute): left out")
            continue
        if interval_ms is None:
            interval_ms = step
        elif step != interval_ms:
            notes.append(f"{stream.get('type')} samples every {step:g} ms, others every {interval_ms:g} ms: left out")
            continue
        cols[column] = values * MPS_PER_KMH if stream.get("type") == "SPEED" else values
    if not cols:
        return None
    n = max(len(v) for v in cols.values())
    frame = pd.DataFrame({c: np.pad(v, (0, n - len(v)), constant_values=np.nan) for c, v in cols.items()})
    frame.insert(0, "time", start + pd.to_timedelta(np.arange(n) * interval_ms, unit="ms"))
    return frame


def _older_samples(block: dict, wall: pd.Timestamp, offset: float, tz, notes: list[str]) -> pd.DataFrame | None:
    series = []
    for key in sorted(_SAMPLE_KEYS & set(block)):
        points = block[key]
        if not isinstance(points, list):
            continue
        times, values = [], []
        for p in points:
            if isinstance(p, dict):
                t = _wall(p.get("dateTime"))
                if t is not None:
                    times.append(t)
                    values.append(_num(p.get("value")))
        if times:
            s = pd.Series(values, index=pd.DatetimeIndex(times), name=VARIABLE_MAP[key], dtype="float64")
            s = s[~s.index.duplicated()]
            series.append(s * MPS_PER_KMH if key == "speed" else s)
    if not series:
        return None
    frame = pd.concat(series, axis=1).sort_index()
    times = _utc_index(frame.index, offset, tz)
    frame = frame.reset_index(drop=True)
    frame.insert(0, "time", times)
    return frame


def _utc_index(index: pd.DatetimeIndex, offset: float, tz) -> pd.Series:
    if not math.isnan(offset):
        return pd.Series(index - pd.Timedelta(minutes=offset)).dt.tz_localize("UTC")
    return localize_wall_time(pd.Series(index), tz).reset_index(drop=True)


def _route(exercise: dict, block, wall: pd.Timestamp, offset: float, tz) -> pd.DataFrame | None:
    """Way points: current ``routes.route.wayPoints`` (elapsedMillis) or older ``samples.recordedRoute``."""
    routes = exercise.get("routes")
    route = routes.get("route") if isinstance(routes, dict) else None
    points = route.get("wayPoints") if isinstance(route, dict) else None
    rows = []
    if isinstance(points, list):
        for p in points:
            if isinstance(p, dict):
                rows.append((_num(p.get("elapsedMillis")), _num(p.get("latitude")), _num(p.get("longitude")),
                             _num(p.get("altitude"))))
        frame = pd.DataFrame(rows, columns=["elapsed_ms", "latitude_deg", "longitude_deg", "altitude_m"])
        return frame[frame["elapsed_ms"].between(0, MAX_ELAPSED_MS)]
    recorded = block.get("recordedRoute") if isinstance(block, dict) else None
    if isinstance(recorded, list):
        for p in recorded:
            if isinstance(p, dict) and (t := _wall(p.get("dateTime"))) is not None:
                rows.append(((t - wall).total_seconds() * 1000, _num(p.get("latitude")), _num(p.get("longitude")),
                             _num(p.get("altitude"))))
        frame = pd.DataFrame(rows, columns=["elapsed_ms", "latitude_deg", "longitude_deg", "altitude_m"])
        return frame[frame["elapsed_ms"].between(0, MAX_ELAPSED_MS)]
    return None


def _join_route(frame: pd.DataFrame | None, route: pd.DataFrame, start: pd.Timestamp) -> pd.DataFrame:
    """Positions (and altitude where the streams have none) put on the samples at the nearest second."""
    route = route.assign(time=start + pd.to_timedelta(route["elapsed_ms"].round(-3), unit="ms"))
    route = route.drop_duplicates("time").drop(columns=["elapsed_ms"])
    if frame is None or not len(frame):
        return route.reset_index(drop=True)
    if "altitude_m" in frame and frame["altitude_m"].notna().any():
        route = route.drop(columns=["altitude_m"])
    return frame.merge(route, on="time", how="outer")


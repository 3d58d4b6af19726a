"""Read Garmin Training Center XML (TCX) activity files (``.tcx``, ``.tcx.gz``).

A TCX file holds one or more ``Activity`` elements, each made of ``Lap``
elements whose ``Track`` holds the ``Trackpoint`` records. One run is read per
``Activity`` (FORMATS.md, "TCX / GPX"; data/README.md, "tcx/").

Elements are matched by their *local* name, whatever namespace prefix the
writer chose: Garmin writes the activity extension as ``ns3:TPX``, TomTom as
``x:TPX`` with an unprefixed ``Speed`` inside, Polar writes everything on one
line with no extension at all. The file is parsed whole with ``lxml.etree``
(never line by line), so a 1.3 MB file on a single line is fine. Entity
resolution and network access are switched off in the parser.

A damaged file (cut short by a failed download, or a gzip stream that ends
early) is read as far as it goes with lxml's recovering parser; the import log
says so. Per-trackpoint values that are not numbers are treated as missing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
from gpxpy.geo import calculate_uphill_downhill
from lxml import etree

from analysis.errors import RunlogError
from analysis.io import archive, xml_sniff
from analysis.io.base import ReadResult, log_row, read_source_bytes
from analysis.io.sports import classify_activity_type, untyped_sport
from analysis.units import local_date, running_cadence_spm

#: TCX trackpoint element (local name) -> canonical samples column.
VARIABLE_MAP: dict[str, str] = {
    "Time": "time",
    "DistanceMeters": "distance_m",
    "HeartRateBpm": "heart_rate_bpm",
    "RunCadence": "cadence_spm",
    "Cadence": "cadence_spm",
    "AltitudeMeters": "altitude_m",
    "Speed": "speed_mps",
    "LatitudeDegrees": "latitude_deg",
    "LongitudeDegrees": "longitude_deg",
}

#: ``Activity/@Sport`` (compared case-insensitively: Runtastic writes ``running``) -> canonical
#: sport. The schema allows only Running, Biking and Other; only Running is a run.
SPORT_MAP: dict[str, str] = {"running": "running"}
#: ``Activity/@Sport`` values that do not say which sport (compared case-insensitively): such an
#: activity is a run or not by its average speed, as a GPX track without ``<type>`` is.
UNTYPED_SPORTS: frozenset[str] = frozenset({"other", ""})

SOURCE = "tcx"
_TRACKPOINT_FIELDS = (
    "Time",
    "LatitudeDegrees",
    "LongitudeDegrees",
    "AltitudeMeters",
    "DistanceMeters",
    "HeartRateBpm",
    "Cadence",
    "RunCadence",
    "Speed",
)


def sniff(head: bytes, name: str = "") -> bool:
    """Tell whether the first bytes of a file are a TCX document.

    Parameters
    ----------
    head : bytes
        The first ~64 KiB of the file (gzip-compressed content is inflated).
    name : str, optional
        The file name (not needed: the content decides).

    Returns
    -------
    bool
        True when the root element is ``TrainingCenterDatabase`` (a GPX converted from TCX names
        that namespace in its ``<gpx>`` root: not TCX). When the head ends before the root element,
        the name anywhere in it decides.
    """
    head = archive.gunzip_head_if_gzip(head, 64 * 1024)
    root = xml_sniff.root_name(head)
    return root == "TrainingCenterDatabase" if root is not None else b"TrainingCenterDatabase" in head


def read_tcx(
    source: str | Path | bytes,
    *,
    tz: str | None = None,
    name: str | None = None,
    positions: bool = False,
) -> ReadResult:
    """Read a TCX activity file into canonical runs, samples and import log.

    Parameters
    ----------
    source : str, Path or bytes
        Path of a ``.tcx`` or gzip-compressed ``.tcx.gz`` file, or its content
        (gzip is detected by its magic bytes, not by the name).
    tz : str, optional
        IANA time zone of the runner, for the local ``date`` when the file's
        times carry no UTC offset of their own (TCX writers use ``Z``).
        Default UTC.
    name : str, optional
        File name written to the import log (``source_file``) when ``source``
        is bytes, e.g. the member path inside a zip.
    positions : bool, default False
        Add ``latitude_deg`` and ``longitude_deg`` (degrees) to the samples.

    Returns
    -------
    ReadResult
        ``runs``: one row per running ``Activity``; ``samples``: one row per
        trackpoint of those runs; ``log``: one row per ``Activity``
        (imported or not_a_run, ``row`` = NA). A file with no ``Activity`` but a
        ``Course`` or ``Workout`` is one ``not_a_run`` row. ``Sport="Running"`` is a run,
        ``Biking`` is not; ``Other`` or no ``Sport`` (the Crane/Aldi GPS watch writes every
        activity as ``Other``) is a run unless it averages more than 7 m/s, the rule of a GPX
        track without ``<type>`` (:func:`analysis.io.sports.untyped_sport`); the log says so.
        A value outside the schema (a writer's own ``Run``, ``Trail Running``, ``Laufen``) is
        read by :func:`analysis.io.sports.classify_activity_type`, as a GPX ``<type>`` is.

    Raises
    ------
    RunlogError
        When the file cannot be read, is not XML, is not TCX, or holds no
        ``Activity``, ``Course`` or ``Workout``.

    Notes
    -----
    Per activity (figures as in data/README.md, "How the reference figures
    were computed"):

    * ``start_time``: ``Activity/Id`` (UTC), else the first ``Lap/@StartTime``,
      else the first trackpoint ``Time``. Times without an offset are UTC.
    * ``distance_m``: ``DistanceMeters`` of the last trackpoint that has one,
      else the sum of ``Lap/DistanceMeters``.
    * ``moving_time_s``: sum of ``Lap/TotalTimeSeconds`` (the device's timer
      time, pauses excluded). ``elapsed_time_s``: last minus first trackpoint
      ``Time``.
    * When the trackpoints end before the laps do (the laps' timer total and
      distance both exceed the track's span and last distance: a file cut short,
      or a track thinned by an exporter), the laps' distance (and their average
      heart rate, where they have one) is used, the elapsed time runs at least
      to the end of the last lap, and the log says so.
    * ``avg_heart_rate_bpm``: mean of trackpoint ``HeartRateBpm/Value``, else
      the lap ``AverageHeartRateBpm`` weighted by lap time. A value of 0 (written while the
      strap had no contact: RunnerUp records 0 bpm when the belt's connection is lost) is no
      measurement, as a GPX heart rate of 0 is: the trackpoint has no heart rate (the log counts
      them) and a lap's average of 0 is none.
    * Cadence: ``TPX/RunCadence`` (Garmin), else the trackpoint ``Cadence``
      (Polar writes running cadence there). Both are **strides/min** in a
      running activity (FORMATS.md, "Cadence units, once more"); they are
      doubled to steps/min, unless they are already a step rate (90th percentile
      130/min or more: the Wahoo Fitness app writes steps/min in ``RunCadence``;
      see :func:`analysis.units.running_cadence_spm`), and the log says so. Polar's ``Cadence`` is taken as strides/min because
      its mean of 60.1 in a slow run/walk (4.5 km in 58.5 min) gives ~120
      steps/min, a plausible walking/jogging step rate, whereas 60 steps/min
      would be implausibly slow. ``avg_cadence_spm`` is the mean of non-zero
      values x 2 (a zero is the sensor reporting no stepping, e.g. standing at
      the start); samples keep the zeros as measured.
    * ``elevation_gain_m``: sum of rises of ``AltitudeMeters`` after a 3-point
      weighted smoothing (0.3, 0.4, 0.3), as gpxpy's
      ``calculate_uphill_downhill`` does; NA when no altitude is recorded.
    * ``description``: ``Activity/Notes``; TCX has no activity name.

    Samples: ``time`` (UTC), ``elapsed_s`` (s since the first trackpoint),
    ``distance_m``, ``heart_rate_bpm``, ``cadence_spm`` (steps/min),
    ``altitude_m``, and ``speed_mps`` from ``TPX/Speed`` where present, else
    the change in ``DistanceMeters`` over the change in time. Trackpoints with
    no readable ``Time`` are left out (the log says how many).

    ``activity_id`` is ``tcx:`` + the first 12 hex digits of the SHA-1 of the
    (inflated) XML, so a ``.tcx`` and its ``.tcx.gz`` get the same id; with
    several activities in one file ``:<index>`` is appended.

    References
    ----------
    Garmin Training Center Database v2 schema,
    https://www8.garmin.com/xmlschemas/TrainingCenterDatabasev2.xsd ;
    ActivityExtension v2 (TPX: Speed m/s, RunCadence),
    https://www8.garmin.com/xmlschemas/ActivityExtensionv2.xsd
    """
    raw, label = read_source_bytes(source, name)
    # bounded: a .gz may be a decompression bomb; a cut stream gives what it holds
    xml, gzip_note = archive.gunzip_if_gzip(raw, label=label)
    notes = [f"gzip stream ends early; read what it holds ({gzip_note})"] if gzip_note else []
    root, damage = _parse_xml(xml, label)
    if damage:
        notes.append(damage)
    if _local(root.tag) != "TrainingCenterDatabase":
        raise RunlogError(f"not a TCX file (root element is {_local(root.tag)})", path=label)
    activities = [el for el in root.iter() if _local(el.tag) == "Activity"]
    if not activities:
        planned = _planned_only(root)
        if planned:  # a course to follow or a workout to do: nothing was recorded
            return ReadResult.build(log_rows=[log_row(label, "not_a_run", planned, source=SOURCE)])
        raise RunlogError("no Activity in the TCX file (a course or workout file?)", path=label)

    digest = hashlib.sha1(xml).hexdigest()[:12]
    runs, samples, log = [], [], []
    for index, activity in enumerate(activities):
        activity_id = f"{SOURCE}:{digest}" if len(activities) == 1 else f"{SOURCE}:{digest}:{index}"
        where = "" if len(activities) == 1 else f"activity {index + 1} of {len(activities)}: "
        sport_text = (activity.get("Sport") or "").strip()
        sport = SPORT_MAP.get(sport_text.casefold())
        untyped = sport is None and sport_text.casefold() in UNTYPED_SPORTS
        sport_note = ""
        if sport is None and not untyped:  # outside the schema: a writer's own word, in any language
            sport, how = classify_activity_type(sport_text)
            if sport is None:
                log.append(log_row(label, "not_a_run", f"{where}sport {sport_text} is not a run", source=SOURCE))
                continue
            why = "a running type in another language" if how == "table" else "it has a running word in it"
            sport_note = f"sport {sport_text} taken as {sport} ({why})"
        points, dropped = _trackpoints(activity)
        hr_note = _no_reading_heart_rate(points)
        laps = _laps(activity)
        start = _start_time(activity, laps, points)
        if start is None:
            log.append(
                log_row(
                    label, "failed", f"{where}no start time (no Id, Lap StartTime or Time)", source=SOURCE
                )
            )
            continue
        ends_early = _track_ends_early(points, laps)
        cadence_spm, cadence_note = running_cadence_spm(_cadence_strides(points))
        run = _summary(points, laps, activity, cadence_spm, ends_early=bool(ends_early))
        if untyped:  # Sport="Other" (Crane/Aldi watches write every activity so) or none at all
            why = f"sport {sport_text or '(none)'} in file, not a specific sport"
            sport, sport_note = untyped_sport(run["distance_m"], run["moving_time_s"], run["elapsed_time_s"], why)
            if sport is None:
                log.append(log_row(label, "not_a_run", where + sport_note, source=SOURCE))
                continue
        run.update(
            activity_id=activity_id,
            start_time=start[0],
            date=_date(start, tz),
            sport=sport,
            source=SOURCE,
            source_file=label,
        )
        runs.append(run)
        samples.append(_samples(points, activity_id, positions, cadence_spm))
        details = [f"{len(points)} trackpoints", *([sport_note] if sport_note else [])]
        details.extend(note for note in (cadence_note, hr_note) if note)
        if dropped:
            details.append(f"{dropped} more trackpoints have no readable Time: left out")
        if ends_early:
            details.append(ends_early)
        details.extend(notes)
        log.append(
            log_row(label, "imported", where + "; ".join(details), activity_id=activity_id, source=SOURCE)
        )
    frame = pd.concat(samples, ignore_index=True) if samples else None
    return ReadResult.build(runs=pd.DataFrame(runs) if runs else None, samples=frame, log_rows=log)


def _planned_only(root: etree._Element) -> str | None:
    """Why a TCX file without an Activity is not a run, when it holds a course or a workout; else None.

    ``Courses/Course`` is a route to follow (route planners such as AllTrails, a watch's course
    export: its trackpoints all carry one time) and ``Workouts/Workout`` a session to do; the
    GPX reader treats routes alike.
    """
    courses = [el for el in root.iter() if _local(el.tag) == "Course"]
    if courses:
        points = sum(1 for course in courses for el in course.iter() if _local(el.tag) == "Trackpoint")
        return f"a planned course ({len(courses)} course(s), {points} course points), not a recorded activity"
    workouts = [el for el in root.iter() if _local(el.tag) == "Workout"]
    if workouts:
        return f"a planned workout ({len(workouts)} workout(s)), not a recorded activity"
    return None


def _parse_xml(xml: bytes, label: str) -> tuple[etree._Element, str]:
    """Parse XML strictly; if that fails, recover what precedes the damage."""
    options = {"resolve_entities": False, "no_network": True, "remove_comments": True, "remove_pis": True}
    try:
        return etree.fromstring(xml, etree.XMLParser(**options)), ""
    except etree.XMLSyntaxError as exc:
        error = exc
    try:
        root = etree.fromstring(xml, etree.XMLParser(recover=True, **options))
    except etree.XMLSyntaxError:
        root = None
    if root is None:
        raise RunlogError(f"not readable as XML ({error})", path=label)
    return root, f"damaged XML ({error}); read what precedes the damage"


def _local(tag) -> str:
    """Local name of an element tag (``{ns}Name`` or ``prefix``-free ``Name``)."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _children(element: etree._Element, local: str) -> list[etree._Element]:
    return [child for child in element if _local(child.tag) == local]


def _child_text(element: etree._Element, local: str) -> str | None:
    for child in element:
        if _local(child.tag) == local:
            return (child.text or "").strip() or None
    return None


def _number(text: str | None) -> float:
    """A number, or NaN for missing and non-numeric text."""
    if text is None:
        return np.nan
    try:
        return float(text)
    except ValueError:
        return np.nan


def _trackpoints(activity: etree._Element) -> tuple[pd.DataFrame, int]:
    """One row per trackpoint (raw TCX units), and how many lacked a usable time."""
    rows = []
    for lap in _children(activity, "Lap"):
        for track in _children(lap, "Track"):
            for point in _children(track, "Trackpoint"):
                values: dict[str, str | None] = {}
                for element in point.iter():
                    local = _local(element.tag)
                    if local == "Value" and _local(element.getparent().tag) == "HeartRateBpm":
                        values["HeartRateBpm"] = (element.text or "").strip()
                    elif local in _TRACKPOINT_FIELDS and local != "HeartRateBpm":
                        values[local] = (element.text or "").strip()
                rows.append(values)
    table = pd.DataFrame(rows, columns=list(_TRACKPOINT_FIELDS), dtype=object)
    times = pd.to_datetime(table["Time"], utc=True, format="ISO8601", errors="coerce")
    out = pd.DataFrame({"time": times})
    for field in _TRACKPOINT_FIELDS[1:]:
        out[field] = pd.to_numeric(table[field], errors="coerce").astype("float64")
    keep = out["time"].notna()
    return out[keep].reset_index(drop=True), int((~keep).sum())


def _no_reading_heart_rate(points: pd.DataFrame) -> str:
    """Take a trackpoint heart rate of 0 or less for no reading (in place); a log note, "" when there is none.

    RunnerUp (and other apps) write 0 bpm while the strap has no contact.
    """
    no_reading = points["HeartRateBpm"].le(0)
    if not no_reading.any():
        return ""
    points.loc[no_reading, "HeartRateBpm"] = np.nan
    return f"heart rate 0 at {int(no_reading.sum())} trackpoint(s): taken as none measured"


def _laps(activity: etree._Element) -> pd.DataFrame:
    """Lap start, timer time (s), distance (m) and average HR (bpm)."""
    rows = []
    for lap in _children(activity, "Lap"):
        hr = next(iter(_children(lap, "AverageHeartRateBpm")), None)
        rows.append(
            {
                "start": lap.get("StartTime"),
                "time_s": _number(_child_text(lap, "TotalTimeSeconds")),
                "distance_m": _number(_child_text(lap, "DistanceMeters")),
                "hr_bpm": _heart_rate(_child_text(hr, "Value")) if hr is not None else np.nan,
            }
        )
    return pd.DataFrame(rows, columns=["start", "time_s", "distance_m", "hr_bpm"])


def _heart_rate(text: str | None) -> float:
    """A heart rate in bpm; NaN for missing, non-numeric and 0 or less (no reading, not a rate)."""
    value = _number(text)
    return value if value > 0 else np.nan


def _parse_time(text: str | None) -> tuple[pd.Timestamp, bool] | None:
    """UTC time of an xsd:dateTime, and whether it carried a non-UTC offset."""
    if not text:
        return None
    try:
        stamp = pd.Timestamp(text.strip())
    except ValueError:
        return None
    if stamp.tzinfo is None:
        return stamp.tz_localize("UTC"), False
    own_offset = stamp.utcoffset() != pd.Timedelta(0)
    return stamp.tz_convert("UTC"), own_offset


def _start_time(activity, laps: pd.DataFrame, points: pd.DataFrame):
    """(UTC start, local wall time or None) from Id, first lap, or first trackpoint."""
    candidates = [_child_text(activity, "Id"), *(laps["start"].dropna().head(1))]
    for text in candidates:
        parsed = _parse_time(text)
        if parsed is not None:
            utc, own = parsed
            wall = pd.Timestamp(text.strip()).tz_localize(None) if own else None
            return utc, wall
    if len(points):
        return points["time"].iloc[0], None
    return None


def _date(start: tuple[pd.Timestamp, pd.Timestamp | None], tz: str | None) -> pd.Timestamp:
    """Local calendar date: from the time's own offset if it had one, else ``tz``."""
    utc, wall = start
    if wall is not None:
        return wall.normalize()
    return local_date(pd.Series([utc]), tz).iloc[0]


def _cadence_strides(points: pd.DataFrame) -> pd.Series:
    """Per-trackpoint running cadence in strides/min: RunCadence, else Cadence."""
    return points["RunCadence"].fillna(points["Cadence"])


def _track_ends_early(points: pd.DataFrame, laps: pd.DataFrame) -> str:
    """Why the trackpoints cover less of the activity than its laps do, or "" when they cover it.

    The laps' timer total (pauses excluded) cannot exceed the time the trackpoints span, nor
    their distance the last trackpoint's, in a whole track: a file cut short, or a track thinned
    to a few points by an exporter (Mi Fit through tapiriik writes two trackpoints to a 37-minute
    lap), ends before its laps do. Both must fall short, by more than 5 s and 1 %, so rounding
    (TomTom's 1423 s span under a 1424 s lap) and a lap distance below the track's do not count.
    """
    lap_s, lap_m = laps["time_s"].sum(min_count=1), laps["distance_m"].sum(min_count=1)
    distance = points["DistanceMeters"].dropna()
    if not len(distance) or pd.isna(lap_s) or pd.isna(lap_m):
        return ""
    span_s = (points["time"].iloc[-1] - points["time"].iloc[0]).total_seconds()
    track_m = float(distance.iloc[-1])
    if lap_s > span_s + max(5.0, 0.01 * lap_s) and lap_m > 1.01 * track_m:
        return (f"the trackpoints end before the laps do ({track_m:.0f} m in {span_s:.0f} s of the laps' "
                f"{lap_m:.0f} m in {lap_s:.0f} s): the laps' totals used")
    return ""


def _summary(
    points: pd.DataFrame, laps: pd.DataFrame, activity, cadence_spm: pd.Series, ends_early: bool = False
) -> dict:
    """Run-level figures of one Activity (see ``read_tcx`` Notes); ``cadence_spm`` per trackpoint in steps/min."""
    distance = points["DistanceMeters"].dropna()
    if len(distance) and not ends_early:
        distance_m = float(distance.iloc[-1])
    elif laps["distance_m"].notna().any():
        distance_m = float(laps["distance_m"].sum())
    else:
        distance_m = np.nan
    moving = float(laps["time_s"].sum()) if laps["time_s"].notna().any() else np.nan
    elapsed = (points["time"].iloc[-1] - points["time"].iloc[0]).total_seconds() if len(points) else np.nan
    if ends_early:  # the activity lasted at least until its last lap ended
        starts = pd.to_datetime(laps["start"], utc=True, format="ISO8601", errors="coerce")
        lap_end = (starts + pd.to_timedelta(laps["time_s"], unit="s")).max()
        origin = min(points["time"].iloc[0], starts.min()) if starts.notna().any() else points["time"].iloc[0]
        if pd.notna(lap_end):
            elapsed = max(elapsed, (lap_end - origin).total_seconds())
        elif pd.notna(moving):  # laps without a readable StartTime: the activity lasted at least their timer time
            elapsed = max(elapsed, moving)

    hr = points["HeartRateBpm"].dropna()
    if len(hr) and not (ends_early and laps["hr_bpm"].notna().any()):
        avg_hr = float(hr.mean())
    else:
        weighted = laps.dropna(subset=["hr_bpm", "time_s"])
        total = weighted["time_s"].sum()
        avg_hr = float((weighted["hr_bpm"] * weighted["time_s"]).sum() / total) if total > 0 else np.nan

    stepping = cadence_spm[cadence_spm > 0]
    avg_cadence = float(stepping.mean()) if len(stepping) else np.nan

    altitude = points["AltitudeMeters"].dropna().tolist()
    gain = calculate_uphill_downhill(altitude)[0] if len(altitude) >= 2 else np.nan

    return {
        "name": pd.NA,
        "description": _child_text(activity, "Notes") or pd.NA,
        "distance_m": distance_m,
        "moving_time_s": moving,
        "elapsed_time_s": elapsed,
        "avg_heart_rate_bpm": avg_hr,
        "avg_cadence_spm": avg_cadence,
        "elevation_gain_m": gain,
    }


def _samples(points: pd.DataFrame, activity_id: str, positions: bool, cadence_spm: pd.Series) -> pd.DataFrame:
    """Canonical samples of one activity's trackpoints: renamed by :data:`VARIABLE_MAP`, then units.

    ``cadence_spm`` is the trackpoints' cadence already in steps/min (``RunCadence``, else
    ``Cadence``, through :func:`analysis.units.running_cadence_spm`).
    """
    src = points.assign(Cadence=cadence_spm).drop(columns="RunCadence").rename(columns=VARIABLE_MAP)
    elapsed = (src["time"] - src["time"].iloc[0]).dt.total_seconds() if len(src) else pd.Series([])
    step_s = elapsed.diff()
    derived = src["distance_m"].diff() / step_s.where(step_s > 0)
    frame = pd.DataFrame(
        {
            "activity_id": activity_id,
            "time": src["time"],
            "elapsed_s": elapsed,
            "distance_m": src["distance_m"],
            "speed_mps": src["speed_mps"].fillna(derived),
            "heart_rate_bpm": src["heart_rate_bpm"],
            "cadence_spm": src["cadence_spm"],  # steps/min already (running_cadence_spm)
            "altitude_m": src["altitude_m"],
        }
    )
    if positions:
        frame["latitude_deg"] = src["latitude_deg"]
        frame["longitude_deg"] = src["longitude_deg"]
    return frame

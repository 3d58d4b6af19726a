"""Read GPS Exchange Format (GPX 1.0/1.1) tracks (``.gpx``, ``.gpx.gz``) through gpxpy.

One run is read per file: all ``trk``/``trkseg`` of the file make up the
activity (FORMATS.md, "TCX / GPX"; data/README.md, "gpx/"). GPX has no element
for the device's distance, so the distance is computed from the positions (gpxpy's
``length_2d()``): it will not match the watch's own figure for the same run. (COROS
writes the watch's running total in an extension; it is used only where no point
has a position.)

Heart rate, cadence and speed come from trackpoint extensions, matched by the
element's local name whatever its namespace prefix (``gpxtpx:hr``,
``ns3:hr``, ``heartrate``...).

Moving time is computed here rather than with gpxpy's ``get_moving_data()``,
because that function switches between 3-D and 2-D distances point by point
(and treats an elevation of 0 as missing), which would not agree with the
2-D distance reported; the rule is in :func:`read_gpx`'s Notes.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import gpxpy
import gpxpy.gpx
import numpy as np
import pandas as pd

from analysis.errors import RunlogError
from analysis.io import archive, xml_sniff
from analysis.io.base import ReadResult, log_row, read_source_bytes
from analysis.io.sports import classify_activity_name, classify_activity_type, untyped_sport
from analysis.io.table import column_key
from analysis.units import local_date, running_cadence_spm

#: GPX element / extension (local name) -> canonical samples column.
VARIABLE_MAP: dict[str, str] = {
    "time": "time",
    "ele": "altitude_m",
    "hr": "heart_rate_bpm",
    "heartrate": "heart_rate_bpm",
    "cad": "cadence_spm",
    "cadence": "cadence_spm",
    "speed": "speed_mps",
    "distance": "distance_m",  # used only when no point has a position (see read_gpx)
    "lat": "latitude_deg",
    "lon": "longitude_deg",
}

#: Strava's numeric ``<type>`` codes (Strava web GPX export). Only 9 is a run.
STRAVA_TYPE_CODES: dict[str, str] = {"1": "ride", "4": "hike", "9": "running", "10": "walk"}

#: Text ``<type>`` values (lower case, words joined by ``_``) -> canonical run sport.
SPORT_MAP: dict[str, str] = {
    "run": "running",
    "running": "running",
    "street_running": "running",
    "road_running": "running",
    "trail_run": "trail_running",
    "trail_running": "trail_running",
    "treadmill": "treadmill_running",
    "treadmill_running": "treadmill_running",
    "indoor_running": "treadmill_running",
    "track_run": "track_running",
    "track_running": "track_running",
    "virtual_run": "virtual_running",
    "virtual_running": "virtual_running",
    "ultra_run": "ultra_running",
    "ultra_running": "ultra_running",
}

#: The root's ``creator`` of the apps that write no ``<type>`` and name the track
#: ``YYYYMMDD <workout title>`` (:data:`DATED_NAME`): the Zepp App (``creator="Zepp App"``), ZeppLife
#: (``"ZeppLife App"``) and the Amazfit App (``"Amazfit App"``), matched case-insensitively.
DATED_NAME_CREATORS = re.compile(r"zepp|amazfit", re.IGNORECASE)
#: A Zepp / ZeppLife / Amazfit track name: the workout's date (``YYYYMMDD``), a space, its title.
DATED_NAME = re.compile(r"^(\d{8})\s+(\S.*)$", re.DOTALL)
#: Strava's default title, "<time of day> <activity type>" ("Afternoon Ride", "Morning Run"), whoever wrote
#: the file: Strava's own GPX export of an app-recorded activity has no ``<type>`` (``creator="strava.com
#: Android"``, "strava.com iPhone"), nor have the files other programs make from Strava's.
#: Only Strava's own activity type names count after the time of day, whole ("Morning Run", "Evening Walk",
#: "Lunch Ride"), so a title the user wrote in that shape ("Morning Rowntree Park loop") is not read.
STRAVA_DEFAULT_NAME = re.compile(
    r"^(?:Morning|Lunch|Afternoon|Evening|Night)\s+((?:Trail |Virtual |E-(?:Bike|Mountain Bike) |Mountain Bike |"
    r"Gravel |Nordic |Alpine |Backcountry )?(?:Run|Ride|Walk|Hike|Swim|Ski|Row|Workout))\s*$",
    re.IGNORECASE,
)

#: Intervals slower than this (m/s) count as stopped for ``moving_time_s``.
STOPPED_SPEED_MPS = 0.5

#: A point takes a file-level heart-rate sample (SportTracks ``st:heartRateTrack``) at most this
#: many seconds away from its own time.
FILE_HEART_RATE_TOLERANCE_S = 10.0

SOURCE = "gpx"
_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding=["']([A-Za-z0-9._-]+)["']""")
_EXTENSION_FIELDS = {"hr": "hr", "heartrate": "hr", "cad": "cad", "cadence": "cad", "speed": "speed",
                     "distance": "dist"}


def sniff(head: bytes, name: str = "") -> bool:
    """Tell whether the first bytes of a file are a GPX document.

    Parameters
    ----------
    head : bytes
        The first ~64 KiB of the file (gzip-compressed content is inflated).
    name : str, optional
        The file name (not needed: the content decides).

    Returns
    -------
    bool
        True when the root element is ``gpx``; when the head ends before the root element, a
        ``<gpx`` tag anywhere in it.
    """
    head = archive.gunzip_head_if_gzip(head, 64 * 1024)
    root = xml_sniff.root_name(head)
    return root == "gpx" if root is not None else re.search(rb"<(?:\w+:)?gpx[\s>]", head) is not None


def read_gpx(
    source: str | Path | bytes,
    *,
    tz: str | None = None,
    name: str | None = None,
    positions: bool = False,
) -> ReadResult:
    """Read a GPX track into canonical runs, samples and import log.

    Parameters
    ----------
    source : str, Path or bytes
        Path of a ``.gpx`` or gzip-compressed ``.gpx.gz`` file, or its content
        (gzip is detected by its magic bytes).
    tz : str, optional
        IANA time zone of the runner, for the local ``date`` when the times
        carry no UTC offset other than ``Z`` (the usual case). Default UTC.
    name : str, optional
        File name written to the import log when ``source`` is bytes.
    positions : bool, default False
        Add ``latitude_deg`` and ``longitude_deg`` (degrees) to the samples.

    Returns
    -------
    ReadResult
        At most one run; its samples (one row per timed trackpoint); one
        import-log row (imported or not_a_run, ``row`` = NA). A file with no
        track points but a route (``<rte>``) or waypoints is ``not_a_run``.

    Raises
    ------
    RunlogError
        When the file cannot be read, is not GPX, has no track points (and no
        route or waypoints) or no timestamps (a planned route rather than a recorded activity).

    Notes
    -----
    * ``distance_m``: 2-D great-circle length of the track summed over all
      segments, as gpxpy's ``GPX.length_2d()`` gives; the gaps between
      segments are not counted. It is computed from the positions, not read.
      A point off the globe (``|lat| > 90`` or ``|lon| > 180``: the pause and
      resume markers ``lat="100"``/``"200"`` of MyTracks and older OpenTracks,
      a watch's "no fix") has no position: the distance runs from the last
      point before it to the next one on the globe. When no point has a position, the
      distance is the last value of the points' own running total (COROS's ``<distance>``
      extension, ClueTrust's ``gpxdata:distance``), which then also gives the samples'
      distance, speed and the moving time (the log says so); else it is unknown (NA).
    * ``start_time``: first timed point (UTC; GPX times are UTC, a time
      without an offset is taken as UTC). ``elapsed_time_s``: last minus
      first point time.
    * ``moving_time_s``: sum of the time between consecutive points of the
      same segment whose 2-D speed is at least 0.5 m/s
      (:data:`STOPPED_SPEED_MPS`). Pauses (auto-pause gaps, standing) and the
      gaps between segments are left out.
    * Sport from the first ``trk/type``: Strava's numeric code ``9`` is a run,
      other codes (1 ride, 4 hike, 10 walk, ...) are not; text types
      (``run``, ``Running``, ``TrailRun``, ``trail_running``...) are mapped by
      :data:`SPORT_MAP`, else (a type in the user's language: older OpenTracks
      exports write the user's own category, ``Laufen``, ``Course à pied``,
      ``Hardlopen``) by :func:`analysis.io.sports.classify_activity_type`, the
      matcher of Garmin Connect's translated types, and the log says so. With no ``<type>`` the file is assumed to be a run
      (and the log says so) unless it averages more than 7 m/s
      (:data:`analysis.io.sports.MAX_RUN_SPEED_MPS`) over its moving time, the
      rule the TCX reader applies to ``Sport="Other"``
      (:func:`analysis.io.sports.untyped_sport`). Two track names say the sport of an untyped
      track, and the log says what was taken from them: the Zepp, ZeppLife and Amazfit apps name
      it ``YYYYMMDD <sport in the phone's language>`` ("20230522 Jazda na rowerze", a ride, is not
      a run; "20240501 Outdoor Running" is running), and Strava's default title is "<time of day>
      <sport>" ("Afternoon Ride", "Morning Run"; only Strava's own type names after the time of
      day, :data:`STRAVA_DEFAULT_NAME`); words are matched whole
      (:func:`analysis.io.sports.classify_activity_name`). A name that names a run still goes
      through the 7 m/s rule; one naming no known sport (a title the user typed) leaves the speed
      rule alone to decide. Any other name is never read for a sport (see :func:`_untyped_sport`).
    * ``avg_heart_rate_bpm``: mean of ``hr``/``heartrate`` extension values; 0 (COROS writes it
      where the watch had no reading) is none measured, as ``-nan`` is. SportTracks and
      the programs that write its GPX (a-rival SpoQ, ErgoControl) keep the heart rate apart
      from the track, in the file's ``<extensions><st:activity><st:heartRateTrack>`` as
      ``<st:heartRate time=... bpm=...>``: a point without a heart rate of its own takes
      that track's sample nearest in time, when one is within
      :data:`FILE_HEART_RATE_TOLERANCE_S` (the log says how many points did).
      ``avg_cadence_spm``: mean of non-zero ``cad``/``cadence`` values x 2:
      Garmin's TrackPointExtension cadence is strides/min for running
      (FORMATS.md, "Cadence units, once more"), as Strava writes it too; values
      already a step rate (90th percentile 130/min or more) are kept as they are
      (:func:`analysis.units.running_cadence_spm`) and the log says so.
    * ``elevation_gain_m``: gpxpy's ``get_uphill_downhill()`` (per segment,
      3-point weighted smoothing, points without ``<ele>`` skipped); NA when
      no point has an elevation.
    * ``name``: ``trk/name`` (else ``metadata/name``); ``description``:
      ``trk/desc``.

    Samples: ``time``, ``elapsed_s`` (s since the first point),
    ``distance_m`` (cumulative 2-D length), ``speed_mps`` (a ``speed``
    extension where present, else the 2-D step length over the time step
    within the segment), ``heart_rate_bpm``, ``cadence_spm`` (steps/min),
    ``altitude_m``. Points without a time are counted in the distance but
    left out of the samples (the log says how many).

    ``activity_id`` is ``gpx:`` + the first 12 hex digits of the SHA-1 of the
    (inflated) file content.

    References
    ----------
    GPX 1.1 schema, https://www.topografix.com/GPX/1/1/ ; Garmin
    TrackPointExtension v1/v2, https://www8.garmin.com/xmlschemas/TrackPointExtensionv2.xsd ;
    gpxpy, https://github.com/tkrajina/gpxpy
    """
    raw, label = read_source_bytes(source, name)
    # bounded: a .gz may be a decompression bomb; a damaged one is refused
    data, _ = archive.gunzip_if_gzip(raw, label=label, keep_partial=False)
    gpx, notes = _parse(data, label)
    points = _points(gpx)
    if points.empty:
        planned = _planned_only(gpx)
        if planned:  # a route or a list of places made to follow: nothing was recorded
            return ReadResult.build(log_rows=[log_row(label, "not_a_run", planned, source=SOURCE)])
        if gpx.tracks:  # Garmin Connect writes a run without GPS (treadmill, indoor) as an empty <trkseg/>
            raise RunlogError("no track points in the GPX file (an activity recorded without GPS, e.g. on a "
                              "treadmill, is exported with an empty track: give its FIT file or the Garmin CSV "
                              "instead)", path=label)
        raise RunlogError("no track points in the GPX file", path=label)
    no_reading = points["hr"].le(0)  # COROS writes <heartrate>0</heartrate> where it had no reading
    if no_reading.any():
        points.loc[no_reading, "hr"] = np.nan
        notes.append(f"heart rate 0 at {int(no_reading.sum())} point(s): taken as none measured")
    hr_note = _fill_file_heart_rate(points, _file_heart_rate(gpx))
    device_distance, distance_note = _device_distance(points)
    notes.extend(note for note in (hr_note, distance_note) if note)
    timed = points[points["time"].notna()].reset_index(drop=True)
    if timed.empty:
        raise RunlogError(
            "no timestamps in the track (a planned route, not a recorded activity?)", path=label
        )
    if len(timed) < len(points):
        notes.append(f"{len(points) - len(timed)} of {len(points)} points have no time: left out of the samples")
    timed["cad"], cadence_note = running_cadence_spm(timed["cad"])  # from here on steps/min
    if cadence_note:
        notes.append(cadence_note)

    activity_id = f"{SOURCE}:{hashlib.sha1(data).hexdigest()[:12]}"
    run = _summary(gpx, points, timed, device_distance)
    sport, sport_note = _sport(_track_type(gpx), run, gpx.creator)
    if sport is None:
        return ReadResult.build(log_rows=[log_row(label, "not_a_run", sport_note, source=SOURCE)])
    if sport_note:
        notes.insert(0, sport_note)

    run.update(
        activity_id=activity_id,
        date=_date(timed["time"].iloc[0], timed["offset"].iloc[0], tz),
        sport=sport,
        source=SOURCE,
        source_file=label,
    )
    reason = "; ".join([f"{len(timed)} trackpoints", *notes])
    log = [log_row(label, "imported", reason, activity_id=activity_id, source=SOURCE)]
    samples = _samples(timed, activity_id, positions)
    return ReadResult.build(runs=pd.DataFrame([run]), samples=samples, log_rows=log)


def _decode(data: bytes) -> str:
    """XML text: UTF-8 (with or without BOM), else the encoding the declaration names."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        declared = _ENCODING.match(data)
        encoding = declared.group(1).decode("ascii") if declared else "latin-1"
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            return data.decode("latin-1")


def _parse(data: bytes, label: str) -> tuple[gpxpy.gpx.GPX, list[str]]:
    """The parsed file, read as GPX 1.1 whatever version it declares, and notes for the log.

    gpxpy reads a point's ``<extensions>`` (heart rate, cadence, speed), a track's ``<type>`` and
    the file's ``<extensions>`` only when the root's ``version`` is exactly ``"1.1"``; any other
    value reads the file by GPX 1.0's rules, which have none of them. Apps write other values: the
    Zepp App its own version (``version="7.7.5-play"``), the ZeppLife and Amazfit apps theirs
    (``6.8.1``, ``4.3.0``), COROS no version at all (with the GPX 1.0 namespace and ``<heartrate>``
    in ``<extensions>``); their heart rate, cadence and type were lost. Such a file is read again
    as GPX 1.1; the name a GPX 1.0 file keeps on its root (``<gpx><name>``) is kept.
    """
    text = _decode(data)
    if re.search(r"<(?:\w+:)?gpx[\s>]", text[:65536]) is None:
        raise RunlogError("not a GPX file (no <gpx> element)", path=label)
    # gpxpy re-encodes the text as UTF-8, so the declaration must not say otherwise
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1)
    try:
        gpx = gpxpy.parse(text)
        if gpx.version == "1.1":
            return gpx, []
        declared = gpx.version
        as_11 = gpxpy.parse(text, version="1.1")
    except (gpxpy.gpx.GPXException, ValueError) as exc:
        reason = " ".join(str(exc).split())[:200]
        raise RunlogError(f"not readable as GPX ({reason})", path=label) from exc
    as_11.name = as_11.name or gpx.name  # GPX 1.0 keeps the file's name on the root
    as_11.description = as_11.description or gpx.description
    notes = []
    if declared is not None and declared.strip() not in ("1.0", "1.1"):
        notes.append(f"the file declares version {declared!r}, not a GPX version (an app's own): read as GPX 1.1")
    return as_11, notes


def _planned_only(gpx: gpxpy.gpx.GPX) -> str | None:
    """Why a GPX file without track points is not a run, when it holds a route or waypoints; else None.

    A ``<rte>`` is a planned course (route points, no recording) and ``<wpt>`` are
    places; planners, route builders and a watch's course export write them.
    """
    route_points = sum(len(route.points) for route in gpx.routes)
    if route_points:
        return (f"a planned route ({len(gpx.routes)} route(s), {route_points} route points), "
                "not a recorded activity")
    if gpx.waypoints:
        return f"only waypoints ({len(gpx.waypoints)}), not a recorded activity"
    return None


def _local(tag) -> str:
    return tag.rpartition("}")[2].lower() if isinstance(tag, str) else ""


def _extensions(point: gpxpy.gpx.GPXTrackPoint) -> dict[str, float]:
    """hr, cad and speed from a point's extensions, any namespace prefix."""
    found: dict[str, float] = {}
    for extension in point.extensions:
        for element in extension.iter():
            key = _EXTENSION_FIELDS.get(_local(element.tag))
            if key is not None and key not in found:
                try:
                    found[key] = float((element.text or "").strip())
                except ValueError:
                    continue
    return found


def _points(gpx: gpxpy.gpx.GPX) -> pd.DataFrame:
    """One row per track point with the 2-D step from the previous point of its segment."""
    rows = []
    segment_index = 0
    for track in gpx.tracks:
        for segment in track.segments:
            previous = None
            for point in segment.points:
                placed = _plausible_position(point)
                step_m = point.distance_2d(previous) if placed and previous is not None else 0.0
                time = point.time
                offset = time.utcoffset() if time is not None and time.tzinfo is not None else None
                rows.append(
                    {
                        "segment": segment_index,
                        "time": time,
                        "offset": offset,
                        "lat": point.latitude if placed else np.nan,
                        "lon": point.longitude if placed else np.nan,
                        "ele": point.elevation,
                        "step_m": step_m or 0.0,
                        **_extensions(point),
                    }
                )
                previous = point if placed else previous
            segment_index += 1
    columns = ["segment", "time", "offset", "lat", "lon", "ele", "step_m", "hr", "cad", "speed", "dist"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["time"] = pd.to_datetime(frame["time"], utc=True)
    for column in ("lat", "lon", "ele", "step_m", "hr", "cad", "speed", "dist"):
        frame[column] = pd.to_numeric(frame[column]).astype("float64")
    frame["distance_m"] = frame["step_m"].cumsum()
    frame["step_s"] = _time_steps(frame)
    frame["derived_speed"] = frame["step_m"] / frame["step_s"].where(frame["step_s"] > 0)
    return frame


def _file_heart_rate(gpx: gpxpy.gpx.GPX) -> pd.Series:
    """Heart-rate samples (bpm, indexed by UTC time) kept at the file level, apart from the track.

    SportTracks' GPX (``xmlns:st="urn:uuid:D0EB2ED5-..."``, also written by a-rival SpoQ and
    ErgoControl) puts them in ``<gpx><extensions><st:activity><st:heartRateTrack>`` as
    ``<st:heartRate time="2013-09-29T09:36:22Z" bpm="103"/>``. Samples with an unreadable time
    or a bpm that is not a positive number are skipped. Empty when the file has none.
    """
    times, values = [], []
    for extension in gpx.extensions:
        for element in extension.iter():
            if _local(element.tag) != "heartrate":
                continue
            bpm = pd.to_numeric(element.get("bpm"), errors="coerce")
            time = pd.to_datetime(element.get("time"), utc=True, errors="coerce")
            if pd.notna(bpm) and bpm > 0 and pd.notna(time):
                times.append(time)
                values.append(float(bpm))
    series = pd.Series(values, index=pd.DatetimeIndex(times, tz="UTC"), dtype="float64")
    return series[~series.index.duplicated()].sort_index()


def _fill_file_heart_rate(points: pd.DataFrame, heart_rate: pd.Series) -> str:
    """Give each timed point without a heart rate the nearest file-level sample (in place); a log note.

    A sample counts when it is at most :data:`FILE_HEART_RATE_TOLERANCE_S` seconds from the
    point. Returns "" when the file has no such samples.
    """
    if heart_rate.empty:
        return ""
    wanted = points["hr"].isna() & points["time"].notna()
    if not wanted.any():
        return f"{len(heart_rate)} heart-rate samples of the file's heartRateTrack not used (the points have their own)"
    left = points.loc[wanted, ["time"]].reset_index().sort_values("time")
    right = pd.DataFrame({"time": heart_rate.index, "file_hr": heart_rate.to_numpy()})
    left["time"] = left["time"].astype(right["time"].dtype)
    joined = pd.merge_asof(left, right, on="time", direction="nearest",
                           tolerance=pd.Timedelta(seconds=FILE_HEART_RATE_TOLERANCE_S))
    filled = joined.dropna(subset=["file_hr"])
    points.loc[filled["index"].to_numpy(), "hr"] = filled["file_hr"].to_numpy()
    return (f"heart rate of {len(filled)} of {int(wanted.sum())} timed points from the file's "
            f"heartRateTrack ({len(heart_rate)} samples, SportTracks layout)")


def _device_distance(points: pd.DataFrame) -> tuple[bool, str]:
    """Whether the points' own running total of distance stands in for the positions (in place), and a log note.

    COROS writes the watch's cumulative distance (m) in each point's extensions, unprefixed beside
    ``<heartrate>`` (``<extensions><heartrate>96</heartrate><distance>8</distance>...``; ClueTrust's
    GPXDATA calls it ``gpxdata:distance``, matched alike). It is used only when no point has a
    position on the globe (a watch without a fix), where the distance was otherwise unknown: the
    run's distance is its last value (as TCX's last ``DistanceMeters``), the samples' ``distance_m``
    its values, and the steps between them give the speed and the moving time. A total that
    decreases is not a running total and is not used.
    """
    if points["lat"].notna().any() or not points["dist"].max() > 0:  # none, or all 0: no distance known
        return False, ""
    total = points["dist"]
    if not total.dropna().is_monotonic_increasing:
        return False, "the points' distance extension decreases (not a running total): not used"
    step = total.ffill().diff().where(points["segment"].eq(points["segment"].shift()))
    points["step_m"] = step.fillna(0.0)
    points["distance_m"] = total
    points["derived_speed"] = points["step_m"] / points["step_s"].where(points["step_s"] > 0)
    return True, (f"no point has a position: distance from the points' own running total "
                  f"(<distance> extension, {total.max():.0f} m)")


def _plausible_position(point: gpxpy.gpx.GPXTrackPoint) -> bool:
    """Whether a point's latitude and longitude are on the globe (|lat| <= 90, |lon| <= 180).

    MyTracks and older OpenTracks exports mark a pause with ``lat="100"`` and the resume with
    ``lat="200"``, and some watches write 200 for "no fix": such a point keeps its time and
    values but has no position, so no distance is counted to or from it.
    """
    lat, lon = point.latitude, point.longitude
    return lat is not None and lon is not None and abs(lat) <= 90 and abs(lon) <= 180


def _time_steps(points: pd.DataFrame) -> pd.Series:
    """Seconds since the previous point of the same segment (NaN at a segment's start)."""
    step = points["time"].diff().dt.total_seconds()
    return step.where(points["segment"].eq(points["segment"].shift()))


def _summary(gpx: gpxpy.gpx.GPX, points: pd.DataFrame, timed: pd.DataFrame, device_distance: bool = False) -> dict:
    """Run-level figures (see ``read_gpx`` Notes)."""
    # gpxpy's length_2d() over the points on the globe; with none on it the device's own running total where the
    # points carry one (COROS), else the distance is unknown, not 0
    if points["lat"].notna().any():
        distance_m = float(points["step_m"].sum())
    else:
        distance_m = float(points["dist"].max()) if device_distance else np.nan
    step_s = points["step_s"]
    moving = step_s.gt(0) & points["derived_speed"].ge(STOPPED_SPEED_MPS)
    cadence = timed["cad"][timed["cad"] > 0]
    has_ele = points["ele"].notna().any()
    first_track = gpx.tracks[0] if gpx.tracks else None
    name = (first_track.name if first_track else None) or gpx.name
    description = first_track.description if first_track else None
    return {
        "start_time": timed["time"].iloc[0],
        "name": (name or "").strip() or pd.NA,
        "description": (description or "").strip() or pd.NA,
        "distance_m": distance_m,
        "moving_time_s": float(step_s[moving].sum()),
        "elapsed_time_s": (timed["time"].iloc[-1] - timed["time"].iloc[0]).total_seconds(),
        "avg_heart_rate_bpm": float(timed["hr"].mean()) if timed["hr"].notna().any() else np.nan,
        "avg_cadence_spm": float(cadence.mean()) if len(cadence) else np.nan,  # timed["cad"] is steps/min
        "elevation_gain_m": float(gpx.get_uphill_downhill().uphill) if has_ele else np.nan,
    }


def _track_type(gpx: gpxpy.gpx.GPX) -> str | None:
    for track in gpx.tracks:
        if track.type and track.type.strip():
            return track.type.strip()
    return None


def _normalise(text: str) -> str:
    """``TrailRun`` / ``Trail Run`` / ``trail-run`` -> ``trail_run`` (CamelCase split, then :func:`column_key`)."""
    return column_key(re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text.strip()))


def _sport(track_type: str | None, run: dict, creator: str | None = None) -> tuple[str | None, str]:
    """Canonical sport (None when not a run) and a note for the log."""
    if track_type is None:
        return _untyped_sport(run, creator)
    if track_type.isdigit():
        code = STRAVA_TYPE_CODES.get(track_type)
        if code == "running":
            return "running", ""
        label = f"Strava type {track_type}" + (f" ({code})" if code else "")
        return None, f"sport {label} is not a run"
    sport = SPORT_MAP.get(_normalise(track_type))
    if sport is not None:
        return sport, ""
    return _sport_in_any_language(track_type)


def _untyped_sport(run: dict, creator: str | None) -> tuple[str | None, str]:
    """Sport of a track without ``<type>``: by its name where the name is known to carry the sport, else speed.

    The name counts in two shapes only (a title the user typed is never read for a sport):

    * a Zepp, ZeppLife or Amazfit app's track (:data:`DATED_NAME_CREATORS`) named
      ``YYYYMMDD <title>`` (:data:`DATED_NAME`): the title is the workout's sport in the phone's
      language ("Outdoor Running", "Jazda na rowerze") unless the user renamed it;
    * Strava's default title "<time of day> <sport>" (:data:`STRAVA_DEFAULT_NAME`), in English.

    Their words go through :func:`analysis.io.sports.classify_activity_name` (whole words of the
    multilingual type table). Another sport is not a run; a run is that run sport, unless it
    averages more than 7 m/s (a name is weaker than a type: the speed rule still applies); words
    naming no sport, or a run and another sport at once, leave the speed rule
    (:func:`analysis.io.sports.untyped_sport`) to decide, and the log says what the name said.
    """
    distance, moving, elapsed = run["distance_m"], run["moving_time_s"], run["elapsed_time_s"]
    name = run["name"] if isinstance(run["name"], str) else ""
    words, whose = _sport_words(name, creator or "")
    if words is None:
        return untyped_sport(distance, moving, elapsed)
    sport, how, said = classify_activity_name(words)
    where = f"track name {name!r} ({whose})"
    if how == "not_run":
        return None, f"{where} names another sport ({said}), not a run"
    if sport is not None:
        checked, note = untyped_sport(distance, moving, elapsed, why=f"no activity type in file; {where} says {said}")
        if checked is None:
            return None, note
        return sport, f"sport {sport} from the {where}: {said!r}"
    if how == "mixed":
        why = f"no activity type in file; {where} names a run and another sport ({said})"
    else:
        why = f"no activity type in file; {where} names no sport runlog knows"
    return untyped_sport(distance, moving, elapsed, why=why)


def _sport_words(name: str, creator: str) -> tuple[str | None, str]:
    """The words of a track name that carry its sport, and whose naming rule they follow; (None, "") for neither."""
    dated = DATED_NAME.match(name)
    if dated and DATED_NAME_CREATORS.search(creator) and pd.notna(
            pd.to_datetime(dated.group(1), format="%Y%m%d", errors="coerce")):
        return dated.group(2), f"{creator.strip()} writes the sport there, no <type>"
    default = STRAVA_DEFAULT_NAME.match(name)
    if default:
        return default.group(1), "Strava's default title, no <type>"
    return None, ""


def _sport_in_any_language(track_type: str) -> tuple[str | None, str]:
    """A ``<type>`` in the user's language (OpenTracks writes the user's own category: ``Laufen``)."""
    sport, how = classify_activity_type(track_type)
    if sport is None:
        return None, f"sport {track_type} is not a run"
    why = "a running type in another language" if how == "table" else "it has a running word in it"
    return sport, f"type {track_type} taken as {sport} ({why})"


def _date(start: pd.Timestamp, offset, tz: str | None) -> pd.Timestamp:
    """Local date from the time's own non-zero UTC offset, else in ``tz``."""
    if offset is not None and not pd.isna(offset) and pd.Timedelta(offset) != pd.Timedelta(0):
        return (start.tz_localize(None) + pd.Timedelta(offset)).normalize()
    return local_date(pd.Series([start]), tz).iloc[0]


def _samples(timed: pd.DataFrame, activity_id: str, positions: bool) -> pd.DataFrame:
    """Canonical samples of the timed points: renamed by :data:`VARIABLE_MAP`, then units."""
    points = timed.rename(columns=VARIABLE_MAP)
    frame = pd.DataFrame(
        {
            "activity_id": activity_id,
            "time": points["time"],
            "elapsed_s": (points["time"] - points["time"].iloc[0]).dt.total_seconds(),
            "distance_m": points["distance_m"],
            "speed_mps": points["speed_mps"].fillna(points["derived_speed"]),
            "heart_rate_bpm": points["heart_rate_bpm"],
            "cadence_spm": points["cadence_spm"],  # steps/min already (running_cadence_spm in read_gpx)
            "altitude_m": points["altitude_m"],
        }
    )
    if positions:
        frame["latitude_deg"] = points["latitude_deg"]
        frame["longitude_deg"] = points["longitude_deg"]
    return frame

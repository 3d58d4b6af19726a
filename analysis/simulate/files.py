"""Activity files of a simulated run: FIT (Garmin's FIT SDK) and GPX (gpxpy).

* FIT: encoded with ``garmin_fit_sdk.Encoder`` (never hand-written bytes).
  Messages: file_id, device_info, event (timer start/stop), the records (a
  record every 1-5 s, auto-pause off: timestamp, distance, enhanced_speed,
  enhanced_altitude, heart_rate, cadence + fractional_cadence in strides/min,
  stance_time, vertical_oscillation, step_length, vertical_ratio), a lap per
  km, session, and activity whose ``local_timestamp`` carries the run's UTC
  offset. No positions: runlog needs none, and none are invented.
* GPX: phone-app runs in Strava's style (``creator="StravaGPX"``,
  ``<type>9</type>``, ``gpxtpx:hr`` and ``gpxtpx:cad`` in strides/min). GPX needs
  positions: the track circles a made-up point in the open North Sea
  (55.4 N, 4.6 E), so no real place is revealed, and its length matches the
  run's distance.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from xml.etree import ElementTree

import gpxpy.gpx
import numpy as np
import pandas as pd
from garmin_fit_sdk import Encoder, Profile

FIT_EPOCH = pd.Timestamp("1989-12-31", tz="UTC")
GPX_CENTRE = (55.4, 4.6)
EARTH_RADIUS_M = 6_371_000.0
_MESG = Profile["mesg_num"]


def _fit_time(ts: pd.Timestamp) -> int:
    """Seconds since the FIT epoch (1989-12-31 00:00 UTC)."""
    return int((ts - FIT_EPOCH).total_seconds())


def _lap_bounds(distance: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) record index of each 1 km auto-lap."""
    km = np.floor(distance / 1000.0).astype(int)
    cuts = list(np.flatnonzero(np.diff(km) > 0) + 1)
    starts = [0, *cuts]
    ends = [c - 1 for c in cuts] + [len(distance) - 1]
    return [(int(s), int(e)) for s, e in zip(starts, ends, strict=True) if e >= s]


def _mean(a: np.ndarray) -> float | None:
    a = a[np.isfinite(a) & (a > 0)]
    return float(a.mean()) if len(a) else None


def fit_bytes(run: Mapping, rec: Mapping[str, np.ndarray], serial: int) -> bytes:
    """One run as a FIT activity file (uncompressed bytes), via Garmin's FIT SDK encoder."""
    start = _fit_time(run["start_time"])
    offset_s = int(run["start_local"].utcoffset().total_seconds())
    n = len(rec["elapsed_s"])
    secs = rec["elapsed_s"].astype(int)
    end = start + int(secs[-1])
    enc = Encoder()
    enc.write_mesg({"mesg_num": _MESG["FILE_ID"], "type": "activity", "manufacturer": "development",
                    "product": 0, "serial_number": serial, "time_created": start})
    enc.write_mesg({"mesg_num": _MESG["DEVICE_INFO"], "timestamp": start, "device_index": "creator",
                    "manufacturer": "development", "product": 0, "serial_number": serial,
                    "software_version": 1.0})
    enc.write_mesg({"mesg_num": _MESG["EVENT"], "timestamp": start, "event": "timer", "event_type": "start",
                    "event_group": 0})
    cad = rec["cadence_spm"]
    for i in range(n):
        strides = cad[i] / 2.0
        mesg = {"mesg_num": _MESG["RECORD"], "timestamp": start + int(secs[i]), "distance": float(rec["distance_m"][i]),
                "enhanced_speed": float(rec["speed_mps"][i]), "enhanced_altitude": float(rec["altitude_m"][i]),
                "heart_rate": int(rec["heart_rate_bpm"][i]), "cadence": int(strides),
                "fractional_cadence": float(strides - int(strides))}
        if math.isfinite(rec["stance_time_ms"][i]):
            mesg.update({"stance_time": float(rec["stance_time_ms"][i]),
                         "vertical_oscillation": float(rec["vertical_oscillation_mm"][i]),
                         "step_length": float(rec["step_length_mm"][i]),
                         "vertical_ratio": float(rec["vertical_ratio_pct"][i])})
        enc.write_mesg(mesg)
    enc.write_mesg({"mesg_num": _MESG["EVENT"], "timestamp": end, "event": "timer", "event_type": "stop_all",
                    "event_group": 0})
    laps = _lap_bounds(rec["distance_m"])
    prev_dist = 0.0
    for k, (a, b) in enumerate(laps):
        seg = slice(a, b + 1)
        lap_start = int(secs[a - 1]) if a else 0
        dur = float(secs[b] - lap_start)
        lap_cad = _mean(cad[seg])
        enc.write_mesg({
            "mesg_num": _MESG["LAP"], "message_index": k, "timestamp": start + int(secs[b]),
            "start_time": start + lap_start,
            "event": "lap", "event_type": "stop",
            "lap_trigger": "distance" if k < len(laps) - 1 else "session_end",
            "total_elapsed_time": dur, "total_timer_time": dur,
            "total_distance": float(rec["distance_m"][b]) - prev_dist,
            "avg_heart_rate": int(round(_mean(rec["heart_rate_bpm"][seg]) or 0)),
            "avg_cadence": int(lap_cad / 2) if lap_cad else 0, "sport": "running",
        })
        prev_dist = float(rec["distance_m"][b])
    elapsed = float(run["elapsed_time_s"])
    mean_cad = _mean(cad) or 0.0
    session = {
        "mesg_num": _MESG["SESSION"], "message_index": 0, "timestamp": end, "start_time": start,
        "event": "session", "event_type": "stop", "trigger": "activity_end",
        "sport": "running", "sub_sport": "generic",
        "total_elapsed_time": elapsed, "total_timer_time": elapsed,
        "total_distance": float(run["distance_m"]),
        "enhanced_avg_speed": float(run["distance_m"]) / elapsed,
        "enhanced_max_speed": float(np.max(rec["speed_mps"])),
        "avg_heart_rate": int(round(_mean(rec["heart_rate_bpm"]) or 0)),
        "max_heart_rate": int(np.max(rec["heart_rate_bpm"])),
        "avg_cadence": int(mean_cad / 2), "avg_fractional_cadence": round(mean_cad / 2 % 1 * 128) / 128,
        "total_ascent": int(round(run["elevation_gain_m"])),
        "num_laps": len(laps), "first_lap_index": 0,
    }
    if np.isfinite(rec["stance_time_ms"]).any():
        session.update({"avg_stance_time": _mean(rec["stance_time_ms"]),
                        "avg_vertical_oscillation": _mean(rec["vertical_oscillation_mm"]),
                        "avg_step_length": _mean(rec["step_length_mm"])})
    enc.write_mesg(session)
    enc.write_mesg({"mesg_num": _MESG["ACTIVITY"], "timestamp": end, "total_timer_time": elapsed,
                    "num_sessions": 1, "type": "manual", "event": "activity", "event_type": "stop",
                    "local_timestamp": end + offset_s})
    return enc.close()


def _loop_position(distance_m: np.ndarray, loop_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude (deg) at each distance along a circle of circumference ``loop_m``."""
    radius = loop_m / (2 * np.pi)
    theta = 2 * np.pi * distance_m / loop_m
    lat0 = np.radians(GPX_CENTRE[0])
    dlat = radius * np.sin(theta) / EARTH_RADIUS_M
    dlon = radius * (1 - np.cos(theta)) / (EARTH_RADIUS_M * np.cos(lat0))
    return GPX_CENTRE[0] + np.degrees(dlat), GPX_CENTRE[1] + np.degrees(dlon)


def gpx_text(run: Mapping, rec: Mapping[str, np.ndarray]) -> str:
    """One run as a Strava-style GPX 1.1 document (gpxpy), hr and cad (strides/min) in gpxtpx."""
    ns = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "StravaGPX"
    gpx.nsmap["gpxtpx"] = ns
    gpx.time = run["start_time"].to_pydatetime()
    track = gpxpy.gpx.GPXTrack(name=run["name"])
    track.type = "9"
    seg = gpxpy.gpx.GPXTrackSegment()
    lat, lon = _loop_position(rec["distance_m"], float(run["loop_m"]))
    t0 = run["start_time"].to_pydatetime()
    for i in range(len(lat)):
        point = gpxpy.gpx.GPXTrackPoint(round(float(lat[i]), 7), round(float(lon[i]), 7),
                                        elevation=float(rec["altitude_m"][i]),
                                        time=datetime.fromtimestamp(t0.timestamp() + float(rec["elapsed_s"][i]),
                                                                          tz=t0.tzinfo))
        ext = ElementTree.Element(f"{{{ns}}}TrackPointExtension")
        ElementTree.SubElement(ext, f"{{{ns}}}hr").text = str(int(rec["heart_rate_bpm"][i]))
        ElementTree.SubElement(ext, f"{{{ns}}}cad").text = str(int(rec["cadence_spm"][i] // 2))
        point.extensions.append(ext)
        seg.points.append(point)
    track.segments.append(seg)
    gpx.tracks.append(track)
    return gpx.to_xml(version="1.1")

"""Polar Flow reader: the real sessions (reference values of data/README-sources.md), the older shape,
multisport sessions and damaged values."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pandas as pd
import pytest

from analysis.errors import RunlogError
from analysis.ingest import read_sources
from analysis.io.polar import read_polar, sniff


@pytest.fixture(scope="module")
def polar(shared_data):
    return shared_data / "polar_flow"


def test_running_recent_reference_values(polar):
    result = read_polar(polar / "running-recent.json", tz="Asia/Tokyo", positions=True)
    run = result.runs.iloc[0]
    assert run["name"] == "Running" and run["sport"] == "running"
    # 2026-05-23T10:46:22 local, offset -420 min: 17:46:22Z; the local date, whatever tz says
    assert run["start_time"] == pd.Timestamp("2026-05-23T17:46:22Z")
    assert run["date"] == pd.Timestamp("2026-05-23")
    assert run["moving_time_s"] == pytest.approx(1385.27)
    assert run["distance_m"] == 3349.75390625
    assert pd.isna(run["avg_heart_rate_bpm"])  # no hrAvg/hrMax keys: no data
    s = result.samples
    doc = json.loads((polar / "running-recent.json").read_text())
    streams = {x["type"]: x["values"] for x in doc["exercises"][0]["samples"]["samples"]}
    assert len(streams["DISTANCE"]) == 1384 and streams["DISTANCE"][:2] == [None, None]
    assert s["distance_m"].iloc[:2].isna().all() and s["distance_m"].iloc[2] == pytest.approx(2.2948434352874756)
    speeds = np.array([v for v in streams["SPEED"] if v is not None]) / 3.6  # km/h -> m/s
    assert s["speed_mps"].dropna().sum() == pytest.approx(speeds.sum())
    assert s["latitude_deg"].notna().sum() == 1383  # the route's way points


def test_running_large_hr_zero_is_no_data(polar):
    result = read_polar(polar / "running-large.json")
    run = result.runs.iloc[0]
    assert run["start_time"] == pd.Timestamp("2025-08-17T00:12:22Z")
    assert run["date"] == pd.Timestamp("2025-08-16")  # local evening, UTC next day
    assert run["moving_time_s"] == pytest.approx(4455.001)
    assert run["distance_m"] == 11280.54296875
    assert pd.isna(run["avg_heart_rate_bpm"])  # hrAvg 0 and a stream of 4455 nulls: no strap
    assert len(result.samples) >= 4455 and result.samples["heart_rate_bpm"].isna().all()
    assert "latitude_deg" not in result.samples  # positions only when asked for


def test_other_indoor_is_not_a_run(polar):
    result = read_polar(polar / "indoor-tiny.json")
    assert result.runs.empty
    assert result.log["status"].tolist() == ["not_a_run"]
    assert "sport id 83 (Other indoor)" in result.log["reason"].iloc[0]


def test_folder_and_zip_by_content(polar, tmp_path):
    for source in (polar, _zip(polar)):
        result = read_polar(source, name="polar.zip")
        assert len(result.runs) == 2 and (result.log["status"] == "not_a_run").sum() == 1
    assert sniff((polar / "running-recent.json").read_bytes()[:65536], "whatever.txt")
    assert not sniff(b'[{"logId": 1, "activityName": "Run", "startTime": "03/28/20 23:17:51"}]')
    (tmp_path / "p.zip").write_bytes(_zip(polar))
    (tmp_path / "activity-2025-08-16.json").write_text('{"date": "2025-08-16", "summary": {"steps": 9000}}')
    loaded = read_sources([tmp_path], tz="UTC")
    assert len(loaded.runs) == 2 and set(loaded.runs["source"]) == {"polar"}
    # the indoor session, the account file in the zip, the daily activity file beside it
    assert (loaded.log["status"] == "not_a_run").sum() == 3


def _zip(folder) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.glob("*.json")):
            zf.write(p, f"polar-user-data-export/training-session-2025-{p.stem}.json")
        zf.writestr("polar-user-data-export/account-data.json", '{"username": "x"}')
    return buf.getvalue()


OLDER = """{
  "exportVersion": "1.3", "name": "Treadmill running",
  "startTime": "2019-05-02T17:20:35.000", "stopTime": "2019-05-02T18:21:00.500",
  "timeZoneOffset": 120, "distance": 10000.0, "duration": "PT3625.5S",
  "exercises": [{
    "startTime": "2019-05-02T17:20:35.000", "timezoneOffset": 120, "duration": "PT3625.5S",
    "distance": 10000.0, "sport": "TREADMILL_RUNNING", "ascent": 12.0,
    "heartRate": {"min": 90, "avg": 148, "max": 171},
    "cadence": {"avg": 84, "max": 90},
    "samples": {
      "heartRate": [{"dateTime": "2019-05-02T17:20:35.000", "value": 120},
                    {"dateTime": "2019-05-02T17:20:36.000", "value": NaN},
                    {"dateTime": "2019-05-02T17:20:37.000", "value": "NaN"},
                    {"dateTime": "2019-05-02T17:20:38.000", "value": null}],
      "speed": [{"dateTime": "2019-05-02T17:20:35.000", "value": 10.8},
                {"dateTime": "2019-05-02T17:20:36.000", "value": 11.16}],
      "cadence": [{"dateTime": "2019-05-02T17:20:35.000", "value": 84},
                  {"dateTime": "2019-05-02T17:20:36.000", "value": 86}]
    }
  }]
}"""


def test_older_shape_with_bare_nan():
    result = read_polar(OLDER.encode(), name="training-session-2019.json")
    run = result.runs.iloc[0]
    assert run["sport"] == "treadmill_running"
    assert run["start_time"] == pd.Timestamp("2019-05-02T15:20:35Z")  # local - 120 min
    assert run["moving_time_s"] == pytest.approx(3625.5)  # PT3625.5S
    assert run["elapsed_time_s"] == pytest.approx(3625.5)
    assert run["distance_m"] == 10000.0 and run["avg_heart_rate_bpm"] == 148.0
    assert run["avg_cadence_spm"] == 168.0  # 84 strides/min
    assert run["elevation_gain_m"] == 12.0
    s = result.samples
    assert s["heart_rate_bpm"].tolist()[:4][0] == 120 and s["heart_rate_bpm"].iloc[1:4].isna().all()
    assert s["speed_mps"].iloc[:2].tolist() == pytest.approx([3.0, 3.1])
    assert s["cadence_spm"].iloc[:2].tolist() == [168.0, 172.0]


def _session(exercises: list[dict]) -> bytes:
    return json.dumps({"identifier": {"id": "s1"}, "startTime": "2025-06-01T08:00:00", "name": "Triathlon",
                       "timezoneOffsetMinutes": 60, "durationMillis": 9000000, "exercises": exercises}).encode()


def _exercise(eid: str, sport_id: str, start: str, minutes: float, km: float) -> dict:
    return {"identifier": {"id": eid}, "startTime": start, "durationMillis": minutes * 60000,
            "distanceMeters": km * 1000, "timezoneOffsetMinutes": 60, "sport": {"id": sport_id},
            "statistics": {"statistics": [{"type": "STATISTICS_TYPE_HEART_RATE", "avg": 0}]}}


def test_multisport_session_split_into_exercises_only_the_run_is_a_run():
    data = _session([_exercise("e1", "103", "2025-06-01T08:00:00", 30, 1.5),
                     _exercise("e2", "2", "2025-06-01T08:35:00", 75, 40),
                     _exercise("e3", "1", "2025-06-01T09:55:00", 45, 10)])
    result = read_polar(data, name="training-session-tri.json")
    assert list(result.runs.index) == ["polar:e3"]
    run = result.runs.iloc[0]
    assert run["start_time"] == pd.Timestamp("2025-06-01T08:55:00Z") and run["distance_m"] == 10000.0
    assert pd.isna(run["avg_heart_rate_bpm"])  # the statistic says 0: no data
    assert result.log["row"].tolist() == [1, 2, 3]
    assert result.log["status"].tolist() == ["not_a_run", "not_a_run", "imported"]


@pytest.mark.parametrize("text", [
    b'{"startTime": "2025-06-01T08:00:00", "exercises": "x"}',
    b'{"startTime": "2025-06-01T08:00:00", "exercises": []}',
    b'{"startTime": "2025-06-01T08:00:0',
    b"[" * 100000 + b"]" * 100000,
    b'{"a": 1}',
])
def test_hostile_sessions_give_one_line(text):
    with pytest.raises(RunlogError) as err:
        read_polar(text, name="training-session-x.json")
    assert "\n" not in str(err.value) and "training-session-x.json" in str(err.value)


def test_wrong_types_inside_an_exercise_are_no_traceback():
    ex = _exercise("e9", "1", "2025-06-01T08:00:00", 30, 5)
    ex.update(durationMillis="abc", distanceMeters=[1], samples={"samples": [
        {"type": "HEART_RATE", "intervalMillis": 1e300, "values": [1, 2]},
        {"type": "SPEED", "intervalMillis": "x", "values": "NaN"},
        {"type": "DISTANCE", "intervalMillis": 1000, "values": [1, "NaN", None, True, {}, 3]}]},
        routes={"route": {"wayPoints": [{"elapsedMillis": 1e300, "latitude": 1, "longitude": 2}, "x"]}})
    result = read_polar(_session([ex]), name="s.json")
    assert len(result.runs) == 1 and pd.isna(result.runs["moving_time_s"].iloc[0])
    assert result.samples["distance_m"].tolist()[:6] == pytest.approx([1, np.nan, np.nan, np.nan, np.nan, 3],
                                                                      nan_ok=True)

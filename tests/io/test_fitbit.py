"""Fitbit reader, built from the facts of FORMATS.md ("Fitbit"): no redistributable real archive exists,
so the records below copy the quirks of real ones (both time layouts, ms, Mile/Kilometer, no distance,
accidental 3-second runs, hours-long auto-detected ones)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis.errors import RunlogError
from analysis.ingest import read_sources
from analysis.io.fitbit import read_fitbit, sniff

RUN = {"logId": 30155383633, "activityName": "Run", "activityTypeId": 90009, "averageHeartRate": 152,
       "calories": 512, "duration": 2405000, "activeDuration": 2400000, "steps": 6800, "logType": "mobile_run",
       "startTime": "03/28/20 23:17:51", "distance": 4.2, "distanceUnit": "Mile",
       "tcxLink": "https://www.fitbit.com/activities/exercise/30155383633?export=tcx"}


def _rec(**kw) -> dict:
    return {**RUN, **kw}


RECORDS = [
    RUN,
    _rec(logId=2, duration=3000, activeDuration=3000, logType="auto_detected", startTime="03/29/20 08:00:00",
         distance=0.0),
    _rec(logId=3, activityName="Walk", activityTypeId=90013, startTime="03/29/20 09:00:00"),
    _rec(logId=4, logType="auto_detected", startTime="2019-11-01 14:56:32", distance=None, distanceUnit=None),
    _rec(logId=5, logType="auto_detected", startTime="2019-11-02 14:56:32", duration=7380000,
         activeDuration=7380000, distance=0.4),
    _rec(logId=6, activityName="Treadmill", activityTypeId=90019, startTime="2019-11-03 06:00:00",
         distance=0, distanceUnit="Kilometer"),
    _rec(logId=7, startTime="2019-11-04 06:00:00", distance=8.5, distanceUnit="Kilometer"),
    _rec(logId=8, startTime="11/05/19 06:00:00", duration=20000, activeDuration=0, distance=0.0),
]


def _data(records=RECORDS) -> bytes:
    return json.dumps(records, indent=1).encode()


def test_runs_units_and_times():
    result = read_fitbit(_data(), name="exercise-0.json", tz="Europe/Berlin")
    runs = result.runs
    assert list(runs.index) == ["fitbit:30155383633", "fitbit:4", "fitbit:6", "fitbit:7"]
    first = runs.loc["fitbit:30155383633"]
    assert first["start_time"] == pd.Timestamp("2020-03-28T23:17:51Z")  # MM/dd/yy, read as UTC
    assert first["date"] == pd.Timestamp("2020-03-29")  # 00:17 in Berlin
    assert first["distance_m"] == pytest.approx(4.2 * 1609.344)
    assert first["moving_time_s"] == 2400.0 and first["elapsed_time_s"] == 2405.0  # ms
    assert first["avg_heart_rate_bpm"] == 152 and first["avg_cadence_spm"] == pytest.approx(170.0)
    assert runs.loc["fitbit:4", "start_time"] == pd.Timestamp("2019-11-01T14:56:32Z")  # the other layout
    assert runs.loc["fitbit:7", "distance_m"] == 8500.0
    # no distance: unknown, not 0; a treadmill's 0 m likewise
    assert pd.isna(runs.loc["fitbit:4", "distance_m"]) and pd.isna(runs.loc["fitbit:6", "distance_m"])
    assert runs.loc["fitbit:6", "sport"] == "treadmill_running"


def test_implausible_records_logged_with_their_values_never_dropped():
    result = read_fitbit(_data(), name="exercise-0.json")
    log = result.log.set_index("row")
    assert len(log) == len(RECORDS)  # every record accounted for
    assert log.loc[2, "status"] == "not_a_run"
    assert log.loc[2, "reason"].startswith("not a run: too short (3 s, 0 m")
    assert log.loc[5, "status"] == "not_a_run" and "too slow (2:03:00, 644 m" in log.loc[5, "reason"]
    assert log.loc[8, "reason"].startswith("not a run: too short (20 s")
    assert log.loc[3, "status"] == "not_a_run" and "'Walk' is not a run" in log.loc[3, "reason"]
    no_dist = RECORDS[0] | {"logId": 9, "startTime": "2019-11-06 06:00:00", "distance": 0.0}
    log = read_fitbit(_data([no_dist]), name="e.json").log
    assert log["reason"].iloc[0].startswith("not a run: no distance (0:40:00, 0 m")


def test_time_zone_assumption_stated_and_overridable():
    berlin = read_fitbit(_data(), name="e.json", tz="Europe/Berlin")
    honolulu = read_fitbit(_data(), name="e.json", tz="Pacific/Honolulu")
    assert "local date in Europe/Berlin (set it with --tz)" in berlin.log["reason"].iloc[0]
    assert "start time read as UTC" in berlin.log["reason"].iloc[0]
    assert honolulu.runs.loc["fitbit:30155383633", "date"] == pd.Timestamp("2020-03-28")
    assert berlin.runs["start_time"].equals(honolulu.runs["start_time"])


def test_both_archive_layouts_by_content_and_a_record_in_two_files(tmp_path):
    takeout = tmp_path / "Takeout" / "Fitbit" / "Global Export Data"
    old = tmp_path / "MyFitbitData" / "Runner" / "user-site-export"
    for folder in (takeout, old):
        folder.mkdir(parents=True)
        (folder / "heart_rate-2020-03-28.json").write_text(
            json.dumps([{"dateTime": "03/28/20 23:17:51", "value": {"bpm": 150, "confidence": 3}}]))
    (takeout / "exercise-0.json").write_bytes(_data())
    (old / "exercise-100.json").write_bytes(_data([RUN]))  # the same run, in the older archive
    (old / "workouts.bin").write_bytes(_data([RUN]))  # told by content, not name
    result = read_sources([tmp_path], tz="UTC")
    assert len(result.runs) == 4
    assert (result.log["status"] == "duplicate").sum() == 2  # logId 30155383633 given twice more
    hr = result.log[result.log["source_file"].str.contains("heart_rate")]
    assert len(hr) == 2 and (hr["status"] == "not_a_run").all()
    assert sniff(_data()[:65536]) and not sniff(b'{"exercises": []}')


@pytest.mark.parametrize("text", [b'{"logId": 1}', b"[1, 2", b"[" * 100000, b""])
def test_hostile_files_give_one_line(text):
    with pytest.raises(RunlogError) as err:
        read_fitbit(text, name="exercise-0.json")
    assert "\n" not in str(err.value) and "exercise-0.json" in str(err.value)


def test_wrong_types_and_nan_are_failed_rows_not_tracebacks():
    bad = [_rec(logId=10, duration="x"), _rec(logId=11, startTime=5), _rec(logId=None),
           _rec(logId=12, distance=float("nan")), _rec(logId=13, distanceUnit="Parsec"), "text"]
    text = json.dumps(bad).encode()
    assert b"NaN" in text  # a bare NaN token, as json.dumps writes it
    result = read_fitbit(text, name="e.json")
    statuses = result.log.set_index("row")["status"].to_dict()
    assert statuses == {1: "failed", 2: "failed", 3: "failed", 4: "imported", 5: "failed", 6: "failed"}
    assert pd.isna(result.runs.loc["fitbit:12", "distance_m"])

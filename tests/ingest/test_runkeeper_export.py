"""Tests for analysis.ingest.runkeeper_export: cardioActivities.csv joined with its GPX files.

Fixtures written here: a Runkeeper-like export (km layout, GPX files without <type>, times UTC).
"""

from __future__ import annotations

import math
import zipfile

import pandas as pd
import pytest

from analysis.ingest import read_sources
from analysis.ingest.runkeeper_export import is_export_folder, is_export_zip, read_runkeeper_export
from analysis.io.gpx import read_gpx

TABLE = (
    "Activity Id,Date,Type,Route Name,Distance (km),Duration,Average Pace,Average Speed (km/h),"
    "Calories Burned,Climb (m),Average Heart Rate (bpm),Friend's Tagged,Notes,GPX File\n"
    "r1,2024-06-01 08:00:00,Running,River,1.20,6:00,5:00,12.00,90.0,5,150,,tempo,2024-06-01-0800.gpx\n"
    "r2,2024-06-02 18:00:00,Cycling,,3.00,9:00,3:00,20.00,80.0,,,,,2024-06-02-1800.gpx\n"
    "r3,2024-06-03 07:00:00,Running,,5.00,25:00,5:00,12.00,300.0,,,,manual,\n"
    "r4,2024-06-04 07:00:00,Running,,2.00,10:00,5:00,12.00,120.0,,,,,missing.gpx\n"
)
# one degree of longitude on the equator, as gpxpy measures it
DEG_M = 2 * math.pi * 6_378_137 / 360


def _gpx(start: str, steps: int, step_deg: float, every_s: int, hr: bool = True) -> str:
    """A Runkeeper-style track: no <type>, a name of type and local time, UTC times, lat 0."""
    t0 = pd.Timestamp(start)
    points = []
    for k in range(steps + 1):
        ext = (f"<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>{150 + 10 * (k % 2)}</gpxtpx:hr>"
               "</gpxtpx:TrackPointExtension></extensions>") if hr else ""
        points.append(f'<trkpt lat="0.000000000" lon="{k * step_deg:.9f}"><ele>12.0</ele>'
                      f"<time>{t0 + pd.Timedelta(seconds=k * every_s):%Y-%m-%dT%H:%M:%SZ}</time>{ext}</trkpt>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="Runkeeper - http://www.runkeeper.com" '
            'xmlns="http://www.topografix.com/GPX/1/1" '
            'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">\n'
            f"<trk><name><![CDATA[Activity {start}]]></name><time>{start}</time><trkseg>{''.join(points)}"
            "</trkseg></trk></gpx>\n")


FILES = {
    "cardioActivities.csv": TABLE,
    # 08:00 in Berlin (CEST) is 06:00 UTC; 12 steps of 0.0009 deg every 30 s: 1202 m in 360 s
    "2024-06-01-0800.gpx": _gpx("2024-06-01T06:00:00Z", 12, 0.0009, 30),
    # the ride: 18 steps of 0.0015 deg every 30 s = 5.6 m/s, slower than 7 m/s: alone it passes for a run
    "2024-06-02-1800.gpx": _gpx("2024-06-02T16:00:00Z", 18, 0.0015, 30, hr=False),
    # a file no row names
    "2024-06-05-0700.gpx": _gpx("2024-06-05T05:00:00Z", 10, 0.0009, 30),
}


def _folder(tmp_path):
    folder = tmp_path / "runkeeper-data-export-1234"
    folder.mkdir()
    for name, text in FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _zip(tmp_path):
    path = tmp_path / "runkeeper-data-export-1234.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in FILES.items():
            zf.writestr(name, text)
    return path


def test_rows_join_their_gpx_files(tmp_path):
    folder = _folder(tmp_path)
    assert is_export_folder(folder)
    result = read_runkeeper_export(folder, tz="Europe/Berlin")
    runs = result.runs
    assert sorted(i for i in runs.index if i.startswith("runkeeper:")) == ["runkeeper:r1", "runkeeper:r3",
                                                                            "runkeeper:r4"]
    r1 = runs.loc["runkeeper:r1"]
    assert r1["start_time"] == pd.Timestamp("2024-06-01T06:00:00Z")
    assert r1["date"] == pd.Timestamp("2024-06-01")
    assert r1["distance_m"] == pytest.approx(1200.0)  # Runkeeper's own, not the track's summed 1202 m
    assert r1["elevation_gain_m"] == 5.0  # Climb, not the flat track's 0
    assert r1["moving_time_s"] == 360.0 and r1["elapsed_time_s"] == 360.0  # the file's times
    assert r1["avg_heart_rate_bpm"] == pytest.approx((7 * 150 + 6 * 160) / 13)  # the file's heart rate
    assert r1["name"] == "River" and r1["description"] == "tempo"
    samples = result.samples
    assert (samples["activity_id"] == "runkeeper:r1").sum() == 13
    assert samples.loc[samples["activity_id"] == "runkeeper:r1", "distance_m"].iloc[-1] == pytest.approx(
        12 * 0.0009 * DEG_M)

    log = result.log.set_index("source_file")
    ride = log.loc[f"{folder}/2024-06-02-1800.gpx"]
    assert ride["status"] == "not_a_run"
    assert ride["reason"] == "Cycling: file of cardioActivities.csv row 3, not read"
    merged = log.loc[f"{folder}/2024-06-01-0800.gpx"]
    assert merged["status"] == "duplicate" and merged["activity_id"] == "runkeeper:r1"
    assert "merged into runkeeper:r1 (cardioActivities.csv row 2): 13 samples" in merged["reason"]
    rows = result.log[result.log["row"].notna()].set_index("row")
    assert "activity file missing.gpx not in the export" in rows.loc[5, "reason"]
    alone = log.loc[f"{folder}/2024-06-05-0700.gpx"]
    assert alone["status"] == "imported" and "not named in cardioActivities.csv" in alone["reason"]
    assert alone["activity_id"].startswith("gpx:")


def test_the_ride_alone_would_pass_for_a_run():
    """Why the join matters: Runkeeper's GPX files carry no type, and 5.6 m/s is under the 7 m/s rule."""
    alone = read_gpx(FILES["2024-06-02-1800.gpx"].encode())
    assert alone.runs["sport"].tolist() == ["running"]
    assert alone.runs["distance_m"].iloc[0] / alone.runs["moving_time_s"].iloc[0] == pytest.approx(
        18 * 0.0015 * DEG_M / 540)


def test_a_wrong_zone_still_joins_by_file_name(tmp_path):
    # read in UTC, the row says 08:00Z, two hours off its file: the file's UTC start wins, the wall date stays
    runs = read_runkeeper_export(_folder(tmp_path), tz="UTC").runs
    assert runs.loc["runkeeper:r1", "start_time"] == pd.Timestamp("2024-06-01T06:00:00Z")
    assert runs.loc["runkeeper:r3", "start_time"] == pd.Timestamp("2024-06-03T07:00:00Z")


@pytest.mark.parametrize("given", ["zip", "folder_walked", "table"])
def test_loader_reads_the_export_whole(tmp_path, given):
    if given == "zip":
        source = _zip(tmp_path)
        assert is_export_zip(source)
    elif given == "folder_walked":
        _folder(tmp_path)
        source = tmp_path  # the export is a folder inside the folder given
    else:
        source = _folder(tmp_path) / "cardioActivities.csv"
    result = read_sources([source], tz="Europe/Berlin")
    ids = sorted(result.runs.index)
    assert [i for i in ids if i.startswith("runkeeper:")] == ["runkeeper:r1", "runkeeper:r3", "runkeeper:r4"]
    assert len([i for i in ids if i.startswith("gpx:")]) == 1  # the file no row names; not the ride
    assert result.runs.loc["runkeeper:r1", "start_time"] == pd.Timestamp("2024-06-01T06:00:00Z")
    statuses = result.log["status"].value_counts().to_dict()
    assert statuses == {"imported": 5, "duplicate": 1, "not_a_run": 2}


TCX_RUN = ('<?xml version="1.0"?>\n<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/'
           'TrainingCenterDatabase/v2"><Activities><Activity Sport="Running"><Id>2024-06-07T06:00:00Z</Id>'
           '<Lap StartTime="2024-06-07T06:00:00Z"><TotalTimeSeconds>600</TotalTimeSeconds>'
           "<DistanceMeters>2000</DistanceMeters><Track>"
           "<Trackpoint><Time>2024-06-07T06:00:00Z</Time><DistanceMeters>0</DistanceMeters></Trackpoint>"
           "<Trackpoint><Time>2024-06-07T06:10:00Z</Time><DistanceMeters>2000</DistanceMeters></Trackpoint>"
           "</Track></Lap></Activity></Activities></TrainingCenterDatabase>\n")


@pytest.mark.parametrize("given", ["zip", "folder"])
def test_other_activity_files_in_the_export_are_read_not_lost(tmp_path, given):
    # a folder (or zip) holding cardioActivities.csv is read whole as the export: a TCX or FIT file beside the
    # table, or a GPX file in a sub-folder, was neither read nor logged (when walked, each was read before)
    extra = {"watch/2024-06-07.tcx": TCX_RUN, "old/2024-06-08-0700.gpx": _gpx("2024-06-08T05:00:00Z", 10, 0.0009, 30)}
    if given == "zip":
        source = _zip(tmp_path)
        with zipfile.ZipFile(source, "a") as zf:
            for name, text in extra.items():
                zf.writestr(name, text)
    else:
        source = _folder(tmp_path)
        for name, text in extra.items():
            (source / name).parent.mkdir(exist_ok=True)
            (source / name).write_text(text, encoding="utf-8")
    result = read_sources([source], tz="Europe/Berlin")
    logged = set(result.log["source_file"])
    assert {f"{source}/{name}" for name in extra} <= logged
    assert sorted(result.runs["source"]) == ["gpx", "gpx", "runkeeper", "runkeeper", "runkeeper", "tcx"]
    statuses = result.log["status"].value_counts().to_dict()
    assert statuses == {"imported": 7, "duplicate": 1, "not_a_run": 2}


@pytest.mark.parametrize("given", ["glob", "table and files"])
def test_files_given_beside_their_export_are_read_once(tmp_path, given):
    # `runlog runs export/*` names the table and every GPX file: the export reads the files itself, so each
    # was read twice, and the ride's GPX (no type, 5.6 m/s) read alone became a 3 km "run"
    folder = _folder(tmp_path)
    named = sorted(folder.iterdir()) if given == "glob" else [folder / "cardioActivities.csv",
                                                              folder / "2024-06-02-1800.gpx"]
    once = read_sources([folder], tz="Europe/Berlin")
    both = read_sources(named, tz="Europe/Berlin")
    assert sorted(both.runs.index) == sorted(once.runs.index)
    assert len(both.log) == len(once.log)
    assert both.log["source_file"].value_counts().max() == once.log["source_file"].value_counts().max()
    ride = both.log.set_index("source_file").loc[f"{folder}/2024-06-02-1800.gpx"]
    assert ride["status"] == "not_a_run" and "Cycling" in ride["reason"]

"""Apple Health reader: the real excerpts (reference values of data/README-sources.md) and synthetic exports."""

from __future__ import annotations

import io
import re
import zipfile

import pandas as pd
import pytest

from analysis.errors import RunlogError
from analysis.ingest import read_sources
from analysis.io import apple_health
from analysis.io.apple_health import ScanStats, read_apple_health, scan_workouts, sniff
from tests.io import apple_export as ae

START = pd.Timestamp("2016-11-14T14:25:41Z")


def _zip_of(folder, root_name="apple_health_export") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for p in sorted((folder / root_name).rglob("*")):
            if p.is_file():
                zf.write(p, p.relative_to(folder).as_posix())
    return buf.getvalue()


def _check_reference_run(result):
    """The real watchOS 3.1 run: README-sources.md's reference values."""
    assert len(result.runs) == 1
    run = result.runs.iloc[0]
    assert run["start_time"] == START  # 2016-11-14 07:25:41 -0700
    assert run["moving_time_s"] == pytest.approx(5.19412346680959 * 60)  # 311.6 s
    assert run["distance_m"] == pytest.approx(0.4971749504535062 * 1609.344)  # 800.1 m
    assert round(run["distance_m"], 1) == 800.1
    # HKTimeZone America/Los_Angeles, not the zone given: in Kiritimati (UTC+14) it would be the 15th
    assert run["date"] == pd.Timestamp("2016-11-14")
    assert run["sport"] == "running" and run["source"] == "apple_health"


def test_old_layout_reference_values(shared_data):
    result = read_apple_health(shared_data / "apple_health" / "export.xml", tz="Pacific/Kiritimati")
    _check_reference_run(result)
    # 2 Records and 2 ActivitySummary are no workouts: the log holds the one workout only
    assert list(result.log["status"]) == ["imported"] and result.log["row"].tolist() == [1]
    assert "Apple Watch" in result.log["reason"].iloc[0]


def test_new_layout_zip_folder_and_bare_file_give_the_same_run(shared_data, tmp_path):
    folder = shared_data / "apple_health" / "zip_contents"
    (tmp_path / "export.zip").write_bytes(_zip_of(folder))
    old = read_apple_health(shared_data / "apple_health" / "export.xml", tz="Pacific/Kiritimati")
    for source in (tmp_path / "export.zip", folder, folder / "apple_health_export",
                   folder / "apple_health_export" / "export.xml"):
        result = read_apple_health(source, tz="Pacific/Kiritimati")
        _check_reference_run(result)
        # the same workout (its dates written -0800 here) has the same id as in the old export
        assert list(result.runs.index) == list(old.runs.index)
        reason = result.log["reason"].iloc[0]
        # the FileReference resolved; its points are from another day than the workout: not its samples
        assert "route route_2019-06-11_3.00pm.gpx: 3 points" in reason
        assert "no route point falls within the workout" in reason and result.samples.empty


def test_sniff_by_root_element_not_name(shared_data):
    head = (shared_data / "apple_health" / "export.xml").read_bytes()[:65536]
    assert sniff(head, "anything.bin")
    assert not sniff(b'<?xml version="1.0"?><gpx version="1.1"></gpx>', "export.xml")


def test_the_issues_export_gives_three_runs_not_seventeen(tmp_path):
    runs = ae.three_runs_a_walk_and_a_ride()
    (tmp_path / "export.zip").write_bytes(ae.zip_bytes(runs))
    result = read_sources([tmp_path / "export.zip"], tz="America/New_York")
    assert len(result.runs) == 3
    log = result.log.set_index("row")
    assert log.loc[5, "status"] == "not_a_run" and "Walking" in log.loc[5, "reason"]
    assert log.loc[6, "status"] == "not_a_run" and "Cycling" in log.loc[6, "reason"]
    # Strava's copy of run 1 is kept once: the watch's copy, and the log says why
    assert log.loc[2, "status"] == "duplicate"
    assert "written by Strava" in log.loc[2, "reason"] and "the watch recorded it" in log.loc[2, "reason"]
    assert "kept this copy of 2" in log.loc[1, "reason"]
    # no route file was read as an activity of its own
    assert not result.log["source_file"].str.contains("workout-routes").any()


def test_new_layout_values_in_canonical_units(tmp_path):
    runs = ae.three_runs_a_walk_and_a_ride()
    result = read_apple_health(ae.zip_bytes(runs), name="export.zip", tz="America/New_York")
    by_start = result.runs.set_index("start_time")
    first = by_start.loc[pd.Timestamp("2025-06-02T05:10:00Z")]
    # the workout's own statistics, not added to its WorkoutActivity's (which repeat them)
    assert first["distance_m"] == pytest.approx(8955.12)
    assert first["avg_heart_rate_bpm"] == 151.0
    assert first["moving_time_s"] == pytest.approx(41.5 * 60)
    assert first["avg_cadence_spm"] == pytest.approx(170 * 41.5 / 41.5, rel=1e-3)  # StepCount / minutes
    assert first["elevation_gain_m"] == pytest.approx(65.75)  # "6575 cm"
    assert first["avg_step_length_mm"] == pytest.approx(1120.0)  # 1.12 m
    assert first["avg_stance_time_ms"] == pytest.approx(251.0)
    assert first["avg_vertical_oscillation_mm"] == pytest.approx(89.0)  # 8.9 cm
    assert first["avg_power_w"] == pytest.approx(245.0)
    treadmill = by_start.loc[pd.Timestamp("2025-06-04T05:10:00Z")]
    assert treadmill["sport"] == "treadmill_running"
    late = by_start.loc[pd.Timestamp("2025-06-06T22:30:00Z")]
    # HKTimeZone Europe/Berlin: 00:30 on the 7th there, though the 6th in New York and in the written offset
    assert late["date"] == pd.Timestamp("2025-06-07")


def test_routes_several_files_per_workout_become_samples(tmp_path):
    runs = ae.three_runs_a_walk_and_a_ride()
    root = ae.write_folder(tmp_path, runs)
    result = read_apple_health(root, tz="UTC", positions=True)
    late = result.runs.index[result.runs["start_time"] == pd.Timestamp("2025-06-06T22:30:00Z")][0]
    s = result.samples[result.samples["activity_id"] == late]
    assert len(s) == 450  # 75 min x 6 points, split over two files
    assert s["time"].is_monotonic_increasing and s["elapsed_s"].iloc[0] == 0
    # 14.2 km along a straight line, points every 10 s: the haversine sum is close (last point 10 s short)
    assert s["distance_m"].iloc[-1] == pytest.approx(14200 * (449 / 450), rel=0.01)
    assert s["speed_mps"].iloc[5] == pytest.approx(14200 / 4500, rel=1e-4)
    assert {"latitude_deg", "longitude_deg"} <= set(s.columns) and s["latitude_deg"].notna().all()


def test_old_layout_miles_and_inline_locations():
    run = ae.Run(pd.Timestamp("2020-03-01T07:00:00Z"), 30.0, 5.0, layout="old", distance_unit="mi",
                 routes=["inline"], zone=None)
    result = read_apple_health(ae.export_xml([run]), name="export.xml", tz="Asia/Tokyo")
    row = result.runs.iloc[0]
    assert row["distance_m"] == pytest.approx(5000.0)
    assert row["date"] == pd.Timestamp("2020-03-01")
    assert "no HKTimeZone: local date in Asia/Tokyo" in result.log["reason"].iloc[0]
    assert len(result.samples) == 180


# --------------------------------------------------------------------------- the scan


@pytest.mark.parametrize("chunk", [1, 7, 64, 997, 1 << 20])
def test_scan_finds_exactly_the_workout_elements_whatever_the_chunk_size(chunk):
    runs = ae.three_runs_a_walk_and_a_ride()
    data = ae.export_xml(runs, n_records=60, interleave=True)
    data = data.replace(b"</HealthData>", b' <Workout workoutActivityType="HKWorkoutActivityTypeYoga" '
                        b'duration="5" durationUnit="min" startDate="2025-01-01 10:00:00 +0100"/>\n</HealthData>')
    expected = re.findall(rb"<Workout .*?</Workout>|<Workout [^<]*/>", data, re.S)
    stats = ScanStats()
    found = [el for _, el, _ in scan_workouts(io.BytesIO(data), stats, chunk_bytes=chunk)]
    assert found == expected and len(found) == 7
    assert stats.bytes_read == len(data) and stats.closed


def test_scan_never_parses_records_but_counts_only_workouts():
    data = ae.export_xml([], n_records=500)
    stats = ScanStats()
    assert list(scan_workouts(io.BytesIO(data), stats)) == [] and stats.workouts == 0
    result = read_apple_health(data, name="export.xml")
    assert result.runs.empty and result.log["status"].tolist() == ["not_a_run"]
    assert "no workouts" in result.log["reason"].iloc[0]


def test_not_an_export_is_refused_in_one_line():
    with pytest.raises(RunlogError, match="no <HealthData> root"):
        read_apple_health(b"<?xml version='1.0'?><gpx></gpx>", name="x.xml")


# --------------------------------------------------------------------------- hostile inputs


def test_truncated_export_keeps_the_workouts_before_the_cut():
    runs = ae.three_runs_a_walk_and_a_ride()
    data = ae.export_xml(runs, n_records=20)
    cut = data[: data.index(b"HKWorkoutActivityTypeWalking") + 200]
    result = read_apple_health(cut, name="export.xml")
    assert len(result.runs) == 3
    failed = result.log[result.log["status"] == "failed"]
    assert failed["reason"].str.contains("the file ends inside this workout").any()
    assert failed["reason"].str.contains("ends before </HealthData>").any()
    assert all("\n" not in r for r in result.log["reason"])


def test_doctype_entities_are_never_expanded():
    bomb = "".join([f'<!ENTITY e0 "{"x" * 64}">'] + [f'<!ENTITY e{i} "{f"&e{i - 1};" * 10}">' for i in range(1, 10)])
    runs = ae.three_runs_a_walk_and_a_ride()[:1]
    data = ae.export_xml(runs, n_records=5, doctype=ae.DTD.replace("<!ELEMENT Me EMPTY>", bomb))
    data = data.replace(b'<HealthData locale="en_US">', b'<HealthData locale="en_US">&e9;')
    # a second workout using the entity in an attribute: that workout fails alone, in one line
    used = ae.workout_xml(ae.Run(pd.Timestamp("2025-07-01T06:00:00Z"), 30, 6.0)).replace('duration="30"',
                                                                                          'duration="&e9;"')
    data = data.replace(b"</HealthData>", used.encode() + b"</HealthData>")
    result = read_apple_health(data, name="export.xml")
    assert len(result.runs) == 1
    failed = result.log[result.log["status"] == "failed"]
    assert len(failed) == 1 and "not well-formed XML" in failed["reason"].iloc[0]
    assert "never expanded" in result.log["reason"].iloc[0]


def test_an_oversized_workout_is_skipped_and_logged(monkeypatch):
    monkeypatch.setattr(apple_health, "MAX_ELEMENT_BYTES", 4096)
    monkeypatch.setattr(apple_health, "CHUNK_BYTES", 1024)
    big = ae.Run(pd.Timestamp("2020-03-01T07:00:00Z"), 60.0, 10.0, layout="old", routes=["inline"])
    small = ae.Run(pd.Timestamp("2020-03-02T07:00:00Z"), 30.0, 5.0, layout="old")
    data = ae.export_xml([big, small], n_records=3)

    def scan(fh, stats, **kw):
        return scan_workouts(fh, stats, chunk_bytes=1024, max_element_bytes=4096)

    monkeypatch.setattr(apple_health, "scan_workouts", scan)
    result = read_apple_health(data, name="export.xml")
    assert len(result.runs) == 1 and result.runs["distance_m"].iloc[0] == pytest.approx(5000)
    assert result.log.loc[result.log["row"] == 1, "reason"].str.contains("workout element over 0.00390625 MiB").all()


def test_zip_bomb_export_member_is_refused_in_one_line(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("apple_health_export/export.xml", ae.DTD.encode() + b" " * (40 << 20) + b"</HealthData>")
    path = tmp_path / "export.zip"
    path.write_bytes(buf.getvalue())
    with pytest.raises(RunlogError, match="decompression bomb"):
        read_apple_health(path)
    result = read_sources([tmp_path], tz="UTC")
    assert result.runs.empty and result.log["status"].tolist() == ["failed"]
    assert "decompression bomb" in result.log["reason"].iloc[0]


def test_route_file_bomb_is_noted_and_the_run_kept(tmp_path):
    run = ae.Run(pd.Timestamp("2025-06-02T05:10:00Z"), 41.5, 8.9, routes=["route_a.gpx"])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("apple_health_export/export.xml", ae.export_xml([run]))
        zf.writestr("apple_health_export/workout-routes/route_a.gpx", b" " * (40 << 20))
    result = read_apple_health(buf.getvalue(), name="export.zip")
    assert len(result.runs) == 1 and result.samples.empty
    assert "decompression bomb" in result.log["reason"].iloc[0]

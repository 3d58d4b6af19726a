"""Tests for analysis.io.tcx: real files (data/README.md, "tcx/") and small quirk fixtures."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

from analysis import schema
from analysis.errors import RunlogError
from analysis.io.tcx import read_tcx, sniff

# file -> start UTC, distance_m (last trackpoint), lap time sum s, first-last trackpoint s,
# trackpoints, with HR, with cadence, mean non-zero cadence (strides/min) -- data/README.md, tcx/
REFERENCE = {
    "garmin_fr620_run.tcx": ("2018-11-25T07:20:49Z", 2153.7, 816.0, 823.0, 147, 147, 147, 86.7),
    "polar_m400_run.tcx": ("2019-01-29T10:25:12Z", 4508.5, 3510.0, 3903.7, 3507, 3507, 3507, 60.1),
    "tomtom_run.tcx": ("2017-05-27T08:13:01Z", 4824.9, 1424.0, 1423.0, 1424, 0, 0, None),
}


@pytest.mark.parametrize("filename", sorted(REFERENCE))
def test_real_files_match_readme(shared_data, filename):
    start, distance, lap_time, span, points, with_hr, with_cad, cadence = REFERENCE[filename]
    result = read_tcx(shared_data / "tcx" / filename)
    schema.validate_runs(result.runs)
    schema.validate_samples(result.samples)
    schema.validate_import_log(result.log)

    assert len(result.runs) == 1
    run = result.runs.iloc[0]
    assert run["sport"] == "running"
    assert run["start_time"] == pd.Timestamp(start)
    assert run["distance_m"] == pytest.approx(distance, rel=1e-3)
    assert run["moving_time_s"] == pytest.approx(lap_time, abs=0.05)
    assert run["elapsed_time_s"] == pytest.approx(span, abs=0.05)
    assert run["source"] == "tcx"
    assert result.runs.index[0].startswith("tcx:")

    samples = result.samples
    assert len(samples) == points
    assert samples["heart_rate_bpm"].notna().sum() == with_hr
    assert samples["cadence_spm"].notna().sum() == with_cad
    if cadence is None:
        assert pd.isna(run["avg_cadence_spm"])
    else:
        # README gives strides/min to 1 decimal; the frames hold steps/min (x 2)
        assert run["avg_cadence_spm"] == pytest.approx(2 * cadence, abs=0.11)
        stepping = samples["cadence_spm"][samples["cadence_spm"] > 0]
        assert stepping.mean() == pytest.approx(2 * cadence, abs=0.11)
    assert (samples["activity_id"] == result.runs.index[0]).all()
    assert samples["time"].is_monotonic_increasing
    assert samples["elapsed_s"].iloc[-1] == pytest.approx(span, abs=0.05)

    log = result.log
    assert len(log) == 1 and log["status"].iloc[0] == "imported"
    assert pd.isna(log["row"].iloc[0])
    assert log["activity_id"].iloc[0] == result.runs.index[0]


def test_polar_single_line_file_is_read_whole(shared_data):
    path = shared_data / "tcx" / "polar_m400_run.tcx"
    assert path.read_bytes().count(b"\n") <= 1  # the quirk: 1.28 MB on one line
    result = read_tcx(path)
    assert len(result.samples) == 3507
    assert result.samples["time"].iloc[-1] == pd.Timestamp("2019-01-29T11:30:16.719Z")


def test_garmin_speed_comes_from_tpx_extension(shared_data):
    samples = read_tcx(shared_data / "tcx" / "garmin_fr620_run.tcx").samples
    # first trackpoint: <ns3:Speed>1.184999942779541</ns3:Speed>
    assert samples["speed_mps"].iloc[0] == pytest.approx(1.185, abs=1e-3)


def test_positions_only_when_asked(shared_data):
    path = shared_data / "tcx" / "garmin_fr620_run.tcx"
    assert not {"latitude_deg", "longitude_deg"} & set(read_tcx(path).samples.columns)
    samples = read_tcx(path, positions=True).samples
    assert samples["latitude_deg"].notna().sum() == 147
    assert samples["latitude_deg"].iloc[0] == pytest.approx(46.158643048256636)
    assert samples["longitude_deg"].iloc[0] == pytest.approx(-1.1469579208642244)


def test_gzip_bytes_give_the_same_run(shared_data):
    path = shared_data / "tcx" / "tomtom_run.tcx"
    plain = read_tcx(path)
    packed = read_tcx(gzip.compress(path.read_bytes()), name="activities/123.tcx.gz")
    assert packed.runs.index.tolist() == plain.runs.index.tolist()
    assert packed.runs["distance_m"].iloc[0] == plain.runs["distance_m"].iloc[0]
    assert len(packed.samples) == 1424
    assert packed.log["source_file"].iloc[0] == "activities/123.tcx.gz"


def test_local_date_uses_tz(shared_data):
    # 2018-11-25 07:20:49 UTC is still 24 November in Los Angeles (UTC-8)
    result = read_tcx(shared_data / "tcx" / "garmin_fr620_run.tcx", tz="America/Los_Angeles")
    assert result.runs["date"].iloc[0] == pd.Timestamp("2018-11-24")
    assert read_tcx(shared_data / "tcx" / "garmin_fr620_run.tcx").runs["date"].iloc[0] == pd.Timestamp(
        "2018-11-25"
    )


def test_sniff(shared_data):
    head = (shared_data / "tcx" / "polar_m400_run.tcx").read_bytes()[:65536]
    assert sniff(head, "polar_m400_run.tcx")
    assert sniff(gzip.compress(head)[:4096], "x.tcx.gz")
    assert not sniff((shared_data / "gpx" / "strava_run.gpx").read_bytes()[:65536], "strava_run.gpx")


# --- small fixtures reproducing quirks -------------------------------------------------------------


def _tcx(activities: str, root_prefix: str = "") -> bytes:
    p = f"{root_prefix}:" if root_prefix else ""
    ns = f"xmlns{':' + root_prefix if root_prefix else ''}"
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>'
        f'<{p}TrainingCenterDatabase {ns}="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2" '
        f'xmlns:ax="http://www.garmin.com/xmlschemas/ActivityExtension/v2">'
        f"<{p}Activities>{activities}</{p}Activities></{p}TrainingCenterDatabase>"
    ).encode()


def _point(t: str, dist=None, hr=None, cad=None, run_cad=None, alt=None, speed=None, p: str = "") -> str:
    parts = [f"<{p}Time>{t}</{p}Time>"]
    if alt is not None:
        parts.append(f"<{p}AltitudeMeters>{alt}</{p}AltitudeMeters>")
    if dist is not None:
        parts.append(f"<{p}DistanceMeters>{dist}</{p}DistanceMeters>")
    if hr is not None:
        parts.append(f"<{p}HeartRateBpm><{p}Value>{hr}</{p}Value></{p}HeartRateBpm>")
    if cad is not None:
        parts.append(f"<{p}Cadence>{cad}</{p}Cadence>")
    ext = ""
    if speed is not None:
        ext += f"<ax:Speed>{speed}</ax:Speed>"
    if run_cad is not None:
        ext += f"<ax:RunCadence>{run_cad}</ax:RunCadence>"
    if ext:
        parts.append(f"<{p}Extensions><ax:TPX>{ext}</ax:TPX></{p}Extensions>")
    return f"<{p}Trackpoint>{''.join(parts)}</{p}Trackpoint>"


def _activity(sport: str, points: list[str], lap_time="20", lap_dist="30", p: str = "", lap_hr=None) -> str:
    hr = f"<{p}AverageHeartRateBpm><{p}Value>{lap_hr}</{p}Value></{p}AverageHeartRateBpm>" if lap_hr else ""
    track = f"<{p}Track>{''.join(points)}</{p}Track>" if points else ""
    return (
        f'<{p}Activity Sport="{sport}"><{p}Id>2024-05-01T06:00:00Z</{p}Id>'
        f'<{p}Lap StartTime="2024-05-01T06:00:00Z"><{p}TotalTimeSeconds>{lap_time}</{p}TotalTimeSeconds>'
        f"<{p}DistanceMeters>{lap_dist}</{p}DistanceMeters>{hr}{track}</{p}Lap></{p}Activity>"
    )


def test_plain_cadence_element_and_foreign_prefixes():
    """Polar-style <Cadence> only, the TCX namespace itself prefixed ('tcd:'), extension prefix 'ax:'."""
    points = [
        _point("2024-05-01T06:00:00Z", dist=0, hr=100, cad=0, alt=10, speed=0.0, p="tcd:"),
        _point("2024-05-01T06:00:05Z", dist=10, hr=110, cad=80, alt=12, speed=2.0, p="tcd:"),
        _point("2024-05-01T06:00:10Z", dist=30, hr=120, cad=90, alt=14, speed=4.0, p="tcd:"),
        _point("2024-05-01T06:00:15Z", dist=45, hr=130, cad=85, alt=16, speed=3.0, p="tcd:"),
    ]
    result = read_tcx(_tcx(_activity("Running", points, p="tcd:"), root_prefix="tcd"), name="polarish.tcx")
    run = result.runs.iloc[0]
    assert run["distance_m"] == 45  # last trackpoint, not the lap's 30
    assert run["moving_time_s"] == 20  # lap TotalTimeSeconds
    assert run["elapsed_time_s"] == 15
    assert run["avg_heart_rate_bpm"] == 115
    assert run["avg_cadence_spm"] == pytest.approx(2 * (80 + 90 + 85) / 3)  # zero left out, x 2
    assert run["elevation_gain_m"] == pytest.approx(6.0)  # a straight climb survives the smoothing
    assert result.samples["cadence_spm"].tolist() == [0, 160, 180, 170]  # zeros kept as measured
    assert result.samples["speed_mps"].tolist() == [0.0, 2.0, 4.0, 3.0]
    assert result.log["source_file"].iloc[0] == "polarish.tcx"


def test_run_cadence_wins_over_cadence_and_speed_is_derived_without_tpx_speed():
    points = [
        _point("2024-05-01T06:00:00Z", dist=0, run_cad=85, cad=1),
        _point("2024-05-01T06:00:05Z", dist=10, run_cad=86, cad=1),
        _point("2024-05-01T06:00:10Z", dist=30, run_cad=87, cad=1),
    ]
    result = read_tcx(_tcx(_activity("Running", points)))
    assert result.samples["cadence_spm"].tolist() == [170, 172, 174]
    speed = result.samples["speed_mps"]
    assert np.isnan(speed.iloc[0]) and speed.iloc[1:].tolist() == [2.0, 4.0]
    assert pd.isna(result.runs["avg_heart_rate_bpm"].iloc[0])
    assert pd.isna(result.runs["elevation_gain_m"].iloc[0])  # no altitude: NA, never 0


def test_biking_is_not_a_run_and_each_activity_is_logged():
    run = _activity(
        "Running", [_point("2024-05-01T06:00:00Z", dist=0), _point("2024-05-01T06:00:09Z", dist=20)]
    )
    ride = _activity("Biking", [_point("2024-05-01T07:00:00Z", dist=0, cad=90)])
    result = read_tcx(_tcx(run + ride))
    assert len(result.runs) == 1
    assert result.runs.index[0].endswith(":0")
    assert set(result.samples["activity_id"]) == {result.runs.index[0]}
    assert result.log["status"].tolist() == ["imported", "not_a_run"]
    assert "Biking" in result.log["reason"].iloc[1]

    only_ride = read_tcx(_tcx(ride))
    assert only_ride.runs.empty and only_ride.samples.empty
    assert only_ride.log["status"].tolist() == ["not_a_run"]


def test_sport_other_or_none_is_decided_by_speed_as_an_untyped_gpx_track():
    """Crane (Aldi) watches write every activity as Sport="Other": a run unless faster than 7 m/s."""
    jog = [_point("2024-05-01T06:00:00Z", dist=0), _point("2024-05-01T06:10:00Z", dist=1800)]
    ride = [_point("2024-05-01T06:00:00Z", dist=0), _point("2024-05-01T06:10:00Z", dist=6000)]
    # laps' timer 600 s: 1800 m / 600 s = 3.0 m/s (a run); 6000 m / 600 s = 10.0 m/s (not a run)
    result = read_tcx(_tcx(_activity("Other", jog, lap_time="600", lap_dist="1800")
                           + _activity("Other", ride, lap_time="600", lap_dist="6000")
                           + _activity("", jog, lap_time="600", lap_dist="1800")))
    assert result.log["status"].tolist() == ["imported", "not_a_run", "imported"]
    assert result.runs["sport"].tolist() == ["running", "running"]
    assert result.runs["distance_m"].tolist() == [1800, 1800]
    reasons = result.log["reason"].tolist()
    assert "sport Other in file, not a specific sport; assumed a run" in reasons[0]
    assert "average speed 10.0 m/s is too fast for a run" in reasons[1]
    assert "sport (none) in file, not a specific sport; assumed a run" in reasons[2]
    # Biking stays not a run whatever its speed
    slow_ride = read_tcx(_tcx(_activity("Biking", jog, lap_time="600", lap_dist="1800")))
    assert slow_ride.runs.empty and slow_ride.log["status"].tolist() == ["not_a_run"]


def test_sport_outside_the_schema_is_read_in_any_language():
    points = [_point("2024-05-01T06:00:00Z", dist=0), _point("2024-05-01T06:10:00Z", dist=1800)]
    result = read_tcx(_tcx(_activity("Laufen", points) + _activity("Trail Running", points)
                           + _activity("Radfahren", points)))
    assert result.log["status"].tolist() == ["imported", "imported", "not_a_run"]
    assert result.runs["sport"].tolist() == ["running", "trail_running"]
    assert "sport Laufen taken as running (a running type in another language)" in result.log["reason"].iloc[0]
    assert "sport Radfahren is not a run" in result.log["reason"].iloc[2]


def test_lap_only_activity_uses_lap_distance_and_heart_rate():
    activity = _activity("Running", [], lap_time="600", lap_dist="2000", lap_hr=150)
    result = read_tcx(_tcx(activity + activity.replace("2024-05-01", "2024-05-02")))
    run = result.runs.iloc[0]
    assert run["distance_m"] == 2000 and run["moving_time_s"] == 600
    assert run["avg_heart_rate_bpm"] == 150
    assert pd.isna(run["elapsed_time_s"])
    assert run["start_time"] == pd.Timestamp("2024-05-01T06:00:00Z")
    assert result.samples.empty


def test_truncated_file_keeps_what_precedes_the_damage(shared_data):
    data = (shared_data / "tcx" / "garmin_fr620_run.tcx").read_bytes()
    cut = read_tcx(data[: len(data) // 2], name="cut.tcx")
    assert 0 < len(cut.samples) < 147
    assert cut.log["status"].iloc[0] == "imported"
    assert "damaged XML" in cut.log["reason"].iloc[0]

    cut_gz = read_tcx(gzip.compress(data)[:-200], name="cut.tcx.gz")
    assert 0 < len(cut_gz.samples) <= 147
    assert "gzip stream ends early" in cut_gz.log["reason"].iloc[0]


def test_whole_file_failures_raise_one_line_errors(tmp_path):
    with pytest.raises(RunlogError, match="not a TCX file"):
        read_tcx(b"<gpx><trk/></gpx>", name="x.tcx")
    with pytest.raises(RunlogError, match="not readable as XML"):
        read_tcx(b"\x00\x01 this is no XML", name="x.tcx")
    with pytest.raises(RunlogError, match="no Activity"):
        read_tcx(_tcx(""), name="course.tcx")
    with pytest.raises(RunlogError, match="cannot read"):
        read_tcx(tmp_path / "missing.tcx")
    with pytest.raises(RunlogError, match="damaged gzip data"):
        read_tcx(b"\x1f\x8b" + b"\xff" * 64, name="x.tcx.gz")


def test_id_with_own_offset_sets_local_date_and_untimed_trackpoints_are_counted():
    activity = _activity(
        "Running",
        [
            _point("2024-05-01T06:00:00Z", dist=0),
            "<Trackpoint><DistanceMeters>5</DistanceMeters></Trackpoint>",
            _point("2024-05-01T06:00:10Z", dist=20),
        ],
    ).replace("<Id>2024-05-01T06:00:00Z</Id>", "<Id>2024-04-30T23:00:00-07:00</Id>")
    result = read_tcx(_tcx(activity), tz="Asia/Tokyo")
    run = result.runs.iloc[0]
    assert run["start_time"] == pd.Timestamp("2024-05-01T06:00:00Z")
    assert run["date"] == pd.Timestamp("2024-04-30")  # the Id's own offset; in Tokyo it is 1 May
    assert len(result.samples) == 2
    assert "1 more trackpoints have no readable Time" in result.log["reason"].iloc[0]


def test_track_ending_before_its_laps_takes_the_laps_totals():
    """A track thinned by an exporter (two points to a 30-minute lap) or cut short: the laps hold the run."""
    points = [_point("2024-05-01T06:00:02Z", dist=11, hr=70), _point("2024-05-01T06:00:07Z", dist=17, hr=72)]
    result = read_tcx(_tcx(_activity("Running", points, lap_time="1800.0", lap_dist="5400.5")), name="thin.tcx")
    run = result.runs.iloc[0]
    assert run["distance_m"] == 5400.5 and run["moving_time_s"] == 1800
    assert run["elapsed_time_s"] == 1800  # from the lap's start to its end, not the 5 s of trackpoints
    assert run["avg_heart_rate_bpm"] == 71  # the lap has no average of its own: the trackpoints' mean
    with_lap_hr = read_tcx(_tcx(_activity("Running", points, lap_time="1800.0", lap_dist="5400.5", lap_hr=142)))
    assert with_lap_hr.runs["avg_heart_rate_bpm"].iloc[0] == 142
    reason = result.log["reason"].iloc[0]
    assert result.log["status"].iloc[0] == "imported"
    assert "trackpoints end before the laps do (17 m in 5 s of the laps' 5400 m in 1800 s)" in reason
    # a lap without a readable StartTime: the elapsed time is at least the lap's timer time, not the track's 5 s
    no_start = _tcx(_activity("Running", points, lap_time="1800.0", lap_dist="5400.5")).replace(
        b' StartTime="2024-05-01T06:00:00Z"', b"")
    assert read_tcx(no_start).runs["elapsed_time_s"].iloc[0] == 1800
    # a track that covers its lap (or one whose lap distance is the smaller) keeps the track's figures
    whole = read_tcx(_tcx(_activity("Running", points, lap_time="6", lap_dist="17")))
    assert whole.runs["distance_m"].iloc[0] == 17 and "laps' totals" not in whole.log["reason"].iloc[0]


def test_a_course_or_workout_file_is_not_a_run():
    """A route planner's course (every trackpoint one time) or a workout plan: nothing recorded."""
    point = ("<Trackpoint><Time>2025-01-05T10:00:00Z</Time><Position><LatitudeDegrees>51.1</LatitudeDegrees>"
             "<LongitudeDegrees>-0.2</LongitudeDegrees></Position><DistanceMeters>{d}</DistanceMeters></Trackpoint>")
    course = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
        "<Folders><Courses><CourseFolder Name=\"Planner\"><CourseNameRef><Id>Park loop</Id></CourseNameRef>"
        "</CourseFolder></Courses></Folders>"
        "<Courses><Course><Name>Park loop</Name><Lap><TotalTimeSeconds>0.0</TotalTimeSeconds>"
        "<DistanceMeters>5000.0</DistanceMeters><Intensity>Active</Intensity></Lap><Track>"
        + point.format(d=0) + point.format(d=12.5) + "</Track></Course></Courses></TrainingCenterDatabase>"
    ).encode()
    result = read_tcx(course, name="loop.tcx")
    assert result.runs.empty and result.samples.empty
    (row,) = result.log.to_dict("records")
    assert row["status"] == "not_a_run" and row["source_file"] == "loop.tcx"
    assert row["reason"] == "a planned course (1 course(s), 2 course points), not a recorded activity"
    assert "51.1" not in row["reason"]  # no position in the log
    workout = _tcx("").replace(b"<Activities></Activities>",
                               b'<Workouts><Workout Sport="Running"><Name>4x1k</Name></Workout></Workouts>')
    (row,) = read_tcx(workout, name="plan.tcx").log.to_dict("records")
    assert row["status"] == "not_a_run" and "a planned workout (1 workout(s))" in row["reason"]


def test_sport_of_the_schema_in_lower_case_is_the_schema_sport():
    """Runtastic (adidas Running) writes Sport="running": the schema's Running, not a foreign word."""
    points = [_point("2024-05-01T06:00:00Z", dist=0), _point("2024-05-01T06:10:00Z", dist=1800)]
    result = read_tcx(_tcx(_activity("running", points) + _activity("BIKING", points)))
    assert result.log["status"].tolist() == ["imported", "not_a_run"]
    assert result.runs["sport"].tolist() == ["running"]
    assert result.log["reason"].iloc[0] == "activity 1 of 2: 2 trackpoints"  # no "taken as running (another language)"


def test_run_cadence_already_in_steps_per_minute_is_not_doubled_again():
    """Wahoo Fitness app, foot pod on a treadmill (Runalyze's Treadmill-doubled-cadence.tcx): RunCadence
    86 while walking at 0.86 m/s, then 178 at 2.7 m/s: steps/min, though TCX defines strides/min."""
    cadences = [0, 86, 86, 86, 86, 178, 178, 180, 178, 178, 178]  # walking fills almost half
    points = [
        _point(f"2024-05-01T06:{i // 6:02d}:{10 * (i % 6):02d}Z", dist=20 * i, run_cad=cad, speed=2.7)
        for i, cad in enumerate(cadences)
    ]
    result = read_tcx(_tcx(_activity("Running", points, lap_time="100", lap_dist="200")), name="wahoo.tcx")
    run = result.runs.iloc[0]
    # non-zero values: 4 x 86 + 5 x 178 + 180 = 1414 over 10; the 90th percentile is 178 + 0.1 x 2
    assert run["avg_cadence_spm"] == pytest.approx(141.4)
    assert result.samples["cadence_spm"].tolist() == cadences
    assert "cadence already steps/min (90th percentile 178/min" in result.log["reason"].iloc[0]


def test_sprint_repeats_in_strides_per_minute_are_still_doubled():
    """Strides/min with fast repeats (up to 125/min, 250 steps/min) stays under the 130/min boundary."""
    cadences = [80, 82, 120, 125, 84, 118, 124, 80, 82, 81]
    points = [_point(f"2024-05-01T06:00:{5 * i:02d}Z", dist=15 * i, run_cad=cad) for i, cad in enumerate(cadences)]
    result = read_tcx(_tcx(_activity("Running", points)))
    # 90th percentile of the sorted values 80 80 81 82 82 84 118 120 124 125: 124 + 0.1 x 1 = 124.1 < 130
    assert result.samples["cadence_spm"].tolist() == [2 * c for c in cadences]
    assert result.runs["avg_cadence_spm"].iloc[0] == pytest.approx(2 * 97.6)
    assert "steps/min" not in result.log["reason"].iloc[0]


def test_multisport_session_gives_one_log_row_per_activity_and_skips_transitions():
    """Garmin Training Center's MultiSportSession (Runalyze's Multisport.tcx: bike, run, bike, with a
    Transition lap): each Activity is a log row, the run is imported with its own Id as start."""
    def activity(sport: str, start: str, end: str, metres: int, seconds: int) -> str:
        return (f'<Activity Sport="{sport}"><Id>{start}</Id><Lap StartTime="{start}">'
                f"<TotalTimeSeconds>{seconds}</TotalTimeSeconds><DistanceMeters>{metres}</DistanceMeters><Track>"
                f"{_point(start, dist=0)}{_point(end, dist=metres)}</Track></Lap></Activity>")

    transition = ('<Transition StartTime="2013-04-18T16:22:35Z"><TotalTimeSeconds>65</TotalTimeSeconds>'
                  "<DistanceMeters>40</DistanceMeters><Intensity>Active</Intensity></Transition>")
    session = (
        "<MultiSportSession><Id>2013-04-18T16:14:21Z</Id>"
        f"<FirstSport>{activity('Biking', '2013-04-18T16:14:21Z', '2013-04-18T16:22:35Z', 2355, 494)}</FirstSport>"
        f"<NextSport>{transition}"
        f"{activity('Running', '2013-04-18T16:24:00Z', '2013-04-18T17:23:31Z', 11460, 3571)}</NextSport>"
        f"<NextSport>{activity('Biking', '2013-04-18T17:35:00Z', '2013-04-18T17:42:00Z', 2355, 420)}</NextSport>"
        "</MultiSportSession>"
    )
    result = read_tcx(_tcx(session), name="multisport.tcx")
    assert result.log["status"].tolist() == ["not_a_run", "imported", "not_a_run"]
    assert result.log["reason"].str.startswith(("activity 1 of 3", "activity 2 of 3", "activity 3 of 3")).all()
    run = result.runs.iloc[0]
    assert result.runs.index[0].endswith(":1")
    assert run["start_time"] == pd.Timestamp("2013-04-18T16:24:00Z")
    assert (run["distance_m"], run["moving_time_s"], run["elapsed_time_s"]) == (11460, 3571, 3571)


def test_a_heart_rate_of_zero_is_none_measured_not_zero():
    """``<HeartRateBpm><Value>0</Value>`` is written while the strap has no contact (RunnerUp records 0 bpm when
    the belt's connection is lost: jonasoreland/runnerup issue 373): no reading, as a GPX heart rate of 0 is."""
    points = [
        _point("2024-05-01T06:00:00Z", dist=0, hr=150),
        _point("2024-05-01T06:00:05Z", dist=10, hr=0),
        _point("2024-05-01T06:00:10Z", dist=20, hr=160),
        _point("2024-05-01T06:00:15Z", dist=30, hr=0),
    ]
    result = read_tcx(_tcx(_activity("Running", points)), name="strap.tcx")
    assert result.runs["avg_heart_rate_bpm"].iloc[0] == pytest.approx(155.0)  # (150 + 160) / 2, not 310 / 4
    assert result.samples["heart_rate_bpm"].isna().tolist() == [False, True, False, True]
    assert "heart rate 0 at 2 trackpoint(s): taken as none measured" in result.log["reason"].iloc[0]
    # a lap's average of 0 is none either: with no trackpoint heart rate the run has none, not 0 bpm
    lap_only = read_tcx(_tcx(_activity("Running", [], lap_time="600", lap_dist="2000", lap_hr="0")))
    assert pd.isna(lap_only.runs["avg_heart_rate_bpm"].iloc[0])
    no_zero = read_tcx(_tcx(_activity("Running", points[:1])), name="ok.tcx")
    assert "heart rate 0" not in no_zero.log["reason"].iloc[0]

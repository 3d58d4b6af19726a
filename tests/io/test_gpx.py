"""Tests for analysis.io.gpx: real files (data/README.md, "gpx/") and small quirk fixtures."""

from __future__ import annotations

import gzip
import math

import gpxpy
import numpy as np
import pandas as pd
import pytest
from lxml import etree

from analysis import schema
from analysis.errors import RunlogError
from analysis.io.gpx import read_gpx, sniff

# file -> <type>, start UTC (to the second), gpxpy length_2d m, elapsed s, trackpoints,
# with HR, with cadence, with <ele> -- data/README.md, gpx/
REFERENCE = {
    "nikerun_gpxpy_run.gpx": (None, "2021-07-04T11:23:19Z", 8257.3, 3169.6, 727, 494, 0, 290),
    "strava_run.gpx": ("9", "2021-01-10T08:54:28Z", 12608.7, 5127.0, 1697, 1697, 1697, 1697),
    "tomtom_run.gpx": (None, "2017-05-27T08:13:01Z", 4812.2, 1423.0, 1424, 0, 0, 1424),
}


@pytest.mark.parametrize("filename", sorted(REFERENCE))
def test_real_files_match_readme(shared_data, filename):
    track_type, start, length, elapsed, points, with_hr, with_cad, with_ele = REFERENCE[filename]
    path = shared_data / "gpx" / filename
    result = read_gpx(path)
    schema.validate_runs(result.runs)
    schema.validate_samples(result.samples)
    schema.validate_import_log(result.log)

    assert len(result.runs) == 1
    run = result.runs.iloc[0]
    assert run["sport"] == "running"
    assert run["start_time"].floor("s") == pd.Timestamp(start)
    assert run["distance_m"] == pytest.approx(length, rel=1e-3)
    # the distance is gpxpy's own length_2d, computed independently here
    assert run["distance_m"] == pytest.approx(gpxpy.parse(path.read_text("utf-8")).length_2d(), rel=1e-9)
    assert run["elapsed_time_s"] == pytest.approx(elapsed, abs=0.05)
    assert 0 < run["moving_time_s"] <= run["elapsed_time_s"]

    samples = result.samples
    assert len(samples) == points
    assert samples["heart_rate_bpm"].notna().sum() == with_hr
    assert samples["cadence_spm"].notna().sum() == with_cad
    assert samples["altitude_m"].notna().sum() == with_ele
    assert samples["distance_m"].iloc[-1] == pytest.approx(run["distance_m"])
    assert samples["distance_m"].is_monotonic_increasing

    log = result.log
    assert len(log) == 1 and log["status"].iloc[0] == "imported"
    assert log["activity_id"].iloc[0] == result.runs.index[0] and result.runs.index[0].startswith("gpx:")
    if track_type is None:
        assert "no activity type in file; assumed a run" in log["reason"].iloc[0]


def test_strava_cadence_is_doubled_and_name_read(shared_data):
    path = shared_data / "gpx" / "strava_run.gpx"
    result = read_gpx(path)
    raw = [float(e.text) for e in etree.parse(str(path)).iter("{*}cad")]
    raw_mean = np.mean([c for c in raw if c > 0])
    assert result.runs["avg_cadence_spm"].iloc[0] == pytest.approx(2 * raw_mean)
    assert 150 < result.runs["avg_cadence_spm"].iloc[0] < 200  # a running step rate
    assert result.samples["cadence_spm"].iloc[0] == 168  # first point: gpxtpx:cad 84
    assert result.runs["name"].iloc[0] == "Ciclofaixa Recife Antigo x Jaqueira 002 - 12km livre"
    assert result.samples["heart_rate_bpm"].iloc[0] == 174


def test_positions_only_when_asked(shared_data):
    path = shared_data / "gpx" / "tomtom_run.gpx"
    assert not {"latitude_deg", "longitude_deg"} & set(read_gpx(path).samples.columns)
    samples = read_gpx(path, positions=True).samples
    assert samples["latitude_deg"].notna().sum() == 1424
    assert samples[["latitude_deg", "longitude_deg"]].iloc[0].tolist() == [52.147912, -0.459622]


def test_gzip_bytes_give_the_same_run(shared_data):
    path = shared_data / "gpx" / "nikerun_gpxpy_run.gpx"
    plain = read_gpx(path)
    packed = read_gpx(gzip.compress(path.read_bytes()), name="activities/5.gpx.gz")
    assert packed.runs.index.tolist() == plain.runs.index.tolist()
    assert packed.runs["distance_m"].iloc[0] == plain.runs["distance_m"].iloc[0]
    assert packed.log["source_file"].iloc[0] == "activities/5.gpx.gz"


def test_same_tomtom_run_in_tcx_and_gpx(shared_data):
    from analysis.io.tcx import read_tcx

    gpx_run = read_gpx(shared_data / "gpx" / "tomtom_run.gpx").runs.iloc[0]
    tcx_run = read_tcx(shared_data / "tcx" / "tomtom_run.tcx").runs.iloc[0]
    assert gpx_run["start_time"] == tcx_run["start_time"]
    # README: device 4824.9 m vs GPX 2-D length 4812.2 m; close, not equal
    assert gpx_run["distance_m"] == pytest.approx(tcx_run["distance_m"], rel=0.005)
    assert gpx_run["distance_m"] != tcx_run["distance_m"]


def test_sniff(shared_data):
    head = (shared_data / "gpx" / "tomtom_run.gpx").read_bytes()[:65536]
    assert sniff(head, "tomtom_run.gpx")
    assert sniff(gzip.compress(head)[:2048], "x.gpx.gz")
    assert not sniff((shared_data / "tcx" / "tomtom_run.tcx").read_bytes()[:65536], "tomtom_run.tcx")


# --- small fixtures reproducing quirks -------------------------------------------------------------

# gpxpy's 2-D distance uses one degree = 2 pi x 6378137 m / 360 along the equator
STEP_M = 2 * math.pi * 6_378_137 / 360 * 0.001


def _gpx(segments: list[list[tuple]], track_type: str | None = None, prefix: str = "gpxtpx") -> bytes:
    """Points as (lon, seconds after 06:00:00, hr, cad) at latitude 0; None leaves a field out."""
    body = []
    for segment in segments:
        pts = []
        for lon, sec, hr, cad in segment:
            time = (
                ""
                if sec is None
                else f"<time>{pd.Timestamp('2024-05-01T06:00:00Z') + pd.Timedelta(seconds=sec):%Y-%m-%dT%H:%M:%SZ}</time>"
            )
            ext = "".join(
                f"<{prefix}:{tag}>{value}</{prefix}:{tag}>"
                for tag, value in (("hr", hr), ("cad", cad))
                if value is not None
            )
            ext = (
                f"<extensions><{prefix}:TrackPointExtension>{ext}</{prefix}:TrackPointExtension></extensions>"
                if ext
                else ""
            )
            pts.append(f'<trkpt lat="0" lon="{lon}"><ele>5</ele>{time}{ext}</trkpt>')
        body.append(f"<trkseg>{''.join(pts)}</trkseg>")
    type_el = f"<type>{track_type}</type>" if track_type is not None else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1" '
        f'xmlns:{prefix}="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'
        f"<trk><name> Lunch Run </name>{type_el}{''.join(body)}</trk></gpx>"
    ).encode()


TWO_SEGMENTS = [
    # 40 s per 0.001 deg (2.78 m/s), then a 60 s stop, then a pause until the 2nd segment
    [(0.000, 0, 140, 85), (0.001, 40, 150, 86), (0.002, 80, 160, 87), (0.002, 140, 150, 0)],
    [(0.010, 200, 150, 88), (0.011, 240, 160, 89)],
]


def test_two_segments_distance_moving_time_and_samples():
    result = read_gpx(_gpx(TWO_SEGMENTS, track_type="9"), name="two.gpx")
    run = result.runs.iloc[0]
    assert run["distance_m"] == pytest.approx(3 * STEP_M, rel=1e-9)  # the gap between segments not counted
    assert run["elapsed_time_s"] == 240
    assert run["moving_time_s"] == 120  # 80 s + 40 s: the stop and the pause left out
    assert run["name"] == "Lunch Run"
    assert run["avg_heart_rate_bpm"] == pytest.approx(910 / 6)
    assert run["avg_cadence_spm"] == pytest.approx(2 * (85 + 86 + 87 + 88 + 89) / 5)
    assert run["elevation_gain_m"] == 0
    samples = result.samples
    assert samples["distance_m"].tolist() == pytest.approx(
        [0, STEP_M, 2 * STEP_M, 2 * STEP_M, 2 * STEP_M, 3 * STEP_M]
    )
    assert samples["elapsed_s"].tolist() == [0, 40, 80, 140, 200, 240]
    speed = samples["speed_mps"]
    assert np.isnan(speed.iloc[0]) and np.isnan(speed.iloc[4])  # start of each segment
    assert speed.iloc[1] == pytest.approx(STEP_M / 40) and speed.iloc[3] == 0
    assert samples["cadence_spm"].tolist() == [170, 172, 174, 0, 176, 178]


@pytest.mark.parametrize(
    ("track_type", "sport"),
    [
        ("9", "running"),
        ("run", "running"),
        ("Running", "running"),
        ("TrailRun", "trail_running"),
        ("trail_running", "trail_running"),
        ("treadmill_running", "treadmill_running"),
    ],
)
def test_run_types(track_type, sport):
    result = read_gpx(_gpx(TWO_SEGMENTS, track_type=track_type))
    assert result.runs["sport"].iloc[0] == sport
    assert "assumed" not in result.log["reason"].iloc[0]


@pytest.mark.parametrize(
    ("track_type", "word"),
    [("1", "ride"), ("4", "hike"), ("10", "walk"), ("16", "16"), ("cycling", "cycling")],
)
def test_other_types_are_not_runs(track_type, word):
    result = read_gpx(_gpx(TWO_SEGMENTS, track_type=track_type))
    assert result.runs.empty and result.samples.empty
    assert result.log["status"].tolist() == ["not_a_run"]
    assert word in result.log["reason"].iloc[0]


@pytest.mark.parametrize(
    ("track_type", "sport", "how"),
    [
        ("Laufen", "running", "a running type in another language"),  # OpenTracks, German user
        ("Course à pied", "running", "a running type in another language"),
        ("Hardlopen", "running", "a running type in another language"),
        ("Laufband", "treadmill_running", "a running type in another language"),
        ("Abendlauf", "running", "it has a running word in it"),  # the user's own category
    ],
)
def test_type_in_the_users_language_is_a_run(track_type, sport, how):
    result = read_gpx(_gpx(TWO_SEGMENTS, track_type=track_type))
    assert result.runs["sport"].tolist() == [sport]
    reason = result.log["reason"].iloc[0]
    assert result.log["status"].tolist() == ["imported"]
    assert f"type {track_type} taken as {sport} ({how})" in reason


@pytest.mark.parametrize("track_type", ["Radfahren", "Wandern", "Vélo", "Fietsen", "Langlauf"])
def test_type_in_the_users_language_not_running_is_not_a_run(track_type):
    result = read_gpx(_gpx(TWO_SEGMENTS, track_type=track_type))
    assert result.runs.empty and result.log["status"].tolist() == ["not_a_run"]
    assert f"sport {track_type} is not a run" in result.log["reason"].iloc[0]


def test_no_type_fast_track_is_not_a_run():
    # 0.001 deg every 10 s = 11.1 m/s: a bike, not a runner
    fast = [[(0.000, 0, None, None), (0.001, 10, None, None), (0.002, 20, None, None)]]
    result = read_gpx(_gpx(fast))
    assert result.log["status"].tolist() == ["not_a_run"]
    assert "no activity type in file" in result.log["reason"].iloc[0]
    assert "too fast" in result.log["reason"].iloc[0]


def test_extension_prefix_other_than_gpxtpx():
    result = read_gpx(_gpx(TWO_SEGMENTS, track_type="running", prefix="ns3"))
    assert result.samples["heart_rate_bpm"].notna().sum() == 6
    assert result.samples["cadence_spm"].iloc[0] == 170


def test_points_without_time_count_in_distance_but_not_in_samples():
    segs = [[(0.000, 0, None, None), (0.001, None, None, None), (0.002, 80, None, None)]]
    result = read_gpx(_gpx(segs, track_type="9"))
    assert len(result.samples) == 2
    assert result.runs["distance_m"].iloc[0] == pytest.approx(2 * STEP_M)
    assert result.samples["distance_m"].iloc[-1] == pytest.approx(2 * STEP_M)
    assert "1 of 3 points have no time" in result.log["reason"].iloc[0]


def test_whole_file_failures_raise_one_line_errors(tmp_path):
    with pytest.raises(RunlogError, match="no timestamps"):
        read_gpx(_gpx([[(0.0, None, None, None), (0.001, None, None, None)]]), name="route.gpx")
    with pytest.raises(RunlogError, match="no track points"):
        read_gpx(_gpx([]), name="empty.gpx")
    # Garmin Connect's GPX of a treadmill run: a typed track with an empty segment
    with pytest.raises(RunlogError, match=r"no track points in the GPX file \(an activity recorded without GPS"):
        read_gpx(_gpx([[]], track_type="running"), name="treadmill.gpx")
    with pytest.raises(RunlogError, match="not a GPX file"):
        read_gpx(b"<TrainingCenterDatabase/>", name="x.gpx")
    with pytest.raises(RunlogError, match="not readable as GPX"):
        read_gpx(b"<gpx><trk><trkseg><trkpt lat=", name="cut.gpx")
    with pytest.raises(RunlogError, match="cannot read"):
        read_gpx(tmp_path / "missing.gpx")


_ROUTE_GPX = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<gpx version="1.1" creator="planner" xmlns="http://www.topografix.com/GPX/1/1">'
    b'<wpt lat="52.1" lon="4.3"><name>car park</name></wpt>'
    b'<rte><name>Sunday loop</name><rtept lat="52.1" lon="4.3"/><rtept lat="52.2" lon="4.4"/>'
    b'<rtept lat="52.1" lon="4.5"/></rte></gpx>'
)


def test_a_planned_route_or_waypoints_alone_are_not_a_run():
    result = read_gpx(_ROUTE_GPX, name="loop.gpx")
    assert result.runs.empty and result.samples.empty
    (row,) = result.log.to_dict("records")
    assert row["status"] == "not_a_run" and row["source_file"] == "loop.gpx"
    assert "planned route (1 route(s), 3 route points)" in row["reason"]
    places = _ROUTE_GPX.split(b"<rte>")[0] + b"</gpx>"
    (row,) = read_gpx(places, name="places.gpx").log.to_dict("records")
    assert row["status"] == "not_a_run" and "only waypoints (1)" in row["reason"]
    # the coordinates of a route never reach the log
    assert "52.1" not in row["reason"] and "4.3" not in row["reason"]


def test_damaged_or_cut_gzip_is_refused_whole():
    data = _gpx([[(0.000, 0, None, None), (0.001, 40, None, None)]], track_type="9")
    assert len(read_gpx(gzip.compress(data), name="ok.gpx.gz").runs) == 1
    with pytest.raises(RunlogError, match="damaged gzip data .*cut short"):
        read_gpx(gzip.compress(data)[:-20], name="cut.gpx.gz")
    with pytest.raises(RunlogError, match="damaged gzip data .*bytes after the gzip data"):
        read_gpx(gzip.compress(data) + b"junk", name="tail.gpx.gz")


def test_times_with_own_offset_set_the_local_date():
    data = _gpx([[(0.000, 0, None, None), (0.001, 40, None, None)]], track_type="9")
    # 06:00Z written as 23:00 the day before at UTC-7
    data = data.replace(b"2024-05-01T06:00:00Z", b"2024-04-30T23:00:00-07:00")
    run = read_gpx(data, tz="Europe/Paris").runs.iloc[0]
    assert run["start_time"] == pd.Timestamp("2024-05-01T06:00:00Z")
    assert run["date"] == pd.Timestamp("2024-04-30")
    assert read_gpx(_gpx([[(0.0, 0, None, None), (0.001, 40, None, None)]], "9"), tz="America/Denver").runs[
        "date"
    ].iloc[0] == pd.Timestamp("2024-05-01")


def test_a_track_with_no_point_on_the_globe_has_an_unknown_distance_not_zero():
    # a watch that never had a fix writes lat="200" on every point: the run is kept (its times are real), the
    # distance is unknown (NA), not 0 m, which would count as a run of no km in the weekly load
    data = _gpx([[(0.000, 0, None, None), (0.001, 600, None, None), (0.002, 1200, None, None)]], "running")
    data = data.replace(b'lat="0"', b'lat="200"')
    run = read_gpx(data).runs.iloc[0]
    assert pd.isna(run["distance_m"]) and run["elapsed_time_s"] == 1200


def test_points_off_the_globe_have_no_position_and_add_no_distance():
    # MyTracks / older OpenTracks: lat="100" marks a pause, lat="200" the resume (no elevation)
    data = _gpx([[(0.000, 0, None, None), (0.001, 40, None, None), (0.002, 80, None, None),
                  (0.002, 81, None, None), (0.002, 82, None, None), (0.003, 120, None, None)]], "running")
    data = data.replace(b'<trkpt lat="0" lon="0.002"><ele>5</ele><time>2024-05-01T06:01:21Z',
                        b'<trkpt lat="100" lon="0"><time>2024-05-01T06:01:21Z')
    data = data.replace(b'<trkpt lat="0" lon="0.002"><ele>5</ele><time>2024-05-01T06:01:22Z',
                        b'<trkpt lat="200" lon="0"><time>2024-05-01T06:01:22Z')
    result = read_gpx(data, positions=True)
    run = result.runs.iloc[0]
    assert run["distance_m"] == pytest.approx(3 * STEP_M, rel=1e-9)  # was about 30 000 km
    samples = result.samples
    assert len(samples) == 6 and samples["latitude_deg"].isna().tolist() == [False] * 3 + [True] * 2 + [False]
    assert samples["distance_m"].tolist() == pytest.approx([0, STEP_M, 2 * STEP_M, 2 * STEP_M, 2 * STEP_M,
                                                            3 * STEP_M])


def _sporttracks_gpx(own_hr: int | None = None) -> bytes:
    """A SportTracks-layout GPX (a-rival SpoQ writes it): heart rate in the file's st:heartRateTrack.

    Three points 40 s apart; the heart-rate samples are at 0 s, 41 s (1 s off its point) and
    100 s (20 s past the last point at 80 s: too far). ``own_hr`` gives the first point a
    gpxtpx:hr of its own.
    """
    def at(sec: int) -> str:
        return f"{pd.Timestamp('2024-05-01T06:00:00Z') + pd.Timedelta(seconds=sec):%Y-%m-%dT%H:%M:%SZ}"

    own = (f"<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>{own_hr}</gpxtpx:hr>"
           "</gpxtpx:TrackPointExtension></extensions>") if own_hr is not None else ""
    points = "".join(
        f'<trkpt lat="0" lon="{lon}"><ele>5</ele><speed>10.1</speed><time>{at(sec)}</time>{own if not sec else ""}</trkpt>'
        for lon, sec in ((0.000, 0), (0.001, 40), (0.002, 80))
    )
    track = "".join(f'<st:heartRate time="{at(sec)}" bpm="{bpm}" />' for sec, bpm in ((0, 100), (41, 130), (100, 170)))
    return (
        '<?xml version="1.0"?><gpx version="1.1" creator="a-rival SpoQ PC Software" '
        'xmlns:st="urn:uuid:D0EB2ED5-49B6-44e3-B13C-CF15BE7DD7DD" xmlns="http://www.topografix.com/GPX/1/1" '
        'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'
        f'<extensions><st:activity id="1" startTime="{at(0)}" distanceEntered="0.2">'
        f"<st:heartRateTrack>{track}</st:heartRateTrack></st:activity></extensions>"
        f"<trk><number>1</number><trkseg>{points}</trkseg></trk></gpx>"
    ).encode()


def test_sporttracks_heart_rate_track_at_file_level_is_read():
    result = read_gpx(_sporttracks_gpx(), name="spoq.gpx")
    # 0 s -> 100, 40 s -> 130 (sample 1 s away), 80 s -> none (nearest sample 20 s away)
    assert result.samples["heart_rate_bpm"].iloc[:2].tolist() == [100, 130]
    assert np.isnan(result.samples["heart_rate_bpm"].iloc[2])
    assert result.runs["avg_heart_rate_bpm"].iloc[0] == pytest.approx(115)
    assert "heart rate of 2 of 3 timed points from the file's heartRateTrack" in result.log["reason"].iloc[0]
    # the km/h <speed> child of the GPX 1.0 kind is not taken for m/s
    assert result.samples["speed_mps"].iloc[1] == pytest.approx(STEP_M / 40)


def test_a_points_own_heart_rate_wins_over_the_file_heart_rate_track():
    result = read_gpx(_sporttracks_gpx(own_hr=90), name="spoq.gpx")
    assert result.samples["heart_rate_bpm"].iloc[:2].tolist() == [90, 130]


def test_cad_already_in_steps_per_minute_is_not_doubled_again():
    """A GPX ``cad`` written as steps/min (170 while running): kept, and the log says so."""
    segment = [(0.000 + 0.001 * i, 40 * i, 150, cad) for i, cad in enumerate([0, 168, 170, 172, 170])]
    result = read_gpx(_gpx([segment], track_type="running"))
    assert result.runs["avg_cadence_spm"].iloc[0] == pytest.approx(170.0)  # (168 + 170 + 172 + 170) / 4
    assert result.samples["cadence_spm"].tolist() == [0, 168, 170, 172, 170]
    assert "cadence already steps/min" in result.log["reason"].iloc[0]


def _app_versioned_gpx(version_attr: str, namespace: str = "http://www.topografix.com/GPX/1/1") -> bytes:
    """A GPX file whose root ``version`` is not "1.1": three points 40 s apart, hr and cad in extensions.

    The Zepp App writes its own version there (``version="7.7.5-play"``; tkrajina/gpxgo issue 20
    quotes such a file: ``creator="Zepp App"``, ``ns3:TrackPointExtension`` with ``ns3:speed``,
    ``ns3:cad`` and ``ns3:hr``), the ZeppLife App ``6.8.1``, the Amazfit App ``4.3.0``; COROS writes
    no version at all beside the GPX 1.0 namespace and puts ``<heartrate>`` in ``<extensions>``.
    gpxpy reads a point's extensions and a track's ``<type>`` only when the version is exactly 1.1.
    """
    points = "".join(
        f'<trkpt lat="0" lon="{0.001 * i}"><ele>5</ele>'
        f"<time>{pd.Timestamp('2024-05-01T06:00:00Z') + pd.Timedelta(seconds=40 * i):%Y-%m-%dT%H:%M:%SZ}</time>"
        f"<extensions><ns3:TrackPointExtension><ns3:speed>2.78</ns3:speed><ns3:cad>{cad}</ns3:cad>"
        f"<ns3:hr>{hr}</ns3:hr></ns3:TrackPointExtension><heartrate>{hr}</heartrate></extensions></trkpt>"
        for i, (hr, cad) in enumerate([(120, 168), (130, 170), (140, 172)])
    )
    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>"
        f'<gpx xmlns="{namespace}" '
        'xmlns:ns3="http://www.garmin.com/xmlschemas/TrackPointExtension/v1" '
        f'creator="Zepp App"{version_attr}><trk><name>20240501 Outdoor Running</name><type>running</type>'
        f"<trkseg>{points}</trkseg></trk></gpx>"
    ).encode()


@pytest.mark.parametrize(
    ("version_attr", "namespace"),
    [
        (' version="7.7.5-play"', "http://www.topografix.com/GPX/1/1"),  # Zepp App
        (' version="4.3.0"', "http://www.topografix.com/GPX/1/1"),  # Amazfit App
        ("", "http://www.topografix.com/GPX/1/0"),  # COROS: no version, GPX 1.0 namespace
    ],
)
def test_an_apps_own_version_number_on_the_root_loses_no_extension_or_type(version_attr, namespace):
    result = read_gpx(_app_versioned_gpx(version_attr, namespace), name="zepp.gpx")
    run = result.runs.iloc[0]
    assert result.log["status"].tolist() == ["imported"]
    assert "assumed a run" not in result.log["reason"].iloc[0]  # the <type> was read
    assert run["avg_heart_rate_bpm"] == pytest.approx(130.0)  # (120 + 130 + 140) / 3
    assert run["avg_cadence_spm"] == pytest.approx(170.0)  # already steps/min: kept
    assert result.samples["heart_rate_bpm"].tolist() == [120, 130, 140]
    assert result.samples["speed_mps"].tolist() == pytest.approx([2.78] * 3)
    assert run["distance_m"] == pytest.approx(2 * STEP_M)
    if version_attr:
        assert "not a GPX version" in result.log["reason"].iloc[0]


def test_a_gpx_10_files_own_name_is_kept_when_its_track_has_none():
    text = _app_versioned_gpx(' version="1.0"', "http://www.topografix.com/GPX/1/0").decode()
    text = text.replace("<trk><name>20240501 Outdoor Running</name>", "<name>Old run</name><trk>")
    result = read_gpx(text.encode(), name="old.gpx")
    assert result.runs["name"].iloc[0] == "Old run"
    assert result.runs["avg_heart_rate_bpm"].iloc[0] == pytest.approx(130.0)


def test_a_heart_rate_of_zero_is_none_measured_not_zero():
    """COROS writes ``<heartrate>0</heartrate>`` (and ``-nan``) where it had no reading (Logiqx's notes
    on COROS GPX exports, gp3s-coros): such points have no heart rate, and the mean leaves them out."""
    segment = [(0.000, 0, 150, None), (0.001, 40, 0, None), (0.002, 80, 160, None), (0.003, 120, "-nan", None)]
    result = read_gpx(_gpx([segment], track_type="running"))
    assert result.runs["avg_heart_rate_bpm"].iloc[0] == pytest.approx(155.0)  # (150 + 160) / 2, not 310 / 3
    assert result.samples["heart_rate_bpm"].isna().tolist() == [False, True, False, True]
    assert "heart rate 0 at 1 point(s): taken as none measured" in result.log["reason"].iloc[0]


def _named_gpx(name: str, creator: str = "Zepp App", version: str = "7.7.5-play", seconds: int = 40) -> bytes:
    """An untyped GPX as the Zepp, ZeppLife and Amazfit apps export it: four points 0.001 deg apart.

    The layout is that of the files quoted in tkrajina/gpxgo issue 20 (``creator="Zepp App"
    version="7.7.5-play"``, ``<name><![CDATA[20230522 Jazda na rowerze]]></name>``), jenetics/jpx
    issue 170 (the same app, ``<![CDATA[20230507 mile iles]]>``: a title the user typed) and the
    README of OkramL's GPStoKML_2025_Summer (``creator="ZeppLife App" version="6.8.1"``,
    ``<![CDATA[20231013 Outdoor cycling]]>``): no ``<type>``, a ``<desc>`` per point and
    ``ns3:speed``/``ns3:cad``/``ns3:hr`` in a TrackPointExtension. ``seconds`` apart: 40 s is
    2.78 m/s (a runner's speed, and a slow ride's), 10 s is 11.1 m/s.
    """
    start = pd.Timestamp("2024-05-01T06:00:00Z")
    points = "".join(
        f'<trkpt lat="0" lon="{0.001 * i}"><ele>182.0</ele>'
        f"<time>{start + pd.Timedelta(seconds=seconds * i):%Y-%m-%dT%H:%M:%SZ}</time>"
        f"<desc><![CDATA[CommonTimeValuePoint(absoluteTime={int(start.timestamp()) + seconds * i}, value=0.2)]]></desc>"
        "<extensions><ns3:TrackPointExtension><ns3:speed>2.78</ns3:speed><ns3:cad>0.0</ns3:cad>"
        "<ns3:hr>125</ns3:hr></ns3:TrackPointExtension></extensions></trkpt>"
        for i in range(4)
    )
    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>"
        '<gpx xmlns="http://www.topografix.com/GPX/1/1" '
        'xmlns:ns3="http://www.garmin.com/xmlschemas/TrackPointExtension/v1" '
        'xmlns:ns1="http://www.cluetrust.com/XML/GPXDATA/1/0" '
        f'creator="{creator}" version="{version}"><trk><name><![CDATA[{name}]]></name>'
        f"<trkseg>{points}</trkseg></trk></gpx>"
    ).encode()


@pytest.mark.parametrize(
    ("name", "creator", "word"),
    [
        ("20230522 Jazda na rowerze", "Zepp App", "rowerze"),  # Polish phone: the ride of gpxgo issue 20
        ("20231013 Outdoor cycling", "ZeppLife App", "cycling"),
        ("20240501 Walking", "Amazfit App", "Walking"),
        ("20240501 Radfahren", "Zepp App", "Radfahren"),
    ],
)
def test_a_zepp_track_named_for_another_sport_is_not_a_run_at_a_runners_speed(name, creator, word):
    result = read_gpx(_named_gpx(name, creator), name="zepp.gpx")
    assert result.runs.empty
    assert result.log["status"].tolist() == ["not_a_run"]  # by speed alone (2.78 m/s) it passed as a run
    reason = result.log["reason"].iloc[0]
    assert f"track name {name!r} ({creator} writes the sport there, no <type>)" in reason
    assert f"names another sport ({word}), not a run" in reason


@pytest.mark.parametrize(
    ("name", "sport", "words"),
    [
        ("20240501 Outdoor Running", "running", "Running"),
        ("20240501 Treadmill", "treadmill_running", "Treadmill"),
        ("20240501 Trail Running", "trail_running", "Trail Running"),
        ("20240501 Laufen", "running", "Laufen"),
        ("20240501 Bieganie", "running", "Bieganie"),
        ("20240501 Course à pied", "running", "Course à pied"),
    ],
)
def test_a_zepp_track_named_for_a_run_takes_its_sport_from_the_name(name, sport, words):
    result = read_gpx(_named_gpx(name), name="zepp.gpx")
    assert result.runs["sport"].tolist() == [sport]
    reason = result.log["reason"].iloc[0]
    assert f"sport {sport} from the track name {name!r} (Zepp App writes the sport there, no <type>): {words!r}" in reason
    assert "assumed a run" not in reason


def test_a_zepp_title_naming_no_known_sport_leaves_the_speed_rule_and_says_so():
    # jpx issue 170's "20230507 mile iles": the user renamed the workout
    result = read_gpx(_named_gpx("20230507 mile iles"), name="zepp.gpx")
    assert result.runs["sport"].tolist() == ["running"]
    assert ("no activity type in file; track name '20230507 mile iles' (Zepp App writes the sport there, no <type>) "
            "names no sport runlog knows; assumed a run") in result.log["reason"].iloc[0]
    fast = read_gpx(_named_gpx("20230507 mile iles", seconds=10), name="zepp.gpx")
    assert fast.log["status"].tolist() == ["not_a_run"] and "too fast" in fast.log["reason"].iloc[0]
    both = read_gpx(_named_gpx("20240501 Run & Bike"), name="zepp.gpx")
    assert both.runs["sport"].tolist() == ["running"]
    assert "names a run and another sport (Run / Bike); assumed a run" in both.log["reason"].iloc[0]


def test_a_name_saying_run_does_not_lift_the_speed_limit():
    result = read_gpx(_named_gpx("20240501 Outdoor Running", seconds=10), name="zepp.gpx")  # 11.1 m/s
    assert result.log["status"].tolist() == ["not_a_run"]
    assert "says Running; average speed 11.1 m/s is too fast for a run" in result.log["reason"].iloc[0]


@pytest.mark.parametrize(
    ("name", "creator"),
    [
        ("20230522 Jazda na rowerze", "OsmAnd"),  # the dated shape from an app not known to write it
        ("Jazda na rowerze", "Zepp App"),  # no date: not the apps' shape (a renamed file?)
        ("99999999 Jazda na rowerze", "Zepp App"),  # eight digits that are no date
        ("Ride to the Paradise café", "test"),  # a user's own title is never read for a sport
        # the time of day, then words of the user's: not Strava's default title (was not_a_run by "row", "walk")
        ("Morning Rowntree Park loop", "OsmAnd"),
        ("Evening Walker Park 10k", "OsmAnd"),
    ],
)
def test_other_names_are_not_read_for_a_sport(name, creator):
    result = read_gpx(_named_gpx(name, creator, version="1.1"), name="x.gpx")
    assert result.runs["sport"].tolist() == ["running"]  # the speed rule, as before
    assert result.log["reason"].iloc[0].endswith("no activity type in file; assumed a run")


@pytest.mark.parametrize(
    ("name", "status", "note"),
    [
        ("Afternoon Ride", "not_a_run", "track name 'Afternoon Ride' (Strava's default title, no <type>) names another "
                                        "sport (Ride), not a run"),
        ("Morning Walk", "not_a_run", "names another sport (Walk), not a run"),
        ("Morning Run", "imported", "sport running from the track name 'Morning Run' (Strava's default title, "
                                    "no <type>): 'Run'"),
        ("Evening Trail Run", "imported", "sport trail_running from the track name 'Evening Trail Run'"),
        ("Lunch Workout", "imported", "track name 'Lunch Workout' (Strava's default title, no <type>) names no sport "
                                      "runlog knows; assumed a run"),
    ],
)
def test_stravas_default_title_says_the_sport_of_an_untyped_track(name, status, note):
    # Strava's "Export GPX" of an activity recorded in its phone app: creator "strava.com Android", no <type>
    # (a 2017 file quoted on a blog, "Afternoon Ride"; a 2015 "strava.com iPhone" one in a Go example)
    result = read_gpx(_named_gpx(name, "strava.com Android", version="1.1"), name="strava.gpx")
    assert result.log["status"].tolist() == [status]
    assert note in result.log["reason"].iloc[0]
    if status == "imported":
        assert len(result.runs) == 1


def _coros_gpx(totals: list[int | None], lat: str = "200") -> bytes:
    """A GPX in COROS's layout, one point a second, each with the watch's running total of distance.

    As in the COROS export Logiqx/gps-wizard keeps (sessions/20221112/Walk20221112123336.gpx):
    ``creator="Coros Wearables"``, the GPX 1.0 namespace and no ``version``, and per point
    ``<extensions><heartrate>96</heartrate><distance>8</distance><cadence>53</cadence></extensions>``,
    the distance unprefixed, in whole metres, rising from 8 m at the first point. That file is a walk
    (``<type>Other</type>``); the type here is a run's. ``lat="200"`` puts every point off the globe
    (no fix).
    """
    start = pd.Timestamp("2022-11-12T12:33:53Z")
    points = "".join(
        f'<trkpt lat="{lat}" lon="{0.001 * i}"><ele>2</ele>'
        f"<time>{start + pd.Timedelta(seconds=i):%Y-%m-%dT%H:%M:%SZ}</time>"
        f"<extensions><heartrate>96</heartrate>{'' if total is None else f'<distance>{total}</distance>'}"
        "<cadence>83</cadence></extensions></trkpt>"
        for i, total in enumerate(totals)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<gpx xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xmlns:gpxdata="http://www.cluetrust.com/XML/GPXDATA/1/0" xmlns="http://www.topografix.com/GPX/1/0" '
        'creator="Coros Wearables"><metadata><time>2022-11-12T12:33:36Z</time></metadata>'
        f"<trk><name>Kimmeridge Run</name><type>running</type><trkseg>{points}</trkseg></trk></gpx>"
    ).encode()


def test_coros_running_total_of_distance_stands_in_when_no_point_has_a_position():
    result = read_gpx(_coros_gpx([8, 11, None, 14, 14, 17]), name="coros.gpx")
    run = result.runs.iloc[0]
    assert run["distance_m"] == 17  # the last total, not unknown
    # steps of 3, 0 (no total: the last one carried), 3, 0, 3 m a second: three seconds moving
    assert run["moving_time_s"] == 3
    samples = result.samples
    assert samples["distance_m"].tolist()[:2] == [8, 11] and np.isnan(samples["distance_m"].iloc[2])
    assert samples["distance_m"].tolist()[3:] == [14, 14, 17]
    assert samples["speed_mps"].tolist()[1:] == [3.0, 0.0, 3.0, 0.0, 3.0]
    assert "no point has a position: distance from the points' own running total (<distance> extension, 17 m)" in (
        result.log["reason"].iloc[0])


def test_coros_running_total_is_not_used_when_points_have_positions_or_it_falls():
    placed = read_gpx(_coros_gpx([8, 11, 14], lat="0"), name="coros.gpx")
    assert placed.runs["distance_m"].iloc[0] == pytest.approx(2 * STEP_M)  # the positions, as before
    assert placed.samples["distance_m"].tolist() == pytest.approx([0, STEP_M, 2 * STEP_M])
    assert "running total" not in placed.log["reason"].iloc[0]
    falling = read_gpx(_coros_gpx([8, 30, 11]), name="coros.gpx")  # not a running total (increments?)
    assert pd.isna(falling.runs["distance_m"].iloc[0])
    assert "distance extension decreases (not a running total): not used" in falling.log["reason"].iloc[0]


def test_coros_running_total_of_zeros_is_no_distance():
    # a watch that counted nothing writes 0 at every point: the distance stays unknown, not 0 m
    zeros = read_gpx(_coros_gpx([0, 0, 0]), name="coros.gpx")
    assert pd.isna(zeros.runs["distance_m"].iloc[0])
    assert "running total" not in zeros.log["reason"].iloc[0]

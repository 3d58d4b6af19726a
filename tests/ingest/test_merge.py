import pandas as pd

from analysis.ingest.merge import merge_duplicates
from analysis.io.base import ReadResult, log_row


def _result(rows, samples=None):
    runs = [{k: v for k, v in r.items()} for r in rows]
    log = [log_row(r["source_file"], "imported", activity_id=r["activity_id"], source=r["source"]) for r in rows]
    return ReadResult.build(runs=pd.DataFrame(runs), samples=samples, log_rows=log)


def _run(aid, source, start, dist, **kw):
    return {"activity_id": aid, "source": source, "source_file": f"{aid}.x", "start_time": start,
            "distance_m": dist, **kw}


def test_same_file_twice_is_one_run_and_one_duplicate():
    r = _run("fit:abc", "fit", "2024-05-01T07:00:00Z", 10000.0)
    out = merge_duplicates(_result([r, dict(r)]))
    assert list(out.runs.index) == ["fit:abc"]
    assert sorted(out.log["status"]) == ["duplicate", "imported"]
    assert len(out.log) == 2  # nothing disappears from the log


def test_same_source_tolerances_60s_and_2pct():
    base = _run("fit:a", "fit", "2024-05-01T07:00:00Z", 10000.0)
    near = _run("fit:b", "fit", "2024-05-01T07:00:59Z", 10190.0)  # 59 s, 1.9 %
    far_t = _run("fit:c", "fit", "2024-05-01T07:01:01Z", 10000.0)  # 61 s
    out = merge_duplicates(_result([base, near]))
    assert len(out.runs) == 1
    assert (out.log["status"] == "duplicate").sum() == 1
    out = merge_duplicates(_result([base, far_t]))
    assert len(out.runs) == 2
    far_d = _run("fit:d", "fit", "2024-05-01T07:00:10Z", 10250.0)  # 2.4 %
    assert len(merge_duplicates(_result([base, far_d])).runs) == 2


def test_cross_source_merge_combines_fields_and_keeps_samples():
    strava = _run("strava:1", "strava", "2024-05-01T07:00:00Z", 10100.0, gear_name="FiveFingers", rpe=6.0,
                  name="Morning Run", date="2024-05-01")
    fit = _run("fit:a", "fit", "2024-05-01T07:01:30Z", 10000.0, avg_heart_rate_bpm=150.0,
               avg_cadence_spm=176.0, date="2024-05-02")
    samples = pd.DataFrame({"activity_id": ["fit:a", "fit:a"], "time": pd.to_datetime(
        ["2024-05-01T07:01:30Z", "2024-05-01T07:01:31Z"]), "heart_rate_bpm": [120.0, 121.0]})
    out = merge_duplicates(_result([strava, fit], samples))
    assert list(out.runs.index) == ["strava:1"]
    run = out.runs.loc["strava:1"]
    assert run["gear_name"] == "FiveFingers" and run["rpe"] == 6.0 and run["name"] == "Morning Run"
    assert run["avg_heart_rate_bpm"] == 150.0 and run["distance_m"] == 10000.0  # device values win
    assert run["date"] == pd.Timestamp("2024-05-02")  # the FIT knows its own offset
    assert set(out.samples["activity_id"]) == {"strava:1"} and len(out.samples) == 2
    dup = out.log[out.log["status"] == "duplicate"]
    assert len(dup) == 1 and "strava:1" in dup["reason"].iloc[0]


def test_cross_source_outside_tolerance_stays_apart():
    strava = _run("strava:1", "strava", "2024-05-01T07:00:00Z", 10000.0)
    fit = _run("fit:a", "fit", "2024-05-01T07:02:01Z", 10000.0)  # 121 s
    assert len(merge_duplicates(_result([strava, fit])).runs) == 2
    fit = _run("fit:a", "fit", "2024-05-01T07:01:00Z", 10400.0)  # 3.8 %
    assert len(merge_duplicates(_result([strava, fit])).runs) == 2


def test_log_counts_add_up():
    rows = [_run(f"fit:{i}", "fit", f"2024-05-{i + 1:02d}T07:00:00Z", 5000.0) for i in range(5)]
    rows += [dict(rows[0]), dict(rows[3])]
    out = merge_duplicates(_result(rows))
    assert len(out.log) == 7
    assert out.log["status"].value_counts().to_dict() == {"imported": 5, "duplicate": 2}
    assert len(out.runs) == 5


def test_gpx_track_length_ranks_after_the_platform_distance():
    # a GPX distance is runlog's own sum over the track, which runs long: the
    # export's distance wins, while the GPX still gives the heart rate
    strava = _run("strava:1", "strava", "2024-05-01T07:00:00Z", 10000.0, name="Run")
    gpx = _run("gpx:a", "gpx", "2024-05-01T07:00:05Z", 10250.0, avg_heart_rate_bpm=148.0)
    run = merge_duplicates(_result([strava, gpx])).runs.loc["strava:1"]
    assert run["distance_m"] == 10000.0 and run["avg_heart_rate_bpm"] == 148.0
    # a FIT file's distance is the device's own: it wins
    fit = _run("fit:a", "fit", "2024-05-01T07:00:05Z", 10250.0)
    assert merge_duplicates(_result([strava, fit])).runs.loc["strava:1", "distance_m"] == 10250.0


def test_cross_source_runs_overlapping_in_time_are_one_run_whatever_their_distances():
    # Strava measured the watch's route again: 90 s later and 8 % longer, but the same 50 minutes
    watch = _run("apple_health:a", "apple_health", "2024-05-01T07:00:00Z", 10000.0, elapsed_time_s=3000.0)
    strava = _run("strava:1", "strava", "2024-05-01T07:01:30Z", 10800.0, elapsed_time_s=2900.0, name="Run")
    out = merge_duplicates(_result([watch, strava]))
    assert list(out.runs.index) == ["strava:1"] and out.runs.loc["strava:1", "distance_m"] == 10000.0
    assert "times overlap 100 %" in out.log.loc[out.log["status"] == "duplicate", "reason"].iloc[0]
    # a copy starting 5 min late (a phone app started late) lies wholly within the watch run: one run
    late = _run("fitbit:9", "fitbit", "2024-05-01T07:05:00Z", pd.NA, elapsed_time_s=2700.0)
    assert len(merge_duplicates(_result([watch, late])).runs) == 1


def test_overlap_rule_needs_two_sources_and_most_of_the_shorter_run():
    a = _run("fit:a", "fit", "2024-05-01T07:00:00Z", 10000.0, elapsed_time_s=3000.0)
    b = _run("fit:b", "fit", "2024-05-01T07:01:30Z", 10800.0, elapsed_time_s=3000.0)
    assert len(merge_duplicates(_result([a, b])).runs) == 2  # same source: the 60 s / 2 % rule alone
    half = _run("polar:c", "polar", "2024-05-01T07:25:00Z", 5000.0, elapsed_time_s=3000.0)  # 50 % overlap
    assert len(merge_duplicates(_result([a, half])).runs) == 2
    no_time = _run("csv:d", "csv", "2024-05-01T07:01:30Z", 10800.0)  # no duration: no interval to compare
    assert len(merge_duplicates(_result([a, no_time])).runs) == 2

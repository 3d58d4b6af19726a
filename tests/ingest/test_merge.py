import pandas as pd

from analysis import schema
from analysis.ingest.importlog import summarize, zone_note
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


# --------------------------------------------------------------------------- issue [M] 2: wall times, wrong zone


def test_a_run_read_in_the_wrong_zone_is_merged_and_the_zone_it_implies_is_named():
    # 07:00 in UTC+8 is 23:00Z the day before; its Garmin wall time read as Berlin summer time (UTC+2) is 05:00Z
    strava = _run("strava:1", "strava", "2024-06-30T23:00:00Z", 10000.0, moving_time_s=3000.0, date="2024-07-01",
                  gear_name="Hoka Clifton 9")
    garmin = _run("garmin:a", "garmin_csv", "2024-07-01T05:00:00Z", 10000.0, moving_time_s=3000.0,
                  date="2024-07-01", avg_heart_rate_bpm=151.0)
    out = merge_duplicates(_result([strava, garmin]), tz="Europe/Berlin")
    assert list(out.runs.index) == ["strava:1"]
    run = out.runs.loc["strava:1"]
    assert run["start_time"] == pd.Timestamp("2024-06-30T23:00:00Z")  # UTC from the source that knows it
    assert run["date"] == pd.Timestamp("2024-07-01")  # the wall date is the runner's date
    assert run["avg_heart_rate_bpm"] == 151.0 and run["gear_name"] == "Hoka Clifton 9"
    dup = out.log[out.log["status"] == "duplicate"]
    assert list(dup["activity_id"]) == ["garmin:a"]
    assert ("start 6 h apart: the wall times of the Garmin CSV imply UTC+08:00, not the Europe/Berlin "
            "(UTC+02:00) assumed") in dup["reason"].iloc[0]
    assert summarize(out.log)["merged"] == 1
    note = zone_note(out.log)
    assert note.startswith("1 runs were read twice, a whole number of hours apart: the wall times of the Garmin "
                           "CSV imply UTC+08:00, not Europe/Berlin as assumed")
    assert "Australia/Perth" in note


def test_winter_and_summer_give_the_same_implied_zone():
    rows = []
    for n, (day, utc_hour) in enumerate((("2024-01-10", 7), ("2024-07-10", 6)), start=1):  # 08:00 in UTC+8, CET/CEST
        rows += [_run(f"strava:{n}", "strava", f"{day}T00:00:00Z", 8000.0 + n, moving_time_s=2700.0),
                 _run(f"garmin:{n}", "garmin_csv", f"{day}T{utc_hour:02d}:00:00Z", 8000.0 + n, moving_time_s=2702.0)]
    out = merge_duplicates(_result(rows), tz="Europe/Berlin")
    assert sorted(out.runs.index) == ["strava:1", "strava:2"]
    reasons = out.log.loc[out.log["status"] == "duplicate", "reason"]
    assert reasons.str.contains("imply UTC+08:00", regex=False).all()
    assert reasons.str.contains(r"7 h apart.*UTC\+01:00|6 h apart.*UTC\+02:00").all()


def test_what_is_not_the_same_run_hours_apart_stays_apart():
    base = _run("strava:1", "strava", "2024-05-01T00:00:00Z", 10000.0, moving_time_s=3000.0)

    def n_runs(*others, tz="UTC"):
        return len(merge_duplicates(_result([base, *others]), tz=tz).runs)

    same = {"moving_time_s": 3000.0}
    assert n_runs(_run("garmin:a", "garmin_csv", "2024-05-01T08:00:00Z", 10000.0, **same)) == 1
    assert n_runs(_run("garmin:b", "garmin_csv", "2024-05-01T08:17:00Z", 10000.0, **same)) == 2  # not whole hours
    assert n_runs(_run("garmin:c", "garmin_csv", "2024-05-01T15:00:00Z", 10000.0, **same)) == 2  # over 14 h
    assert n_runs(_run("garmin:d", "garmin_csv", "2024-05-01T08:00:00Z", 10200.0, **same)) == 2  # 2 % longer
    assert n_runs(_run("garmin:e", "garmin_csv", "2024-05-01T08:00:00Z", 10000.0, moving_time_s=3300.0)) == 2
    # the same 10 km loop twice a day in one app, and a watch file (which knows UTC) hours apart: two runs
    assert n_runs(_run("strava:2", "strava", "2024-05-01T08:00:00Z", 10000.0, **same)) == 2
    assert n_runs(_run("fit:f", "fit", "2024-05-01T08:00:00Z", 10000.0, **same)) == 2
    # a half-hour zone (India, UTC+05:30, read as UTC) is matched too
    assert n_runs(_run("garmin:g", "garmin_csv", "2024-05-01T05:30:00Z", 10000.0, **same)) == 1


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


def test_first_seen_twice_is_pandas_duplicated_on_random_ids():
    """The quick key check never misses a repeat: compared with pandas on ids of every length, with repeats."""
    import numpy as np

    from analysis.ingest.merge import first_seen_twice, is_canonical

    rng = np.random.default_rng(3)
    alphabet = np.array(list("ab:0é"))
    for trial in range(60):
        n = int(rng.integers(0, 60))
        pool = ["".join(rng.choice(alphabet, int(rng.integers(0, 20)))) for _ in range(max(n // 2, 1))]
        ids = [pool[i] for i in rng.integers(0, len(pool), n)] if trial % 3 else list(dict.fromkeys(pool))
        for index in (pd.Index(ids, dtype="string"), pd.Index(ids, dtype=object)):
            expected = pd.Series(ids, dtype=object).duplicated(keep="first").to_numpy()
            assert first_seen_twice(index).tolist() == expected.tolist(), ids
    sliced = pd.Index([f"csv:{i:012x}" for i in range(10)] + ["csv:000000000003"], dtype="string")[1:]
    assert first_seen_twice(sliced).tolist() == [False] * 9 + [True]  # an Arrow slice (offset) too
    runs = schema.coerce_runs(pd.DataFrame({"activity_id": ["a"], "date": pd.to_datetime(["2024-05-01 12:00"])}))
    assert is_canonical(runs, schema.RUNS_DTYPES)
    runs["date"] = pd.to_datetime(["2024-05-01 12:00"])  # not at midnight: coerce_runs would change it
    assert not is_canonical(runs, schema.RUNS_DTYPES)


def test_a_run_dated_centuries_away_fails_whatever_its_reader():
    # a GPX or TCX dated 1700 (a typo, a clock never set) used to reach the analysis and overflow pandas' 292-year
    # Timedelta there; it is a failed row saying how to fix it, its samples go with it, the rest merges as before
    rows = [_run("gpx:a", "gpx", "1700-05-09T07:00:00Z", 5000.0), _run("gpx:b", "gpx", "1700-05-09T07:00:20Z", 5010.0),
            _run("fit:c", "fit", "2025-05-09T07:00:00Z", 8000.0), _run("fit:d", "fit", "2025-05-09T07:00:20Z", 8010.0),
            _run("tcx:e", "tcx", "2205-01-02T07:00:00Z", 8000.0)]
    samples = pd.DataFrame({"activity_id": ["gpx:a", "fit:c"], "time": pd.to_datetime(
        ["1700-05-09T07:00:00Z", "2025-05-09T07:00:00Z"]).as_unit("us"), "heart_rate_bpm": [120.0, 121.0]})
    out = merge_duplicates(_result(rows, samples))
    assert list(out.runs.index) == ["fit:c"]
    log = out.log.set_index("activity_id")
    assert log["status"].to_dict() == {"gpx:a": "failed", "gpx:b": "failed", "fit:c": "imported",
                                       "fit:d": "duplicate", "tcx:e": "failed"}
    assert log.loc["gpx:a", "reason"] == ("column 'start_time': 1700-05-09 is not a plausible run date (1900-2099); "
                                          "fix the year")
    assert "2205-01-02" in log.loc["tcx:e", "reason"]
    assert set(out.samples["activity_id"]) == {"fit:c"}


def test_one_id_dated_1700_in_one_file_and_2025_in_another_fails_only_the_1700_copy():
    # two files naming one activity, one with its year mistyped: only that file's log row fails; the 2025 copy
    # is the run and its log row says so (both rows said "failed" while the run stayed)
    bad = {**_run("csv:same", "csv", "1700-05-09T07:00:00Z", 5000.0), "source_file": "old.csv"}
    good = {**_run("csv:same", "csv", "2025-05-09T07:00:00Z", 5000.0), "source_file": "new.csv"}
    out = merge_duplicates(_result([bad, good]))
    assert list(out.runs.index) == ["csv:same"] and out.runs["start_time"].dt.year.tolist() == [2025]
    status = dict(zip(out.log["source_file"], out.log["status"], strict=True))
    assert status == {"old.csv": "failed", "new.csv": "imported"}
    assert "1700-05-09 is not a plausible run date" in out.log.set_index("source_file").loc["old.csv", "reason"]


def test_a_run_of_a_few_seconds_and_metres_is_not_a_run_whatever_its_reader():
    # real GPX test files hold "runs" of one track point (0 s, 0 m) or 13 s and 19 m; counted as runs they add
    # run days of zero km. Under 30 s AND under 100 m (or no distance) is not a run; either one alone is.
    rows = [_run("gpx:one_point", "gpx", "2021-03-15T07:00:00Z", 0.0, elapsed_time_s=0.0),
            _run("gpx:tiny", "gpx", "2021-03-16T07:00:00Z", 19.0, elapsed_time_s=13.0, moving_time_s=13.0),
            _run("csv:no_dist", "csv", "2021-03-17T07:00:00Z", None, moving_time_s=20.0),
            _run("fit:short_run", "fit", "2021-03-18T07:00:00Z", 157.6, elapsed_time_s=56.9),
            _run("csv:manual", "csv", "2021-03-19T07:00:00Z", 5000.0, elapsed_time_s=0.0),
            _run("csv:km_only", "csv", "2021-03-20T07:00:00Z", 5000.0),
            _run("fit:fast_start", "fit", "2021-03-21T07:00:00Z", 150.0, elapsed_time_s=25.0)]
    samples = pd.DataFrame({"activity_id": ["gpx:tiny", "fit:short_run"], "time": pd.to_datetime(
        ["2021-03-16T07:00:00Z", "2021-03-18T07:00:00Z"]).as_unit("us"), "heart_rate_bpm": [120.0, 121.0]})
    out = merge_duplicates(_result(rows, samples))
    assert list(out.runs.index) == ["fit:short_run", "csv:manual", "csv:km_only", "fit:fast_start"]
    log = out.log.set_index("activity_id")
    assert log["status"].to_dict() == {"gpx:one_point": "not_a_run", "gpx:tiny": "not_a_run",
                                       "csv:no_dist": "not_a_run", "fit:short_run": "imported",
                                       "csv:manual": "imported", "csv:km_only": "imported",
                                       "fit:fast_start": "imported"}
    assert log.loc["gpx:tiny", "reason"].startswith("too short (13 s, 19 m; under 30 s and 100 m")
    assert "distance unknown" in log.loc["csv:no_dist", "reason"]
    assert set(out.samples["activity_id"]) == {"fit:short_run"}
    assert len(out.log) == len(rows)  # every run given is still accounted for


def test_a_file_merged_into_a_run_that_is_too_short_is_not_a_run_too():
    # a Strava export's FIT file joins its activities.csv row before the merge; when that row is a few seconds
    # (here 12 s, 30 m), the file's log row must not keep saying "merged into strava:5", a run that is not there
    short = _run("strava:5", "strava", "2025-03-01T07:00:00Z", 30.0, moving_time_s=12.0)
    res = _result([short])
    fit_row = log_row("export/activities/5.fit.gz", "duplicate",
                      "merged into strava:5 (activities.csv row 2): 12 samples", activity_id="strava:5",
                      source="strava")
    res = ReadResult(res.runs, res.samples, pd.concat([res.log, pd.DataFrame([fit_row])], ignore_index=True))
    out = merge_duplicates(res)
    assert out.runs.empty
    assert list(out.log["status"]) == ["not_a_run", "not_a_run"]
    fit_reason = out.log["reason"].iloc[1]
    assert fit_reason.startswith("merged into strava:5 (activities.csv row 2): 12 samples; ")
    assert fit_reason.endswith(out.log["reason"].iloc[0])  # the run's own "too short" words, once more
    counts = summarize(out.log)
    assert counts["imported"] == 0 and counts["not_a_run"] == 2


def test_one_id_too_short_in_one_file_and_a_run_in_another_is_accounted_once_each():
    # two generic CSVs naming one activity "7" (an export cut short, then the full one): the log said
    # "too short (10 s, 50 m)" for both rows while the 5 km run stayed in the runs (0 runs in the log, 1 in the
    # frame); an id that is a run in one of its copies is left to the "same id twice" step
    for order in ((0, 1), (1, 0)):
        copies = [_run("csv:7", "csv", "2025-03-01T07:00:00Z", 50.0, moving_time_s=10.0),
                  _run("csv:7", "csv", "2025-03-01T07:00:00Z", 5000.0, moving_time_s=1500.0)]
        copies[0]["source_file"], copies[1]["source_file"] = "a.csv", "b.csv"
        out = merge_duplicates(_result([copies[i] for i in order]))
        assert len(out.runs) == 1
        assert sorted(out.log["status"]) == ["duplicate", "imported"]
        assert not out.log["reason"].fillna("").str.contains("too short").any()


def test_a_run_of_0_m_outdoors_with_nothing_moving_is_not_a_run():
    # 0 m (not missing) in 45 min outdoors, with no steps, speed or exercising heart rate anywhere, passed the too-short rule (30 s or
    # more) and counted a run day of 0 km. A missing distance stays a run (heart rate and time only), as does
    # 0 m on a treadmill (no foot pod: Fitbit's rule too), or 0 m with steps or a speed recorded.
    rows = [_run("csv:zero", "csv", "2021-04-01T07:00:00Z", 0.0, moving_time_s=2700.0, sport="running"),
            _run("csv:no_dist", "csv", "2021-04-02T07:00:00Z", None, moving_time_s=2700.0,
                 avg_heart_rate_bpm=140.0, sport="running"),
            _run("csv:treadmill", "csv", "2021-04-03T07:00:00Z", 0.0, moving_time_s=2700.0,
                 sport="treadmill_running"),
            _run("fit:steps", "fit", "2021-04-04T07:00:00Z", 0.0, elapsed_time_s=1800.0, avg_cadence_spm=170.0,
                 sport="running"),
            _run("fit:speed", "fit", "2021-04-05T07:00:00Z", 0.0, elapsed_time_s=1800.0, sport="running"),
            _run("fit:still", "fit", "2021-04-06T07:00:00Z", 0.0, elapsed_time_s=3900.0, sport="running",
                 avg_heart_rate_bpm=80.0),
            _run("gpx:blip", "gpx", "2021-04-07T07:00:00Z", 0.0, elapsed_time_s=10.0),
            # GPS lost, heart rate of a run: kept as a run day of 0 km
            _run("fit:no_gps", "fit", "2021-04-08T07:00:00Z", 0.0, elapsed_time_s=2400.0, sport="running",
                 avg_heart_rate_bpm=145.0)]
    samples = pd.DataFrame({
        "activity_id": ["fit:speed", "fit:speed", "fit:still", "fit:still"],
        "time": pd.to_datetime(["2021-04-05T07:00:00Z", "2021-04-05T07:00:01Z",
                                "2021-04-06T07:00:00Z", "2021-04-06T07:00:01Z"]).as_unit("us"),
        "speed_mps": [0.0, 2.5, 0.0, float("nan")], "heart_rate_bpm": [120.0, 121.0, 80.0, 81.0]})
    out = merge_duplicates(_result(rows, samples))
    assert list(out.runs.index) == ["csv:no_dist", "csv:treadmill", "fit:steps", "fit:speed", "fit:no_gps"]
    log = out.log.set_index("activity_id")
    assert log.loc["csv:zero", "status"] == "not_a_run"
    assert log.loc["csv:zero", "reason"].startswith("no distance (0 m in 45 min, no steps, speed or exercising heart")
    assert log.loc["fit:still", "status"] == "not_a_run"
    assert "0 m in 1 h 05 min" in log.loc["fit:still", "reason"]
    assert log.loc["gpx:blip", "reason"].startswith("too short (10 s, 0 m")  # the short rule's words still
    assert set(out.samples["activity_id"]) == {"fit:speed"}  # the 0 m run's samples go with it
    assert len(out.log) == len(rows)

"""Apple Health, Polar and Fitbit exports among the rest: told by content, each run once, counted per source."""

from __future__ import annotations

import shutil

import pandas as pd

from analysis.cli import main
from analysis.ingest import read_sources
from analysis.ingest.importlog import by_source
from analysis.pipeline import Inputs, load_runs
from tests.io import apple_export as ae

FIT_RUN = "garmin_fr920xt_run_stryd.fit"  # 2019-05-18T14:11:39Z, 16,773 m, 8,629 s elapsed


def _copy(src, dst):
    shutil.copytree(src, dst, copy_function=shutil.copy)
    for p in [dst, *dst.rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)


def test_merged_folder_apple_and_polar_samples_with_the_fit_files(shared_data, tmp_path):
    folder = tmp_path / "everything"
    _copy(shared_data / "fit", folder / "fit")
    _copy(shared_data / "polar_flow", folder / "polar")
    _copy(shared_data / "apple_health" / "zip_contents", folder / "phone")
    result = read_sources([folder], tz="UTC")
    # 9 FIT runs (the others are rides, a swim...), 1 Apple Watch run, 2 Polar runs
    assert len(result.runs) == 12
    assert result.runs["source"].value_counts().to_dict() == {"fit": 9, "polar": 2, "apple_health": 1}
    # the export's route file is part of its export, never an activity of its own
    assert not result.log["source_file"].str.contains("workout-routes").any()
    counts = by_source(result.log)
    assert counts.loc["apple_health", "runs"] == 1 and counts.loc["polar", "not_a_run"] == 1
    assert counts["duplicate_of_other_source"].sum() == 0


def _strava_folder(folder, rows: list[str]):
    folder.mkdir(parents=True)
    (folder / "activities.csv").write_text(
        "id,date,name,type,description,elapsed_time,distance,commute,gear,filename\n" + "\n".join(rows) + "\n")


def test_strava_apple_and_fit_each_run_once(shared_data, tmp_path, capsys):
    folder = tmp_path / "runner"
    (folder / "watch").mkdir(parents=True)
    shutil.copy(shared_data / "fit" / FIT_RUN, folder / "watch" / FIT_RUN)
    fit_start = pd.Timestamp("2019-05-18T14:11:39Z")
    other_day = pd.Timestamp("2019-05-21T06:00:00Z")
    apple = [
        # Garmin Connect copied the watch's run into Health: 20 s later, its own distance (3.7 % longer)
        ae.Run(fit_start, 8629.4 / 60, 17.4, source="Connect", watch=False, zone=None, offset_s=20),
        # an Apple Watch run on another day, and Strava's copy of it inside Health
        ae.Run(other_day, 50.0, 10.0),
        ae.Run(other_day, 50.0, 10.3, source="Strava", watch=False, zone=None, offset_s=3),
    ]
    (folder / "export.zip").write_bytes(ae.zip_bytes(apple))
    _strava_folder(folder / "strava_export", [
        "2430000001,2019-05-18 14:11:40,Long run,Run,,8629,16800.0,false,Xero HFS,",
        "2430000002,2019-05-21 06:00:05,Easy,Run,,3000,10150.0,false,Ghost 15,",
    ])
    result, _ = load_runs(Inputs(sources=[folder]), tz="UTC")
    assert len(result.runs) == 2
    long = result.runs.iloc[0]
    assert "HFS" in long["gear_name"]  # the platform's gear (matched to the built-in catalog)
    assert long["distance_m"] == 16773.34  # the device's distance
    counts = by_source(result.log)
    assert counts.loc["strava", ["runs", "kept"]].tolist() == [2, 2]
    assert counts.loc["fit", ["runs", "duplicate_of_other_source"]].tolist() == [1, 1]
    assert counts.loc["apple_health", ["runs", "duplicate_of_other_source", "duplicate_within_source"]].tolist() \
        == [2, 2, 1]
    dup = result.log[(result.log["source"] == "apple_health") & (result.log["status"] == "duplicate")]
    assert dup["reason"].str.contains("times overlap").any()  # matched by time, not by equal distance
    assert main(["check", str(folder), "--tz", "UTC", "--no-cache", "--no-progress"]) == 0
    out = " ".join(capsys.readouterr().out.split())  # check wraps at 100 columns
    # not a run: the export's export_cda.xml
    assert ("apple_health: 2 runs, 0 kept, 2 the same run as another source, 1 repeated, 1 not a run, "
            "0 failed") in out


def test_default_shoe_and_gear_log_apply_to_runs_without_gear(tmp_path):
    from analysis.footwear import assign_footwear

    runs = [ae.Run(pd.Timestamp("2025-06-02T05:10:00Z"), 40, 8.0), ae.Run(pd.Timestamp("2025-06-09T05:10:00Z"), 40, 8.0)]
    (tmp_path / "export.zip").write_bytes(ae.zip_bytes(runs))
    read = read_sources([tmp_path / "export.zip"], tz="UTC").runs
    assert read["gear_name"].isna().all()  # no Apple Health workout names a shoe
    tagged = assign_footwear(read, None, default_shoe="Vivobarefoot Primus")
    assert (tagged["gear_name"] == "Vivobarefoot Primus").all() and (tagged["shoe_rule"] == "default").all()


def test_an_apple_health_export_is_cached_like_every_other_input(tmp_path, monkeypatch):
    import analysis.ingest.cache as store
    import analysis.ingest.loader as loader
    from analysis.ingest.cache import Cache

    # read by path like a Strava export: stored once its stamp held still (just written: not yet)
    monkeypatch.setattr(store, "RACY_NS", 0)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "export.zip").write_bytes(ae.zip_bytes(ae.three_runs_a_walk_and_a_ride()))
    decoded = []
    real = loader._read_item
    monkeypatch.setattr(loader, "_read_item", lambda item, **kw: decoded.append(item.label) or real(item, **kw))
    cache = Cache(tmp_path / "cache")
    cold = read_sources([tmp_path / "in"], tz="UTC", cache=cache)
    warm = read_sources([tmp_path / "in"], tz="UTC", cache=Cache(tmp_path / "cache"))
    assert decoded == [str(tmp_path / "in" / "export.zip")]  # read once, then from the cache
    assert list(warm.runs.index) == list(cold.runs.index) and len(warm.runs) == 3
    assert warm.log["status"].tolist() == cold.log["status"].tolist()
    assert len(warm.samples) == len(cold.samples) > 0


def test_files_cached_before_a_reader_for_their_kind_existed_are_read_again(tmp_path, monkeypatch):
    import analysis.ingest.loader as loader
    from analysis.ingest.cache import Cache

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "exercise-0.json").write_text(
        '[{"logId": 1, "activityName": "Run", "duration": 1800000, "activeDuration": 1800000, '
        '"startTime": "03/28/20 23:17:51", "distance": 5.0, "distanceUnit": "Kilometer"}]')
    real = dict(loader.KINDS)
    monkeypatch.setattr(loader, "KINDS", {k: v for k, v in real.items() if k != "fitbit"})
    monkeypatch.setattr(loader, "KINDS_SIGNATURE", "before")
    before = read_sources([tmp_path / "in"], tz="UTC", cache=Cache(tmp_path / "cache"))
    assert before.runs.empty  # then: JSON of no known kind, cached as such
    monkeypatch.undo()
    after = read_sources([tmp_path / "in"], tz="UTC", cache=Cache(tmp_path / "cache"))
    assert list(after.runs.index) == ["fitbit:1"]


def test_a_runkeeper_table_is_detected_and_read(tmp_path):
    """cardioActivities.csv failed as "CSV of unknown kind"; it is Runkeeper's table now."""
    (tmp_path / "cardioActivities.csv").write_text(
        "Date,Type,Route Name,Distance (km),Duration,Average Pace,Average Speed (km/h),Calories Burned,"
        "Climb (m),Average Heart Rate (bpm),Notes,GPX File\n"
        "2022-05-14 09:15:00,Running,,10.40,58:30,5:37,10.67,700.0,88.0,148,,\n"
        "2022-05-12 17:00:00,Cycling,,30.00,1:10:00,2:20,25.71,800.0,,,,\n",
        encoding="utf-8")
    result = read_sources([tmp_path], tz="Europe/Madrid")
    assert list(result.runs.index) == ["runkeeper:20220514T091500"]
    run = result.runs.iloc[0]
    assert run["start_time"] == pd.Timestamp("2022-05-14T07:15:00Z")  # CEST, UTC+2
    assert run["distance_m"] == 10400.0 and run["moving_time_s"] == 58 * 60 + 30
    assert by_source(result.log).loc["runkeeper", "not_a_run"] == 1

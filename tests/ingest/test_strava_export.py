"""Tests of a Strava export read whole (analysis.ingest.strava_export): zip, folder, activity files.

Each activities.csv row is joined with the FIT/GPX/TCX file it names by merge.py's rule;
the CSV format itself is tested in tests/io/test_strava.py.
"""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from analysis import schema
from analysis.ingest.strava_export import (
    is_export_folder,
    is_export_zip,
    read_export_shoes,
    read_strava_export,
)
from tests.io.strava_rows import EN_HEADER, en_row, log_rows

# --------------------------------------------------------------------------- exports with files


def _csv_with_files() -> str:
    return EN_HEADER + "\n" + "\n".join([
        en_row(12866632127, "May 29, 2022, 3:53:35 PM", "Evening Run", "Run", "3.32", "3322.9",
               gear="Kinvara 13", filename="activities/12866632127.fit.gz", rpe="6.0", gear_id="12090302.0"),
        en_row(111, "May 30, 2022, 3:53:35 PM", "Lost Run", "Run", "3.32", "", filename="activities/111.fit.gz"),
        en_row(222, "May 31, 2022, 3:53:35 PM", "Ride", "Ride", "20.00", "20000.0", filename="activities/222.gpx"),
        en_row(333, "Jun 1, 2022, 3:53:35 PM", "Broken", "Run", "3.00", "3000.0", filename="activities/333.fit.gz"),
    ]) + "\n"


def _write_export_zip(path: Path, shared_data: Path) -> Path:
    fit_gz = (shared_data / "fit" / "strava_export_venusq_run.fit.gz").read_bytes()
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("export_42/activities.csv", _csv_with_files())
        zf.writestr("export_42/activities/12866632127.fit.gz", fit_gz)
        zf.writestr("export_42/activities/222.gpx", "<gpx/>")
        zf.writestr("export_42/activities/333.fit.gz", b"not gzip at all")
        zf.writestr("export_42/activities/999.fit.gz", fit_gz)
        zf.writestr("export_42/shoes.csv", "Shoe Name,Shoe Brand,Shoe Model,Shoe Default Sport Types\n"
                                           "Kinvara 13,Saucony,Kinvara 13,Run\n")
    return path


def test_zip_export_merges_fit_files(tmp_path: Path, shared_data: Path):
    archive = _write_export_zip(tmp_path / "export.zip", shared_data)
    # Kiritimati is UTC+14: the CSV-only run's local date moves a day, the FIT run keeps its own offset (+2 h)
    result = read_strava_export(archive, tz="Pacific/Kiritimati")
    runs = result.runs
    assert list(runs.index[:3]) == ["strava:12866632127", "strava:111", "strava:333"]
    merged = runs.loc["strava:12866632127"]
    assert merged["gear_name"] == "Kinvara 13" and merged["gear_id"] == "12090302" and merged["rpe"] == 6.0
    assert merged["name"] == "Evening Run"
    assert merged["date"] == pd.Timestamp("2022-05-29")
    assert merged["avg_cadence_spm"] > 100  # filled from the FIT file, steps/min
    assert runs.loc["strava:111", "date"] == pd.Timestamp("2022-05-31")
    assert pd.isna(runs.loc["strava:111", "distance_m"])  # no metres in the CSV, no file to fill it
    samples = result.samples
    assert (samples["activity_id"] == "strava:12866632127").sum() == 326
    assert "latitude_deg" not in samples.columns

    log = result.log.set_index("source_file")
    member = f"{archive}/export_42/activities/"
    assert log.loc[member + "12866632127.fit.gz", "status"] == "duplicate"  # joined the CSV row's run
    assert "merged into strava:12866632127" in log.loc[member + "12866632127.fit.gz", "reason"]
    assert log.loc[member + "12866632127.fit.gz", "activity_id"] == "strava:12866632127"
    # 111's file is not in the export: no failed file (it was never given), the row's entry says so
    assert member + "111.fit.gz" not in log.index
    row111 = result.log[(result.log["activity_id"] == "strava:111") & (result.log["status"] == "imported")]
    assert len(row111) == 1 and "activities/111.fit.gz not in the export" in row111["reason"].iloc[0]
    assert log.loc[member + "222.gpx", "status"] == "not_a_run"
    assert log.loc[member + "333.fit.gz", "status"] == "failed"
    assert "strava:333" in runs.index  # the run survives its unreadable file
    unreferenced = log.loc[member + "999.fit.gz"]
    assert unreferenced["status"] == "imported" and "not named in activities.csv" in unreferenced["reason"]
    assert len(log_rows(result)) == 4
    schema.validate_runs(runs)
    schema.validate_samples(result.samples)
    schema.validate_import_log(result.log)


def test_zip_export_positions_and_bytes(tmp_path: Path, shared_data: Path):
    archive = _write_export_zip(tmp_path / "export.zip", shared_data)
    result = read_strava_export(archive.read_bytes(), name="upload.zip", positions=True)
    assert {"latitude_deg", "longitude_deg"} <= set(result.samples.columns)
    assert result.log["source_file"].str.startswith("upload.zip/export_42/").all()


def test_read_files_false_reads_the_csv_only(tmp_path: Path, shared_data: Path):
    archive = _write_export_zip(tmp_path / "export.zip", shared_data)
    result = read_strava_export(archive, read_files=False)
    assert len(result.runs) == 3
    assert result.samples.empty
    assert result.log["source_file"].str.endswith("activities.csv").all()


def test_folder_export_same_as_zip(tmp_path: Path, shared_data: Path):
    archive = _write_export_zip(tmp_path / "export.zip", shared_data)
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(tmp_path / "unpacked")
    folder = tmp_path / "unpacked"
    from_folder = read_strava_export(folder)
    from_zip = read_strava_export(archive)
    cols = ["start_time", "distance_m", "gear_name", "avg_cadence_spm", "date"]
    pd.testing.assert_frame_equal(from_folder.runs[cols], from_zip.runs[cols])
    assert len(from_folder.samples) == len(from_zip.samples)
    # the CSV alone, with its activities/ folder beside it, reads the files too
    alone = read_strava_export(folder / "export_42" / "activities.csv")
    assert (alone.samples["activity_id"] == "strava:12866632127").sum() == 326


def test_export_detection(tmp_path: Path, shared_data: Path):
    archive = _write_export_zip(tmp_path / "export.zip", shared_data)
    assert is_export_zip(archive)
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(tmp_path / "unpacked")
    assert is_export_folder(tmp_path / "unpacked")
    assert is_export_folder(tmp_path / "unpacked" / "export_42")
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("activities.csv", "start_time,distance_m\n")
    assert not is_export_zip(other)
    assert not is_export_folder(tmp_path)
    assert not is_export_zip(tmp_path / "unpacked" / "export_42" / "activities.csv")


def test_shoes_from_export(tmp_path: Path, shared_data: Path):
    archive = _write_export_zip(tmp_path / "export.zip", shared_data)
    shoes = read_export_shoes(archive)
    assert shoes.iloc[0].tolist() == ["Kinvara 13", "Saucony", "Kinvara 13"]


def test_folder_export_gpx_tcx_and_truncated_fit(tmp_path: Path, shared_data: Path):
    acts = tmp_path / "activities"
    acts.mkdir()
    (acts / "1.gpx.gz").write_bytes(gzip.compress((shared_data / "gpx" / "strava_run.gpx").read_bytes()))
    # Strava's TCX files start with spaces before the XML declaration
    tcx = b"          " + (shared_data / "tcx" / "garmin_fr620_run.tcx").read_bytes()
    (acts / "2.tcx.gz").write_bytes(gzip.compress(tcx))
    (acts / "3.fit").write_bytes((shared_data / "fit" / "strava_android_run_truncated.fit").read_bytes())
    (tmp_path / "activities.csv").write_text(
        "Activity ID,Activity Date,Activity Name,Activity Type,Elapsed Time,Distance,Filename,Elapsed Time,"
        "Moving Time,Distance\n"
        '1,"Jan 10, 2021, 8:54:28 AM",G,Run,5127,12.0,activities/1.gpx.gz,5127,5000,12000\n'
        '2,"Jan 10, 2021, 8:54:28 AM",T,Run,5127,12.0,activities/2.tcx.gz,5127,5000,\n'
        '3,"Sep 27, 2021, 2:13:10 PM",F,Run,3558,11.27,activities/3.fit,3558,3558,11274\n',
        encoding="utf-8",
    )
    result = read_strava_export(tmp_path)
    counts = result.samples.groupby("activity_id").size()
    assert counts["strava:1"] == 1697  # README: 1697 trackpoints
    assert counts["strava:2"] > 0
    assert counts["strava:3"] > 0
    runs = result.runs
    # merge.py's rule: the device file's measured values win over the CSV's, the export keeps its names
    # ... except distance from a GPX track, a summed great-circle length (12608.7 m, README:
    # longer than the device's 12.0 km): the export's 12000 m stays
    assert runs.loc["strava:1", "distance_m"] == pytest.approx(12000.0)
    assert runs.loc["strava:1", "name"] == "G"  # not the GPX's <name>
    assert runs.loc["strava:2", "distance_m"] > 0  # blank in the CSV: filled from the TCX file
    # the truncated FIT's session totals (written before the records) still give the run's distance
    assert runs.loc["strava:3", "distance_m"] == pytest.approx(11274.0, abs=0.1)
    fit_entry = result.log.set_index("source_file").loc[f"{tmp_path}/activities/3.fit"]
    assert fit_entry["status"] == "duplicate" and "truncated" in fit_entry["reason"]


def _venusq_export(tmp_path: Path, shared_data: Path, *, hr: str = "151", name: str = "Evening Run") -> Path:
    """A folder export whose one row disagrees with its real FIT file (the Venu Sq run of a Strava export)."""
    acts = tmp_path / "activities"
    acts.mkdir()
    fit_gz = (shared_data / "fit" / "strava_export_venusq_run.fit.gz").read_bytes()
    (acts / "12866632127.fit.gz").write_bytes(fit_gz)
    row = en_row(12866632127, "May 29, 2022, 3:53:35 PM", name, "Run", "3.40", "3400.0", gear="Kinvara 13",
                 filename="activities/12866632127.fit.gz", cadence="80", rpe="7", gear_id="12090302", hr=hr,
                 elevation="99.0", moving="1500.0", elapsed="1600")
    (tmp_path / "activities.csv").write_text(EN_HEADER + "\n" + row + "\n", encoding="utf-8")
    return tmp_path


def test_row_and_file_device_wins_for_measured_values(tmp_path: Path, shared_data: Path):
    export = _venusq_export(tmp_path, shared_data)
    csv_run = read_strava_export(export, read_files=False).runs.iloc[0]
    result = read_strava_export(export)
    run = result.runs.loc["strava:12866632127"]
    # the CSV says 3400 m, 1500/1600 s, 160 steps/min, 99 m; the FIT file (README): 3322.9 m, 1428 s
    assert csv_run["distance_m"] == 3400.0 and csv_run["moving_time_s"] == 1500.0
    assert run["distance_m"] == pytest.approx(3322.9, abs=0.1)
    assert run["moving_time_s"] == pytest.approx(1428.0, abs=0.1)
    assert run["elapsed_time_s"] == pytest.approx(1428.0, abs=0.1)
    assert run["avg_cadence_spm"] == pytest.approx(140.0)
    assert run["elevation_gain_m"] == pytest.approx(109.0)
    # the file has no heart rate: the export's value stays; names, gear and RPE are the export's
    assert run["avg_heart_rate_bpm"] == 151.0
    export_fields = (run["name"], run["gear_name"], run["gear_id"], run["rpe"])
    assert export_fields == ("Evening Run", "Kinvara 13", "12090302", 7.0)
    assert run["source"] == "strava"
    entry = result.log.set_index("source_file").loc[f"{export}/activities/12866632127.fit.gz"]
    assert entry["status"] == "duplicate"
    assert entry["reason"].endswith("measured values from the file where the CSV differs: distance_m, "
                                    "moving_time_s, elapsed_time_s, avg_cadence_spm, elevation_gain_m")


def test_row_and_file_fill_what_the_other_lacks(tmp_path: Path, shared_data: Path):
    export = _venusq_export(tmp_path, shared_data, hr="", name="")
    run = read_strava_export(export).runs.iloc[0]
    assert pd.isna(run["avg_heart_rate_bpm"])  # in neither
    assert pd.isna(run["name"])  # the FIT file has no name either
    assert run["gear_name"] == "Kinvara 13"


def test_row_and_file_combine_as_merge_does(tmp_path: Path, shared_data: Path):
    """Row + file in the reader give the run merge_duplicates makes of the CSV run and FIT run read apart."""
    from analysis.ingest.merge import DEVICE_FIELDS, PLATFORM_FIELDS, merge_duplicates
    from analysis.io.base import ReadResult
    from analysis.io.fit import read_fit

    export = _venusq_export(tmp_path, shared_data)
    joined = read_strava_export(export, tz="Europe/Copenhagen").runs.loc["strava:12866632127"]
    csv_only = read_strava_export(export, tz="Europe/Copenhagen", read_files=False)
    fit = read_fit((export / "activities" / "12866632127.fit.gz").read_bytes(), tz="Europe/Copenhagen",
                   name="12866632127.fit.gz")
    merged = merge_duplicates(ReadResult.concat([csv_only, fit])).runs
    assert list(merged.index) == ["strava:12866632127"]  # merge.py joined them under the export's id
    fields = [*DEVICE_FIELDS, *PLATFORM_FIELDS, "date"]
    pd.testing.assert_series_equal(joined[fields], merged.loc["strava:12866632127", fields])


def _one_file_export(tmp_path: Path, rel: str, data: bytes) -> Path:
    (tmp_path / "activities").mkdir()
    (tmp_path / rel).write_bytes(data)
    (tmp_path / "activities.csv").write_text(
        "Activity ID,Activity Date,Activity Name,Activity Type,Elapsed Time,Distance,Filename\n"
        f'1,"May 29, 2022, 3:53:35 PM",R,Run,1600,3.4,{rel}\n', encoding="utf-8")
    return tmp_path


def _file_entry(result, export: Path, rel: str) -> pd.Series:
    return result.log.set_index("source_file").loc[f"{export}/{rel}"]


def test_a_cut_gz_activity_file_says_so(tmp_path: Path, shared_data: Path):
    """Bug fixed: the note of a cut .gz was dropped; what precedes the cut was read silently."""
    fit_gz = (shared_data / "fit" / "strava_export_venusq_run.fit.gz").read_bytes()
    export = _one_file_export(tmp_path, "activities/1.fit.gz", fit_gz[:-500])
    result = read_strava_export(export)
    entry = _file_entry(result, export, "activities/1.fit.gz")
    assert "truncated after" in entry["reason"] and "gzip data cut short" in entry["reason"]
    assert "strava:1" in result.runs.index


def test_a_cut_gz_file_that_fails_names_the_cut(tmp_path: Path, shared_data: Path):
    gpx_gz = gzip.compress((shared_data / "gpx" / "strava_run.gpx").read_bytes())
    export = _one_file_export(tmp_path, "activities/1.gpx.gz", gpx_gz[:2000])
    entry = _file_entry(read_strava_export(export), export, "activities/1.gpx.gz")
    assert entry["status"] == "failed"
    assert "not readable as GPX" in entry["reason"] and "gzip data cut short" in entry["reason"]


def test_gzip_is_told_by_its_bytes_not_its_name(tmp_path: Path, shared_data: Path):
    """A gzip-compressed TCX named .tcx is inflated before its leading spaces are stripped."""
    tcx = b"          " + (shared_data / "tcx" / "garmin_fr620_run.tcx").read_bytes()
    export = _one_file_export(tmp_path, "activities/1.tcx", gzip.compress(tcx))
    entry = _file_entry(read_strava_export(export), export, "activities/1.tcx")
    assert entry["status"] == "duplicate"
    assert "damaged XML" not in entry["reason"]  # before: the spaces stayed and the XML declaration broke


def test_files_given_beside_their_export_are_read_once(tmp_path: Path, shared_data: Path):
    # `runlog runs export_42/*` names activities.csv and the activities/ folder: the export reads that folder
    # itself, so each file was read twice (two log rows, a FIT run merged once by the export, once by the merge)
    from analysis.ingest import read_sources

    archive = _write_export_zip(tmp_path / "export.zip", shared_data)
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(tmp_path / "unpacked")
    root = tmp_path / "unpacked" / "export_42"
    once = read_sources([root], progress=False)
    for named in (sorted(root.iterdir()), [root / "activities.csv", root / "activities" / "999.fit.gz"]):
        both = read_sources(named, progress=False)
        assert sorted(both.runs.index) == sorted(once.runs.index)
        files = both.log["source_file"][both.log["row"].isna()]
        assert not files.duplicated().any(), files[files.duplicated()].tolist()
        assert f"{root}/activities/999.fit.gz" in set(files)

"""A Samsung Health "Download personal data" export given to the loader: zip, folder, or the table alone.

Fixtures written here: the export's layout (one CSV per table, line 1 naming it; a jsons/ folder
of per-record payloads), holding an exercise table with a run and a swim, a sibling exercise table
and a sleep table that hold no workouts, and one payload.
"""

from __future__ import annotations

import zipfile

import pandas as pd
import pytest

from analysis.ingest import read_sources
from analysis.ingest.importlog import by_source

ROOT = "samsunghealth_runner_20240310120000"
P = "com.samsung.health.exercise."
EXERCISE = (
    "com.samsung.shealth.exercise,7006011,17\n"
    + ",".join(["title"] + [P + c for c in ("datauuid", "start_time", "end_time", "time_offset", "exercise_type",
                                             "duration", "distance", "mean_heart_rate")]) + "\n"
    # 2021-01-10 08:54:28 UTC, 5127 s, 12.0 km: the run of the shared Strava GPX file, as a watch summed it
    "Sunday long,bbbb0001-0000-4000-8000-000000000001,2021-01-10 08:54:28.000,2021-01-10 10:19:55.000,"
    "UTC+0100,1002,5100000,12000.0,150,\n"
    ",bbbb0002-0000-4000-8000-000000000002,2026-07-10 16:39:58.319,2026-07-10 16:48:30.219,UTC-0300,"
    "14001,511900,,0.0,\n"
)
FILES = {
    f"{ROOT}/com.samsung.shealth.exercise.20240310120000.csv": EXERCISE,
    f"{ROOT}/com.samsung.shealth.exercise.weather.20240310120000.csv":
        "com.samsung.shealth.exercise.weather,6010001,3\nstart_time,exercise_id,temperature\n"
        "2021-01-10 08:54:28.000,bbbb0001-0000-4000-8000-000000000001,3.5\n",
    f"{ROOT}/com.samsung.shealth.sleep.20240310120000.csv":
        "com.samsung.shealth.sleep,7006011,11\ncom.samsung.health.sleep.start_time,"
        "com.samsung.health.sleep.end_time\n2021-01-09 22:00:00.000,2021-01-10 06:00:00.000\n",
    f"{ROOT}/jsons/com.samsung.shealth.exercise/b/"
    "bbbb0001-0000-4000-8000-000000000001.com.samsung.health.exercise.live_data.json":
        '[{"start_time": 1610268868000, "heart_rate": 140.0, "speed": 2.3}]',
}
EXERCISE_CSV = f"{ROOT}/com.samsung.shealth.exercise.20240310120000.csv"


def _zip(tmp_path):
    path = tmp_path / "samsung_export.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in FILES.items():
            zf.writestr(name, text)
    return path


def _folder(tmp_path):
    for name, text in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path / ROOT


@pytest.mark.parametrize("given", ["zip", "folder"])
def test_the_export_reads_its_exercise_table_and_names_every_other_file(tmp_path, given):
    source = _zip(tmp_path) if given == "zip" else _folder(tmp_path)
    result = read_sources([source], tz="UTC", progress=False, workers=1)
    assert list(result.runs.index) == ["samsung:bbbb0001-0000-4000-8000-000000000001"]
    run = result.runs.iloc[0]
    assert run["distance_m"] == 12000.0 and run["moving_time_s"] == 5100.0 and run["elapsed_time_s"] == 5127.0
    assert run["start_time"] == pd.Timestamp("2021-01-10T08:54:28Z")
    assert run["date"] == pd.Timestamp("2021-01-10")
    assert run["avg_heart_rate_bpm"] == 150 and run["name"] == "Sunday long"
    log = result.log
    table = f"{source}!{EXERCISE_CSV}" if given == "zip" else str(tmp_path / EXERCISE_CSV)
    rows = log[log["source_file"] == table]
    assert rows["status"].tolist() == ["imported", "imported", "not_a_run"]
    assert rows["reason"].iloc[2] == "exercise type 14001 (swimming) is not a run"
    others = log[log["source_file"] != table].set_index("source_file")["reason"]
    assert len(others) == 3 and (log.loc[log["source_file"] != table, "status"] == "not_a_run").all()
    reasons = sorted(others)
    assert reasons[0].startswith("a Samsung Health data file")
    assert reasons[1] == ("a Samsung Health table that holds no workouts (com.samsung.shealth.exercise.weather): "
                          "not an activity file")
    assert reasons[2] == ("a Samsung Health table that holds no workouts (com.samsung.shealth.sleep): "
                          "not an activity file")
    assert by_source(log).loc["samsung", "not_a_run"] == 1


def test_the_table_named_alone_is_read_and_a_table_without_workouts_is_not_an_error(tmp_path):
    _folder(tmp_path)
    result = read_sources([tmp_path / EXERCISE_CSV], tz="UTC", progress=False)
    assert len(result.runs) == 1
    sleep = tmp_path / ROOT / "com.samsung.shealth.sleep.20240310120000.csv"
    result = read_sources([sleep], progress=False)
    assert result.runs.empty and list(result.log["status"]) == ["not_a_run"]


def test_an_exercise_table_without_its_columns_fails_in_one_line(tmp_path):
    path = tmp_path / "com.samsung.shealth.exercise.20240310120000.csv"
    path.write_text("com.samsung.shealth.exercise,7006011,17\ntitle,com.samsung.health.exercise.start_time\n")
    result = read_sources([path], progress=False)
    assert list(result.log["status"]) == ["failed"]
    assert result.log["reason"].iloc[0].startswith(
        "Samsung Health exercise table without the columns exercise_type, duration (header: title,")


def test_the_same_run_from_the_watchs_gpx_is_one_run(tmp_path, shared_data):
    """Samsung's row names the run (id, title) and gives the distance the watch summed and the date
    from its offset; the GPX file gives the times and heart rate, as a Runkeeper row and its GPX."""
    _folder(tmp_path)
    gpx = shared_data / "gpx" / "strava_run.gpx"
    result = read_sources([tmp_path / EXERCISE_CSV, gpx], tz="UTC", progress=False, workers=1)
    assert list(result.runs.index) == ["samsung:bbbb0001-0000-4000-8000-000000000001"]
    run = result.runs.iloc[0]
    assert run["distance_m"] == 12000.0  # the watch's, not the GPX track's 12.6 km
    assert run["elapsed_time_s"] == pytest.approx(5127.0)
    assert run["name"] == "Sunday long"
    statuses = result.log.loc[result.log["source_file"] == str(gpx), "status"].tolist()
    assert statuses == ["duplicate"]


def test_an_exercise_table_whose_name_line_was_removed_is_read_not_logged_as_holding_no_workouts(tmp_path):
    """A user deleted line 1 to open the table in a spreadsheet; the header (prefixed columns first)
    is line 1. Its runs were logged not_a_run, "a Samsung Health table that holds no workouts"."""
    header, rows = EXERCISE.split("\n", 1)[1].split("\n", 1)
    path = tmp_path / "com.samsung.shealth.exercise.20240310120000.csv"
    path.write_text(header.split(",", 1)[1] + ",title\n" + "\n".join(
        ",".join(line.split(",")[1:-1] + [line.split(",")[0]]) for line in rows.splitlines()) + "\n")
    result = read_sources([path], tz="UTC", progress=False)
    assert list(result.runs.index) == ["samsung:bbbb0001-0000-4000-8000-000000000001"]
    assert result.runs["name"].iloc[0] == "Sunday long"
    assert result.log["status"].tolist() == ["imported", "imported", "not_a_run"]
    assert result.log["row"].iloc[1:].tolist() == [2, 3]


def test_a_json_in_a_folder_named_com_samsung_is_not_taken_for_a_samsung_payload(tmp_path):
    """The payload rule reads the file's own name: a JSON under an Android folder com.samsung.android.* is judged
    by what it is, not called a Samsung payload because of its folder."""
    folder = tmp_path / "com.samsung.android.app" / "export"
    folder.mkdir(parents=True)
    (folder / "notes.json").write_text('{"hello": 1}', encoding="utf-8")
    log = read_sources([folder], tz="UTC").log
    row = log[log["source_file"].astype(str).str.endswith("notes.json")].iloc[0]
    assert "Samsung" not in str(row["reason"])

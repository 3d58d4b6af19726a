"""`runlog check` a person can read (issue "Real people's files, as they come", items 6 and 7).

A hand-made Strava export folder (one real FIT file, one row whose file the export does not hold,
a walk) and a diary typed in a spreadsheet (semicolons, an empty pain cell, a half point, a
conflicting repeat) stand in for what people give.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from analysis import pipeline
from analysis.cli import main
from analysis.errors import RunlogError

CSV_HEADER = (
    "Activity ID,Activity Date,Activity Name,Activity Type,Elapsed Time,Distance,Filename,Elapsed Time,"
    "Moving Time,Distance\n"
)


def _export(tmp_path: Path, shared_data: Path) -> Path:
    export = tmp_path / "export"
    (export / "activities").mkdir(parents=True)
    shutil.copy(shared_data / "fit" / "garmin_fenix2_run_dynamics.fit", export / "activities" / "1.fit")
    (export / "activities.csv").write_text(
        CSV_HEADER
        + '1,"Aug 15, 2015, 2:45:08 PM",Fenix run,Run,2832,9.01,activities/1.fit,2832,2832,9008.2\n'
        + '2,"Aug 17, 2015, 6:00:00 PM",No file run,Run,1800,5.00,activities/2.fit.gz,1800,1800,5000\n'
        + '3,"Aug 18, 2015, 6:00:00 PM",Walk,Walk,1800,2.00,,1800,1800,2000\n',
        encoding="utf-8",
    )
    return export


DIARY = (
    "Date;When;Where;Side;Pain (0-10)\n"
    "13/08/2015;morning;Achilles;R;1\n"
    "14/08/2015;morning;Achilles;R;\n"  # not logged
    "15/08/2015;after;Achilles;R;2,5\n"  # a half point
    "16/08/2015;morning;Achilles;R;3\n"
    "16/08/2015;morning;Achilles;R;5\n"  # the same entry with another pain
    "20/08/2015;morning;heel;L;0\n"
)


@pytest.fixture
def files(tmp_path, shared_data):
    diary = tmp_path / "pain.csv"
    diary.write_text(DIARY, encoding="utf-8")
    return _export(tmp_path, shared_data), diary


def _check(capsys, *argv) -> tuple[int, str]:
    code = main(["check", *argv, "--no-progress", "--no-cache", "--tz", "UTC"])
    return code, capsys.readouterr().out


def test_check_summary_first_then_details_within_100_columns(files, capsys):
    export, diary = files
    code, out = _check(capsys, str(export), "--pain", str(diary))
    assert code == 0
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 100
    assert lines.index("Summary") < lines.index("Details")
    text = " ".join(line.strip() for line in out.splitlines())
    # the period is the diary's span; both runs fall in it
    assert "2 imported; 2 in the analysis period 2015-08-13 to 2015-08-20 (8 days, the diary's span)" in text
    # the row whose file the export does not hold is imported, not failed
    assert "2 runs (1 without their activity file)" in text and "0 failed" in text
    assert (
        "no activity file: export/activities.csv, row 3: activity file activities/2.fit.gz not in the export"
        in text
    )
    # the diary summary: rows, span, regions, sides, times, merged and dropped
    assert "pain.csv (long layout): 6 rows, 5 entries, 2015-08-13 to 2015-08-20 (8 days)" in text
    assert "logged on 4 days, 50.0 % of the period" in text
    assert "entries by region: plantar 1, achilles 4; sides L, R; times morning, after" in text
    assert "1 entries merged" in text and "1 rows dropped (empty pain: not logged)" in text
    assert "1 pain values with a fraction rounded half up to whole points (row 4: 2,5 -> 3)" in text
    assert "2015-08-16 achilles R morning: pain 3 and 5 (rows 5, 6)" in text
    # the runs without a shoe, listed
    assert "runs without a shoe (2):" in text and "strava:2" in text and "No file run" in text
    assert "not a run: export/activities.csv, row 4: Walk (activity type) is not a run" in text
    assert "using the embedded sample" not in text


def test_check_lists_a_screenful_and_all_with_all(files, capsys):
    export, diary = files
    _, short = _check(capsys, str(export), "--pain", str(diary))
    _, everything = _check(capsys, str(export), "--pain", str(diary), "--all")
    assert "every import-log entry" in everything
    assert len(everything.splitlines()) > len(short.splitlines())
    assert max(len(line) for line in everything.splitlines()) <= 100


def test_check_counts_and_period_are_the_json_ones(files, tmp_path, capsys):
    export, diary = files
    out_json = tmp_path / "f.json"
    assert main(["report", str(export), "--pain", str(diary), "--no-pdf", "--json", str(out_json),
                 "--no-progress", "--no-cache", "--tz", "UTC"]) == 0
    capsys.readouterr()
    f = json.loads(out_json.read_text())
    c = pipeline.check(pipeline.resolve_inputs([export], pain=diary), tz="UTC")
    assert f["period"]["start"] == f"{c.start:%Y-%m-%d}" and f["period"]["end"] == f"{c.end:%Y-%m-%d}"
    assert (f["period"]["diary_start"], f["period"]["diary_end"]) == ("2015-08-13", "2015-08-20")
    assert f["data"]["runs"] == c.runs_in_period == 2
    assert f["data"]["distance_km"] == pytest.approx(c.distance_km, rel=1e-5)
    assert f["data"]["pain_days_logged_pct"] == pytest.approx(c.pain_days_logged_pct, abs=0.01)


def test_check_says_when_it_uses_the_embedded_sample(files, monkeypatch, capsys):
    export, diary = files
    monkeypatch.setattr(pipeline, "sample_inputs", lambda: pipeline.Inputs(sources=[export], pain=diary))
    code, out = _check(capsys)
    assert code == 0
    first = out.splitlines()[0]
    assert first.startswith("runlog check: using the embedded sample (data/sample): export, pain.csv")


def test_side_files_are_read_before_any_activity_file(files, tmp_path, monkeypatch, capsys):
    export, _ = files
    bad = tmp_path / "bad_pain.csv"
    bad.write_text("date,time_of_day,region,side,pain\n2015-08-13,morning,shin,L,2\n", encoding="utf-8")

    def no_import(*args, **kwargs):
        raise AssertionError("an activity file was read before the side files were checked")

    monkeypatch.setattr(pipeline, "read_sources", no_import)
    for cmd in ("check", "report"):
        assert main([cmd, str(export), "--pain", str(bad), "--no-progress", "--tz", "UTC"]) == 2
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and "bad_pain.csv, row 2: region 'shin'" in err
    bad_shoes = tmp_path / "shoes.csv"
    bad_shoes.write_text("nothing,useful\n1,2\n", encoding="utf-8")
    with pytest.raises(RunlogError):
        pipeline.load_runs(pipeline.resolve_inputs([export], shoes=bad_shoes), tz="UTC")


def test_check_says_which_loading_tests_the_diary_holds_per_region(files, tmp_path, capsys):
    export, _ = files
    diary = tmp_path / "tests.csv"
    diary.write_text(
        "date,time_of_day,region,side,pain,reps\n"
        "2015-08-13,morning,achilles,R,1,\n"
        "2015-08-13,test:single_leg_heel_raise,achilles,R,3,18\n"
        "2015-08-14,test:single leg heel raise,achilles,B,2,\n"  # B: one row, two entries (L and R)
        "2015-08-15,test:decline_squat,patellar,L,4,10\n"
        "2015-08-15,test:hop,achilles,L,1,\n",
        encoding="utf-8",
    )
    code, out = _check(capsys, str(export), "--pain", str(diary))
    assert code == 0 and max(len(line) for line in out.splitlines()) <= 100
    text = " ".join(line.strip() for line in out.splitlines())
    summary = text[text.index("Summary"):text.index("Details")]
    # 4 test rows as written, 5 entries (the B row is L and R) on 3 days; per region each test's days and sides
    assert ("loading tests: 4 diary rows, 5 entries on 3 days, 2015-08-13 to 2015-08-15; achilles: hop 1 day "
            "(L 1), single_leg_heel_raise 2 days (L 1, R 2); patellar: decline_squat 1 day (L 1)") in summary
    # the diary line counts the pain items apart: 5 rows read, 1 entry (the morning)
    assert "tests.csv (long layout): 5 rows, 1 entries" in summary
    # a diary without tests says so
    _, plain = _check(capsys, str(export), "--pain", str(files[1]))
    assert "loading tests: none in the diary" in " ".join(line.strip() for line in plain.splitlines())


def test_a_region_never_logged_is_no_patchy_diary_warning(files, capsys):
    # the diary logs achilles and plantar on 3 and 1 of 8 days (both below two thirds: warned) and never the
    # patellar tendon or the glutes: a runner who keeps only the regions that hurt is not told their diary
    # is patchy there; the details line still gives every region's coverage
    export, diary = files
    _, out = _check(capsys, str(export), "--pain", str(diary))
    text = " ".join(line.strip() for line in out.splitlines())
    assert "diary coverage achilles: 38 % of 8 days logged" in text
    assert "diary coverage plantar: 12 % of 8 days logged" in text
    assert "diary coverage patellar:" not in text and "diary coverage glute:" not in text
    assert ("diary coverage of the period: plantar 12 %, achilles 38 %, patellar never logged, glute never "
            "logged") in text


def test_a_diary_with_nothing_logged_in_the_period_is_warned(files, tmp_path, capsys):
    # every pain cell empty (or a header only): no region is logged at all, which is no "region the runner
    # does not keep" but a diary that cannot be used; it was warned per region before the 0 % regions were
    # left out, and then not at all
    export, _ = files
    for text in ("Date;When;Where;Side;Pain (0-10)\n13/08/2015;morning;Achilles;R;\n",
                 "Date;When;Where;Side;Pain (0-10)\n"):
        diary = tmp_path / "unlogged.csv"
        diary.write_text(text, encoding="utf-8")
        _, out = _check(capsys, str(export), "--pain", str(diary))
        text = " ".join(line.strip() for line in out.splitlines())
        warned = text.split("Warnings", 1)[1].split("Details", 1)[0]
        assert "no pain logged on any day of the analysis period" in warned
        assert "diary coverage achilles:" not in warned

"""Issue [M]: real people's files, as they come - each item tried as a new user would, through the CLI.

A runner in UTC+8 moving between Vivobarefoot and Hoka shoes, a physiotherapist reading the report on
a computer in another zone. Real exports from ../shared/data, changed only where the case needs it
(gear names, a Garmin CSV written from the same runs); item 1 (install) is tests/test_cli_install.py,
item 3 (units) tests/io/test_garmin.py.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from analysis.cli import main
from analysis.io.strava import read_strava

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = REPO / "data" / "templates"
STRAVA_103 = "strava/deansabroso_103col_activities.csv"  # 54 runs, 297.0 km; gear on 49 of them


def _hms(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _garmin_csv_of(strava_csv: Path, out: Path, zone: str) -> pd.DataFrame:
    """The runs of a Strava activities.csv as a Garmin Connect CSV would list them: wall time in ``zone``."""
    runs = read_strava(strava_csv, tz="UTC").runs
    with out.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_ALL)
        w.writerow(["Activity Type", "Date", "Favorite", "Title", "Distance", "Calories", "Time", "Avg HR",
                    "Avg Pace", "Moving Time", "Elapsed Time"])
        for _, r in runs.iterrows():
            km = r["distance_m"] / 1000
            moving = r["moving_time_s"] if pd.notna(r["moving_time_s"]) else r["elapsed_time_s"]
            pace = moving / km
            w.writerow(["Running", r["start_time"].tz_convert(zone).strftime("%Y-%m-%d %H:%M:%S"), "false",
                        r["name"], f"{km:.2f}", "400", _hms(moving), "148", f"{int(pace // 60)}:{int(pace % 60):02d}",
                        _hms(moving), _hms(r["elapsed_time_s"])])
    return runs


@pytest.fixture
def computer_in_berlin(monkeypatch):
    """This computer's zone is Europe/Berlin (what runlog assumes without --tz)."""
    import tzlocal

    monkeypatch.setenv("TZ", "Europe/Berlin")
    tzlocal.reload_localzone()
    yield
    monkeypatch.undo()
    tzlocal.reload_localzone()


def test_2_strava_and_garmin_csv_in_another_zone_count_each_run_once(shared_data, tmp_path, capsys,
                                                                     computer_in_berlin):
    strava = shared_data / STRAVA_103
    garmin = tmp_path / "Activities.csv"
    runs = _garmin_csv_of(strava, garmin, "Asia/Singapore")
    assert (len(runs), round(runs["distance_m"].sum() / 1000, 1)) == (54, 297.0)
    assert main(["runs", str(strava), str(garmin), "--no-progress", "-o", str(tmp_path / "runs.csv")]) == 0
    out, err = capsys.readouterr()
    assert "\n54 runs, 297.0 km\n" in out  # was 108 runs, 594.0 km
    assert "no --tz given: times written without a UTC offset (Garmin CSV, plain CSV) are read as Europe/Berlin" in err
    assert ("54 runs were read twice, a whole number of hours apart: the wall times of the Garmin CSV imply "
            "UTC+08:00, not Europe/Berlin as assumed") in err
    merged = pd.read_csv(tmp_path / "runs.csv", index_col="activity_id")
    # the UTC start of the Strava export, the runner's own date from the Garmin wall time
    expected = runs["start_time"].dt.tz_convert("Asia/Singapore").dt.strftime("%Y-%m-%d")
    assert (merged.loc[expected.index, "date"].str[:10] == expected).all()
    # told the zone, the same result, and the zone is not said to be assumed
    assert main(["runs", str(strava), str(garmin), "--no-progress", "--tz", "Asia/Singapore"]) == 0
    out, err = capsys.readouterr()
    assert "\n54 runs, 297.0 km\n" in out and "no --tz given" not in err and "read twice" not in err


def _export_with_gear(shared_data: Path, folder: Path, names: dict[str, str], shoes_csv: str | None) -> Path:
    """A Strava export folder: the real 103-column activities.csv with its gear renamed, and a shoes.csv.

    ``names`` maps a gear name to a new one; "old@N" maps only its first N activities (file order).
    """
    folder.mkdir(parents=True)
    with (shared_data / STRAVA_103).open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    gear = rows[0].index("Activity Gear")
    firsts = {k.split("@")[0]: [int(k.split("@")[1]), v] for k, v in names.items() if "@" in k}
    for r in rows[1:]:
        if r[gear] in firsts and firsts[r[gear]][0] > 0:
            firsts[r[gear]][0] -= 1
            r[gear] = firsts[r[gear]][1]
        else:
            r[gear] = names.get(r[gear], r[gear])
    with (folder / "activities.csv").open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    if shoes_csv is not None:
        (folder / "shoes.csv").write_text(shoes_csv, encoding="utf-8")
    return folder


#: the runner's Pegasus 32 ("Peggy"), and a Clifton 9 bought after 15 runs in a Clifton 7
RENAMED = {"Adidas Lite Racer 4.0 Cloudfoam": "Peggy", "Adidas Adizero Evo SL@4": "Hoka Clifton 9",
           "Adidas Adizero Evo SL": "Hoka Clifton 7"}
EXPORT_SHOES = ("Shoe Name,Shoe Brand,Shoe Model,Shoe Default Sport Types\n"
                "Peggy,Nike,Pegasus 32,Run\nHoka Clifton 7,Hoka,Clifton 7,\nHoka Clifton 9,Hoka,Clifton 9,\n")


def _shoe_lines(out: str) -> dict[str, str]:
    return {name: next(ln for ln in out.splitlines() if ln.startswith(name))
            for name in ("Peggy", "Hoka Clifton 7", "Hoka Clifton 9")}


def _cells(line: str, shoe: str) -> list[str]:
    """The cells of a ``runlog shoes`` line after the shoe's name: class, MI %, runs, km, first, last, ..."""
    return line[len(shoe):].split()


def test_4_shoes_keep_their_names_and_say_where_their_specs_came_from(shared_data, tmp_path, capsys):
    export = _export_with_gear(shared_data, tmp_path / "export_54", RENAMED, EXPORT_SHOES)
    assert main(["shoes", str(export), "--no-progress", "--tz", "UTC"]) == 0
    out = capsys.readouterr().out
    lines = _shoe_lines(out)
    assert "Nike Pegasus 40" not in out.replace("version, Nike Pegasus 40", "")  # never shown as a Pegasus 40
    assert lines["Peggy"].rstrip().endswith("specs of the nearest built-in version, Nike Pegasus 40")
    assert lines["Hoka Clifton 7"].rstrip().endswith("specs of the nearest built-in version, Hoka Clifton 9")
    assert lines["Hoka Clifton 9"].rstrip().endswith("specs of the built-in Hoka Clifton 9")
    # the Clifton 9's mileage is its own 4 runs, not the Clifton 7's 15 added to it
    acts = pd.read_csv(export / "activities.csv")
    acts = acts[acts["Activity Type"] == "Run"]
    c9_km = acts.loc[acts["Activity Gear"] == "Hoka Clifton 9", "Distance.1"].sum() / 1000
    assert _cells(lines["Hoka Clifton 9"], "Hoka Clifton 9")[2:4] == ["4", f"{c9_km:.1f}"]  # runs, km
    assert _cells(lines["Hoka Clifton 7"], "Hoka Clifton 7")[2] == "15"
    assert "partial" in lines["Peggy"] and "partial" in lines["Hoka Clifton 7"]


def test_4_translated_shoes_csv_through_shoes_and_unmatched_rows(shared_data, tmp_path, capsys):
    bare = _export_with_gear(shared_data, tmp_path / "no_shoes_csv", RENAMED, None)
    schuhe = tmp_path / "schuhe.csv"
    schuhe.write_text("Schuhname,Schuhmarke,Schuhmodell,Standard-Sportarten\nPeggy,Nike,Pegasus 32,Lauf\n"
                      "Hoka Clifton 9,Hoka,Clifton 9,\nVivos,Vivobarefoot,Primus Lite III,\n", encoding="utf-8")
    assert main(["check", str(bare), "--shoes", str(schuhe), "--no-progress", "--tz", "UTC"]) == 0
    out = " ".join(capsys.readouterr().out.split())  # check wraps its lines at 100 columns
    assert "shoe specs: Peggy: partial, MI 32: specs of the nearest built-in version, Nike Pegasus 40" in out
    assert "shoe specs: Hoka Clifton 7: partial, MI 42: specs of the nearest built-in version, Hoka Clifton 9" in out
    assert "- 1 of 3 rows of schuhe.csv match no run: 'Vivos' (row 4)" in out
    assert "shoe specs: Hoka Clifton 9: partial, MI 42: specs of the built-in Hoka Clifton 9" in out
    assert "give --shoes" not in out


def test_4_v_run_of_the_template_is_minimalist_with_its_mi_range(shared_data, tmp_path, capsys):
    export = _export_with_gear(shared_data, tmp_path / "export_vff", {"Adidas Adizero Evo SL@4": "FiveFingers"}, None)
    assert main(["shoes", str(export), "--shoes", str(TEMPLATES / "shoes.csv"), "--no-progress", "--tz", "UTC"]) == 0
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if ln.startswith("FiveFingers"))
    assert _cells(line, "FiveFingers")[:3] == ["minimalist", "76-96", "4"]  # not "unknown"
    assert "specs of the built-in Vibram FiveFingers V-Run (MI partial: stack_mm unknown)" in line
    # the template's other rows name no shoe of this export
    assert "warning: 3 of 4 rows of shoes.csv match no run: 'Barefoot' (row 2), 'Sandals' (row 3), " in out


def _watch_folder(shared_data: Path, folder: Path) -> Path:
    folder.mkdir()
    for name in ("garmin_fr110_run_2013.fit", "garmin_fenix2_run_dynamics.fit", "stryd_run_devfields.fit",
                 "garmin_fenix5_run_short.fit", "garmin_fr920xt_run_stryd.fit"):
        shutil.copy(shared_data / "fit" / name, folder / name)
    return folder


def test_5_a_watch_folder_by_footwear_with_a_gear_log_overrides_and_a_default_shoe(shared_data, tmp_path, capsys):
    watch = _watch_folder(shared_data, tmp_path / "watch")
    # no gear in FIT files: check says what can help, and not "give --shoes" when --shoes was given
    assert main(["check", str(watch), "--shoes", str(TEMPLATES / "shoes.csv"), "--no-progress", "--tz", "UTC"]) == 0
    out = " ".join(capsys.readouterr().out.split())  # check wraps its lines at 100 columns
    assert ("- 5 of 5 runs record no shoe: give --default-shoe NAME, --gear-log FILE (date ranges) or "
            "--overrides FILE") in out
    assert "give --shoes" not in out
    assert ("- 4 of 4 rows of shoes.csv match no run: 'Barefoot' (row 2), 'Sandals' (row 3), 'FiveFingers' "
            "(row 4), 'Daily trainer' (row 5) - your runs record no gear: name these shoes in --gear-log, "
            "--overrides or --default-shoe") in out
    gear_log = tmp_path / "gear_log.csv"
    gear_log.write_text("from,to,shoe\n2013-01-01,2015-12-31,FiveFingers\n")
    overrides = tmp_path / "overrides.csv"
    overrides.write_text("date,shoe\n2017-06-11,barefoot\n")
    assert main(["runs", str(watch), "--shoes", str(TEMPLATES / "shoes.csv"), "--gear-log", str(gear_log),
                 "--overrides", str(overrides), "--default-shoe", "Daily trainer", "--no-progress", "--tz", "UTC",
                 "-o", str(tmp_path / "runs.csv")]) == 0
    runs = pd.read_csv(tmp_path / "runs.csv").set_index("date")
    runs.index = runs.index.str[:10]
    assert runs.loc["2013-02-06", ["shoe_rule", "gear_name", "shoe_class"]].tolist() == [
        "gear_log", "FiveFingers", "minimalist"]
    assert runs.loc["2015-08-15", "shoe_rule"] == "gear_log"
    assert runs.loc["2017-06-11", ["shoe_rule", "shoe_class"]].tolist() == ["override", "barefoot"]
    assert runs.loc["2017-01-17", ["shoe_rule", "gear_name", "shoe_class"]].tolist() == [
        "default", "Daily trainer", "partial"]
    assert runs.loc["2019-05-18", "shoe_rule"] == "default"


def test_5_a_garmin_csv_by_footwear_with_the_gear_log_template(shared_data, tmp_path, capsys):
    """hlasse's Danish Garmin CSV (41 runs, 2018-09 to 2020-03, no gear) with a gear log of date ranges."""
    gear_log = tmp_path / "gear_log.csv"
    gear_log.write_text("from,to,shoe,min_km,max_km,sport\n2018-01-01,2019-06-30,Hoka Clifton 9,,,\n"
                        "2019-07-01,,Vivobarefoot Primus Lite III,,6,\n2019-07-01,,Hoka Clifton 9,6,,\n")
    assert main(["shoes", str(shared_data / "garmin_csv" / "hlasse_da_Activities.csv"), "--gear-log", str(gear_log),
                 "--no-progress", "--tz", "Europe/Copenhagen"]) == 0
    out = capsys.readouterr().out
    assert "(no shoe" not in out
    vivo = next(ln for ln in out.splitlines() if ln.startswith("Vivobarefoot Primus Lite III"))
    hoka = next(ln for ln in out.splitlines() if ln.startswith("Hoka Clifton 9"))
    vivo, hoka = _cells(vivo, "Vivobarefoot Primus Lite III"), _cells(hoka, "Hoka Clifton 9")
    assert vivo[:2] == ["minimalist", "88"] and hoka[:2] == ["partial", "42"]
    assert int(vivo[2]) + int(hoka[2]) == 41


def test_4_report_pdf_says_where_specs_came_from(shared_data, tmp_path, capsys):
    export = _export_with_gear(shared_data, tmp_path / "export_pdf", RENAMED, EXPORT_SHOES)
    pdf = tmp_path / "report.pdf"
    assert main(["report", str(export), "--no-progress", "--tz", "UTC", "-o", str(pdf)]) == 0
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(pdf).pages)
    assert "Hoka Clifton 7 partial 42 specs of the nearest built-in version, Hoka Clifton 9" in text
    assert "Peggy partial 32 specs of the nearest built-in version, Nike Pegasus 40" in text

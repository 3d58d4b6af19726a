"""Overrides written against the generic CSV's old run ids (SHA-1) still reach their runs; a bogus id is told.

Until the ids changed, a CSV row without ``activity_id`` was ``csv:`` + the first
12 hex digits of the SHA-1 of its fields joined by the delimiter (the header's
width, a short row padded with empty fields). The old ids below are computed by
that rule here, by hand, from the rows' text.
"""

from __future__ import annotations

import gzip
import hashlib
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from analysis import footwear as fw
from analysis.ingest.loader import legacy_csv_ids, read_sources
from analysis.pipeline import Inputs, load_runs

ROWS = ("2025-03-01T07:00:00Z,5000,Morning run", "2025-03-02T07:00:00Z,6000,Evening run",
        "2025-03-03T07:00:00Z,7000,")
CSV = "start_time,distance_m,name\n" + "\n".join(ROWS) + "\n"


def _old_id(row: str) -> str:
    return "csv:" + hashlib.sha1(row.encode("utf-8")).hexdigest()[:12]


def _write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def test_old_ids_with_and_without_prefix_are_matched_and_a_bogus_one_is_told(tmp_path, capsys):
    runs_csv = _write(tmp_path / "runs.csv", CSV)
    overrides = _write(tmp_path / "ov.csv", "activity_id,shoe\n"
                       f"{_old_id(ROWS[0])},barefoot\n"
                       f"{_old_id(ROWS[1])[4:]},minimalist\n"  # without the csv: prefix
                       "csv:0123456789ab,traditional\n")
    result, _ = load_runs(Inputs(sources=[runs_csv], overrides=overrides), tz="UTC")
    runs = result.runs.sort_values("start_time")
    assert runs["shoe_rule"].tolist() == ["override", "override", "unknown"]
    assert runs["shoe_class"].tolist() == ["barefoot", "minimalist", "unknown"]
    assert not runs.index.isin([_old_id(r) for r in ROWS]).any()  # the runs carry the new ids
    err = capsys.readouterr().err.splitlines()
    told = [line for line in err if "0123456789ab" in line]
    assert len(told) == 1 and "ov.csv" in told[0] and "no run" in told[0] and "traditional" in told[0]
    matched = [line for line in err if "2 activity_ids of CSV runs" in line]
    assert len(matched) == 1 and "ov.csv" in matched[0] and runs.index[0] in matched[0]


def test_a_run_named_by_its_new_id_keeps_that_override_over_its_old_id(tmp_path, capsys):
    runs_csv = _write(tmp_path / "runs.csv", CSV)
    runs = read_sources([runs_csv], tz="UTC").runs.sort_values("start_time")
    new = runs.index[0]
    overrides = pd.DataFrame({"activity_id": [_old_id(ROWS[0]), new], "shoe": ["barefoot", "traditional"]})
    out = fw.assign_footwear(runs, overrides=overrides, legacy_ids=legacy_csv_ids)
    assert out.loc[new, "shoe_class"] == "traditional"
    assert "1 activity_id of CSV runs" in capsys.readouterr().err


def test_the_old_ids_are_not_computed_when_every_override_matches(tmp_path, capsys):
    runs = read_sources([_write(tmp_path / "runs.csv", CSV)], tz="UTC").runs.sort_values("start_time")

    def never(_runs):
        raise AssertionError("legacy ids computed although every override matched")

    overrides = pd.DataFrame({"activity_id": [runs.index[0], runs.index[1][4:]], "shoe": ["barefoot", "minimalist"]})
    out = fw.assign_footwear(runs, overrides=overrides, legacy_ids=never)
    assert out["shoe_rule"].tolist() == ["override", "override", "unknown"]
    assert capsys.readouterr().err == ""


def test_without_legacy_ids_an_unmatched_override_is_still_told(capsys):
    runs = fw.assign_footwear(_one_run(), overrides={"strava:999": "barefoot"})
    assert runs["shoe_rule"].tolist() == ["unknown"]
    err = capsys.readouterr().err
    assert "the overrides: activity_id 'strava:999' (barefoot) names no run given" in err


def _one_run() -> pd.DataFrame:
    from analysis.schema import coerce_runs

    return coerce_runs(pd.DataFrame({"date": pd.to_datetime(["2024-05-01"]), "distance_m": [5000.0]},
                                    index=pd.Index(["strava:1"], name="activity_id")))


@pytest.mark.parametrize("packing", ["zip", "gzip", "semicolons"])
def test_legacy_ids_are_found_in_zips_gzip_and_other_delimiters(tmp_path, packing):
    text = CSV
    if packing == "semicolons":
        text = CSV.replace(",", ";")
        source = _write(tmp_path / "runs.csv", text)
    elif packing == "gzip":
        source = tmp_path / "runs.csv.gz"
        source.write_bytes(gzip.compress(text.encode()))
    else:
        source = tmp_path / "export.zip"
        with zipfile.ZipFile(source, "w") as zf:
            zf.writestr("inner/runs.csv", text)
    runs = read_sources([source], tz="UTC").runs.sort_values("start_time")
    assert len(runs) == 3
    mapping = legacy_csv_ids(runs)
    delimiter = ";" if packing == "semicolons" else ","
    old = [_old_id(r.replace(",", delimiter)) for r in ROWS]
    assert [mapping[o] for o in old] == runs.index.tolist()


def test_legacy_ids_of_a_file_gone_are_none(tmp_path):
    source = _write(tmp_path / "runs.csv", CSV)
    runs = read_sources([source], tz="UTC").runs
    source.unlink()
    assert legacy_csv_ids(runs) == {}
    assert legacy_csv_ids(runs.iloc[:0]) == {}


def test_an_id_that_ends_several_runs_ids_is_told_not_guessed(capsys):
    from analysis.schema import coerce_runs

    runs = coerce_runs(pd.DataFrame({"date": pd.to_datetime(["2024-05-01", "2024-05-02"]), "distance_m": [5e3, 6e3]},
                                    index=pd.Index(["strava:7", "garmin:7"], name="activity_id")))
    out = fw.assign_footwear(runs, overrides={"7": "barefoot"})
    assert out["shoe_rule"].tolist() == ["unknown", "unknown"]
    err = capsys.readouterr().err
    assert "'7' (barefoot) is the end of several runs' ids (strava:7, garmin:7)" in err


def test_a_diary_entry_naming_a_run_by_its_old_id_is_renamed_to_its_run(tmp_path):
    from analysis import flareups
    from analysis.io.pain_diary import read_pain_diary
    from analysis.pipeline import pain_with_current_ids

    rows = ("2025-03-01T07:00:00Z,5000,Morning", "2025-03-01T18:00:00Z,6000,Evening")
    runs_csv = _write(tmp_path / "runs.csv", "start_time,distance_m,name\n" + "\n".join(rows) + "\n")
    diary = _write(tmp_path / "pain.csv", "date,time_of_day,region,side,pain,activity_id\n"
                   "2025-03-01,morning,achilles,L,1,\n"
                   f"2025-03-01,after,achilles,L,7,{_old_id(rows[1])}\n")
    result, _ = load_runs(Inputs(sources=[runs_csv]), tz="UTC")
    runs = result.runs.sort_values("start_time")
    pain = read_pain_diary(diary)
    renamed, n, missing = pain_with_current_ids(pain, runs)
    assert n == 1 and not missing and renamed["activity_id"].iloc[1] == runs.index[1]
    assert pain["activity_id"].iloc[1] == _old_id(rows[1])  # the caller's frame is left as it was
    # the 24-hour rule now puts the after-run 7/10 on the evening run only, not on both of the day's runs
    rule = flareups.twenty_four_hour_rule(renamed, runs)
    assert rule.loc[runs.index[1], "after_max"] == 7 and pd.isna(rule.loc[runs.index[0], "after_max"])
    before = flareups.twenty_four_hour_rule(pain, runs)
    assert before.loc[runs.index[0], "after_max"] == 7  # what an unmatched old id did
    assert pain_with_current_ids(renamed, runs)[1:] == (0, [])  # nothing left to rename
    unknown = pain.assign(activity_id=pd.array([pd.NA, "csv:0123456789ab"], dtype="string"))
    # an id that names no run, old or new, stays, and is returned to be told
    assert pain_with_current_ids(unknown, runs)[1:] == (0, ["csv:0123456789ab"])


def test_a_cached_file_given_by_another_path_is_named_as_given_now_and_its_old_ids_still_match(
        tmp_path, monkeypatch, capsys):
    # the cache holds runs.csv under the relative label typed in its folder; read again from the
    # parent folder, the rows must name the file as given now, or the old ids cannot be recomputed
    from analysis.ingest.cache import Cache

    folder = tmp_path / "data"
    folder.mkdir()
    _write(folder / "runs.csv", CSV)
    overrides = _write(tmp_path / "ov.csv", f"activity_id,shoe\n{_old_id(ROWS[0])},barefoot\n")
    monkeypatch.chdir(folder)
    cold, _ = load_runs(Inputs(sources=[Path("runs.csv")]), tz="UTC", cache=Cache(tmp_path / "cache"))
    assert set(cold.log["source_file"]) == {"runs.csv"}
    monkeypatch.chdir(tmp_path)
    warm, _ = load_runs(Inputs(sources=[Path("data/runs.csv")], overrides=overrides), tz="UTC",
                        cache=Cache(tmp_path / "cache"))
    assert set(warm.runs["source_file"]) == {str(Path("data/runs.csv"))}
    assert set(warm.log["source_file"]) == {str(Path("data/runs.csv"))}
    assert (warm.runs["shoe_class"] == "barefoot").sum() == 1  # the old id matched its run
    assert "name no run" not in capsys.readouterr().err
    fresh, _ = load_runs(Inputs(sources=[Path("data/runs.csv")]), tz="UTC")
    pd.testing.assert_series_equal(warm.runs["source_file"].sort_index(), fresh.runs["source_file"].sort_index())

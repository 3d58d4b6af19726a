"""Odd things on disk: empty files, pipes, folders named like files, links out of the tree, CR line ends."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from analysis.errors import RunlogError
from analysis.ingest.loader import read_sources
from analysis.io.base import ReadResult
from tests.robustness.check import time_limit


@pytest.fixture
def run_fit(shared_data) -> Path:
    return shared_data / "fit" / "garmin_fenix5_run_short.fit"


def _read(paths, **kw) -> ReadResult:
    with time_limit(30):
        return read_sources(paths, progress=False, workers=1, **kw)


def _strava_csv(rows: list[tuple[str, str]]) -> str:
    head = "Activity ID,Activity Date,Activity Name,Activity Type,Elapsed Time,Distance,Filename\n"
    return head + "".join(f'{i},"Mar {k + 1}, 2025, 7:00:00 AM",Run,Run,1800,5.0,{f}\n'
                          for k, (i, f) in enumerate(rows))


@pytest.mark.parametrize("name", ["empty.fit", "empty.csv", "empty.gpx", "empty.fit.gz", "empty"])
def test_empty_file_named_directly_is_one_line(tmp_path, name):
    (tmp_path / name).write_bytes(b"")
    with pytest.raises(RunlogError) as err:
        _read([tmp_path / name])
    assert str(err.value) == f"{tmp_path / name}: empty file"


def test_empty_files_in_a_folder_are_each_logged(tmp_path):
    names = ["a.fit", "b.csv", "c.gpx", "d.tcx", "e.fit.gz", "f.json", "g.zip"]
    for n in names:
        (tmp_path / n).write_bytes(b"")
    res = _read([tmp_path])
    assert sorted(res.log["source_file"]) == sorted(str(tmp_path / n) for n in names)
    assert set(res.log["status"]) <= {"failed", "not_a_run"}


def test_folder_named_like_a_file_is_walked(tmp_path, run_fit):
    odd = tmp_path / "run.fit"
    odd.mkdir()
    shutil.copy(run_fit, odd / "inside.fit")
    (tmp_path / "activities.csv").mkdir()  # a folder with a Strava file's name
    res = _read([tmp_path])
    assert list(res.log["source_file"]) == [str(odd / "inside.fit")]
    assert len(res.runs) == 1
    res = _read([odd])
    assert len(res.runs) == 1


def test_a_pipe_is_never_opened(tmp_path, run_fit):
    """Reading a FIFO would wait forever for a writer: it is logged (in a folder) or refused (named)."""
    fifo = tmp_path / "stream.fit"
    os.mkfifo(fifo)
    shutil.copy(run_fit, tmp_path / "run.fit")
    res = _read([tmp_path])
    log = res.log.set_index("source_file")
    assert log.loc[str(fifo), "status"] == "failed"
    assert log.loc[str(fifo), "reason"].startswith("not a regular file")
    assert log.loc[str(tmp_path / "run.fit"), "status"] == "imported"
    with pytest.raises(RunlogError, match="stream.fit: not a regular file"):
        _read([fifo])


def test_links_out_of_the_tree_are_not_followed(tmp_path, run_fit):
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(run_fit, outside / "secret.fit")
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "link.fit").symlink_to(outside / "secret.fit")
    (tree / "linkdir").symlink_to(outside, target_is_directory=True)
    (tree / "sub" / "loop").symlink_to(tree, target_is_directory=True)  # a loop
    (tree / "sub" / "self.fit").symlink_to(tree / "sub" / "self.fit")  # a link to itself
    (tree / "dangling.fit").symlink_to(tree / "gone.fit")
    shutil.copy(run_fit, tree / "sub" / "real.fit")
    (tree / "inside.fit").symlink_to(tree / "sub" / "real.fit")  # a link within the tree is read
    res = _read([tree])
    log = res.log.set_index("source_file")
    assert log.loc[str(tree / "link.fit"), "reason"] == "link to a place outside the folder given: not followed"
    assert log.loc[str(tree / "dangling.fit"), "reason"].startswith("not a regular file")
    assert log.loc[str(tree / "linkdir"), "reason"] == "link to a place outside the folder given: not followed"
    assert log.loc[str(tree / "sub" / "self.fit"), "reason"] == "link that leads back to itself (a loop): not followed"
    assert str(outside / "secret.fit") not in set(res.log["source_file"])
    assert not any("linkdir/" in f or "loop" in f for f in res.log["source_file"])  # never walked into
    both = {log.loc[str(tree / "inside.fit"), "status"], log.loc[str(tree / "sub" / "real.fit"), "status"]}
    assert both == {"imported", "duplicate"}  # the link inside the tree is read: the same bytes, one run
    assert len(res.runs) == 1


def test_strava_export_beside_the_folder_given_is_not_read(tmp_path, run_fit):
    """Only folders inside the one given count as a Strava export (no climbing to the parent)."""
    export = tmp_path / "export"
    (export / "watch").mkdir(parents=True)
    (export / "activities.csv").write_text(_strava_csv([("1", ""), ("2", "")]))
    shutil.copy(run_fit, export / "watch" / "run.fit")
    res = _read([export / "watch"])
    assert list(res.log["source_file"]) == [str(export / "watch" / "run.fit")]
    assert not res.runs.index.str.startswith("strava:").any()


def test_strava_folder_never_reads_files_outside_it(tmp_path, run_fit):
    """Filename cells like ../x.fit, /abs/x.fit or links out of the export are not read."""
    secret = tmp_path / "secret"
    secret.mkdir()
    shutil.copy(run_fit, secret / "private.fit")
    export = tmp_path / "export"
    (export / "activities").mkdir(parents=True)
    (export / "activities" / "linked.fit").symlink_to(secret / "private.fit")
    (export / "activities.csv").write_text(_strava_csv([
        ("1", "../secret/private.fit"),
        ("2", f"/{secret / 'private.fit'}"),
        ("3", "activities/linked.fit"),
    ]))
    res = _read([export])
    assert sorted(res.runs.index) == ["strava:1", "strava:2", "strava:3"]  # kept from the CSV rows
    assert res.samples.empty  # ... but no file outside the export was read
    # a file the export does not hold (or holds only as a link out of it) is no failed input: each row's
    # entry says its run has the CSV's summary values only
    rows = res.log[res.log["row"].notna()]
    assert (rows["status"] == "imported").all() and rows["reason"].str.contains("not in the export").all()
    assert not (res.log["status"] == "failed").any()


def test_cr_only_line_ends_are_read(tmp_path, shared_data):
    """Excel for Mac's "CSV (Macintosh)" ends lines with a lone CR; this crashed the Strava sniffer."""
    src = (shared_data / "strava" / "archipelagic_77col_activities.csv").read_bytes()
    mac = tmp_path / "activities_mac.csv"
    mac.write_bytes(src.replace(b"\r\n", b"\n").replace(b"\n", b"\r"))
    plain = _read([shared_data / "strava" / "archipelagic_77col_activities.csv"])
    res = _read([mac])
    assert len(res.runs) == len(plain.runs) == 3  # README-exports.md: 3 runs of 6 activities
    assert sorted(res.log["row"].dropna()) == sorted(plain.log["row"].dropna())


def test_a_reader_bug_is_logged_not_raised(tmp_path, run_fit, monkeypatch):
    """One file whose reader fails in an unforeseen way must not stop an import of thousands."""
    import analysis.io.gpx as gpx

    def broken(*args, **kwargs):
        raise KeyError("lat")

    monkeypatch.setattr(gpx, "read_gpx", broken)
    monkeypatch.delenv("RUNLOG_DEBUG", raising=False)
    shutil.copy(shared_data_gpx(run_fit), tmp_path / "t.gpx")
    shutil.copy(run_fit, tmp_path / "run.fit")
    res = _read([tmp_path])
    log = res.log.set_index("source_file")
    assert log.loc[str(tmp_path / "t.gpx"), "status"] == "failed"
    assert log.loc[str(tmp_path / "t.gpx"), "reason"].startswith("unexpected error reading this file (KeyError")
    assert log.loc[str(tmp_path / "run.fit"), "status"] == "imported"
    monkeypatch.setenv("RUNLOG_DEBUG", "1")
    with pytest.raises(KeyError):
        _read([tmp_path])


def shared_data_gpx(run_fit: Path) -> Path:
    return run_fit.parents[1] / "gpx" / "tomtom_run.gpx"


def test_a_file_whose_reader_logs_nothing_is_still_in_the_log(tmp_path, monkeypatch):
    import analysis.io.generic_csv as generic_csv

    monkeypatch.setattr(generic_csv, "read_generic_csv", lambda *a, **k: ReadResult())
    (tmp_path / "runs.csv").write_text("start_time,distance_m\n2025-01-01T07:00:00Z,5000\n")
    res = _read([tmp_path])
    assert list(res.log["source_file"]) == [str(tmp_path / "runs.csv")]
    assert res.log["reason"].iloc[0] == "no activity in the file"

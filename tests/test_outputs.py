"""analysis.outputs.atomic_write: whole or not at all, under the user's umask, one line when it cannot."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pandas as pd
import pytest

from analysis import outputs
from analysis.cli import main
from analysis.errors import RunlogError
from analysis.outputs import atomic_write


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_gets_the_mode_the_umask_gives(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        path = atomic_write(tmp_path / "out.txt", lambda tmp: Path(tmp).write_text("x"))
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == mode  # mkstemp would have made it 0600 whatever the umask
    assert path.read_text() == "x" and [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_a_missing_folder_an_existing_folder_and_a_read_only_place_are_one_line_each(tmp_path, monkeypatch):
    with pytest.raises(RunlogError, match=r"mkdir -p .*missing") as exc:
        atomic_write(tmp_path / "missing" / "out.csv", lambda tmp: None)
    assert "\n" not in str(exc.value) and not (tmp_path / "missing").exists()  # not created behind the user
    (tmp_path / "report.pdf").mkdir()
    with pytest.raises(RunlogError, match="is a folder: give a file name in it"):
        atomic_write(tmp_path / "report.pdf", lambda tmp: None)
    monkeypatch.setattr(outputs.os, "access", lambda *a, **k: False)  # root may write anywhere: say it cannot
    with pytest.raises(RunlogError, match="cannot be written"):
        atomic_write(tmp_path / "out.csv", lambda tmp: None)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf"]


def test_a_full_disk_leaves_the_previous_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "runs.csv"
    target.write_text("previous\n")

    def half_then_full(tmp):
        with open(tmp, "w") as fh:
            fh.write("half of the new")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(RunlogError, match="the disk is full.*unchanged"):
        atomic_write(target, half_then_full)
    assert target.read_text() == "previous\n" and list(tmp_path.iterdir()) == [target]
    with pytest.raises(OSError):  # the cache's writes let the OSError through (it imports without the cache)
        atomic_write(target, half_then_full, user_output=False)
    assert target.read_text() == "previous\n" and list(tmp_path.iterdir()) == [target]


def test_a_link_is_written_where_it_points(tmp_path):
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    atomic_write(link, lambda tmp: Path(tmp).write_text("new"))
    assert link.is_symlink() and real.read_text() == "new"


@pytest.mark.parametrize("where", ["missing/runs.csv", "folder"])
def test_cli_output_that_cannot_be_written_is_exit_2_before_the_import(shared_data, tmp_path, capsys, where):
    (tmp_path / "folder").mkdir()
    target = tmp_path / where
    code = main(["runs", str(shared_data / "fit" / "garmin_fenix5_run_short.fit"), "--no-progress", "--tz", "UTC",
                 "-o", str(target)])
    out, err = capsys.readouterr()
    assert code == 2 and len(err.strip().splitlines()) == 1 and str(target) in err
    assert "runs," not in out  # told before the import, not after printing the table
    assert not (tmp_path / "missing").exists()


def test_report_output_in_a_missing_folder_is_exit_2_before_anything_is_computed(tmp_path, capsys):
    code = main(["report", "--no-progress", "-o", str(tmp_path / "no" / "report.pdf")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "mkdir -p" in err[0]


def test_runs_output_is_0644_under_the_usual_umask(shared_data, tmp_path):
    old = os.umask(0o022)
    try:
        out = tmp_path / "runs.csv"
        assert main(["runs", str(shared_data / "fit" / "garmin_fenix5_run_short.fit"), "--no-progress",
                     "--tz", "UTC", "-o", str(out)]) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644 and len(pd.read_csv(out)) == 1
